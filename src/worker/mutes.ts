/**
 * Mutes at routing: which repository or channel `notifier mute` silenced, read from the store
 * at most every few seconds (one indexed query for all mutes in force), and the reason a
 * silenced event is recorded with.
 */
import type { MuteKind, MuteRecord, MuteStore } from "../store/types.js";

/** The mutes in force at one moment, looked up by repository or channel. */
export interface ActiveMutes {
  /** The mute on `owner/name` (any case), if any. */
  repository(fullName: string): MuteRecord | undefined;
  channel(name: string): MuteRecord | undefined;
}

export const NO_MUTES: ActiveMutes = {
  repository: () => undefined,
  channel: () => undefined,
};

/** How long routing trusts the mutes it read: a new mute takes effect within this. */
export const MUTE_CACHE_MS = 2_000;

/**
 * The mutes in force as the reasons a reminder run records: the reason of the mute on a
 * repository or channel, or null when it is not muted.
 *
 * @example muteReasons(active).channel("eng") // "muted until 2024-01-15T11:00:00.000Z by notifier mute" or null
 */
export function muteReasons(active: ActiveMutes): {
  repository(fullName: string): string | null;
  channel(name: string): string | null;
} {
  return {
    repository: (name) => {
      const mute = active.repository(name);
      return mute === undefined ? null : muteReason(mute);
    },
    channel: (name) => {
      const mute = active.channel(name);
      return mute === undefined ? null : muteReason(mute);
    },
  };
}

/**
 * Reads what `notifier mute` was given: `owner/name` is a repository, anything else a channel.
 * Repositories are compared case-insensitively, as GitHub does; channel names are lower case.
 *
 * @example parseMuteTarget("Acme/API") // { ok: true, target: "acme/api", kind: "repository" }
 * @example parseMuteTarget("a/b/c") // { ok: false, error: "..." }
 */
export function parseMuteTarget(
  text: string,
): { ok: true; target: string; kind: MuteKind } | { ok: false; error: string } {
  const target = text.trim().toLowerCase();
  if (target.includes("/")) {
    if (/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,38}\/[\w.-]{1,100}$/.test(target)) {
      return { ok: true, target, kind: "repository" };
    }
    return {
      ok: false,
      error: `"${text}" is not a repository: write owner/name, like acme/api (or a channel name without "/")`,
    };
  }
  if (/^[a-z0-9][a-z0-9-]*$/.test(target)) return { ok: true, target, kind: "channel" };
  return {
    ok: false,
    error: `"${text}" is neither a repository (owner/name) nor a channel name (letters, digits and -)`,
  };
}

/**
 * What a muted event's record says.
 *
 * @example
 * muteReason({ target: "acme/api", kind: "repository", until: new Date("2024-01-15T11:00:00Z"), reason: "release", createdAt })
 * // "muted until 2024-01-15T11:00:00.000Z by notifier mute: release"
 */
export function muteReason(mute: MuteRecord): string {
  const base = `muted until ${mute.until.toISOString()} by notifier mute`;
  return mute.reason ? `${base}: ${mute.reason}` : base;
}

/**
 * Indexes a list of mutes for lookups.
 *
 * @example indexMutes(await store.listMutes(now)).repository("acme/api")
 */
export function indexMutes(mutes: readonly MuteRecord[]): ActiveMutes {
  const byKind: Record<MuteKind, Map<string, MuteRecord>> = {
    repository: new Map(),
    channel: new Map(),
  };
  for (const mute of mutes) byKind[mute.kind].set(mute.target, mute);
  return {
    repository: (fullName) => byKind.repository.get(fullName.toLowerCase()),
    channel: (name) => byKind.channel.get(name.toLowerCase()),
  };
}

/**
 * The mutes in force, re-read from the store once `ttlMs` has passed by `now()`. A mute that
 * ended since the last read is dropped at once, without a read.
 *
 * @example
 * const mutes = createMuteCache({ store, now: () => new Date() });
 * (await mutes.current()).channel("eng")
 */
export function createMuteCache(params: {
  store: Pick<MuteStore, "listMutes">;
  now: () => Date;
  ttlMs?: number;
}): { current(): Promise<ActiveMutes> } {
  const ttlMs = params.ttlMs ?? MUTE_CACHE_MS;
  let read: { at: number; mutes: MuteRecord[] } | null = null;
  return {
    async current() {
      const now = params.now();
      if (read === null || now.getTime() - read.at >= ttlMs || now.getTime() < read.at) {
        read = { at: now.getTime(), mutes: await params.store.listMutes(now) };
      }
      return indexMutes(read.mutes.filter((mute) => mute.until.getTime() > now.getTime()));
    },
  };
}
