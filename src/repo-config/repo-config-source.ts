/**
 * Where the worker gets a repository's config: the cached GitHub loader when the App has
 * credentials, else the default routes (no GitHub API access without an App).
 */
import type { InstallationOctokit } from "../shared/installation-auth.js";
import type { Log } from "../shared/log.js";
import type { KeyValueStore } from "../store/types.js";
import type { ConfigSource } from "./config-source.js";
import { DEFAULT_CONFIG } from "./defaults.js";
import { createConfigLoader } from "./config-loader.js";

/**
 * @example
 * const configs = createConfigSource({ auth: createInstallationAuth({ probot }), ttlMs, channels, store, log });
 * const config = await configs.load({ installationId: 1, owner: "acme", repo: "api" });
 */
export function createConfigSource(params: {
  /** An installation's Octokit; null without an App, when only the default routes apply. */
  auth: ((installationId: number) => Promise<InstallationOctokit>) | null;
  /** How long a read config is trusted before GitHub is asked again. */
  ttlMs: number;
  /** The operator's channels: the names a config may route to, and which owner may use which. */
  channels: { names(): string[]; mayUse(channel: string, owner: string): boolean };
  store: Pick<KeyValueStore, "getCachedConfig" | "putCachedConfig" | "deleteCachedConfig">;
  log: Pick<Log, "warn" | "debug">;
}): Pick<ConfigSource, "load" | "invalidateFromPush"> {
  const { auth, channels, store, log } = params;
  if (auth === null) {
    return { load: async () => DEFAULT_CONFIG };
  }
  const loader = createConfigLoader({
    store,
    ttlMs: params.ttlMs,
    knownChannels: channels.names(),
    mayUse: (channel, owner) => channels.mayUse(channel, owner),
    log,
  });
  return {
    async load({ installationId, owner, repo }) {
      if (installationId === null) {
        log.warn({ owner, repo }, "delivery has no installation id: the default routes apply");
        return DEFAULT_CONFIG;
      }
      const loaded = await loader.load({
        octokit: await auth(installationId),
        installationId,
        owner,
        repo,
      });
      return loaded.config;
    },
    invalidateFromPush: (payload) =>
      loader.invalidateFromPush(payload as Parameters<typeof loader.invalidateFromPush>[0]),
  };
}
