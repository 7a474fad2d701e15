/**
 * Finding the repositories that have reminders. A quiet repository sends no webhook, yet its
 * waiting pull requests are what a reminder is for: so the app lists its installations and
 * their repositories (at start-up, every refresh, and when an installation changes) and reads
 * each repository's config through the config cache, which revalidates with conditional
 * requests. A repository whose config cannot be read now keeps what was last found for it.
 */
import type { InstallationOctokit } from "../shared/installation-auth.js";
import type { Log } from "../shared/log.js";
import type { ConfigSource } from "../repo-config/config-source.js";
import type { RepositoryConfig } from "./reminder-plan.js";

/** The part of an Octokit discovery calls: GitHub's REST routes. */
export type DiscoveryClient = Pick<InstallationOctokit, "request">;

export interface ReminderDiscovery {
  /**
   * Lists every installation's repositories and returns those whose config has reminders.
   * Never rejects: an installation or repository that cannot be read keeps its last result.
   */
  discover(): Promise<RepositoryConfig[]>;
}

/** Pages read per listing at most: 100 items each. */
const MAX_PAGES = 100;
/** Repositories whose config is read at once. */
const CONCURRENCY = 4;

/**
 * @example
 * const discovery = createReminderDiscovery({ app: () => probot.auth(), installation: auth, configs, log });
 * const found = await discovery.discover();
 */
export function createReminderDiscovery(params: {
  /** The App's own client (JWT): lists installations. */
  app: () => Promise<DiscoveryClient>;
  /** An installation's client: lists its repositories. */
  installation: (installationId: number) => Promise<DiscoveryClient>;
  configs: Pick<ConfigSource, "load">;
  log: Log;
}): ReminderDiscovery {
  const { configs, log } = params;
  /** Last result per `installation:owner/name`, kept when a read fails. */
  const last = new Map<string, RepositoryConfig | null>();

  async function repositoriesOf(installationId: number): Promise<string[] | null> {
    try {
      const client = await params.installation(installationId);
      const names: string[] = [];
      for (let page = 1; page <= MAX_PAGES; page += 1) {
        const { data } = await client.request("GET /installation/repositories", {
          per_page: 100,
          page,
        });
        const repositories = (data as { repositories?: unknown }).repositories;
        if (!Array.isArray(repositories)) break;
        for (const repository of repositories) {
          const { full_name: fullName, archived } = (repository ?? {}) as {
            full_name?: unknown;
            archived?: unknown;
          };
          // An archived repository is read-only: nothing in it waits for review.
          if (typeof fullName === "string" && fullName.includes("/") && archived !== true) {
            names.push(fullName);
          }
        }
        if (repositories.length < 100) break;
      }
      return names;
    } catch (error) {
      log.warn(
        { installationId, err: error },
        "could not list an installation's repositories for reminders; keeping what was found before",
      );
      return null;
    }
  }

  async function installations(): Promise<number[] | null> {
    try {
      const client = await params.app();
      const ids: number[] = [];
      for (let page = 1; page <= MAX_PAGES; page += 1) {
        const { data } = await client.request("GET /app/installations", { per_page: 100, page });
        if (!Array.isArray(data)) break;
        for (const installation of data) {
          const { id, suspended_at: suspendedAt } = (installation ?? {}) as {
            id?: unknown;
            suspended_at?: unknown;
          };
          // A suspended installation gets no token: nothing of it can be read or posted.
          if (typeof id === "number" && (suspendedAt === null || suspendedAt === undefined)) {
            ids.push(id);
          }
        }
        if (data.length < 100) break;
      }
      return ids;
    } catch (error) {
      log.warn({ err: error }, "could not list the App's installations for reminders");
      return null;
    }
  }

  async function configOf(installationId: number, fullName: string): Promise<void> {
    const key = `${installationId}:${fullName.toLowerCase()}`;
    const [owner = "", repo = ""] = fullName.split("/");
    try {
      const config = await configs.load({ installationId, owner, repo });
      last.set(
        key,
        (config.reminders?.length ?? 0) > 0
          ? { installationId, repository: fullName, config }
          : null,
      );
    } catch (error) {
      if (!last.has(key)) last.set(key, null);
      log.warn(
        { repository: fullName, err: error },
        "could not read a repository's config for reminders; keeping what was found before",
      );
    }
  }

  return {
    async discover() {
      const ids = await installations();
      if (ids === null) return found();
      const seen = new Set<string>();
      for (const installationId of ids) {
        const names = await repositoriesOf(installationId);
        if (names === null) {
          // Keep this installation's earlier findings.
          for (const key of last.keys()) if (key.startsWith(`${installationId}:`)) seen.add(key);
          continue;
        }
        const queue = [...names];
        const workers = Array.from({ length: CONCURRENCY }, async () => {
          for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
            seen.add(`${installationId}:${name.toLowerCase()}`);
            await configOf(installationId, name);
          }
        });
        await Promise.all(workers);
      }
      // Uninstalled installations and removed repositories are forgotten.
      for (const key of last.keys()) if (!seen.has(key)) last.delete(key);
      return found();
    },
  };

  function found(): RepositoryConfig[] {
    return [...last.values()].filter((entry): entry is RepositoryConfig => entry !== null);
  }
}
