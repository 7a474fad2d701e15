/**
 * Routing the kinds issue 14 added, from real example payloads through the real normaliser:
 * `branches` on the head branch of workflow runs and pushes (and `$default-branch`), the new
 * `workflows`, `environments` and `severities` filters, security alerts taken only by routes
 * that name them, author filters on every kind's actor, and the new default route.
 */
import { describe, expect, it } from "vitest";
import type { ActivityEvent } from "../../src/normalize/activity-event.js";
import { normalize } from "../../src/normalize/normalize.js";
import type { NotifierConfig, RouteConfig } from "../../src/repo-config/config-schema.js";
import { DEFAULT_ROUTES } from "../../src/repo-config/defaults.js";
import { kindGlob, kindsMatching } from "../../src/repo-config/globs.js";
import { explainRoutes, route } from "../../src/route/route.js";
import { untypedExamplesFor } from "../helpers/examples.js";

/** Example payloads of several events, changed field by field in place: loosely typed on purpose. */
type Payload = Record<string, any>;

/** The first example of `event.action` that notifies, changed by `change`, normalised. */
function eventOf(name: string, action: string | undefined, change?: (p: Payload) => void) {
  for (const example of untypedExamplesFor(name, action)) {
    const payload = structuredClone(example) as Payload;
    change?.(payload);
    const event = normalize(name, payload);
    if (event !== null) return event;
  }
  throw new Error(`no example of ${name}.${action ?? ""} notifies`);
}

/** A completed run of workflow "test" (id 2823525, run 163) on `branch` of Codertocat/Hello-World (default master). */
function run(conclusion: "success" | "failure", branch: string | null = "master") {
  return eventOf("workflow_run", "completed", (p) => {
    p.workflow_run.conclusion = conclusion;
    p.workflow_run.head_branch = branch;
  });
}

const push = (change?: (p: Payload) => void) => eventOf("push", undefined, change);
const deployment = () => eventOf("deployment_status", "created");
const dependabot = () => eventOf("dependabot_alert", "created");
const codeScanning = () => eventOf("code_scanning_alert", "created");
/** Secret scanning alerts carry no severity (the examples have none: the kind is what matters here). */
const secretScanning = (): ActivityEvent => {
  const { severity: _severity, ...detail } = dependabot().detail;
  return { ...dependabot(), kind: "secret_scanning_alert.created", detail };
};
const issueOpened = () => eventOf("issues", "opened");
const pullRequestOpened = () => eventOf("pull_request", "opened");

/** The channels an event is sent to under one route (channel "ops"), or the skip reason. */
function verdict(event: ActivityEvent, filters: Partial<RouteConfig> & Pick<RouteConfig, "on">) {
  const config: NotifierConfig = { routes: [{ channel: "ops", ...filters }] };
  const decision = route(event, config);
  if (decision.kind === "send") return decision.channels;
  return explainRoutes(event, config)[0]?.match;
}

describe("branches", () => {
  it("reads the head branch of workflow runs", () => {
    expect(run("failure").kind).toBe("workflow_run.failed");
    expect(verdict(run("failure"), { on: ["workflow_run.*"], branches: ["master"] })).toEqual([
      "ops",
    ]);
    expect(verdict(run("failure", "feature/x"), { on: ["workflow_run.*"], branches: ["master"] }))
      .toMatchInlineSnapshot(`
        {
          "matched": false,
          "reason": "head branch "feature/x" matches none of branches [master]",
        }
      `);
    expect(
      verdict(run("failure", "feature/x"), { on: ["workflow_run.*"], branches: ["feature/*"] }),
    ).toEqual(["ops"]);
  });

  it("refuses a workflow run without a head branch (a tag's run) when branches is set", () => {
    expect(verdict(run("failure", null), { on: ["workflow_run.*"], branches: ["**"] })).toEqual({
      matched: false,
      reason: "has no head branch to match branches [**]",
    });
    expect(verdict(run("failure", null), { on: ["workflow_run.*"] })).toEqual(["ops"]);
  });

  it("reads the branch pushed to", () => {
    const pushed = push();
    expect([pushed.kind, pushed.headBranch]).toEqual(["push.default_branch", "master"]);
    expect(verdict(pushed, { on: ["push.*"], branches: ["master"] })).toEqual(["ops"]);
    expect(verdict(pushed, { on: ["push.*"], branches: ["release/*"] })).toEqual({
      matched: false,
      reason: 'head branch "master" matches none of branches [release/*]',
    });
  });

  it("still reads the base branch of pull requests, and other kinds ignore it", () => {
    expect(verdict(pullRequestOpened(), { on: ["pull_request.*"], branches: ["master"] })).toEqual([
      "ops",
    ]);
    expect(verdict(pullRequestOpened(), { on: ["pull_request.*"], branches: ["main"] })).toEqual({
      matched: false,
      reason: 'base branch "master" matches none of branches [main]',
    });
    for (const event of [issueOpened(), deployment(), dependabot()]) {
      expect(verdict(event, { on: [event.kind], branches: ["main"] })).toEqual(["ops"]);
    }
  });

  it("refuses a conversation comment on a pull request when branches is set: GitHub does not say its base branch", () => {
    const comment = eventOf("issue_comment", "created", (p) => {
      p.issue.pull_request = { url: `${p.issue.url.replace("/issues/", "/pulls/")}` };
    });
    expect(comment.kind).toBe("pull_request.commented");
    expect(verdict(comment, { on: ["pull_request.*"] })).toEqual(["ops"]);
    for (const branches of [["master"], ["**"], ["$default-branch"]]) {
      expect(verdict(comment, { on: ["pull_request.*"], branches })).toEqual({
        matched: false,
        reason: `has no base branch to match branches [${branches.join(", ")}] (a comment on a pull request's conversation does not name it)`,
      });
    }
    // A comment on an issue ignores branches, as issues do.
    const onIssue = eventOf("issue_comment", "created");
    expect(onIssue.kind).toBe("issue_comment.created");
    expect(verdict(onIssue, { on: ["issue_comment.*"], branches: ["master"] })).toEqual(["ops"]);
  });

  it('takes "$default-branch" as the repository\'s default branch, beside globs', () => {
    const onDefault = { on: ["workflow_run.*", "pull_request.*"], branches: ["$default-branch"] };
    expect(verdict(run("failure"), onDefault)).toEqual(["ops"]);
    expect(verdict(pullRequestOpened(), onDefault)).toEqual(["ops"]);
    expect(verdict(run("failure", "dev"), onDefault)).toEqual({
      matched: false,
      reason:
        'head branch "dev" is not the default branch "master" and matches none of branches [$default-branch]',
    });
    expect(
      verdict(run("failure", "dev"), { ...onDefault, branches: ["$default-branch", "d*"] }),
    ).toEqual(["ops"]);
    const noDefault = {
      ...run("failure"),
      repository: { ...run("failure").repository, defaultBranch: null },
    };
    expect(verdict(noDefault, onDefault)).toEqual({
      matched: false,
      reason:
        'head branch "master" is not the default branch (the payload names none) and matches none of branches [$default-branch]',
    });
  });
});

describe("workflows", () => {
  it("matches globs on the workflow's name, case ignored", () => {
    expect(run("failure").detail.workflowName).toBe("test");
    expect(verdict(run("failure"), { on: ["workflow_run.*"], workflows: ["Test"] })).toEqual([
      "ops",
    ]);
    expect(verdict(run("failure"), { on: ["workflow_run.*"], workflows: ["t*"] })).toEqual(["ops"]);
    expect(
      verdict(run("failure"), { on: ["workflow_run.*"], workflows: ["CI", "Deploy *"] }),
    ).toEqual({
      matched: false,
      reason: 'workflow "test" matches none of workflows [CI, Deploy *]',
    });
  });

  it("refuses events without a workflow name", () => {
    expect(verdict(issueOpened(), { on: ["issues.*"], workflows: ["*"] })).toEqual({
      matched: false,
      reason: "has no workflow to match workflows [*]",
    });
  });
});

describe("environments", () => {
  it("matches globs on the deployment's environment, case ignored", () => {
    expect(deployment().detail.environment).toBe("production");
    expect(verdict(deployment(), { on: ["deployment_status.*"], environments: ["PROD*"] })).toEqual(
      ["ops"],
    );
    expect(
      verdict(deployment(), { on: ["deployment_status.*"], environments: ["staging"] }),
    ).toEqual({
      matched: false,
      reason: 'environment "production" matches none of environments [staging]',
    });
  });

  it("refuses events without an environment", () => {
    expect(verdict(run("failure"), { on: ["workflow_run.*"], environments: ["*"] })).toEqual({
      matched: false,
      reason: "has no environment to match environments [*]",
    });
  });
});

describe("severities", () => {
  const alerts = { on: ["dependabot_alert.*", "code_scanning_alert.*", "secret_scanning_alert.*"] };

  it("passes an alert at or above the lowest severity listed", () => {
    expect([dependabot().detail.severity, codeScanning().detail.severity]).toEqual([
      "medium",
      "high",
    ]);
    expect(verdict(dependabot(), { ...alerts, severities: ["medium"] })).toEqual(["ops"]);
    expect(verdict(dependabot(), { ...alerts, severities: ["critical", "low"] })).toEqual(["ops"]);
    expect(verdict(dependabot(), { ...alerts, severities: ["high"] })).toEqual({
      matched: false,
      reason: 'severity "medium" is below high, the lowest of severities [high]',
    });
    expect(verdict(codeScanning(), { ...alerts, severities: ["high"] })).toEqual(["ops"]);
    expect(verdict(codeScanning(), { ...alerts, severities: ["critical"] })).toEqual({
      matched: false,
      reason: 'severity "high" is below critical, the lowest of severities [critical]',
    });
  });

  it("refuses a low alert to a route asking for medium and up", () => {
    const low = eventOf("dependabot_alert", "created", (p) => {
      p.alert.security_advisory.severity = "low";
      p.alert.security_vulnerability.severity = "low";
    });
    expect(low.detail.severity).toBe("low");
    expect(verdict(low, { ...alerts, severities: ["medium"] })).toEqual({
      matched: false,
      reason: 'severity "low" is below medium, the lowest of severities [medium]',
    });
    expect(verdict(low, { ...alerts, severities: ["low"] })).toEqual(["ops"]);
  });

  it("always passes a secret scanning alert, which has no severity", () => {
    expect(verdict(secretScanning(), { ...alerts, severities: ["critical"] })).toEqual(["ops"]);
  });

  it("refuses a Dependabot or code scanning alert without a severity to a route that sets severities", () => {
    const unrated = eventOf("dependabot_alert", "created", (p) => {
      p.alert.security_advisory.severity = null;
      p.alert.security_vulnerability.severity = null;
    });
    expect(unrated.detail.severity).toBeUndefined();
    const { severity: _severity, ...detail } = codeScanning().detail;
    const unratedRule: ActivityEvent = { ...codeScanning(), detail };
    for (const event of [unrated, unratedRule]) {
      expect(verdict(event, { ...alerts, severities: ["low"] })).toEqual({
        matched: false,
        reason: "has no severity to match severities [low]",
      });
      expect(verdict(event, alerts)).toEqual(["ops"]);
    }
  });

  it("is ignored by kinds that are not alerts", () => {
    expect(verdict(issueOpened(), { on: ["issues.*"], severities: ["critical"] })).toEqual(["ops"]);
  });
});

describe("security alerts are opt-in", () => {
  it("are taken only by a glob that starts with their event's name", () => {
    for (const on of [
      ["*"],
      ["*.created"],
      ["**"],
      ["*_alert.*"],
      ["{dependabot_alert,issues}.*"],
    ]) {
      expect(verdict(dependabot(), { on })).toEqual({
        matched: false,
        reason: `dependabot_alert.created is not in on [${on.join(", ")}]`,
      });
    }
    for (const on of [
      ["dependabot_alert.*"],
      ["dependabot_alert.created"],
      ["dependabot_alert*"],
    ]) {
      expect(verdict(dependabot(), { on })).toEqual(["ops"]);
    }
    expect(verdict(dependabot(), { on: ["code_scanning_alert.*"] })).toMatchObject({
      matched: false,
    });
    expect(verdict(codeScanning(), { on: ["code_scanning_alert.*"] })).toEqual(["ops"]);
    expect(verdict(secretScanning(), { on: ["secret_scanning_alert.created"] })).toEqual(["ops"]);
  });

  it("are left out of what `*` selects, and of the defaults", () => {
    expect(kindsMatching("*.created")).toEqual([
      "star.created",
      "issue_comment.created",
      "pull_request_review_comment.created",
      "discussion.created",
      "discussion_comment.created",
    ]);
    expect(kindsMatching("*_alert.created")).toEqual([]);
    expect(kindGlob("*")("dependabot_alert.created")).toBe(false);
    expect(kindGlob("*")("issues.opened")).toBe(true);
    expect(kindsMatching("dependabot_alert.*")).toEqual(["dependabot_alert.created"]);
    for (const alert of [dependabot(), codeScanning(), secretScanning()]) {
      expect(route(alert, {})).toEqual({ kind: "skip", reason: `no route matched ${alert.kind}` });
    }
  });
});

describe("author filters apply to every kind's actor", () => {
  const bot = (event: ActivityEvent): ActivityEvent => ({
    ...event,
    actor: { ...event.actor, login: "github-actions[bot]", isBot: true },
  });
  const comment = () => eventOf("issue_comment", "created");
  const botPush = () =>
    push((p) => {
      p.sender.login = "renovate[bot]";
      p.sender.type = "Bot";
    });

  it("ignore.authors silences a bot's comment and a bot's push", () => {
    const config: NotifierConfig = {
      ignore: { authors: ["*[bot]"] },
      routes: [{ on: ["issue_comment.*", "push.*"] }],
    };
    expect(route(comment(), config).kind).toBe("send");
    expect(route(bot(comment()), config)).toEqual({
      kind: "skip",
      reason: 'ignored: author "github-actions[bot]" matches ignore.authors "*[bot]"',
    });
    expect(botPush().actor.login).toBe("renovate[bot]");
    expect(route(botPush(), config)).toEqual({
      kind: "skip",
      reason: 'ignored: author "renovate[bot]" matches ignore.authors "*[bot]"',
    });
  });

  it("exclude_authors and authors read the actor of CI, pushes and alerts", () => {
    expect(verdict(botPush(), { on: ["push.*"], exclude_authors: ["*[bot]"] })).toEqual({
      matched: false,
      reason: 'author "renovate[bot]" matches exclude_authors "*[bot]"',
    });
    expect(verdict(run("failure"), { on: ["workflow_run.*"], authors: ["octocat"] })).toEqual({
      matched: false,
      reason: 'author "Codertocat" matches none of authors [octocat]',
    });
    expect(
      verdict(dependabot(), { on: ["dependabot_alert.*"], exclude_authors: ["github"] }),
    ).toEqual({ matched: false, reason: 'author "github" matches exclude_authors "github"' });
  });
});

describe("the default routes", () => {
  it("announce failed and fixed workflow runs on the default branch only", () => {
    expect(DEFAULT_ROUTES).toHaveLength(2);
    expect(route(run("failure"), {})).toMatchObject({
      kind: "send",
      channels: ["default"],
      routes: [1],
    });
    const fixed: ActivityEvent = { ...run("success"), kind: "workflow_run.fixed" };
    expect(route(fixed, {})).toMatchObject({ kind: "send", channels: ["default"] });
    expect(route(run("failure", "feature/x"), {})).toEqual({
      kind: "skip",
      reason: "no route matched workflow_run.failed",
    });
    expect(route(run("success"), {})).toEqual({
      kind: "skip",
      reason: "no route matched workflow_run.succeeded",
    });
    expect(route(run("failure"), { channel: "eng" })).toMatchObject({ channels: ["eng"] });
  });

  it("leave the other new kinds out", () => {
    for (const event of [push(), deployment(), eventOf("issue_comment", "created")]) {
      expect(route(event, {})).toEqual({ kind: "skip", reason: `no route matched ${event.kind}` });
    }
  });
});
