/**
 * The parts every event family reads the same way: repository, sender, labels, the title and
 * the body excerpt. Missing essentials throw {@link MalformedPayloadError}; missing extras fall back.
 */
import type { Label, Repository, User } from "@octokit/webhooks-types";
import type {
  ActivityActor,
  ActivityEvent,
  ActivityKind,
  ActivityRepository,
} from "./activity-event.js";
import { MalformedPayloadError } from "./malformed-payload-error.js";
import { child, count, flag, items, text, type Untrusted } from "./untrusted.js";

/** Where a value was read from, so an error can say which event lacked what. */
export interface PayloadSource<T> {
  /** `event.action` as GitHub names it, for error messages. */
  event: string;
  payload: Untrusted<T>;
}

/** Longest body excerpt kept, in code points: enough for a preview, never a wall of text. */
const BODY_EXCERPT_LENGTH = 500;
/** GitHub caps titles at 256 characters; anything longer is hostile and is cut early. */
const TITLE_MAX_LENGTH = 1000;
/** Shown when an issue, pull request or release has no usable title. */
const UNTITLED = "(untitled)";

/**
 * `value`, or a {@link MalformedPayloadError} naming `missing` when it is `null`.
 *
 * @example
 * const issue = required(child(payload, "issue"), { event: "issues.opened", missing: "issue" });
 */
export function required<V>(value: V | null, params: { event: string; missing: string }): V {
  if (value === null) throw new MalformedPayloadError(params);
  return value;
}

/**
 * The payload's `repository`. Throws when it is missing or has no usable name.
 *
 * @example
 * readRepository({ event: "star.created", payload }).fullName // "Codertocat/Hello-World"
 */
export function readRepository(
  source: PayloadSource<{ repository: Repository }>,
): ActivityRepository {
  const { event } = source;
  const repository = required(child(source.payload, "repository"), {
    event,
    missing: "repository",
  });
  const ownerLogin = nonEmpty(text(child(repository, "owner"), "login"));
  const name = nonEmpty(text(repository, "name"));
  const fullName = required(
    nonEmpty(text(repository, "full_name")) ??
      (ownerLogin !== null && name !== null ? `${ownerLogin}/${name}` : null),
    { event, missing: "repository.full_name" },
  );
  const slash = fullName.indexOf("/");
  return {
    fullName,
    owner: ownerLogin ?? (slash > 0 ? fullName.slice(0, slash) : fullName),
    name: name ?? fullName.slice(slash + 1),
    url: nonEmpty(text(repository, "html_url")) ?? `https://github.com/${fullName}`,
    private: flag(repository, "private"),
    defaultBranch: nonEmpty(text(repository, "default_branch")),
    stars: count(repository, "stargazers_count"),
  };
}

/**
 * The payload's `sender` as the actor. Throws when it is missing or has no login.
 *
 * @example
 * readActor({ event: "fork", payload }) // { login: "Codertocat", url: "...", isBot: false }
 */
export function readActor(source: PayloadSource<{ sender: User }>): ActivityActor {
  const { event } = source;
  const sender = required(child(source.payload, "sender"), { event, missing: "sender" });
  const login = required(nonEmpty(text(sender, "login")), { event, missing: "sender.login" });
  return {
    login,
    url: nonEmpty(text(sender, "html_url")) ?? `https://github.com/${pathSegment(login)}`,
    isBot: text(sender, "type") === "Bot" || login.endsWith("[bot]"),
  };
}

/**
 * Label names on an issue or pull request; labels without a name are skipped.
 *
 * @example
 * readLabels(issue) // ["bug", "good first issue"]
 */
export function readLabels(parent: Untrusted<{ labels?: Label[] }>): string[] {
  return items(parent, "labels").flatMap((label) => {
    const name = nonEmpty(text(label, "name"));
    return name === null ? [] : [name];
  });
}

/**
 * A title fit to show: cut when absurdly long, {@link UNTITLED} when missing or blank.
 *
 * @example
 * readTitle(null) // "(untitled)"
 */
export function readTitle(title: string | null): string {
  const trimmed = title?.trim() ?? "";
  return trimmed === "" ? UNTITLED : clip(trimmed, TITLE_MAX_LENGTH);
}

/**
 * The start of a Markdown body: HTML comments (pull request templates) dropped, line endings
 * unified, cut to {@link BODY_EXCERPT_LENGTH} code points. `null` when nothing is left.
 *
 * @example
 * excerpt("<!-- template -->\r\nFixes #1") // "Fixes #1"
 */
export function excerpt(body: string | null): string | null {
  if (body === null) return null;
  // Only the head can end up in the excerpt; bounding it keeps the regexes linear on hostile input.
  const head = body.slice(0, BODY_EXCERPT_LENGTH * 8);
  const cleaned = head
    .replace(/<!--[\s\S]*?(?:-->|$)/g, "")
    .replace(/\r\n?/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return cleaned === "" ? null : clip(cleaned, BODY_EXCERPT_LENGTH);
}

/**
 * An event with every optional field empty; families fill in what they know.
 *
 * @example
 * baseEvent({ kind: "star.created", repository, actor, url: repository.url })
 */
export function baseEvent(params: {
  kind: ActivityKind;
  repository: ActivityRepository;
  actor: ActivityActor;
  url: string | null;
}): ActivityEvent {
  return {
    kind: params.kind,
    repository: params.repository,
    actor: params.actor,
    title: null,
    number: null,
    url: params.url ?? params.repository.url,
    labels: [],
    draft: false,
    baseBranch: null,
    headBranch: null,
    body: null,
    detail: {},
    item: null,
  };
}

/**
 * `value` percent-encoded as one URL path segment. Unlike `encodeURIComponent` alone it never
 * throws: a lone surrogate (hostile text) becomes U+FFFD first.
 *
 * @example
 * pathSegment("a/b") // "a%2Fb"
 * pathSegment("broken \ud83d") // "broken%20%EF%BF%BD"
 */
export function pathSegment(value: string): string {
  return encodeURIComponent(
    value.replace(
      /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      "\ufffd",
    ),
  );
}

/** `value` unless it is `null` or blank. */
export function nonEmpty(value: string | null): string | null {
  return value === null || value.trim() === "" ? null : value;
}

/** An issue or pull request number: a positive integer, or `null`. */
export function issueNumber(value: number | null): number | null {
  return value !== null && Number.isSafeInteger(value) && value > 0 ? value : null;
}

/** Cut to `max` code points, marking the cut with `…`; never splits a surrogate pair. */
function clip(value: string, max: number): string {
  if (value.length <= max) return value;
  let kept = "";
  let points = 0;
  for (const point of value) {
    if (points === max) return `${kept}…`;
    kept += point;
    points += 1;
  }
  return kept;
}
