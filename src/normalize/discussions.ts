/**
 * `discussion` (created, answered) and `discussion_comment` (created) deliveries. A discussion is
 * no issue or pull request, so these carry no item and are never threaded.
 */
import type {
  Discussion,
  DiscussionAnsweredEvent,
  DiscussionCommentCreatedEvent,
  DiscussionCreatedEvent,
  Label,
} from "@octokit/webhooks-types";
import type { ActivityDetail, ActivityEvent, ActivityRepository } from "./activity-event.js";
import {
  baseEvent,
  excerpt,
  issueNumber,
  nonEmpty,
  readActor,
  readLabels,
  readRepository,
  readTitle,
  required,
  type PayloadSource,
} from "./shared-fields.js";
import { child, count, text, type Untrusted } from "./untrusted.js";

/** Longest category name or login kept. */
const NAME_MAX_LENGTH = 100;

type DiscussionPayload = Untrusted<
  DiscussionCreatedEvent | DiscussionAnsweredEvent | DiscussionCommentCreatedEvent
>;
/** A discussion as payloads show it; newer ones also list its labels. */
type DiscussionFields = Pick<Discussion, "html_url" | "number" | "title" | "body" | "category"> & {
  labels?: Label[];
};

/**
 * A new discussion (`discussion.created`: its text is the body) or one whose answer was chosen
 * (`discussion.answered`: the answer's link and text, and who wrote it).
 *
 * @example
 * normalizeDiscussion({ kind: "discussion.answered", payload }).detail // { category: "Q&A", answerAuthor: "dan2wik" }
 */
export function normalizeDiscussion(params: {
  kind: "discussion.created" | "discussion.answered";
  payload: Untrusted<DiscussionCreatedEvent | DiscussionAnsweredEvent>;
}): ActivityEvent {
  const { kind, payload } = params;
  const { event, repository, actor, discussion, fields } = readDiscussion({
    event: kind,
    payload,
  });
  if (kind === "discussion.created") {
    return {
      ...baseEvent({ kind, repository, actor, url: fields.url }),
      ...fields,
      body: excerpt(text(discussion, "body")),
      detail: categoryOf(discussion),
    };
  }
  const answer = required(child(payload as Untrusted<DiscussionAnsweredEvent>, "answer"), {
    event,
    missing: "answer",
  });
  const answerAuthor = shortName(text(child(answer, "user"), "login"));
  return {
    ...baseEvent({ kind, repository, actor, url: fields.url }),
    ...fields,
    url: nonEmpty(text(answer, "html_url")) ?? fields.url,
    body: excerpt(text(answer, "body")),
    detail: {
      ...categoryOf(discussion),
      ...(answerAuthor === null ? {} : { answerAuthor }),
    },
  };
}

/**
 * A new comment on a discussion as `discussion_comment.created`: the discussion's title and
 * number, the comment's link and text.
 *
 * @example
 * normalizeDiscussionComment({ payload }).url // ".../discussions/90#discussioncomment-544078"
 */
export function normalizeDiscussionComment(params: {
  payload: Untrusted<DiscussionCommentCreatedEvent>;
}): ActivityEvent {
  const { payload } = params;
  const kind = "discussion_comment.created";
  const { event, repository, actor, discussion, fields } = readDiscussion({ event: kind, payload });
  const comment = required(child(payload, "comment"), { event, missing: "comment" });
  return {
    ...baseEvent({ kind, repository, actor, url: fields.url }),
    ...fields,
    url: nonEmpty(text(comment, "html_url")) ?? fields.url,
    body: excerpt(text(comment, "body")),
    detail: categoryOf(discussion),
  };
}

/** Repository, sender and the discussion's title, number, link and labels. */
function readDiscussion(params: { event: string; payload: DiscussionPayload }): {
  event: string;
  repository: ActivityRepository;
  actor: ActivityEvent["actor"];
  discussion: Untrusted<DiscussionFields>;
  fields: Pick<ActivityEvent, "title" | "number" | "url" | "labels">;
} {
  const { event, payload } = params;
  const source: PayloadSource<DiscussionCreatedEvent> = {
    event,
    payload: payload as Untrusted<DiscussionCreatedEvent>,
  };
  const repository = readRepository(source);
  const actor = readActor(source);
  const discussion: Untrusted<DiscussionFields> = required(
    child(payload as Untrusted<DiscussionCreatedEvent>, "discussion"),
    { event, missing: "discussion" },
  );
  const number = issueNumber(count(discussion, "number"));
  return {
    event,
    repository,
    actor,
    discussion,
    fields: {
      title: readTitle(text(discussion, "title")),
      number,
      url:
        nonEmpty(text(discussion, "html_url")) ??
        (number === null
          ? `${repository.url}/discussions`
          : `${repository.url}/discussions/${number}`),
      labels: readLabels(discussion),
    },
  };
}

function categoryOf(discussion: Untrusted<DiscussionFields>): ActivityDetail {
  const category = shortName(text(child(discussion, "category"), "name"));
  return category === null ? {} : { category };
}

/** A login or category name, or `null` when missing, blank or absurdly long. */
function shortName(value: string | null): string | null {
  const name = nonEmpty(value);
  return name === null || name.length > NAME_MAX_LENGTH ? null : name;
}
