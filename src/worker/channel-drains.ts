/**
 * One drain per channel with work: each channel posts at its own pace and on its own, so a
 * Slack outage on one webhook holds only that channel.
 */
import type { Log } from "../shared/log.js";
import type { ChannelRegistry } from "../settings/channels.js";
import type { NotificationQueue } from "../store/types.js";
import { drainChannel, type SendDeps } from "./send-channel.js";

export interface ChannelDrains {
  /** Starts a drain for each configured channel (and the direct-message queue) that has work and none yet. */
  start(): Promise<void>;
  /** The drains under way, to wait for when stopping. */
  running(): Promise<void>[];
}

/**
 * @example
 * const drains = createChannelDrains({ deps, channels, store, log, onEnded: wake });
 * await drains.start();
 */
export function createChannelDrains(params: {
  deps: SendDeps;
  channels: ChannelRegistry;
  store: Pick<NotificationQueue, "countWaiting">;
  log: Pick<Log, "error">;
  /** Called when a drain ends: more may have arrived while it finished. */
  onEnded(): void;
}): ChannelDrains {
  const { deps, channels, store, log } = params;
  const drains = new Map<string, Promise<void>>();
  return {
    async start() {
      // The direct-message queue drains like a channel (its own pace), after the named ones.
      const dm = channels.dm();
      const all = [
        ...channels.names().flatMap((name) => {
          const channel = channels.get(name);
          return channel ? [channel] : [];
        }),
        ...(dm ? [dm] : []),
      ];
      for (const channel of all) {
        const { name } = channel;
        if (deps.stopped() || drains.has(name)) continue;
        if ((await store.countWaiting({ channel: name, now: deps.now(), cap: 1 })) === 0) continue;
        if (drains.has(name)) continue;
        const drain = drainChannel({ deps, channel })
          .catch((error: unknown) =>
            log.error({ err: error, channel: name }, "sending failed; will try again"),
          )
          .finally(() => {
            drains.delete(name);
            params.onEnded();
          });
        drains.set(name, drain);
      }
    },
    running: () => [...drains.values()],
  };
}
