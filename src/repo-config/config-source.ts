/**
 * The port through which the worker reaches repository config: load a repository's config,
 * drop what a push may have changed, and check a pull request that edits the file. The worker
 * depends on this interface only; the composition root plugs in the cached GitHub loader (and
 * the config check), tests plug in a fixed config.
 */
import type { NotifierConfig } from "./config-schema.js";

/** Where a repository's config comes from (the cached GitHub loader, or the defaults without an App). */
export interface ConfigSource {
  load(params: {
    installationId: number | null;
    owner: string;
    repo: string;
  }): Promise<NotifierConfig>;
  /** Drops cached config a push may have changed. */
  invalidateFromPush?(payload: unknown): Promise<unknown>;
  /** Posts the config check on a pull request that changes `.github/notifier.yml`. */
  checkChange?(params: {
    installationId: number | null;
    eventName: string;
    payload: unknown;
  }): Promise<unknown>;
}
