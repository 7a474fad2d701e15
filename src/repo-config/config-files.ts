/**
 * Names for the config files the loader reads: where each lives, its cache key, and how
 * messages and logs write it.
 */
import type { ExtendsRef } from "./config-values.js";

/** Where a repository's config lives, on its default branch. */
export const CONFIG_PATH = ".github/notifier.yml";

/** The repository whose config an owner's repositories fall back to. */
export const OWNER_CONFIG_REPO = ".github";

/** One file in one repository (always read from the default branch). */
export interface ConfigFileRef {
  owner: string;
  repo: string;
  path: string;
}

/**
 * The file's key in the config cache: `repo:acme/api` for a repository's own file,
 * `owner:acme` for the owner's fallback, `repo:acme/shared:base.yml` for another path.
 * Lower-cased, because GitHub names are case-insensitive.
 *
 * @example configFileKey({ owner: "Acme", repo: ".github", path: ".github/notifier.yml" }) // "owner:acme"
 */
export function configFileKey(file: ConfigFileRef): string {
  const owner = file.owner.toLowerCase();
  const repo = file.repo.toLowerCase();
  if (file.path !== CONFIG_PATH) return `repo:${owner}/${repo}:${file.path}`;
  return repo === OWNER_CONFIG_REPO ? `owner:${owner}` : `repo:${owner}/${repo}`;
}

/**
 * The key a file is cached under for one installation: what one installation read with its
 * own token is never served to another, which may not be allowed to read that repository.
 *
 * @example installationCacheKey({ installationId: 42, fileKey: "repo:acme/api" }) // "i42:repo:acme/api"
 */
export function installationCacheKey(params: { installationId: number; fileKey: string }): string {
  return `i${params.installationId}:${params.fileKey}`;
}

/** The {@link configFileKey} inside an {@link installationCacheKey}. */
export function fileKeyOf(cacheKey: string): string {
  return cacheKey.slice(cacheKey.indexOf(":") + 1);
}

/** @example describeConfigFile({ owner: "acme", repo: "api", path: ".github/notifier.yml" }) // "acme/api:.github/notifier.yml" */
export function describeConfigFile(file: ConfigFileRef): string {
  return `${file.owner}/${file.repo}:${file.path}`;
}

/** A repository's own config file. */
export function repositoryConfigFile(params: { owner: string; repo: string }): ConfigFileRef {
  return { owner: params.owner, repo: params.repo, path: CONFIG_PATH };
}

/** The owner's fallback: `.github/notifier.yml` in the owner's `.github` repository. */
export function ownerConfigFile(owner: string): ConfigFileRef {
  return { owner, repo: OWNER_CONFIG_REPO, path: CONFIG_PATH };
}

/**
 * The file an `_extends` value names; a missing owner means the extending file's owner.
 *
 * @example extendsTarget({ ref: { owner: null, repo: "shared", path: null }, from: { owner: "acme", repo: "api", path: CONFIG_PATH } })
 * // { owner: "acme", repo: "shared", path: ".github/notifier.yml" }
 */
export function extendsTarget(params: { ref: ExtendsRef; from: ConfigFileRef }): ConfigFileRef {
  const { ref, from } = params;
  return { owner: ref.owner ?? from.owner, repo: ref.repo, path: ref.path ?? CONFIG_PATH };
}
