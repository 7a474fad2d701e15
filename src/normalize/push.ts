/**
 * `push` deliveries to the repository's default branch. Pushes to other branches, tag pushes and
 * branch deletions are not announced.
 */
import type { PushEvent } from "@octokit/webhooks-types";
import { PUSH_COMMITS_SHOWN, type ActivityEvent, type PushedCommit } from "./activity-event.js";
import {
  baseEvent,
  nonEmpty,
  readActor,
  readRepository,
  readTitle,
  type PayloadSource,
} from "./shared-fields.js";
import { child, flag, items, text, type Untrusted } from "./untrusted.js";

/** Where branch refs start; tags are `refs/tags/...`. */
const BRANCH_PREFIX = "refs/heads/";
/** What a commit message is read of: its first line is all that is shown. */
const MESSAGE_HEAD_LENGTH = 4000;
/** Longest pusher name kept. */
const NAME_MAX_LENGTH = 100;
/** Longest commit id kept (SHA-256 ids are 64 hex digits). */
const SHA_MAX_LENGTH = 64;
/** Shown for a commit whose message is blank. */
const NO_MESSAGE = "(no message)";

/**
 * A push to the default branch (`ref` is `refs/heads/<repository.default_branch>`) as
 * `push.default_branch`, with the first {@link PUSH_COMMITS_SHOWN} commits' first lines in push
 * order, how many there are, whether it was forced, the pusher, and the compare link. `null`
 * for other branches, tags and deletions.
 *
 * @example
 * normalizePush({ payload })?.detail.commits // [{ sha: "6113728f...", message: "Initial commit", url: "..." }]
 */
export function normalizePush(params: { payload: Untrusted<PushEvent> }): ActivityEvent | null {
  const { payload } = params;
  const event = "push";
  const source: PayloadSource<PushEvent> = { event, payload };
  const repository = readRepository(source);
  const ref = text(payload, "ref");
  const deleted = flag(payload, "deleted") || /^0+$/.test(text(payload, "after") ?? "");
  if (
    deleted ||
    repository.defaultBranch === null ||
    ref !== `${BRANCH_PREFIX}${repository.defaultBranch}`
  ) {
    return null;
  }
  const actor = readActor(source);
  const pushed = items(payload, "commits");
  const pusher = nonEmpty(text(child(payload, "pusher"), "name"));
  return {
    ...baseEvent({
      kind: "push.default_branch",
      repository,
      actor,
      url: nonEmpty(text(payload, "compare")),
    }),
    headBranch: repository.defaultBranch,
    detail: {
      commits: pushed.slice(0, PUSH_COMMITS_SHOWN).map(readCommit),
      commitCount: pushed.length,
      forced: flag(payload, "forced"),
      ...(pusher === null || pusher.length > NAME_MAX_LENGTH ? {} : { pusher }),
    },
  };
}

/** A pushed commit's id, the first line of its message, and its link. */
function readCommit(commit: Untrusted<PushEvent["commits"][number]>): PushedCommit {
  const id = nonEmpty(text(commit, "id"));
  const message = text(commit, "message")?.slice(0, MESSAGE_HEAD_LENGTH) ?? "";
  const firstLine = nonEmpty(message.split(/\r\n|\r|\n/, 1)[0] ?? "");
  return {
    sha: id === null || id.length > SHA_MAX_LENGTH ? "" : id,
    message: firstLine === null ? NO_MESSAGE : readTitle(firstLine),
    url: nonEmpty(text(commit, "url")),
  };
}
