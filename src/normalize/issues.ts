/** `issues` deliveries: opened, closed, reopened, labeled, assigned. */
import type {
  IssuesAssignedEvent,
  IssuesClosedEvent,
  IssuesEvent,
  IssuesLabeledEvent,
} from "@octokit/webhooks-types";
import type { ActivityDetail, ActivityEvent } from "./activity-event.js";
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
import { readIssueSnapshot } from "./item-snapshot.js";
import { child, count, text, type Untrusted } from "./untrusted.js";

export type IssueKind =
  "issues.opened" | "issues.closed" | "issues.reopened" | "issues.labeled" | "issues.assigned";

/**
 * An `issues` payload as an {@link ActivityEvent} of `kind`.
 *
 * @example
 * normalizeIssue({ kind: "issues.opened", payload }).title // "Spelling error in the README file"
 */
export function normalizeIssue(params: {
  kind: IssueKind;
  payload: Untrusted<IssuesEvent>;
}): ActivityEvent {
  const { kind, payload } = params;
  const source: PayloadSource<IssuesEvent> = { event: kind, payload };
  const repository = readRepository(source);
  const actor = readActor(source);
  const issue = required(child(payload, "issue"), { event: kind, missing: "issue" });
  const number = issueNumber(count(issue, "number"));
  const url =
    nonEmpty(text(issue, "html_url")) ??
    (number === null ? repository.url : `${repository.url}/issues/${number}`);
  const title = readTitle(text(issue, "title"));
  return {
    ...baseEvent({ kind, repository, actor, url }),
    title,
    number,
    labels: readLabels(issue),
    body: excerpt(text(issue, "body")),
    detail: issueDetail(params),
    item: readIssueSnapshot({ kind, issue, fields: { number, title, url } }),
  };
}

function issueDetail(params: { kind: IssueKind; payload: Untrusted<IssuesEvent> }): ActivityDetail {
  switch (params.kind) {
    case "issues.labeled": {
      const payload = params.payload as Untrusted<IssuesLabeledEvent>;
      const label = nonEmpty(text(child(payload, "label"), "name"));
      return label === null ? {} : { label };
    }
    case "issues.assigned": {
      const payload = params.payload as Untrusted<IssuesAssignedEvent>;
      const assignee = nonEmpty(text(child(payload, "assignee"), "login"));
      return assignee === null ? {} : { assignee };
    }
    case "issues.closed": {
      const payload = params.payload as Untrusted<IssuesClosedEvent>;
      const stateReason = nonEmpty(text(child(payload, "issue"), "state_reason"));
      return stateReason === null ? {} : { stateReason };
    }
    default:
      return {};
  }
}
