/** Which cached config files a push may have changed. Pure. */
import type { PushEvent } from "@octokit/webhooks-types";
import { CONFIG_PATH, type ConfigFileRef } from "./config-files.js";

// `_extends: repo:path.yml` may name any YAML file, so changes to those count too.
const YAML_PATH_RE = /\.ya?ml$/i;
// A push listing this many commits may have been cut short (timeline events stop at 20).
const LISTED_COMMITS_LIMIT = 20;
// Past this many changed YAML files, only the config file itself is dropped.
const MAX_TOUCHED_FILES = 50;

/**
 * The config files a push to a repository's default branch may have changed. When the
 * push cannot be read with certainty (forced, long, or a commit without file lists),
 * `.github/notifier.yml` counts as changed: refetching it costs one request, a stale
 * config costs wrong notifications.
 *
 * @example
 * configFilesTouchedByPush(pushAddingNotifierYml)
 * // [{ owner: "acme", repo: "api", path: ".github/notifier.yml" }]
 */
export function configFilesTouchedByPush(payload: PushEvent): ConfigFileRef[] {
  const { repository } = payload;
  if (payload.deleted || payload.ref !== `refs/heads/${repository.default_branch}`) return [];

  const commits = [...payload.commits, ...(payload.head_commit ? [payload.head_commit] : [])];
  const paths = new Set(
    commits.flatMap((commit) => [...commit.added, ...commit.modified, ...commit.removed]),
  );
  const uncertain =
    payload.forced ||
    payload.commits.length >= LISTED_COMMITS_LIMIT ||
    commits.some(
      (commit) => commit.added.length + commit.modified.length + commit.removed.length === 0,
    );

  const yamlPaths = [...paths].filter((path) => YAML_PATH_RE.test(path));
  const touched =
    yamlPaths.length > MAX_TOUCHED_FILES
      ? yamlPaths.filter((path) => path === CONFIG_PATH)
      : yamlPaths;
  if (uncertain && !touched.includes(CONFIG_PATH)) touched.push(CONFIG_PATH);

  const owner = repository.owner.login;
  return touched.map((path) => ({ owner, repo: repository.name, path }));
}
