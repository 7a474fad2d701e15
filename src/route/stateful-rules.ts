/**
 * The two routing rules that remember something, as pure functions: what to record and what
 * the answer means. The worker asks the store between them (`route-delivery.ts`).
 *
 * - Back to green: every completed run's conclusion is recorded per (repository, workflow id,
 *   head branch); a success whose previous run failed is announced as `workflow_run.fixed`.
 * - Late label: a route with a `labels` filter that takes opened issues or pull requests gets
 *   an item labelled after opening once, as the opened kind "now labelled X"; the opened event
 *   marks the routes it matched, so a later label never sends it again.
 */
import { createHash } from "node:crypto";
import type { ActivityEvent, ActivityKind } from "../normalize/activity-event.js";
import type { NotifierConfig, RouteConfig } from "../repo-config/config-schema.js";
import { DEFAULT_CHANNEL, DEFAULT_ROUTES } from "../repo-config/defaults.js";
import { compileGlobs, firstMatch, nameGlob } from "../repo-config/globs.js";
import { pathSegment } from "../normalize/shared-fields.js";
import { matchRoute, routeSelectsKind } from "./route.js";

/** One completed run's conclusion, as the store's `CiHistory.recordConclusion` takes it (less `now`). */
export interface CiConclusionRecord {
  /** `owner/name`. */
  repository: string;
  /** `workflow_run.workflow_id`. */
  workflowId: number;
  /** The run's head branch. */
  branch: string;
  /** `workflow_run.run_number`. */
  runNumber: number;
  /** `workflow_run.run_attempt`; 1 when the payload has none (a first run). */
  runAttempt: number;
  /** Only these two are recorded: cancelled or skipped runs say nothing about the branch. */
  conclusion: "success" | "failure";
}

/**
 * What a workflow run records, or null for every other event and for a run whose payload lacks
 * the workflow id, run number or head branch (nothing to key it on).
 *
 * @example
 * ciConclusionOf(failedRunOnMain)
 * // { repository: "acme/api", workflowId: 161335, branch: "main", runNumber: 12, runAttempt: 1, conclusion: "failure" }
 */
export function ciConclusionOf(event: ActivityEvent): CiConclusionRecord | null {
  const conclusion =
    event.kind === "workflow_run.failed"
      ? "failure"
      : event.kind === "workflow_run.succeeded"
        ? "success"
        : null;
  const { workflowId, runNumber, runAttempt } = event.detail;
  if (conclusion === null || workflowId === undefined || runNumber === undefined) return null;
  if (event.headBranch === null) return null;
  return {
    repository: event.repository.fullName,
    workflowId,
    branch: event.headBranch,
    runNumber,
    runAttempt: runAttempt ?? 1,
    conclusion,
  };
}

/**
 * The event as announced, given the conclusion recorded before it: a success after a failure
 * becomes `workflow_run.fixed`, the same event otherwise.
 *
 * @example afterPreviousConclusion({ event: succeededRun, previous: "failure" }).kind // "workflow_run.fixed"
 * @example afterPreviousConclusion({ event: succeededRun, previous: "success" }).kind // "workflow_run.succeeded"
 */
export function afterPreviousConclusion(params: {
  event: ActivityEvent;
  previous: string | null;
}): ActivityEvent {
  const { event, previous } = params;
  if (event.kind !== "workflow_run.succeeded" || previous !== "failure") return event;
  return { ...event, kind: "workflow_run.fixed" };
}

/**
 * A stable name for a route sending to a channel: the hash of its content (keys sorted) and
 * channel, so it survives reordering routes or keys, and a changed route is a new one.
 *
 * @example routeKeyOf({ route: { on: ["issues.opened"], labels: ["bug"] }, channel: "triage" }) // "5c0e…" (32 hex digits)
 */
export function routeKeyOf(params: { route: RouteConfig; channel: string }): string {
  const text = `${canonicalJson(params.route)}\n${params.channel}`;
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

/** A route the late-label rule sends an item to (or marks for it). */
export interface LateLabelRoute {
  /** Its index in the config's routes (or the default routes). */
  index: number;
  route: RouteConfig;
  /** The channel it sends to. */
  channel: string;
  /** {@link routeKeyOf} the route and channel: what the store remembers. */
  routeKey: string;
}

const OPENED_KIND: Partial<Record<ActivityKind, ActivityKind>> = {
  "issues.labeled": "issues.opened",
  "pull_request.labeled": "pull_request.opened",
};

/** What the late-label rule sends for a `labeled` event. */
export interface LateLabelTargets {
  /**
   * The item as its opened kind with `detail.lateLabel`, as routed: its actor is still who
   * added the label, so author filters and ignore rules read the labeller.
   */
  event: ActivityEvent;
  /** The same, as announced: its actor is the item's author, who opened it. */
  announced: ActivityEvent;
  /** Each route that now takes it for that label. */
  routes: LateLabelRoute[];
}

/** Item states in which a label added later may still say the item was opened. */
const STILL_OPEN: ReadonlySet<string> = new Set(["open", "draft"]);

/**
 * What a `labeled` event sends under the late-label rule (see {@link LateLabelTargets}). Only
 * an item still open (or a draft) is sent: a label added to a closed or merged one does not
 * announce it as opened. A route qualifies when it has a `labels` filter that the added label
 * matches, does not itself take the labeled kind, and takes the opened-shaped event (so its
 * other filters, drafts and authors included, still apply). The caller sends only to routes the
 * store had not marked. Null when nothing qualifies.
 *
 * @example
 * lateLabelTargets({ event: bugLabelAdded, config: { routes: [{ on: ["issues.opened"], labels: ["bug"], channel: "triage" }] } })
 * // { event: { kind: "issues.opened", detail: { label: "bug", lateLabel: "bug" }, ... }, announced: { actor: { login: "Codertocat" }, ... }, routes: [{ index: 0, channel: "triage", ... }] }
 */
export function lateLabelTargets(params: {
  event: ActivityEvent;
  config: NotifierConfig;
}): LateLabelTargets | null {
  const { event, config } = params;
  const opened = OPENED_KIND[event.kind];
  const label = event.detail.label;
  if (opened === undefined || label === undefined || event.number === null) return null;
  if (event.item === null || !STILL_OPEN.has(event.item.state)) return null;
  const lateEvent: ActivityEvent = {
    ...event,
    kind: opened,
    detail: { ...event.detail, lateLabel: label },
  };
  const routes = labelledRoutes(config).filter(
    ({ route: candidate }) =>
      firstMatch(compileGlobs({ globs: candidate.labels, compile: nameGlob }), label) !== null &&
      !routeSelectsKind({ route: candidate, kind: event.kind }) &&
      matchRoute({ event: lateEvent, route: candidate }).matched,
  );
  if (routes.length === 0) return null;
  const author = event.item.author;
  // Without a known author the labeller stays: better than naming nobody.
  const announced: ActivityEvent =
    author === null || author === event.actor.login
      ? lateEvent
      : {
          ...lateEvent,
          actor: {
            login: author,
            url: `https://github.com/${pathSegment(author)}`,
            isBot: author.endsWith("[bot]"),
          },
        };
  return { event: lateEvent, announced, routes };
}

/**
 * The label-filtered routes an opened issue or pull request matched (`matched`: the indices
 * `route` answered): the opened event marks each, so a label added later does not send the item
 * there again. Empty for other kinds.
 *
 * @example openedMarks({ event: openedIssue, config, matched: [0, 2] }) // [{ index: 2, ... }]
 */
export function openedMarks(params: {
  event: ActivityEvent;
  config: NotifierConfig;
  matched: readonly number[];
}): LateLabelRoute[] {
  const { event, config, matched } = params;
  if (!Object.values(OPENED_KIND).includes(event.kind) || event.number === null) return [];
  return labelledRoutes(config).filter(({ index }) => matched.includes(index));
}

/** Routes with a non-empty `labels` filter that take an opened issue or pull request. */
function labelledRoutes(config: NotifierConfig): LateLabelRoute[] {
  return (config.routes ?? DEFAULT_ROUTES).flatMap((candidate, index) => {
    if (candidate.labels === undefined || candidate.labels.length === 0) return [];
    const takesOpened = Object.values(OPENED_KIND).some((kind) =>
      routeSelectsKind({ route: candidate, kind }),
    );
    if (!takesOpened) return [];
    const channel = candidate.channel ?? config.channel ?? DEFAULT_CHANNEL;
    return [
      { index, route: candidate, channel, routeKey: routeKeyOf({ route: candidate, channel }) },
    ];
  });
}

/** JSON with every object's keys sorted, so equal routes written in another order hash alike. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
