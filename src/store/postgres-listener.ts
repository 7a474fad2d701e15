/**
 * LISTEN on a dedicated connection (a pooled one would be handed to other queries), and
 * reconnect with backoff when it drops. Every (re)connection counts as a wake-up: work
 * may have been announced while nobody listened.
 */
import pg from "pg";

export interface NotifyListener {
  stop(): Promise<void>;
}

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;

/**
 * Starts listening on `channel`; `onNotify` runs on each notification and after each (re)connect.
 *
 * @example
 * const listener = startListener({ client: { connectionString }, channel: "notifier_work", onNotify: wake });
 * await listener.stop();
 */
export function startListener(params: {
  client: pg.ClientConfig;
  channel: string;
  onNotify: () => void;
}): NotifyListener {
  const { channel, onNotify } = params;
  let current: pg.Client | null = null;
  let stopped = false;
  let retryMs = FIRST_RETRY_MS;
  let timer: NodeJS.Timeout | null = null;

  const dropped = (client: pg.Client) => {
    if (client !== current) return;
    current = null;
    client.end().catch(() => {
      // Already broken; nothing left to close.
    });
    if (stopped) return;
    timer = setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  };

  const connect = async () => {
    timer = null;
    const client = new pg.Client({ ...params.client, keepAlive: true });
    current = client;
    client.on("error", () => dropped(client));
    client.on("end", () => dropped(client));
    client.on("notification", (message) => {
      if (message.channel === channel) onNotify();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
    } catch {
      dropped(client);
      return;
    }
    if (stopped || client !== current) return;
    retryMs = FIRST_RETRY_MS;
    onNotify();
  };

  void connect();

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const client = current;
      current = null;
      await client?.end().catch(() => {
        // Closing a connection that already failed.
      });
    },
  };
}
