/** `notifier mute <target> --for 2h [--reason ...]`, `notifier mute list` and `notifier unmute <target>`. */
import type { MuteRecord, MuteStore } from "../store/types.js";
import type { ChannelRegistry } from "../settings/channels.js";
import { formatDuration, parseDuration } from "../shared/duration.js";
import { parseMuteTarget, MUTE_CACHE_MS } from "../worker/mutes.js";
import { CliError, type CliIo } from "./io.js";

/**
 * Mutes a repository (`owner/name`) or a channel for a while. A channel must be one this
 * environment configures, so a typo does not silently mute nothing.
 *
 * @example
 * await muteCommand({ io, store, channels, target: "acme/api", duration: "2h", reason: "release freeze", now: new Date() });
 * // muted acme/api (repository) for 2h, until 2024-01-15T11:00:00.000Z: release freeze
 */
export async function muteCommand(params: {
  io: CliIo;
  store: Pick<MuteStore, "putMute">;
  channels: ChannelRegistry;
  target: string;
  duration: string | undefined;
  reason: string | undefined;
  now: Date;
}): Promise<number> {
  const { io, store, now } = params;
  const parsed = parseMuteTarget(params.target);
  if (!parsed.ok) throw new CliError(`mute: ${parsed.error}`);
  if (parsed.kind === "channel" && params.channels.get(parsed.target) === undefined) {
    throw new CliError(
      `mute: no channel "${parsed.target}" is configured here (known: ${params.channels.names().join(", ")}); to mute a repository write owner/name`,
    );
  }
  if (params.duration === undefined)
    throw new CliError("mute needs --for <duration>, like --for 2h");
  const duration = parseDuration(params.duration);
  if (!duration.ok) throw new CliError(`mute --for: ${duration.error}`);
  if (duration.ms <= 0)
    throw new CliError(
      "mute --for must be longer than 0; to end a mute, run notifier unmute <target>",
    );

  const reason = params.reason?.trim() || null;
  const mute: MuteRecord = {
    target: parsed.target,
    kind: parsed.kind,
    until: new Date(now.getTime() + duration.ms),
    reason,
    createdAt: now,
  };
  await store.putMute(mute);
  io.stdout(
    `muted ${mute.target} (${mute.kind}) for ${formatDuration(duration.ms)}, until ${mute.until.toISOString()}${reason ? `: ${reason}` : ""}\n` +
      `a running app applies it within ${MUTE_CACHE_MS / 1000} s; its events are recorded skipped, not posted\n`,
  );
  return 0;
}

/**
 * Lists the mutes in force, the soonest to end first.
 *
 * @example await muteListCommand({ io, store, now: new Date() })
 */
export async function muteListCommand(params: {
  io: CliIo;
  store: Pick<MuteStore, "listMutes">;
  now: Date;
}): Promise<number> {
  const mutes = await params.store.listMutes(params.now);
  if (mutes.length === 0) {
    params.io.stdout("nothing is muted\n");
    return 0;
  }
  for (const mute of mutes) {
    const left = formatRemaining(mute.until.getTime() - params.now.getTime());
    params.io.stdout(
      `${[mute.target.padEnd(32), mute.kind.padEnd(10), `until ${mute.until.toISOString()} (${left} left)`, mute.reason ?? ""].join("  ").trimEnd()}\n`,
    );
  }
  return 0;
}

/**
 * Ends a mute at once. Exit 1 when the target was not muted.
 *
 * @example await unmuteCommand({ io, store, target: "acme/api" })
 */
export async function unmuteCommand(params: {
  io: CliIo;
  store: Pick<MuteStore, "deleteMute">;
  target: string;
}): Promise<number> {
  const parsed = parseMuteTarget(params.target);
  if (!parsed.ok) throw new CliError(`unmute: ${parsed.error}`);
  if (!(await params.store.deleteMute(parsed.target))) {
    throw new CliError(`${parsed.target} is not muted (notifier mute list shows what is)`, 1);
  }
  params.io.stdout(`unmuted ${parsed.target}\n`);
  return 0;
}

/** `1h 59m`, `45s`: whole units, the largest two. */
function formatRemaining(ms: number): string {
  const parts: string[] = [];
  let rest = Math.max(0, Math.ceil(ms / 1000));
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    if (rest >= size || (unit === "s" && parts.length === 0)) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.slice(0, 2).join(" ");
}
