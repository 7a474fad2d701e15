/**
 * One Octokit per installation, shared by every feature that calls GitHub as an installation
 * (config reads, the config check): it renews its own token when it expires, and building one
 * per delivery cost CPU for every delivery even with the config cached.
 */
import type { Probot } from "probot";

/** An installation's Octokit, as `probot.auth(installationId)` gives it. */
export type InstallationOctokit = Awaited<ReturnType<Probot["auth"]>>;

/** Installations whose Octokit is kept; past this, the oldest is dropped. */
const MAX_CACHED_INSTALLATIONS = 1_000;

/**
 * @example
 * const auth = createInstallationAuth({ probot });
 * const octokit = await auth(42);
 */
export function createInstallationAuth(params: {
  probot: Pick<Probot, "auth">;
  /** Most installations kept; 1,000 when absent. */
  max?: number;
}): (installationId: number) => Promise<InstallationOctokit> {
  const max = params.max ?? MAX_CACHED_INSTALLATIONS;
  const octokits = new Map<number, Promise<InstallationOctokit>>();
  return (installationId) => {
    let octokit = octokits.get(installationId);
    if (!octokit) {
      if (octokits.size >= max) octokits.delete(octokits.keys().next().value as number);
      octokit = params.probot.auth(installationId);
      octokit.catch(() => octokits.delete(installationId));
      octokits.set(installationId, octokit);
    }
    return octokit;
  };
}
