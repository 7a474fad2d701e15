/**
 * The receive stage: the Probot application function. The webhook guard (`webhook-guard.ts`)
 * has bounded and verified the body before Probot sees it; this stores each delivery and lets
 * Probot acknowledge it only once the row is durable. A body already stored under another
 * delivery id is a replay: acknowledged, so the sender sees nothing unusual, but not stored.
 * Nothing slow happens here: the worker picks the delivery up from the store.
 */
import type { ApplicationFunction, Probot } from "probot";
import type { DeliveryQueue } from "../store/types.js";
import type { Metrics } from "../ops/metrics.js";
import { deliveryMeta } from "../normalize/normalize.js";
import type { HttpHandler, RawBodies } from "./webhook-guard.js";

export { WEBHOOK_PATH } from "./webhook-guard.js";

export interface ReceiverParams {
  store: Pick<DeliveryQueue, "insertDelivery">;
  metrics: Pick<Metrics, "received" | "duplicates" | "replays">;
  /** Extra HTTP routes (health, metrics), tried before the webhook path. */
  routes?: HttpHandler[];
  /** Verified bodies the webhook guard left by delivery id, decoded once; stored as they are. */
  rawBodies?: RawBodies;
  /** Called for each verified delivery after it is stored (the worker's wake-up in one process). */
  onStored?: () => void;
}

/**
 * Builds the Probot app function that stores every verified delivery before it is acknowledged.
 *
 * @example
 * const rawBodies: RawBodies = new Map();
 * const app = createReceiver({ store, metrics, rawBodies });
 * const middleware = await createNodeMiddleware(app, { probot });
 */
export function createReceiver(params: ReceiverParams): ApplicationFunction {
  const { store, metrics } = params;

  return (app: Probot, options) => {
    for (const route of params.routes ?? []) options.addHandler?.(route);

    app.onAny(async (context) => {
      const payload = context.payload as unknown;
      const meta = deliveryMeta(context.name, payload);
      // Taken out now: the store holds the only reference while the batch commits.
      const raw = params.rawBodies?.get(context.id);
      params.rawBodies?.delete(context.id);
      const outcome = await store.insertDelivery({
        id: context.id,
        event: context.name,
        action: meta.action,
        installationId: meta.installationId,
        repository: meta.repository,
        // The verified body as the guard decoded it once (the text Probot verified and parsed).
        payload: raw ?? JSON.stringify(payload),
        receivedAt: new Date(),
      });
      if (outcome === "duplicate") {
        metrics.duplicates.inc();
        app.log.info(
          { deliveryId: context.id, event: context.name },
          "duplicate delivery acknowledged, not stored again",
        );
        return;
      }
      if (outcome === "replay") {
        metrics.replays.inc();
        app.log.warn(
          { deliveryId: context.id, event: context.name, outcome },
          "replayed body: a body already stored under another delivery id was acknowledged, not stored again",
        );
        return;
      }
      metrics.received.inc();
      app.log.debug({ deliveryId: context.id, event: context.name }, "delivery stored");
      params.onStored?.();
    });
  };
}
