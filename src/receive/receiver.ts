/**
 * The receive stage: stores each verified delivery before it is acknowledged. The webhook guard
 * (`webhook-guard.ts`) has bounded, verified and parsed the body; `accept` stores it and answers
 * only once the row is durable. A body already stored under another delivery id is a replay:
 * acknowledged, so the sender sees nothing unusual, but not stored. Nothing slow happens here:
 * the worker picks the delivery up from the store.
 *
 * The Probot app function (`createReceiver`) adds the operator's HTTP routes, and stores what
 * reaches Probot some other way (`probot.receive`, as the in-process test pipeline sends) with
 * the same `accept`.
 */
import type { ApplicationFunction, Probot } from "probot";
import type { DeliveryQueue, InsertOutcome } from "../store/types.js";
import type { Log } from "../shared/log.js";
import type { Metrics } from "../ops/metrics.js";
import { deliveryMeta } from "../normalize/normalize.js";
import type { HttpHandler, VerifiedDelivery } from "./webhook-guard.js";

export { WEBHOOK_PATH } from "./webhook-guard.js";

/** Stores one verified delivery; resolves once it is durable (or known already). */
export type AcceptDelivery = (delivery: VerifiedDelivery) => Promise<InsertOutcome>;

/**
 * @example
 * const accept = createDeliveryAcceptor({ store, metrics, log, onStored: () => worker.received() });
 * await accept({ id, event: "issues", text, payload }); // "stored"
 */
export function createDeliveryAcceptor(params: {
  store: Pick<DeliveryQueue, "insertDelivery">;
  metrics: Pick<Metrics, "received" | "duplicates" | "replays">;
  log: Pick<Log, "info" | "warn" | "debug">;
  /** Called for each delivery after it is stored (the worker's wake-up in one process). */
  onStored?: () => void;
}): AcceptDelivery {
  const { store, metrics, log } = params;
  return async (delivery) => {
    const meta = deliveryMeta(delivery.event, delivery.payload);
    const outcome = await store.insertDelivery({
      id: delivery.id,
      event: delivery.event,
      action: meta.action,
      installationId: meta.installationId,
      repository: meta.repository,
      // The verified body as the guard decoded it once.
      payload: delivery.text,
      receivedAt: new Date(),
      ...(delivery.signature === undefined ? {} : { bodyFingerprint: delivery.signature }),
    });
    if (outcome === "duplicate") {
      metrics.duplicates.inc();
      log.info(
        { deliveryId: delivery.id, event: delivery.event },
        "duplicate delivery acknowledged, not stored again",
      );
    } else if (outcome === "replay") {
      metrics.replays.inc();
      log.warn(
        { deliveryId: delivery.id, event: delivery.event, outcome },
        "replayed body: a body already stored under another delivery id was acknowledged, not stored again",
      );
    } else {
      metrics.received.inc();
      log.debug({ deliveryId: delivery.id, event: delivery.event }, "delivery stored");
      params.onStored?.();
    }
    return outcome;
  };
}

/**
 * Builds the Probot app function: the operator's routes, and `accept` for events Probot itself
 * receives (never a webhook over HTTP: the guard answers those).
 *
 * @example
 * const app = createReceiver({ accept, routes });
 * await probot.load(app);
 */
export function createReceiver(params: {
  accept: AcceptDelivery;
  /** Extra HTTP routes (health, metrics), tried before Probot's own. */
  routes?: HttpHandler[];
}): ApplicationFunction {
  return (app: Probot, options) => {
    for (const route of params.routes ?? []) options.addHandler?.(route);
    app.onAny(async (context) => {
      const payload = context.payload as unknown as Record<string, unknown>;
      await params.accept({
        id: context.id,
        event: context.name,
        text: JSON.stringify(payload),
        payload,
      });
    });
  };
}
