/**
 * Rendering the parts of an event shared by single messages and summaries, each escaped and
 * held to a length, linked in blocks and plain in the fallback text.
 */
import type { ActivityEvent } from "../normalize/activity-event.js";
import { escapeWithin, link, singleLine } from "./escape.js";
import type { HeadlineParts } from "./kind-style.js";

/** Room for each piece, chosen so that a headline with all its links stays under 3000 characters. */
export const PART_LENGTH = { login: 100, repo: 200, item: 500, subject: 100, label: 50 } as const;

/** Whether to render links (blocks) or plain escaped text (the fallback `text`). */
export type Rendering = "linked" | "plain";

/**
 * Escaped one-line text, linked to `url` when rendering blocks.
 *
 * @example
 * textOrLink({ rendering: "plain", url, label: "<b>", max: 10 }) // "&lt;b&gt;"
 */
export function textOrLink(params: {
  rendering: Rendering;
  url: string | null;
  label: string;
  max: number;
}): string {
  return params.rendering === "linked"
    ? link({ url: params.url, label: params.label, maxLabel: params.max })
    : escapeWithin(singleLine(params.label), params.max);
}

/** `#12 Title`, the release title, or `""` for kinds without an item. */
export function itemLabel(event: ActivityEvent): string {
  if (event.kind === "star.created" || event.kind === "watch.started" || event.kind === "fork") {
    return "";
  }
  const title = event.title === null || singleLine(event.title) === "" ? "(untitled)" : event.title;
  return event.number === null ? title : `#${event.number} ${title}`;
}

/**
 * ` (now 1,204 stars)`, or `""` when the count is unknown.
 *
 * @example
 * starCount(1204) // " (now 1,204 stars)"
 */
export function starCount(stars: number | null): string {
  if (stars === null || !Number.isFinite(stars) || stars < 0) return "";
  return ` (now ${Math.trunc(stars).toLocaleString("en-US")} ${stars === 1 ? "star" : "stars"})`;
}

/**
 * Every piece of an event's headline, escaped and held to its length.
 *
 * @example
 * KIND_STYLES[event.kind].headline(headlineParts({ event, rendering: "linked" }))
 */
export function headlineParts(params: {
  event: ActivityEvent;
  rendering: Rendering;
}): HeadlineParts {
  const { event, rendering } = params;
  const label = itemLabel(event);
  const tag = event.detail.tagName;
  const tagNote =
    event.kind === "release.published" && tag !== undefined && tag !== event.title
      ? ` (${escapeWithin(singleLine(tag), PART_LENGTH.subject)})`
      : "";
  return {
    actor: textOrLink({
      rendering,
      url: event.actor.url,
      label: event.actor.login,
      max: PART_LENGTH.login,
    }),
    repo: textOrLink({
      rendering,
      url: event.repository.url,
      label: event.repository.fullName,
      max: PART_LENGTH.repo,
    }),
    item:
      label === ""
        ? ""
        : `${textOrLink({ rendering, url: event.url, label, max: PART_LENGTH.item })}${tagNote}`,
    subject: subject({ event, rendering }),
    stars: event.kind === "star.created" ? starCount(event.repository.stars) : "",
    draft: event.draft,
    prerelease: event.detail.prerelease === true,
    notPlanned: event.detail.stateReason === "not_planned",
  };
}

/** The label added, the assignee, the reviewer or the new fork, by kind. */
function subject(params: { event: ActivityEvent; rendering: Rendering }): string {
  const { event, rendering } = params;
  const { detail } = event;
  const raw =
    event.kind === "issues.labeled"
      ? detail.label
      : event.kind === "issues.assigned"
        ? detail.assignee
        : event.kind === "pull_request.review_requested"
          ? detail.requestedReviewer
          : undefined;
  if (raw !== undefined) return escapeWithin(singleLine(raw), PART_LENGTH.subject);
  if (event.kind === "fork" && detail.forkFullName !== undefined) {
    return textOrLink({
      rendering,
      url: detail.forkUrl ?? null,
      label: detail.forkFullName,
      max: PART_LENGTH.repo,
    });
  }
  return "";
}
