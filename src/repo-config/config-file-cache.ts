/**
 * Config file texts, cached in memory and in the store (so a restart or another instance
 * does not refetch them), revalidated with ETags once `ttlMs` has passed.
 *
 * Every entry belongs to the installation whose token read it (`i<id>:<file key>`): each
 * installation is a stranger, and a private file one installation may read must never be
 * served to another that asks for it (through `_extends: other-owner/private-repo`).
 */
import type { Log } from "../shared/log.js";
import type { KeyValueStore } from "../store/types.js";
import {
  configFileKey,
  describeConfigFile,
  fileKeyOf,
  installationCacheKey,
  type ConfigFileRef,
} from "./config-files.js";
import { ConfigUnavailableError, fetchConfigFile, type GitHubClient } from "./config-fetch.js";
import { remember, share } from "./config-memo.js";

/** The store methods the config cache needs. */
export type ConfigCacheStore = Pick<
  KeyValueStore,
  "getCachedConfig" | "putCachedConfig" | "deleteCachedConfig"
>;

/** What is known about one file. */
export interface CachedFile {
  /** `i<installation>:<file key>`: the memory and store key. */
  key: string;
  /** {@link configFileKey}: the same file for every installation. */
  fileKey: string;
  /** `owner/repo:path`, for messages. */
  source: string;
  /** The text, or null when there is no readable file. */
  body: string | null;
  etag: string | null;
  fetchedAt: Date;
  /** Why the file could not be read, when that is worth telling (not for a plain 404). */
  note: string | null;
  /** Until when (epoch ms) this is used without asking GitHub. */
  freshUntil: number;
}

export interface ConfigFileCache {
  /** The file as `installationId` (whose Octokit `octokit` is) may read it. */
  get(params: {
    octokit: GitHubClient;
    installationId: number;
    file: ConfigFileRef;
  }): Promise<CachedFile>;
  /**
   * Forgets files (by {@link configFileKey}) for every installation holding them in memory,
   * in memory and in the store, and for `installationId` in the store; true when any was in
   * memory. Another instance's copy for another installation lives until its TTL.
   */
  drop(params: { fileKeys: readonly string[]; installationId: number | null }): Promise<boolean>;
}

// After GitHub failed, a stale copy is served for this long before GitHub is asked again.
const STALE_RETRY_MS = 30_000;

/**
 * @example
 * const files = createConfigFileCache({ store, ttlMs: 300_000, now: () => new Date(), timeoutMs: 10_000, maxEntries: 10_000, log });
 * const file = await files.get({ octokit, file: repositoryConfigFile({ owner: "acme", repo: "api" }) });
 */
export function createConfigFileCache(params: {
  store: ConfigCacheStore;
  ttlMs: number;
  now: () => Date;
  timeoutMs: number;
  maxEntries: number;
  log: Pick<Log, "warn" | "debug">;
}): ConfigFileCache {
  const { store, ttlMs, now, log } = params;
  const memory = new Map<string, CachedFile>();
  const inflight = new Map<string, Promise<CachedFile>>();
  // Bumped by every drop: a fetch that overlapped one may have read the old file, so it is not kept.
  let drops = 0;

  const keep = async (entry: CachedFile, dropsAtStart: number): Promise<CachedFile> => {
    if (drops !== dropsAtStart) return entry;
    remember({ map: memory, key: entry.key, value: entry, max: params.maxEntries });
    await store.putCachedConfig({
      key: entry.key,
      etag: entry.etag,
      body: entry.body,
      fetchedAt: entry.fetchedAt,
    });
    return entry;
  };

  const revalidate = async (request: {
    octokit: GitHubClient;
    key: string;
    file: ConfigFileRef;
  }): Promise<CachedFile> => {
    const { octokit, key, file } = request;
    const fileKey = configFileKey(file);
    const source = describeConfigFile(file);
    const dropsAtStart = drops;
    const inMemory = memory.get(key);
    const stored = await store.getCachedConfig(key);
    // Another instance may have refreshed it since; a deleted row means a push invalidated it.
    const known: CachedFile | null =
      stored === null
        ? null
        : {
            key,
            fileKey,
            source,
            body: stored.body,
            etag: stored.etag,
            fetchedAt: stored.fetchedAt,
            note:
              inMemory?.fetchedAt.getTime() === stored.fetchedAt.getTime() ? inMemory.note : null,
            freshUntil: stored.fetchedAt.getTime() + ttlMs,
          };
    const at = now();
    if (known !== null && at.getTime() < known.freshUntil) {
      remember({ map: memory, key, value: known, max: params.maxEntries });
      return known;
    }

    const fresh = (fields: Pick<CachedFile, "body" | "etag" | "note">): CachedFile => ({
      key,
      fileKey,
      source,
      ...fields,
      fetchedAt: at,
      freshUntil: at.getTime() + ttlMs,
    });
    try {
      const outcome = await fetchConfigFile({
        octokit,
        file,
        etag: known?.etag ?? null,
        timeoutMs: params.timeoutMs,
        now: at,
      });
      log.debug({ file: source, outcome: outcome.kind }, "config file revalidated");
      switch (outcome.kind) {
        case "found":
          return await keep(
            fresh({ body: outcome.body, etag: outcome.etag, note: null }),
            dropsAtStart,
          );
        case "missing":
          return await keep(fresh({ body: null, etag: null, note: outcome.note }), dropsAtStart);
        case "not-modified": {
          // GitHub answers 304 only to our If-None-Match, sent only with this installation's
          // copy, and only to a token that may read the file: access is proven again.
          const { body = null, etag = null, note = null } = known ?? {};
          return await keep(fresh({ body, etag, note }), dropsAtStart);
        }
      }
    } catch (error) {
      if (!(error instanceof ConfigUnavailableError) || known === null) throw error;
      // The file has not been invalidated by a push, so the last copy is very likely still right.
      const retryAt = Math.max(
        error.retryAt?.getTime() ?? 0,
        at.getTime() + Math.min(ttlMs, STALE_RETRY_MS),
      );
      log.warn(
        { file: source, error: error.message },
        "GitHub is unavailable; using the cached config file",
      );
      const stale = { ...known, freshUntil: retryAt };
      remember({ map: memory, key, value: stale, max: params.maxEntries });
      return stale;
    }
  };

  return {
    async get({ octokit, installationId, file }) {
      const key = installationCacheKey({ installationId, fileKey: configFileKey(file) });
      const entry = memory.get(key);
      if (entry !== undefined && now().getTime() < entry.freshUntil) return entry;
      return share(inflight, key, () => revalidate({ octokit, key, file }));
    },

    async drop({ fileKeys, installationId }) {
      drops += 1;
      const dropped = new Set(fileKeys);
      // Every installation's copy this instance knows of; its store row too, or the next read
      // would find that row still fresh.
      const keys = new Set<string>();
      for (const [key, entry] of memory) if (dropped.has(entry.fileKey)) keys.add(key);
      const wasInMemory = keys.size > 0;
      for (const key of keys) memory.delete(key);
      for (const key of inflight.keys()) if (dropped.has(fileKeyOf(key))) inflight.delete(key);
      if (installationId !== null) {
        for (const fileKey of fileKeys) keys.add(installationCacheKey({ installationId, fileKey }));
      }
      await Promise.all([...keys].map((key) => store.deleteCachedConfig(key)));
      return wasInMemory;
    },
  };
}
