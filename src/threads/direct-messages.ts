/**
 * Who gets a direct message about an event: the person it is about, when the operator's people
 * file lists them with that kind of message. Whatever the channel routes say; never the person
 * who did it. Pure: the people file is read at start-up and handed in.
 */
import type { ActivityEvent } from "../normalize/activity-event.js";
import { isSlackUserId } from "../format/mention.js";
import type { DmKind, PeopleDirectory } from "../settings/people.js";

/** A direct message to send: to whom, and for which of their `dm` kinds. */
export interface DirectMessageTarget {
  /** The GitHub login the event names (the reviewer, the assignee, the author). */
  login: string;
  /** Their Slack user id, from the people file. */
  slackId: string;
  /** Which of the person's `dm` kinds this is. */
  dmKind: DmKind;
}

/**
 * The person to message about `event`, or `null`. A review request messages the requested
 * reviewer (a user, never a team), an assignment the assignee, a review (approval, change
 * request or comment) the pull request's author; each only when their entry lists the matching
 * kind (`review_requested`, `assigned`, `review_submitted`), and never when they did it
 * themselves (assigning yourself, reviewing your own pull request).
 *
 * @example
 * directMessageFor({ event: reviewRequested, people }) // { login: "octocat", slackId: "U0123ABCD", dmKind: "review_requested" }
 * directMessageFor({ event: starCreated, people }) // null
 */
export function directMessageFor(params: {
  event: ActivityEvent;
  people: PeopleDirectory;
}): DirectMessageTarget | null {
  const { event, people } = params;
  const about = personAbout(event);
  if (about === null) return null;
  if (about.login.toLowerCase() === event.actor.login.toLowerCase()) return null;
  const person = people.lookup(about.login);
  if (person === undefined || !person.dm.includes(about.dmKind)) return null;
  if (!isSlackUserId(person.slackId)) return null;
  return { login: about.login, slackId: person.slackId, dmKind: about.dmKind };
}

/** The login the event is about, and the kind of message that would be, by event kind. */
function personAbout(event: ActivityEvent): { login: string; dmKind: DmKind } | null {
  const { kind, detail } = event;
  let login: string | null | undefined;
  let dmKind: DmKind;
  switch (kind) {
    case "pull_request.review_requested":
      login = detail.requestedReviewerIsTeam === true ? null : detail.requestedReviewer;
      dmKind = "review_requested";
      break;
    case "issues.assigned":
    case "pull_request.assigned":
      login = detail.assignee;
      dmKind = "assigned";
      break;
    case "pull_request_review.approved":
    case "pull_request_review.changes_requested":
    case "pull_request_review.commented":
      login = event.item?.author;
      dmKind = "review_submitted";
      break;
    default:
      return null;
  }
  return typeof login === "string" && login.trim() !== "" ? { login, dmKind } : null;
}
