/**
 * The live state of an issue or pull request a thread's parent shows, and how each event moves
 * it on. The payload's snapshot gives what GitHub knows now (state, labels, requested reviewers,
 * assignees); the verdicts of reviews and the state of CI are remembered here, since no payload
 * about the item lists them. Pure, and kept in the store as text, which is read back as untrusted.
 */
import { truncate } from "../format/escape.js";
import {
  ITEM_LIST_MAX,
  type ActivityEvent,
  type ActivityKind,
  type ItemSnapshot,
} from "../normalize/activity-event.js";
import { count, text, untrusted, type Untrusted } from "../normalize/untrusted.js";

/** A reviewer's latest verdict; a comment-only review leaves the previous one. */
export type ReviewVerdict = "approved" | "changes_requested";

/**
 * The latest CI result of a pull request's head: `failing` (a workflow run or another app's
 * check suite failed), `fixed` (back to green after a failure), `passing` (succeeded).
 */
export type CiState = "failing" | "fixed" | "passing";

/** An issue or pull request as its thread's parent shows it. */
export interface ItemState extends ItemSnapshot {
  /** `owner/name` of the repository. */
  repository: string;
  /** Latest review verdict by reviewer login, in the order they were given (oldest first). */
  reviews: Record<string, ReviewVerdict>;
  /** The latest CI result threaded under a pull request; absent until one arrives. */
  ci?: CiState;
}

/** The CI state each CI kind leaves a pull request in. */
const CI_STATE_OF: Partial<Record<ActivityKind, CiState>> = {
  "workflow_run.failed": "failing",
  "check_suite.failed": "failing",
  "workflow_run.fixed": "fixed",
  "workflow_run.succeeded": "passing",
};

/** Reviewers remembered; past it the oldest verdicts are forgotten. */
const REVIEWS_MAX = ITEM_LIST_MAX;
/** Version of {@link encodeItemState}'s text; text of another version decodes to `null`. */
const ENCODING_VERSION = 1;
/** Longest stored text read back; anything longer was not written by {@link encodeItemState}. */
const ENCODED_MAX_LENGTH = 64 * 1024;
/** Longest name (login, label, team) read back, as normalize keeps them. */
const NAME_MAX_LENGTH = 100;
/** Longest title read back: normalize cuts titles to 1000 code points plus `…`. */
const TITLE_MAX_LENGTH = 2 * 1001;
/** Longest item link kept: longer ones are not links format would make anyway. */
const MAX_URL_LENGTH = 2000;
/** Longest `owner/name` read back; GitHub's are at most 140 characters. */
const REPOSITORY_MAX_LENGTH = 500;

const STATES: readonly ItemState["state"][] = ["open", "draft", "merged", "closed"];
const VERDICTS: readonly ReviewVerdict[] = ["approved", "changes_requested"];
const CI_STATES: readonly CiState[] = ["failing", "fixed", "passing"];

/**
 * The item's state after `event`, from the one before it (`null` for the first event seen).
 * `null` when the event is not about an issue or pull request. The snapshot replaces the state,
 * labels, reviewers, assignees and title; an approval or a change request records the
 * reviewer's verdict; a new review request of a user drops that user's verdict (they are asked
 * again). A `previous` of another item is ignored. The CI state is kept from `previous`.
 *
 * CI events (`workflow_run.*`, `check_suite.failed`) have no item: they set `ci` on `previous`
 * (`failing`, `fixed`, `passing`) when it is a pull request of the same repository that the
 * event names (or the event names none: the caller matched its head commit), leave `previous`
 * as it is otherwise, and give `null` without one.
 *
 * A comment on a pull request's conversation (`pull_request.commented`) comes with the pull
 * request as an issue, which lists no requested reviewers and may not say it is a draft: those
 * are kept from `previous`.
 *
 * @example
 * const opened = nextItemState(null, pullRequestOpened); // { state: "open", reviews: {}, ... }
 * nextItemState(opened, approvedByHubot)?.reviews // { hubot: "approved" }
 * nextItemState(opened, workflowRunFailed)?.ci // "failing"
 * nextItemState(null, workflowRunFailed) // null
 */
export function nextItemState(previous: ItemState | null, event: ActivityEvent): ItemState | null {
  const ci = CI_STATE_OF[event.kind];
  if (ci !== undefined) return previous === null ? null : withCi({ previous, event, ci });
  // `?? null`: a queued event stored before items existed has none.
  const item = event.item ?? null;
  const repository = event.repository.fullName;
  if (item === null || repository.length > REPOSITORY_MAX_LENGTH) return null;
  const same =
    previous !== null &&
    previous.repository === repository &&
    previous.number === item.number &&
    previous.type === item.type;
  // An issue comment's pull request lists no reviewers and may not say it is a draft.
  const partial = same && event.kind === "pull_request.commented";
  let reviews = Object.entries(same ? previous.reviews : {});
  const { kind, detail } = event;
  if (kind === "pull_request_review.approved" || kind === "pull_request_review.changes_requested") {
    const reviewer = event.actor.login;
    const verdict: ReviewVerdict =
      kind === "pull_request_review.approved" ? "approved" : "changes_requested";
    reviews = withoutLogin(reviews, reviewer);
    // GitHub logins are short; a longer one is hostile and is not kept.
    if (isName(reviewer)) reviews.push([reviewer, verdict]);
  } else if (
    kind === "pull_request.review_requested" &&
    detail.requestedReviewerIsTeam !== true &&
    detail.requestedReviewer !== undefined
  ) {
    reviews = withoutLogin(reviews, detail.requestedReviewer);
  }
  const author = item.author ?? (same ? previous.author : null);
  // Held to what decodeItemState reads back, so a state always survives the store.
  return {
    type: item.type,
    number: item.number,
    title: truncate(item.title, TITLE_MAX_LENGTH),
    // A link too long to keep is dropped (the parent shows the title unlinked), not stored.
    url: item.url.length <= MAX_URL_LENGTH ? item.url : "",
    author: author !== null && isName(author) ? author : null,
    state: partial && item.state === "open" && previous.state === "draft" ? "draft" : item.state,
    labels: names(item.labels),
    requestedReviewers: names(partial ? previous.requestedReviewers : item.requestedReviewers),
    requestedTeams: names(partial ? previous.requestedTeams : item.requestedTeams),
    assignees: names(item.assignees),
    repository,
    reviews: Object.fromEntries(reviews.slice(-REVIEWS_MAX)),
    ...(same && previous.ci !== undefined ? { ci: previous.ci } : {}),
  };
}

/**
 * `previous` with `ci` when the CI event is about it: same repository, a pull request, and one
 * of the pull requests the event names (any, when it names none). Else `previous` unchanged.
 */
function withCi(params: { previous: ItemState; event: ActivityEvent; ci: CiState }): ItemState {
  const { previous, event, ci } = params;
  const named = event.detail.pullRequestNumbers ?? [];
  const about =
    previous.type === "pull_request" &&
    previous.repository === event.repository.fullName &&
    (named.length === 0 || named.includes(previous.number));
  return about ? { ...previous, ci } : previous;
}

/**
 * The state as text for the store; {@link decodeItemState} reads it back.
 *
 * @example
 * decodeItemState(encodeItemState(state)) // equal to state
 */
export function encodeItemState(state: ItemState): string {
  const { repository, reviews, ci: _, ...snapshot } = state;
  return JSON.stringify({
    v: ENCODING_VERSION,
    repository,
    type: snapshot.type,
    number: snapshot.number,
    title: snapshot.title,
    url: snapshot.url,
    author: snapshot.author,
    state: snapshot.state,
    labels: snapshot.labels,
    requestedReviewers: snapshot.requestedReviewers,
    requestedTeams: snapshot.requestedTeams,
    assignees: snapshot.assignees,
    // Pairs, not an object: keeps the order, and a login is never an object key in JSON.
    reviews: Object.entries(reviews),
    ...(state.ci === undefined ? {} : { ci: state.ci }),
  });
}

/**
 * A state {@link encodeItemState} wrote, or `null` for anything else: bad JSON, another
 * version, a missing or mistyped field. Lists are read as bounded as normalize keeps them.
 *
 * @example
 * decodeItemState("not json") // null
 */
export function decodeItemState(encoded: string): ItemState | null {
  if (typeof encoded !== "string" || encoded.length > ENCODED_MAX_LENGTH) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(encoded);
  } catch {
    return null;
  }
  const stored = untrusted<StoredState>(parsed);
  if (stored === null || stored.v !== ENCODING_VERSION) return null;
  const type = text(stored, "type");
  const state = text(stored, "state");
  const number = count(stored, "number");
  const repository = boundedText(stored, "repository", REPOSITORY_MAX_LENGTH);
  const title = boundedText(stored, "title", TITLE_MAX_LENGTH);
  const url = boundedText(stored, "url", MAX_URL_LENGTH);
  const author = isName(stored.author) ? stored.author : null;
  const labels = nameList(stored.labels);
  const requestedReviewers = nameList(stored.requestedReviewers);
  const requestedTeams = nameList(stored.requestedTeams);
  const assignees = nameList(stored.assignees);
  const reviews = reviewList(stored.reviews);
  // Absent in states stored before CI was shown, and when no CI result has arrived.
  const ci = stored.ci === undefined ? undefined : CI_STATES.find((known) => known === stored.ci);
  if (
    (stored.ci !== undefined && ci === undefined) ||
    (type !== "issue" && type !== "pull_request") ||
    !STATES.includes(state as ItemState["state"]) ||
    number === null ||
    !Number.isSafeInteger(number) ||
    number <= 0 ||
    repository === null ||
    title === null ||
    url === null ||
    (author === null && stored.author !== null) ||
    labels === null ||
    requestedReviewers === null ||
    requestedTeams === null ||
    assignees === null ||
    reviews === null
  ) {
    return null;
  }
  return {
    type,
    number,
    title,
    url,
    author,
    state: state as ItemState["state"],
    labels,
    requestedReviewers,
    requestedTeams,
    assignees,
    repository,
    reviews: Object.fromEntries(reviews),
    ...(ci === undefined ? {} : { ci }),
  };
}

/** The stored shape, naming the keys {@link decodeItemState} reads. */
interface StoredState {
  v: number;
  repository: string;
  type: string;
  number: number;
  title: string;
  url: string;
  author: string | null;
  state: string;
  labels: string[];
  requestedReviewers: string[];
  requestedTeams: string[];
  assignees: string[];
  reviews: [string, string][];
  ci?: string;
}

/** A login, label or team name as normalize keeps them: not blank, not absurdly long. */
function isName(name: unknown): name is string {
  return typeof name === "string" && name.trim() !== "" && name.length <= NAME_MAX_LENGTH;
}

/** The names worth keeping, a new array (a state never shares one with an event). */
function names(list: readonly string[]): string[] {
  return list.filter(isName).slice(0, ITEM_LIST_MAX);
}

/** `reviews` without `login`'s verdict; logins are compared as GitHub does, ignoring case. */
function withoutLogin(
  reviews: [string, ReviewVerdict][],
  login: string,
): [string, ReviewVerdict][] {
  const lower = login.toLowerCase();
  return reviews.filter(([reviewer]) => reviewer.toLowerCase() !== lower);
}

function boundedText(
  stored: Untrusted<StoredState>,
  key: keyof StoredState,
  max: number,
): string | null {
  const value = text(stored, key);
  return value === null || value.length > max ? null : value;
}

/** A stored list of names, or `null` when it is not one normalize could have made. */
function nameList(value: unknown): string[] | null {
  if (!Array.isArray(value) || value.length > ITEM_LIST_MAX) return null;
  const kept = value.filter(isName);
  return kept.length === value.length ? kept : null;
}

/** Stored `[login, verdict]` pairs, or `null` when any is not one. */
function reviewList(value: unknown): [string, ReviewVerdict][] | null {
  if (!Array.isArray(value) || value.length > REVIEWS_MAX) return null;
  const pairs: [string, ReviewVerdict][] = [];
  for (const entry of value) {
    if (!Array.isArray(entry) || entry.length !== 2) return null;
    const [login, verdict] = entry as unknown[];
    if (!isName(login) || !VERDICTS.includes(verdict as ReviewVerdict)) return null;
    pairs.push([login, verdict as ReviewVerdict]);
  }
  return pairs;
}
