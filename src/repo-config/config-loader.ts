/**
 * Loads the routing config in effect for a repository: its own `.github/notifier.yml`, else
 * its owner's `.github` repository's, with `_extends` inheritance, cached (see
 * `config-file-cache.ts`) so steady traffic costs no GitHub requests. An invalid file never
 * silences a repository: the last valid config (or the defaults) stays in effect and the
 * errors are returned and logged.
 *
 * Everything is read and cached as the installation that routes (see `config-file-cache.ts`):
 * `_extends: other-owner/repo` reads only what that installation's token may read, and the
 * resolved config and the last valid config are kept per installation too.
 */
import type { Log } from "../shared/log.js";
import type { PushEvent } from "@octokit/webhooks-types";
import { formatConfigError, type ConfigError } from "./config-error.js";
import { notifierConfigSchema, type NotifierConfig } from "./config-schema.js";
import { DEFAULT_CONFIG } from "./defaults.js";
import { readExtendsChain } from "./config-extends.js";
import {
  createConfigFileCache,
  type CachedFile,
  type ConfigCacheStore,
} from "./config-file-cache.js";
import type { GitHubClient } from "./config-fetch.js";
import {
  CONFIG_PATH,
  configFileKey,
  ownerConfigFile,
  repositoryConfigFile,
  type ConfigFileRef,
} from "./config-files.js";
import { remember, share } from "./config-memo.js";
import { configFilesTouchedByPush } from "./config-push.js";

export { ConfigUnavailableError } from "./config-fetch.js";
export { MAX_EXTENDS_DEPTH } from "./config-extends.js";

export interface LoadedConfig {
  /** The config to route with. */
  config: NotifierConfig;
  /** Where it came from: `acme/api:.github/notifier.yml`, `... extends ...`, `defaults`. */
  source: string;
  /** Problems with the repository's config; when present, `config` is the last valid one or the defaults. */
  errors: ConfigError[];
}

export interface ConfigLoader {
  /**
   * The config in effect for a repository. Throws {@link ConfigUnavailableError} when GitHub
   * cannot answer and nothing is cached.
   */
  load(params: {
    /** The installation's Octokit: every file is read with its token. */
    octokit: GitHubClient;
    /** The installation whose repository is routed; caches are kept per installation. */
    installationId: number;
    owner: string;
    repo: string;
  }): Promise<LoadedConfig>;
  /**
   * Drops cached files a push to a default branch changed, for every installation that has
   * them in this instance's memory and for the pushing installation in the store; true when
   * config was affected.
   */
  invalidateFromPush(payload: PushEvent): Promise<boolean>;
}

export interface ConfigLoaderParams {
  store: ConfigCacheStore;
  /** How long a file is used before it is revalidated with GitHub. */
  ttlMs: number;
  /** Channels the operator configured. */
  knownChannels: readonly string[];
  /** Whether repositories of `owner` may route to `channel` (`ChannelRegistry.mayUse`). */
  mayUse: (channel: string, owner: string) => boolean;
  log: Pick<Log, "warn" | "debug">;
  /** The clock; tests move it. */
  now?: () => Date;
  /** Per request to GitHub. Default 10s. */
  timeoutMs?: number;
  /** Entries kept in memory per cache. Default 10,000. */
  maxEntries?: number;
}

const LAST_VALID_PREFIX = "last-valid:";

interface ResolvedEntry {
  loaded: LoadedConfig;
  deps: string[];
  freshUntil: number;
}

/**
 * @example
 * const loader = createConfigLoader({ store, ttlMs: 300_000, knownChannels: channels.names(), mayUse: channels.mayUse, log });
 * const { config, errors } = await loader.load({ octokit, owner: "acme", repo: "api" });
 */
export function createConfigLoader(params: ConfigLoaderParams): ConfigLoader {
  const { store, log, knownChannels, mayUse } = params;
  const now = params.now ?? (() => new Date());
  const maxEntries = params.maxEntries ?? 10_000;
  const files = createConfigFileCache({
    store,
    ttlMs: params.ttlMs,
    now,
    timeoutMs: params.timeoutMs ?? 10_000,
    maxEntries,
    log,
  });
  const resolved = new Map<string, ResolvedEntry>();
  const resolving = new Map<string, Promise<LoadedConfig>>();
  const lastValid = new Map<string, string>();
  let invalidations = 0;

  /** The last valid config of a repository, from memory or the store, else the defaults. */
  async function fallbackFor(repoKey: string): Promise<{ config: NotifierConfig; source: string }> {
    const text =
      lastValid.get(repoKey) ?? (await store.getCachedConfig(LAST_VALID_PREFIX + repoKey))?.body;
    const saved = text === undefined || text === null ? null : parseSaved(text);
    if (saved !== null) return { config: saved.config, source: `${saved.source} (last valid)` };
    return { config: DEFAULT_CONFIG, source: "defaults" };
  }

  async function saveValid(
    repoKey: string,
    valid: { config: NotifierConfig; source: string },
  ): Promise<void> {
    const text = JSON.stringify(valid);
    if (lastValid.get(repoKey) === text) return;
    const key = LAST_VALID_PREFIX + repoKey;
    if ((await store.getCachedConfig(key))?.body !== text) {
      await store.putCachedConfig({ key, etag: null, body: text, fetchedAt: now() });
    }
    remember({ map: lastValid, key: repoKey, value: text, max: maxEntries });
  }

  async function resolve(params: Parameters<ConfigLoader["load"]>[0]) {
    const { octokit, installationId, owner } = params;
    const repoKey = repoKeyOf(params);
    const read: CachedFile[] = [];
    const readFile = async (file: ConfigFileRef) => {
      const cached = await files.get({ octokit, installationId, file });
      read.push(cached);
      return cached;
    };

    let primary = repositoryConfigFile(params);
    let cached = await readFile(primary);
    const fallback = ownerConfigFile(owner);
    if (cached.body === null && configFileKey(fallback) !== configFileKey(primary)) {
      primary = fallback;
      cached = await readFile(primary);
    }
    const unreadable = read.flatMap((file): ConfigError[] =>
      file.note === null ? [] : [{ source: file.source, line: null, path: "", message: file.note }],
    );

    let loaded: LoadedConfig;
    if (cached.body === null) {
      loaded = { config: DEFAULT_CONFIG, source: "defaults", errors: unreadable };
    } else {
      const chain = await readExtendsChain({
        files: [primary],
        text: cached.body,
        read: readFile,
        knownChannels,
        mayUse: (channel) => mayUse(channel, owner),
      });
      if (chain.ok) {
        const valid = { config: chain.config, source: chain.sources.join(" extends ") };
        await saveValid(repoKey, valid);
        loaded = { ...valid, errors: unreadable };
      } else {
        loaded = { ...(await fallbackFor(repoKey)), errors: [...chain.errors, ...unreadable] };
      }
    }
    if (loaded.errors.length > 0) {
      log.warn(
        {
          repository: `${owner}/${params.repo}`,
          using: loaded.source,
          errors: loaded.errors.map(formatConfigError),
        },
        "notifier config has errors; routing with the config named in `using`",
      );
    }
    const freshUntil = Math.min(...read.map((file) => file.freshUntil));
    return { loaded, deps: read.map((file) => file.fileKey), freshUntil };
  }

  return {
    async load(params) {
      const repoKey = repoKeyOf(params);
      const entry = resolved.get(repoKey);
      if (entry !== undefined && now().getTime() < entry.freshUntil) return entry.loaded;
      return share(resolving, repoKey, async () => {
        const invalidationsAtStart = invalidations;
        const { loaded, deps, freshUntil } = await resolve(params);
        // A push during the resolution may have changed a file it read: use, but do not keep.
        if (invalidations === invalidationsAtStart) {
          remember({
            map: resolved,
            key: repoKey,
            value: { loaded, deps, freshUntil },
            max: maxEntries,
          });
        }
        return loaded;
      });
    },

    async invalidateFromPush(payload) {
      const touched = configFilesTouchedByPush(payload);
      if (touched.length === 0) return false;
      const keys = touched.map(configFileKey);
      // Present on every delivery to an App; a payload without it drops memory copies only.
      const installationId = payload.installation?.id ?? null;
      invalidations += 1;
      // A resolution under way may have read an old file; later callers start a new one.
      resolving.clear();
      let affected = false;
      for (const [repoKey, entry] of resolved) {
        if (entry.deps.some((key) => keys.includes(key))) {
          resolved.delete(repoKey);
          affected = true;
        }
      }
      const inMemory = await files.drop({ fileKeys: keys, installationId });
      const configTouched = touched.some((file) => file.path === CONFIG_PATH);
      if (affected || inMemory || configTouched) {
        log.debug({ files: keys }, "config cache invalidated by a push");
      }
      return affected || inMemory || configTouched;
    },
  };
}

/** The resolved and last-valid cache key: `i<installation>:owner/repo`, lower-cased. */
function repoKeyOf(params: { installationId: number; owner: string; repo: string }): string {
  return `i${params.installationId}:${params.owner}/${params.repo}`.toLowerCase();
}

function parseSaved(text: string): { config: NotifierConfig; source: string } | null {
  try {
    const saved = JSON.parse(text) as { config?: unknown; source?: unknown };
    const config = notifierConfigSchema.safeParse(saved.config);
    return config.success && typeof saved.source === "string"
      ? { config: config.data, source: saved.source }
      : null;
  } catch {
    return null;
  }
}
