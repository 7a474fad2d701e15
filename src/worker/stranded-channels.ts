/**
 * Notifications nothing will post: those waiting for a channel the operator no longer
 * configures (a removed `SLACK_WEBHOOK_URL_<NAME>` or `SLACK_CHANNEL_ID_<NAME>`), or direct
 * messages while `SLACK_BOT_TOKEN` is unset. They stay in the store (nothing is lost: restoring
 * the setting posts them, `notifier replay` can send their deliveries again); the worker says so
 * at start-up, naming the setting. Pure.
 */
import { channelVariables, DM_CHANNEL, type ChannelRegistry } from "../settings/channels.js";

/**
 * One warning line per open channel the registry cannot post to.
 *
 * @example
 * strandedChannels({ open: [{ channel: "ops", open: 3 }], channels })
 * // ['3 notifications wait for channel "ops", which is not configured: set SLACK_WEBHOOK_URL_OPS (or SLACK_CHANNEL_ID_OPS) to post them, or replay their deliveries (notifier replay)']
 */
export function strandedChannels(params: {
  open: readonly { channel: string; open: number }[];
  channels: Pick<ChannelRegistry, "get" | "dm">;
}): string[] {
  const lines: string[] = [];
  for (const { channel, open } of params.open) {
    const count = open === 1 ? "1 notification waits" : `${open} notifications wait`;
    if (channel === DM_CHANNEL) {
      if (params.channels.dm() === null) {
        lines.push(
          `${count} to be sent as direct messages, but SLACK_BOT_TOKEN is not set: set it to send them`,
        );
      }
      continue;
    }
    if (params.channels.get(channel) !== undefined) continue;
    const variables = channelVariables(channel);
    lines.push(
      `${count} for channel "${channel}", which is not configured: set ${variables.webhook} (or ${variables.channelId}) to post them, or replay their deliveries (notifier replay)`,
    );
  }
  return lines;
}
