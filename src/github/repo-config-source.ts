/**
 * Where the worker gets a repository's config: the cached GitHub loader when the App has
 * credentials, else the default routes (no GitHub API access without an App).
 */
import type { Logger, Probot } from "probot";
import type { Settings } from "../settings/settings.js";
import type { KeyValueStore } from "../store/types.js";
import type { ConfigSource } from "../worker/route-delivery.js";
import { DEFAULT_CONFIG } from "../route/defaults.js";
import { createConfigLoader } from "./config-loader.js";
import { ConfigCheckError, createConfigChecker } from "./config-check.js";

/** Installations whose Octokit is kept; past this, the oldest is dropped. */
const MAX_CACHED_INSTALLATIONS = 1_000;

/**
 * @example
 * const configs = createConfigSource({ probot, settings, store, log });
 * const config = await configs.load({ installationId: 1, owner: "acme", repo: "api" });
 */
export function createConfigSource(params: {
  probot: Probot;
  settings: Settings;
  store: Pick<KeyValueStore, "getCachedConfig" | "putCachedConfig" | "deleteCachedConfig">;
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
  // One Octokit per installation, not per delivery: it renews its own token when it expires,
  // and building one per event cost CPU for every delivery even with the config cached.
  const octokits = new Map<number, Promise<Awaited<ReturnType<Probot["auth"]>>>>();
  const installationOctokit = (installationId: number) => {
    let octokit = octokits.get(installationId);
    if (!octokit) {
      if (octokits.size >= MAX_CACHED_INSTALLATIONS)
        octokits.delete(octokits.keys().next().value as number);
      octokit = probot.auth(installationId);
      octokit.catch(() => octokits.delete(installationId));
      octokits.set(installationId, octokit);
    }
    return octokit;
  };
  const checkConfig = createConfigChecker({
    auth: installationOctokit,
    knownChannels: settings.channels.names(),
    mayUse: (channel, owner) => settings.channels.mayUse(channel, owner),
    log,
  });
  return {
    // A check GitHub will never accept (no permission) must not hold the pull request's
    // notification back; a transient GitHub failure retries the delivery, check included.
    async checkChange(delivery) {
      try {
        return await checkConfig(delivery);
      } catch (error) {
        if (
          error instanceof ConfigCheckError &&
          error.status !== null &&
          error.status < 500 &&
          error.status !== 429
        ) {
          log.warn({ err: error }, "config check on the pull request could not be posted");
          return "not-applicable";
        }
        throw error;
      }
    },
    async load({ installationId, owner, repo }) {
      if (installationId === null) {
        log.warn({ owner, repo }, "delivery has no installation id: the default routes apply");
        return DEFAULT_CONFIG;
      }
      const loaded = await loader.load({
        octokit: await installationOctokit(installationId),
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
