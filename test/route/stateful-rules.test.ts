/**
 * The pure halves of the two stateful rules, over real example payloads: what a workflow run
 * records and when a success is "fixed"; which routes a late label reaches and which routes an
 * opened item marks; route keys that survive rewording a file but not changing a route.
 */
import { describe, expect, it } from "vitest";
import type { ActivityEvent } from "../../src/normalize/activity-event.js";
import { normalize } from "../../src/normalize/normalize.js";
import type { NotifierConfig } from "../../src/repo-config/config-schema.js";
import {
  afterPreviousConclusion,
  ciConclusionOf,
  lateLabelTargets,
  openedMarks,
  routeKeyOf,
} from "../../src/route/stateful-rules.js";
import { untypedExamplesFor } from "../helpers/examples.js";

/** Example payloads of several events, changed field by field in place: loosely typed on purpose. */
type Payload = Record<string, any>;

function eventOf(name: string, action: string, change?: (p: Payload) => void): ActivityEvent {
  for (const example of untypedExamplesFor(name, action)) {
    const payload = structuredClone(example) as Payload;
    change?.(payload);
    const event = normalize(name, payload);
    if (event !== null) return event;
  }
  throw new Error(`no example of ${name}.${action} notifies`);
}

const run = (conclusion: string, change?: (p: Payload) => void) =>
  eventOf("workflow_run", "completed", (p) => {
    p.workflow_run.conclusion = conclusion;
    change?.(p);
  });

/** Codertocat's pull request #2 (no draft), labelled `labels` after `label` was added. */
const prLabeled = (label: string, labels: string[] = [label], change?: (p: Payload) => void) =>
  eventOf("pull_request", "labeled", (p) => {
    p.label = { ...p.label, name: label };
    p.pull_request.labels = labels.map((name) => ({ ...p.label, name }));
    change?.(p);
  });
const issueLabeled = (label: string) =>
  eventOf("issues", "labeled", (p) => {
    p.label = { ...p.label, name: label };
    p.issue.labels = [{ ...p.label, name: label }];
  });

describe("back to green", () => {
  it("records success and failure of a completed run, keyed by workflow id and head branch", () => {
    expect(ciConclusionOf(run("failure"))).toEqual({
      repository: "octo-org/octo-repo",
      workflowId: 2823525,
      branch: "master",
      runNumber: 163,
      runAttempt: 1,
      conclusion: "failure",
    });
    const reRun = run("success", (p) => {
      p.workflow_run.run_attempt = 3;
    });
    expect(ciConclusionOf(reRun)).toMatchObject({ runNumber: 163, runAttempt: 3 });
    // A payload without an attempt is a first run.
    const noAttempt = run("success", (p) => {
      delete p.workflow_run.run_attempt;
    });
    expect(ciConclusionOf(noAttempt)?.runAttempt).toBe(1);
    expect(ciConclusionOf(run("timed_out"))?.conclusion).toBe("failure");
    expect(ciConclusionOf(run("success"))?.conclusion).toBe("success");
  });

  it("records nothing for other kinds, or a run without a head branch", () => {
    expect(ciConclusionOf(eventOf("issues", "opened"))).toBeNull();
    const fromFork = run("failure", (p) => {
      p.workflow_run.head_repository.id = p.repository.id + 1;
    });
    expect(ciConclusionOf(fromFork)).toBeNull();
    expect(ciConclusionOf(run("failure", (p) => (p.workflow_run.head_branch = null)))).toBeNull();
    const fixed: ActivityEvent = { ...run("success"), kind: "workflow_run.fixed" };
    expect(ciConclusionOf(fixed)).toBeNull();
  });

  it("turns a success after a failure into workflow_run.fixed, and nothing else", () => {
    const success = run("success");
    expect(afterPreviousConclusion({ event: success, previous: "failure" })).toEqual({
      ...success,
      kind: "workflow_run.fixed",
    });
    expect(afterPreviousConclusion({ event: success, previous: "success" })).toBe(success);
    expect(afterPreviousConclusion({ event: success, previous: null })).toBe(success);
    const failure = run("failure");
    expect(afterPreviousConclusion({ event: failure, previous: "failure" })).toBe(failure);
  });
});

describe("route keys", () => {
  it("are the same for the same route written in another key order, 32 hex digits", () => {
    const a = routeKeyOf({ route: { on: ["issues.opened"], labels: ["bug"] }, channel: "triage" });
    const b = routeKeyOf({ route: { labels: ["bug"], on: ["issues.opened"] }, channel: "triage" });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
  });

  it("differ when the route or its channel differs", () => {
    const base = { on: ["issues.opened"], labels: ["bug"] };
    const keys = new Set([
      routeKeyOf({ route: base, channel: "triage" }),
      routeKeyOf({ route: base, channel: "eng" }),
      routeKeyOf({ route: { ...base, labels: ["bug", "p1"] }, channel: "triage" }),
      routeKeyOf({ route: { ...base, on: ["pull_request.opened"] }, channel: "triage" }),
    ]);
    expect(keys.size).toBe(4);
  });
});

describe("late labels", () => {
  const BUG_ROUTE = {
    on: ["issues.opened", "pull_request.opened"],
    labels: ["bug*"],
    channel: "triage",
  };

  it("sends a labelled item to a label route taking opened items, as the opened kind", () => {
    const event = prLabeled("bug");
    const config: NotifierConfig = { routes: [{ on: ["pull_request.merged"] }, BUG_ROUTE] };
    const late = lateLabelTargets({ event, config });
    expect(late?.event).toEqual({
      ...event,
      kind: "pull_request.opened",
      detail: { ...event.detail, lateLabel: "bug" },
    });
    expect(late?.routes).toEqual([
      {
        index: 1,
        route: BUG_ROUTE,
        channel: "triage",
        routeKey: routeKeyOf({ route: BUG_ROUTE, channel: "triage" }),
      },
    ]);
    expect(lateLabelTargets({ event: issueLabeled("bug-report"), config })?.event.kind).toBe(
      "issues.opened",
    );
  });

  it("leaves out routes the added label does not make match", () => {
    const config: NotifierConfig = { routes: [BUG_ROUTE] };
    // The item carries "bug" already, but the label added now is "docs".
    expect(lateLabelTargets({ event: prLabeled("docs", ["bug", "docs"]), config })).toBeNull();
    expect(
      lateLabelTargets({
        event: prLabeled("bug", ["bug", "wontfix"]),
        config: { routes: [{ ...BUG_ROUTE, exclude_labels: ["wontfix"] }] },
      }),
    ).toBeNull();
  });

  it("leaves out routes without labels, routes taking the labeled kind, and routes not taking opened items", () => {
    const event = prLabeled("bug");
    for (const candidate of [
      { on: ["pull_request.opened"] },
      { on: ["pull_request.opened"], labels: [] },
      { on: ["pull_request.*"], labels: ["bug"] },
      { on: ["pull_request.opened", "pull_request.labeled"], labels: ["bug"] },
      { on: ["pull_request.merged"], labels: ["bug"] },
      { on: ["issues.opened"], labels: ["bug"] },
    ]) {
      expect(lateLabelTargets({ event, config: { routes: [candidate] } })).toBeNull();
    }
    expect(lateLabelTargets({ event, config: {} })).toBeNull();
  });

  it("keeps the route's other filters: a draft is not sent to a route without drafts", () => {
    const draft = prLabeled("bug", ["bug"], (p) => (p.pull_request.draft = true));
    expect(lateLabelTargets({ event: draft, config: { routes: [BUG_ROUTE] } })).toBeNull();
    expect(
      lateLabelTargets({ event: draft, config: { routes: [{ ...BUG_ROUTE, drafts: true }] } }),
    ).not.toBeNull();
  });

  it("is nothing for a closed or merged item: a label added then does not say it was opened", () => {
    const config: NotifierConfig = { routes: [BUG_ROUTE] };
    const closedPr = prLabeled("bug", ["bug"], (p) => (p.pull_request.state = "closed"));
    const mergedPr = prLabeled("bug", ["bug"], (p) => {
      p.pull_request.state = "closed";
      p.pull_request.merged = true;
      p.pull_request.merged_at = "2019-05-15T15:20:40Z";
    });
    const closedIssue = eventOf("issues", "labeled", (p) => {
      p.label = { ...p.label, name: "bug" };
      p.issue.labels = [p.label];
      p.issue.state = "closed";
    });
    expect(closedPr.item?.state).toBe("closed");
    expect(mergedPr.item?.state).toBe("merged");
    expect(closedIssue.item?.state).toBe("closed");
    for (const event of [closedPr, mergedPr, closedIssue]) {
      expect(lateLabelTargets({ event, config })).toBeNull();
    }
    // Open again: it is.
    expect(lateLabelTargets({ event: prLabeled("bug"), config })).not.toBeNull();
  });

  it("announces the item as opened by its author; the route's author filters read who added the label", () => {
    const byBot = prLabeled("bug", ["bug"], (p) => {
      p.sender = { ...p.sender, login: "triage-bot[bot]", type: "Bot" };
    });
    expect(byBot.actor.login).toBe("triage-bot[bot]");
    expect(byBot.item?.author).toBe("Codertocat");
    const late = lateLabelTargets({ event: byBot, config: { routes: [BUG_ROUTE] } });
    expect(late?.event.actor.login).toBe("triage-bot[bot]");
    expect(late?.announced.actor).toEqual({
      login: "Codertocat",
      url: "https://github.com/Codertocat",
      isBot: false,
    });
    expect(late?.announced).toEqual({ ...late?.event, actor: late?.announced.actor });
    // A route that leaves out bots does not take what a bot labelled, though a person opened it.
    const noBots = { ...BUG_ROUTE, exclude_authors: ["*[bot]"] };
    expect(lateLabelTargets({ event: byBot, config: { routes: [noBots] } })).toBeNull();
    // A route for the author alone takes it only when the author labelled it.
    const onlyAuthor = { ...BUG_ROUTE, authors: ["Codertocat"] };
    expect(lateLabelTargets({ event: byBot, config: { routes: [onlyAuthor] } })).toBeNull();
    expect(
      lateLabelTargets({ event: prLabeled("bug"), config: { routes: [onlyAuthor] } }),
    ).not.toBeNull();
  });

  it("is nothing for kinds other than issues.labeled and pull_request.labeled", () => {
    const opened = eventOf("issues", "opened");
    expect(lateLabelTargets({ event: opened, config: { routes: [BUG_ROUTE] } })).toBeNull();
  });

  it("marks the label routes an opened item matched, by index", () => {
    const opened = eventOf("issues", "opened");
    const config: NotifierConfig = {
      channel: "eng",
      routes: [{ on: ["issues.*"] }, { ...BUG_ROUTE, channel: undefined }, BUG_ROUTE],
    };
    expect(openedMarks({ event: opened, config, matched: [0, 2] }).map((m) => m.index)).toEqual([
      2,
    ]);
    expect(openedMarks({ event: opened, config, matched: [0, 1, 2] })).toMatchObject([
      { index: 1, channel: "eng" },
      { index: 2, channel: "triage" },
    ]);
    expect(openedMarks({ event: issueLabeled("bug"), config, matched: [1, 2] })).toEqual([]);
  });
});
