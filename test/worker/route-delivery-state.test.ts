/**
 * Routing with the two stateful rules, from real example payloads over a real (SQLite) store:
 * a failing run then a passing one on the same workflow and branch is "failed" then "fixed";
 * a pull request labelled `bug` after opening reaches a `labels: [bug]` route once; a pull
 * request's review state (for reminders) follows its events, muted or not. No GitHub
 * API call is made: the network is closed and the config comes from a stub source.
 */
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { routeDelivery, type RoutingOutcome } from "../../src/worker/route-delivery.js";
import { decodeQueuedMessage } from "../../src/worker/queued-message.js";
import { threadKey } from "../../src/threads/thread-key.js";
import { readChannels } from "../../src/settings/channels.js";
import type { ActiveMutes } from "../../src/worker/mutes.js";
import { createStore } from "../../src/store/create-store.js";
import type { NotifierConfig } from "../../src/repo-config/config-schema.js";
import type { DeliveryRecord, Store } from "../../src/store/types.js";
import { untypedExamplesFor } from "../helpers/examples.js";

/** Example payloads of several events, changed field by field in place: loosely typed on purpose. */
type Payload = Record<string, any>;

const NOW = new Date("2026-12-06T12:00:00Z");
const channels = readChannels({
  SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T0/B0/default",
  SLACK_WEBHOOK_URL_TRIAGE: "https://hooks.slack.com/services/T0/B0/triage",
});

let store: Store;
let sequence = 0;
beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(async () => {
  store = createStore(":memory:");
  await store.migrate();
});
afterEach(() => store.close());

/** The first example of `event.action` that `pick` accepts, changed by `change`. */
function payloadOf(
  event: string,
  action: string,
  change?: (p: Payload) => void,
  pick: (p: Payload) => boolean = () => true,
): Payload {
  const found = untypedExamplesFor(event, action).find((example) => pick(example as Payload));
  const payload = structuredClone(found) as Payload;
  change?.(payload);
  return payload;
}

async function routed(
  event: string,
  payload: Payload,
  config: NotifierConfig = {},
  mutes?: ActiveMutes,
  /** The delivery's id; a new one each call when absent. Routing one id again is a retry. */
  id = `d-${++sequence}`,
) {
  return routeDelivery({
    delivery: deliveryOf(event, payload, id),
    configs: { load: async () => config },
    channels,
    state: store,
    mutes,
    now: NOW,
  });
}

/** The delivery `routed` routes: received at {@link NOW}, through installation 1. */
function deliveryOf(event: string, payload: Payload, id: string): DeliveryRecord {
  return {
    id,
    event,
    action: typeof payload.action === "string" ? payload.action : null,
    installationId: 1,
    repository: payload.repository?.full_name ?? null,
    payload: JSON.stringify(payload),
    receivedAt: NOW,
    status: "processing",
    reason: null,
    error: null,
    attempts: 1,
    nextAttemptAt: null,
    updatedAt: NOW,
  };
}

/** What was queued, per channel: the announced kind (and the late label, when there is one). */
function sent(outcome: RoutingOutcome): string[] | string {
  if (outcome.kind === "skip") return `skip: ${outcome.reason}`;
  return outcome.notifications.map((notification) => {
    const event = decodeQueuedMessage(notification.message, "test").event!;
    const late =
      event.detail.lateLabel === undefined ? "" : ` (late label ${event.detail.lateLabel})`;
    return `${notification.channel}: ${event.kind}${late}`;
  });
}

describe("back to green", () => {
  /** Run `runNumber` of workflow "test" (id 2823525) on `branch` of octo-org/octo-repo (default master). */
  const run = (runNumber: number, conclusion: string, branch = "master", attempt = 1) =>
    payloadOf(
      "workflow_run",
      "completed",
      (p) => {
        Object.assign(p.workflow_run, {
          run_number: runNumber,
          run_attempt: attempt,
          conclusion,
          head_branch: branch,
        });
      },
      // The package's first "completed" example is a queued run.
      (p) => p.workflow_run.status === "completed",
    );
  const EVERY_RUN: NotifierConfig = { routes: [{ on: ["workflow_run.*"] }] };
  const BRANCHES: NotifierConfig = { routes: [{ on: ["workflow_run.*"], branches: ["master"] }] };

  it("announces fail, fail, success on the default branch as failed, failed, fixed by default", async () => {
    expect(sent(await routed("workflow_run", run(1, "failure")))).toEqual([
      "default: workflow_run.failed",
    ]);
    expect(sent(await routed("workflow_run", run(2, "timed_out")))).toEqual([
      "default: workflow_run.failed",
    ]);
    const fixed = await routed("workflow_run", run(3, "success"));
    expect(sent(fixed)).toEqual(["default: workflow_run.fixed"]);
    expect(fixed.kind === "queue" && fixed.detail).toBe("workflow_run.fixed -> default");
    // Green again: an ordinary success, which the defaults do not announce.
    expect(sent(await routed("workflow_run", run(4, "success")))).toBe(
      "skip: no route matched workflow_run.succeeded",
    );
  });

  it("announces a success after a success as succeeded, never fixed", async () => {
    expect(sent(await routed("workflow_run", run(1, "success"), EVERY_RUN))).toEqual([
      "default: workflow_run.succeeded",
    ]);
    expect(sent(await routed("workflow_run", run(2, "success"), EVERY_RUN))).toEqual([
      "default: workflow_run.succeeded",
    ]);
  });

  it("does not flip on an older run that arrives late", async () => {
    await routed("workflow_run", run(10, "failure"), EVERY_RUN);
    expect(sent(await routed("workflow_run", run(9, "success"), EVERY_RUN))).toEqual([
      "default: workflow_run.succeeded",
    ]);
    expect(sent(await routed("workflow_run", run(11, "success"), EVERY_RUN))).toEqual([
      "default: workflow_run.fixed",
    ]);
  });

  it("keeps branches apart, and says fixed again when the same delivery is routed again", async () => {
    await routed("workflow_run", run(1, "failure", "dev"), EVERY_RUN);
    expect(sent(await routed("workflow_run", run(2, "success"), EVERY_RUN))).toEqual([
      "default: workflow_run.succeeded",
    ]);
    const fixedOnDev = run(2, "success", "dev");
    expect(sent(await routed("workflow_run", fixedOnDev, EVERY_RUN))).toEqual([
      "default: workflow_run.fixed",
    ]);
    // A retry (or GitHub's redelivery) of the same run answers the same.
    expect(sent(await routed("workflow_run", fixedOnDev, EVERY_RUN))).toEqual([
      "default: workflow_run.fixed",
    ]);
  });

  it("neither announces by default nor records a fork's run on a branch named like the default", async () => {
    const fromFork = (runNumber: number, conclusion: string) => {
      const payload = run(runNumber, conclusion);
      payload.workflow_run.head_repository.id = payload.repository.id + 1;
      return payload;
    };
    expect(sent(await routed("workflow_run", fromFork(1, "failure")))).toBe(
      "skip: no route matched workflow_run.failed",
    );
    expect(sent(await routed("workflow_run", fromFork(1, "failure"), BRANCHES))).toBe(
      "skip: no route matched workflow_run.failed",
    );
    // The fork's failure is not in the history: a success of this repository's master is no fix.
    expect(sent(await routed("workflow_run", run(2, "success"), EVERY_RUN))).toEqual([
      "default: workflow_run.succeeded",
    ]);
    // A route without branches still hears of the fork's run.
    expect(sent(await routed("workflow_run", fromFork(3, "failure"), EVERY_RUN))).toEqual([
      "default: workflow_run.failed",
    ]);
  });

  it("a re-run's second attempt that passes is fixed; the first attempt redelivered does not flip it back", async () => {
    const firstAttempt = run(2, "failure", "master", 1);
    expect(sent(await routed("workflow_run", firstAttempt, EVERY_RUN))).toEqual([
      "default: workflow_run.failed",
    ]);
    expect(sent(await routed("workflow_run", run(2, "success", "master", 2), EVERY_RUN))).toEqual([
      "default: workflow_run.fixed",
    ]);
    expect(sent(await routed("workflow_run", firstAttempt, EVERY_RUN))).toEqual([
      "default: workflow_run.failed",
    ]);
    expect(sent(await routed("workflow_run", run(3, "success"), EVERY_RUN))).toEqual([
      "default: workflow_run.succeeded",
    ]);
  });

  it("records a muted repository's runs, so its fix is known once unmuted", async () => {
    const mute = {
      target: "octo-org/octo-repo",
      kind: "repository" as const,
      until: NOW,
      reason: null,
      createdAt: NOW,
    };
    const muted: ActiveMutes = {
      repository: (name) => (name.toLowerCase() === mute.target ? mute : undefined),
      channel: () => undefined,
    };
    expect(sent(await routed("workflow_run", run(1, "failure"), {}, muted))).toMatch(/^skip: /);
    expect(sent(await routed("workflow_run", run(2, "success")))).toEqual([
      "default: workflow_run.fixed",
    ]);
  });
});

describe("late labels", () => {
  const BUG: NotifierConfig = {
    routes: [
      { on: ["pull_request.opened", "pull_request.merged"] },
      { on: ["pull_request.opened"], labels: ["bug*"], channel: "triage" },
    ],
  };
  /** Codertocat's pull request #2 on Codertocat/Hello-World, opened without labels. */
  const opened = (labels: string[] = []) =>
    payloadOf("pull_request", "opened", (p) => {
      p.pull_request.labels = labels.map((name) => ({ id: 1, name, color: "d73a4a" }));
    });
  /** The same pull request, `label` just added; it now carries `labels`. */
  const labeled = (label: string, labels: string[] = [label]) =>
    payloadOf("pull_request", "labeled", (p) => {
      p.label = { ...p.label, name: label };
      p.pull_request.labels = labels.map((name) => ({ ...p.label, name }));
    });

  it("sends a pull request labelled bug after opening to the bug route once, as opened", async () => {
    expect(sent(await routed("pull_request", opened(), BUG))).toEqual([
      "default: pull_request.opened",
    ]);
    const late = await routed("pull_request", labeled("bug"), BUG);
    expect(sent(late)).toEqual(["triage: pull_request.opened (late label bug)"]);
    expect(late.kind === "queue" && late.detail).toBe(
      'pull_request.opened -> triage (late label "bug")',
    );
    // A second matching label, or the same label again, does not send it again.
    expect(
      sent(await routed("pull_request", labeled("bug-critical", ["bug", "bug-critical"]), BUG)),
    ).toBe("skip: no route matched pull_request.labeled");
    expect(sent(await routed("pull_request", labeled("bug"), BUG))).toBe(
      "skip: no route matched pull_request.labeled",
    );
  });

  it("sends the same late message when the same delivery is routed again (a retry), and not for another", async () => {
    expect(sent(await routed("pull_request", opened(), BUG))).toEqual([
      "default: pull_request.opened",
    ]);
    const payload = labeled("bug");
    const late = ["triage: pull_request.opened (late label bug)"];
    expect(sent(await routed("pull_request", payload, BUG, undefined, "labeled-1"))).toEqual(late);
    // The first routing marked the route but its messages were never queued (a crash, a lost
    // lease): the retry must send them again.
    expect(sent(await routed("pull_request", payload, BUG, undefined, "labeled-1"))).toEqual(late);
    expect(sent(await routed("pull_request", payload, BUG, undefined, "labeled-2"))).toBe(
      "skip: no route matched pull_request.labeled",
    );
  });

  it("sends the opened item to its label route again when the opened delivery is routed again", async () => {
    const both = ["default: pull_request.opened", "triage: pull_request.opened"];
    expect(sent(await routed("pull_request", opened(["bug"]), BUG, undefined, "opened-1"))).toEqual(
      both,
    );
    expect(sent(await routed("pull_request", opened(["bug"]), BUG, undefined, "opened-1"))).toEqual(
      both,
    );
    expect(sent(await routed("pull_request", opened(["bug"]), BUG, undefined, "opened-2"))).toEqual(
      ["default: pull_request.opened"],
    );
  });

  it("says the author opened it, not who added the label, and sends nothing for a closed or merged one", async () => {
    const byMaintainer = labeled("bug");
    byMaintainer.sender = { ...byMaintainer.sender, login: "octo-maintainer" };
    const late = await routed("pull_request", byMaintainer, BUG);
    const texts =
      late.kind === "queue"
        ? late.notifications.map((n) => decodeQueuedMessage(n.message, "test").message.text)
        : [];
    expect(texts).toMatchInlineSnapshot(`
      [
        "Codertocat opened pull request #2 Update the README with new information. in Codertocat/Hello-World — now labelled bug",
      ]
    `);
    const merged = labeled("bug");
    Object.assign(merged.pull_request, {
      number: 3,
      state: "closed",
      merged: true,
      merged_at: "2019-05-15T15:20:40Z",
    });
    expect(sent(await routed("pull_request", merged, BUG))).toBe(
      "skip: no route matched pull_request.labeled",
    );
  });

  it("does not send again what the opened event already sent to the route", async () => {
    expect(sent(await routed("pull_request", opened(["bug"]), BUG))).toEqual([
      "default: pull_request.opened",
      "triage: pull_request.opened",
    ]);
    expect(sent(await routed("pull_request", labeled("bug-2", ["bug", "bug-2"]), BUG))).toBe(
      "skip: no route matched pull_request.labeled",
    );
  });

  it("sends once when the labeled event is routed before the opened one (opened with a label)", async () => {
    expect(sent(await routed("pull_request", labeled("bug"), BUG))).toEqual([
      "triage: pull_request.opened (late label bug)",
    ]);
    expect(sent(await routed("pull_request", opened(["bug"]), BUG))).toEqual([
      "default: pull_request.opened",
    ]);
    expect(
      sent(
        await routed("pull_request", opened(["bug"]), {
          routes: [BUG.routes![1]!],
        }),
      ),
    ).toBe("skip: already sent to route 1 when a label was added");
  });

  it("sends one message to a channel that also takes the labeled event: the late one", async () => {
    const config: NotifierConfig = {
      routes: [{ on: ["pull_request.labeled"], channel: "triage" }, ...BUG.routes!],
    };
    expect(sent(await routed("pull_request", labeled("bug"), config))).toEqual([
      "triage: pull_request.opened (late label bug)",
    ]);
    // Later labels are the labeled route's business alone.
    expect(sent(await routed("pull_request", labeled("docs", ["bug", "docs"]), config))).toEqual([
      "triage: pull_request.labeled",
    ]);
  });

  it("keeps ignore rules, and marks nothing an ignore rule dropped", async () => {
    const ignoring: NotifierConfig = { ...BUG, ignore: { authors: ["Codertocat"] } };
    expect(sent(await routed("pull_request", labeled("bug"), ignoring))).toBe(
      'skip: ignored: author "Codertocat" matches ignore.authors "Codertocat"',
    );
    expect(sent(await routed("pull_request", labeled("bug"), BUG))).toEqual([
      "triage: pull_request.opened (late label bug)",
    ]);
  });

  it("works for issues too, one item apart from another", async () => {
    const config: NotifierConfig = {
      routes: [{ on: ["issues.opened"], labels: ["bug"], channel: "triage" }],
    };
    const issueLabeled = (number: number) =>
      payloadOf("issues", "labeled", (p) => {
        p.issue.number = number;
      });
    expect(sent(await routed("issues", issueLabeled(1), config))).toEqual([
      "triage: issues.opened (late label bug)",
    ]);
    expect(sent(await routed("issues", issueLabeled(2), config))).toEqual([
      "triage: issues.opened (late label bug)",
    ]);
    expect(sent(await routed("issues", issueLabeled(1), config))).toBe(
      "skip: no route matched issues.labeled",
    );
  });
});

describe("CI of a pull request's head commit", () => {
  const EVERY_RUN: NotifierConfig = { routes: [{ on: ["workflow_run.*"] }] };
  /** The completed run example (octo-org/octo-repo), naming no pull request, as a fork's does. */
  const forkRun = (sha: string) =>
    payloadOf(
      "workflow_run",
      "completed",
      (p) => {
        Object.assign(p.workflow_run, { conclusion: "failure", head_sha: sha, pull_requests: [] });
        p.workflow_run.head_repository.id = p.repository.id + 1;
      },
      (p) => p.workflow_run.status === "completed",
    );
  /** Pull request `number` of the run's repository, `action` with head `sha`. */
  const pullRequest = (action: string, number: number, sha: string) => {
    const run = forkRun(sha);
    return payloadOf("pull_request", "opened", (p) => {
      p.action = action;
      p.repository = run.repository;
      p.pull_request.number = number;
      p.pull_request.head.sha = sha;
    });
  };
  /** The events routing queued. */
  const queued = (outcome: RoutingOutcome) =>
    outcome.kind === "queue"
      ? outcome.notifications.map((n) => decodeQueuedMessage(n.message, "test").event!)
      : [];
  const FIRST = "1111111111111111111111111111111111111111";
  const SECOND = "2222222222222222222222222222222222222222";

  it("threads a run naming no pull request under the one whose head it built, from the opened and synchronize events", async () => {
    expect(queued(await routed("workflow_run", forkRun(FIRST), EVERY_RUN)).map(threadKey)).toEqual([
      null,
    ]);
    await routed("pull_request", pullRequest("opened", 9, FIRST));
    const [first] = queued(await routed("workflow_run", forkRun(FIRST), EVERY_RUN));
    expect(first?.detail.pullRequestNumbers).toEqual([9]);
    expect(first && threadKey(first)).toEqual({ repository: "octo-org/octo-repo", number: 9 });
    // A push to the pull request (synchronize, not announced) moves its head.
    expect(sent(await routed("pull_request", pullRequest("synchronize", 9, SECOND)))).toBe(
      "skip: not a notified event",
    );
    const [second] = queued(await routed("workflow_run", forkRun(SECOND), EVERY_RUN));
    expect(second?.detail.pullRequestNumbers).toEqual([9]);
  });

  it("leaves a run that names its pull requests, or whose head is two pull requests', as it is", async () => {
    await routed("pull_request", pullRequest("opened", 9, FIRST));
    await routed("pull_request", pullRequest("reopened", 10, FIRST));
    const [run] = queued(await routed("workflow_run", forkRun(FIRST), EVERY_RUN));
    expect(run?.detail.pullRequestNumbers).toEqual([]);
    const naming = forkRun(SECOND);
    naming.workflow_run.pull_requests = [{ number: 4 }];
    await routed("pull_request", pullRequest("opened", 11, SECOND));
    const [named] = queued(await routed("workflow_run", naming, EVERY_RUN));
    expect(named?.detail.pullRequestNumbers).toEqual([4]);
  });
});

describe("review states", () => {
  /** Codertocat/Hello-World#2, as its state for reminders stands. */
  const state = async () =>
    (await store.reviewStates({ repository: "codertocat/hello-world", numbers: [2] })).get(2);
  /** Octocat's waiting pull requests, as `repository#number`. */
  const octocatWaits = async () =>
    (await store.waitingFor({ login: "octocat", limit: 10 })).map(
      (s) => `${s.repository}#${s.number}`,
    );
  /**
   * Octocat's submitted review of #2, with `state`. The snapshot still lists octocat as requested
   * (as one taken around the review may): a review answers its reviewer's request all the same.
   */
  const reviewBy = (reviewState: string) =>
    payloadOf("pull_request_review", "submitted", (p) => {
      p.review.state = reviewState;
      p.review.user.login = "octocat";
      p.pull_request.requested_reviewers = [
        payloadOf("pull_request", "review_requested").requested_reviewer,
      ];
    });

  it("follows a pull request from opened through a review request and an approval to closed", async () => {
    expect(await state()).toBeUndefined();
    await routed("pull_request", payloadOf("pull_request", "opened"));
    expect(await state()).toMatchObject({
      installationId: 1,
      open: true,
      requestedUsers: [],
      lastRequestedAt: null,
      approvals: [],
      // Seen from its opening: every review reaches the app.
      approvalsComplete: true,
      updatedAt: NOW,
    });
    expect(await octocatWaits()).toEqual([]);

    await routed("pull_request", payloadOf("pull_request", "review_requested"));
    expect(await state()).toMatchObject({
      open: true,
      requestedUsers: ["octocat"],
      lastRequestedAt: new Date("2019-05-15T15:20:33Z"),
      approvals: [],
    });
    expect(await octocatWaits()).toEqual(["codertocat/hello-world#2"]);

    // Reviews are not announced by default: the state is kept all the same.
    await routed("pull_request_review", reviewBy("approved"));
    expect(await state()).toMatchObject({ requestedUsers: [], approvals: ["octocat"] });
    expect(await octocatWaits()).toEqual([]);

    await routed("pull_request", payloadOf("pull_request", "closed"));
    expect(await state()).toMatchObject({
      open: false,
      lastRequestedAt: new Date("2019-05-15T15:20:33Z"),
      approvals: ["octocat"],
    });
    expect(await octocatWaits()).toEqual([]);
  });

  it("takes an approval back on a change request, and keeps a muted repository's state", async () => {
    const mute = {
      target: "codertocat/hello-world",
      kind: "repository" as const,
      until: NOW,
      reason: null,
      createdAt: NOW,
    };
    const muted: ActiveMutes = {
      repository: (name) => (name.toLowerCase() === mute.target ? mute : undefined),
      channel: () => undefined,
    };
    await routed("pull_request_review", reviewBy("approved"));
    // First seen by a review: earlier approvals may exist that the app never saw.
    expect(await state()).toMatchObject({ approvals: ["octocat"], approvalsComplete: false });
    expect(
      sent(await routed("pull_request_review", reviewBy("changes_requested"), {}, muted)),
    ).toMatch(/^skip: /);
    expect((await state())?.approvals).toEqual([]);
    // Requested again after the reviews (the example's request predates them).
    const again = payloadOf("pull_request", "review_requested", (p) => {
      p.pull_request.updated_at = "2019-05-15T15:30:00Z";
    });
    await routed("pull_request", again, {}, muted);
    expect(await octocatWaits()).toEqual(["codertocat/hello-world#2"]);
  });

  it("keeps a review request routed while an older delivery waited for its retry", async () => {
    // `labeled` before any review was requested; its config read fails, so it is retried later.
    const labeled = payloadOf("pull_request", "labeled", (p) => {
      p.pull_request.requested_reviewers = [];
    });
    const failing = {
      load: async (): Promise<NotifierConfig> => {
        throw new Error("config unavailable, retry later");
      },
    };
    await expect(
      routeDelivery({
        delivery: deliveryOf("pull_request", labeled, "labeled-1"),
        configs: failing,
        channels,
        state: store,
        now: NOW,
      }),
    ).rejects.toThrow("config unavailable");
    // Octocat's review is requested after the label.
    const requested = payloadOf("pull_request", "review_requested", (p) => {
      p.pull_request.updated_at = "2019-05-15T15:20:40Z";
    });
    await routed("pull_request", requested);
    expect(await octocatWaits()).toEqual(["codertocat/hello-world#2"]);
    // The retry of `labeled`, and a redelivery of it, carry the older snapshot: the request stays.
    await routed("pull_request", labeled, {}, undefined, "labeled-1");
    await routed("pull_request", labeled);
    expect(await state()).toMatchObject({
      requestedUsers: ["octocat"],
      lastRequestedAt: new Date("2019-05-15T15:20:40Z"),
    });
    expect(await octocatWaits()).toEqual(["codertocat/hello-world#2"]);
  });

  it("keeps an approval when an older change request by the same reviewer arrives after it", async () => {
    const at = (time: string, reviewState: string) =>
      payloadOf("pull_request_review", "submitted", (p) => {
        p.review.state = reviewState;
        p.review.user.login = "octocat";
        p.review.submitted_at = time;
        p.pull_request.updated_at = time;
      });
    await routed("pull_request_review", at("2019-05-15T15:25:00Z", "approved"));
    await routed("pull_request_review", at("2019-05-15T15:20:38Z", "changes_requested"));
    expect((await state())?.approvals).toEqual(["octocat"]);
  });

  it("routes a delivery whose pull request is unusable as before, keeping no state", async () => {
    const broken = payloadOf("pull_request", "review_requested", (p) => {
      p.pull_request.number = "2";
    });
    await routed("pull_request", broken);
    expect(await state()).toBeUndefined();
  });
});
