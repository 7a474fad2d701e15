/** `notifier deliveries list|show` and `notifier replay`: inspect the store and send again. */
import type {
  DeliveryHistory,
  DeliveryQueue,
  DeliveryRecord,
  DeliveryStatus,
} from "../store/types.js";
import { DELIVERY_STATUSES } from "../store/types.js";
import { CliError, type CliIo } from "./io.js";

export function parseStatus(text: string | undefined): DeliveryStatus | undefined {
  if (text === undefined) return undefined;
  if ((DELIVERY_STATUSES as readonly string[]).includes(text)) return text as DeliveryStatus;
  throw new CliError(`--status must be one of ${DELIVERY_STATUSES.join(", ")}, not "${text}"`);
}

function line(delivery: DeliveryRecord): string {
  const what = delivery.action ? `${delivery.event}.${delivery.action}` : delivery.event;
  const why = delivery.reason ?? delivery.error ?? "";
  return [
    delivery.receivedAt.toISOString(),
    delivery.id,
    delivery.status.padEnd(10),
    what.padEnd(32),
    (delivery.repository ?? "-").padEnd(28),
    why,
  ]
    .join("  ")
    .trimEnd();
}

/**
 * `notifier deliveries list [--status dead] [--repo owner/name] [--limit 50]`, newest first.
 *
 * @example
 * await listCommand({ io, store, status: "dead", repository: undefined, limit: 50 })
 */
export async function listCommand(params: {
  io: CliIo;
  store: Pick<DeliveryHistory, "listDeliveries">;
  status: DeliveryStatus | undefined;
  repository: string | undefined;
  limit: number;
}): Promise<number> {
  const deliveries = await params.store.listDeliveries({
    ...(params.status ? { status: params.status } : {}),
    ...(params.repository ? { repository: params.repository } : {}),
    limit: params.limit,
  });
  if (deliveries.length === 0) {
    params.io.stdout("no deliveries match\n");
    return 0;
  }
  for (const delivery of deliveries) params.io.stdout(`${line(delivery)}\n`);
  return 0;
}

/** `notifier deliveries show <id>`: the event, the decisions, every notification and attempt. */
export async function showCommand(params: {
  io: CliIo;
  store: Pick<DeliveryHistory, "getDelivery" | "getNotifications" | "getAttempts">;
  id: string;
}): Promise<number> {
  const { io, store, id } = params;
  const delivery = await store.getDelivery(id);
  if (!delivery) throw new CliError(`no delivery ${id} in the store`, 1);
  const [notifications, attempts] = await Promise.all([
    store.getNotifications(id),
    store.getAttempts(id),
  ]);
  const what = delivery.action ? `${delivery.event}.${delivery.action}` : delivery.event;
  io.stdout(
    [
      `delivery   ${delivery.id}`,
      `event      ${what}`,
      `repository ${delivery.repository ?? "-"}`,
      `received   ${delivery.receivedAt.toISOString()}`,
      `status     ${delivery.status}${delivery.reason ? ` (${delivery.reason})` : ""}`,
      ...(delivery.error ? [`error      ${delivery.error}`] : []),
      `attempts   ${delivery.attempts}${delivery.nextAttemptAt ? `, next ${delivery.nextAttemptAt.toISOString()}` : ""}`,
      "",
      "notifications:",
      ...(notifications.length === 0
        ? ["  (none)"]
        : notifications.map(
            (n) =>
              `  ${n.channel.padEnd(16)} ${n.status.padEnd(8)} posts: ${n.attempts}${n.sentAt ? `, sent ${n.sentAt.toISOString()}` : ""}${n.error ? `, error: ${n.error}` : ""}`,
          )),
      "",
      "history:",
      ...(attempts.length === 0
        ? ["  (none)"]
        : attempts.map((a) =>
            `  ${a.at.toISOString()}  ${(a.channel ?? "routing").padEnd(16)} ${a.outcome.padEnd(8)} ${a.detail ?? ""}`.trimEnd(),
          )),
    ].join("\n") + "\n",
  );
  return 0;
}

/**
 * `notifier replay <id> [--force]` or `notifier replay --status dead [--force]`: routes the
 * delivery again. Channels that already got the message are not posted to again unless `--force`.
 */
export async function replayCommand(params: {
  io: CliIo;
  store: DeliveryHistory & Pick<DeliveryQueue, "requeueDelivery">;
  ids: string[];
  status: DeliveryStatus | undefined;
  force: boolean;
  now: Date;
}): Promise<number> {
  const { io, store } = params;
  let ids = params.ids;
  if (params.status) {
    ids = (await store.listDeliveries({ status: params.status, limit: 10_000 })).map((d) => d.id);
  }
  if (ids.length === 0) {
    io.stdout("nothing to replay\n");
    return 0;
  }
  let missing = 0;
  for (const id of ids) {
    const notifications = await store.getNotifications(id);
    const sent = notifications.filter((n) => n.status === "sent").map((n) => n.channel);
    const ok = await store.requeueDelivery({ id, force: params.force, now: params.now });
    if (!ok) {
      io.stderr(`no delivery ${id} in the store\n`);
      missing += 1;
      continue;
    }
    await store.recordAttempt({
      deliveryId: id,
      channel: null,
      at: params.now,
      outcome: "replay",
      detail: params.force ? "forced: every channel is posted again" : null,
    });
    const note =
      sent.length === 0
        ? ""
        : params.force
          ? ` (already sent to ${sent.join(", ")}: posting again, --force)`
          : ` (already sent to ${sent.join(", ")}: not posted again; --force to post anyway)`;
    io.stdout(`replaying ${id}${note}\n`);
  }
  io.stdout("a running app picks replayed deliveries up within seconds\n");
  return missing > 0 ? 1 : 0;
}
