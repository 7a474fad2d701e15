/**
 * Where the worker gets a repository's config: the cached GitHub loader when the App has
 * credentials, else the default routes (no GitHub API access without an App).
 */
import type { Logger, Probot } from "probot";
import type { Settings } from "../settings/settings.js";
import type { Store } from "../store/types.js";
import type { ConfigSource } from "../worker/route-delivery.js";
import { DEFAULT_CONFIG } from "../route/defaults.js";
import { createConfigLoader } from "./config-loader.js";

/**
 * @example
 * const configs = createConfigSource({ probot, settings, store, log });
 * const config = await configs.load({ installationId: 1, owner: "acme", repo: "api" });
 */
export function createConfigSource(params: {
  probot: Probot;
  settings: Settings;
  store: Store;
  log: Logger;
}): ConfigSource {
  const { probot, settings, store, log } = params;
  if (settings.appId === null) {
    return { load: async () => DEFAULT_CONFIG };
  }
  const loader = createConfigLoader({
    store,
    ttlMs: settings.configCacheTtlMs,
    knownChannels: settings.channels.names(),
    mayUse: (channel, owner) => settings.channels.mayUse(channel, owner),
    log,
  });
  return {
    async load({ installationId, owner, repo }) {
      if (installationId === null) {
        log.warn({ owner, repo }, "delivery has no installation id: the default routes apply");
        return DEFAULT_CONFIG;
      }
      const octokit = await probot.auth(installationId);
      const loaded = await loader.load({ octokit, owner, repo });
      return loaded.config;
    },
    invalidateFromPush: (payload) => loader.invalidateFromPush(payload as Parameters<typeof loader.invalidateFromPush>[0]),
  };
}
