/**
 * The App's webhook delivery log inside the fake GitHub: attempts that send a delivery to the
 * App's webhook URL as GitHub does (signed, 10 s timeout, one log entry each), the pages
 * `GET /app/hook/deliveries` lists, and redeliveries asked for with `POST .../attempts`.
 */
import { createHmac, randomUUID } from "node:crypto";
import { sign } from "./webhook.js";

/** One entry of `GET /app/hook/deliveries`: one attempt GitHub made. */
export interface HookDeliveryEntry {
  /** This attempt's id (GitHub's are past 2^32). */
  id: number;
  /** `X-GitHub-Delivery`, shared by a delivery and its redeliveries. */
  guid: string;
  /** When the attempt started, as GitHub writes it (`2024-05-01T10:00:00Z`). */
  delivered_at: string;
  redelivery: boolean;
  /** Seconds the attempt took. */
  duration: number;
  /** `OK`, `Invalid HTTP Response: 502`, `failed to connect to host`, `timed out`. */
  status: string;
  /** The app's HTTP status, 0 when none came. */
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
}

/** How an attempt ended, in the log's words. */
export type AttemptOutcome = Pick<HookDeliveryEntry, "status" | "status_code">;

/** The App's webhook settings on GitHub: where attempts go and the secret they are signed with. */
export interface AppWebhook {
  url: string;
  secret: string;
}

export interface HookDeliveryLog {
  /** Every attempt, in the order each ended (GitHub logs an attempt once it is over). */
  entries: HookDeliveryEntry[];
  setWebhook(webhook: AppWebhook | null): void;
  deliver(params: DeliverParams): Promise<HookDeliveryEntry>;
  /** Starts a redelivery of attempt `id`; false when the log has no such attempt. */
  redeliver(id: number): boolean;
  page(params: { perPage: number; cursor: string | null }): LogPage | null;
  /** Resolves once every attempt started so far has ended and is logged. */
  settled(): Promise<void>;
  /** Aborts attempts in flight. */
  close(): void;
}

export interface DeliverParams {
  event: string;
  payload: object;
  /** Defaults to a fresh UUID. */
  guid?: string;
  /**
   * Logs the attempt with this outcome whatever the app answered: an app that stored the
   * delivery but answered after GitHub's 10 s timeout is logged `timed out`.
   */
  logAs?: AttemptOutcome;
}

export interface LogPage {
  entries: HookDeliveryEntry[];
  /** The cursor of the next page, or null on the last. */
  nextCursor: string | null;
}

interface StoredDelivery {
  guid: string;
  event: string;
  action: string | null;
  body: string;
  installationId: number | null;
  repositoryId: number | null;
}

/** GitHub gives up on an attempt after 10 s. */
const ATTEMPT_TIMEOUT_MS = 10_000;
const FIRST_ID = 12_000_000_000;
const CURSOR = /^v1_(\d+)$/;

/**
 * @example
 * const log = createHookDeliveryLog({ appId: "1" });
 * log.setWebhook({ url: `${app.baseUrl}/api/github/webhooks`, secret });
 * await log.deliver({ event: "issues", payload }); // { status: "OK", status_code: 200, ... }
 */
export function createHookDeliveryLog(params: { appId: string }): HookDeliveryLog {
  const entries: HookDeliveryEntry[] = [];
  const deliveries = new Map<string, StoredDelivery>();
  const inFlight = new Set<Promise<HookDeliveryEntry>>();
  const closing = new AbortController();
  let webhook: AppWebhook | null = null;
  let nextId = FIRST_ID;

  const attempt = (
    delivery: StoredDelivery,
    options: { redelivery: boolean; logAs?: AttemptOutcome },
  ) => {
    const running = (async () => {
      const started = Date.now();
      const outcome = await post({
        delivery,
        webhook,
        appId: params.appId,
        signal: closing.signal,
      });
      nextId += 1;
      const entry: HookDeliveryEntry = {
        id: nextId,
        guid: delivery.guid,
        delivered_at: new Date(started).toISOString().replace(/\.\d{3}Z$/, "Z"),
        redelivery: options.redelivery,
        duration: (Date.now() - started) / 1000,
        ...(options.logAs ?? outcome),
        event: delivery.event,
        action: delivery.action,
        installation_id: delivery.installationId,
        repository_id: delivery.repositoryId,
      };
      entries.push(entry);
      return entry;
    })();
    inFlight.add(running);
    void running.finally(() => inFlight.delete(running));
    return running;
  };

  return {
    entries,
    setWebhook(next) {
      webhook = next;
    },
    deliver({ event, payload, guid = randomUUID(), logAs }) {
      const fields = payload as {
        action?: unknown;
        installation?: { id?: unknown };
        repository?: { id?: unknown };
      };
      const delivery: StoredDelivery = {
        guid,
        event,
        action: typeof fields.action === "string" ? fields.action : null,
        body: JSON.stringify(payload),
        installationId: typeof fields.installation?.id === "number" ? fields.installation.id : null,
        repositoryId: typeof fields.repository?.id === "number" ? fields.repository.id : null,
      };
      deliveries.set(guid, delivery);
      return attempt(delivery, { redelivery: false, ...(logAs ? { logAs } : {}) });
    },
    redeliver(id) {
      const original = entries.find((entry) => entry.id === id);
      const delivery = original ? deliveries.get(original.guid) : undefined;
      if (!delivery) return false;
      void attempt(delivery, { redelivery: true });
      return true;
    },
    page({ perPage, cursor }) {
      let before = Number.POSITIVE_INFINITY;
      if (cursor !== null) {
        const match = CURSOR.exec(cursor);
        if (!match?.[1]) return null;
        before = Number(match[1]);
      }
      const newestFirst = [...entries]
        .sort((a, b) => b.id - a.id)
        .filter((entry) => entry.id < before);
      const slice = newestFirst.slice(0, perPage);
      const last = slice.at(-1);
      return {
        entries: slice,
        nextCursor: newestFirst.length > perPage && last ? `v1_${last.id}` : null,
      };
    },
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    close() {
      closing.abort();
    },
  };
}

/** One POST as GitHub's hookshot makes it; never throws. */
async function post(params: {
  delivery: StoredDelivery;
  webhook: AppWebhook | null;
  appId: string;
  signal: AbortSignal;
}): Promise<AttemptOutcome> {
  const { delivery, webhook } = params;
  if (webhook === null) return { status: "failed to connect to host", status_code: 0 };
  const timeout = AbortSignal.timeout(ATTEMPT_TIMEOUT_MS);
  try {
    const response = await fetch(webhook.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/fake",
        "x-github-event": delivery.event,
        "x-github-delivery": delivery.guid,
        "x-github-hook-id": "1",
        "x-github-hook-installation-target-type": "integration",
        "x-github-hook-installation-target-id": params.appId,
        "x-hub-signature": `sha1=${createHmac("sha1", webhook.secret).update(delivery.body).digest("hex")}`,
        "x-hub-signature-256": sign(delivery.body, webhook.secret),
      },
      body: delivery.body,
      signal: AbortSignal.any([timeout, params.signal]),
    });
    await response.arrayBuffer();
    return response.ok
      ? { status: "OK", status_code: response.status }
      : { status: `Invalid HTTP Response: ${response.status}`, status_code: response.status };
  } catch {
    return timeout.aborted
      ? { status: "timed out", status_code: 0 }
      : { status: "failed to connect to host", status_code: 0 };
  }
}
