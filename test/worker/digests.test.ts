/**
 * Digests, quiet hours and mutes through the whole in-process pipeline (receive -> store ->
 * worker -> Slack), with a real SQLite file, Slack mocked by nock, and a fake clock as the
 * worker's `now`: nothing posts before its window closes, and then exactly one message does.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import nock from "nock";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { startPipeline, type Pipeline } from "../helpers/pipeline.js";
import { exampleOf } from "../helpers/examples.js";
import { tempDir } from "../helpers/temp-dir.js";
import { fakeClock, type FakeClock } from "../helpers/fake-clock.js";
import type { NotifierConfig } from "../../src/repo-config/config-schema.js";
import type { Store } from "../../src/store/types.js";

const dir = tempDir("notifier-digests-");
const SLACK = "https://hooks.slack.com";
const DEFAULT_PATH = "/services/T000/B000/default";
const OPS_PATH = "/services/T000/B000/ops";
const ENV = {
  SLACK_WEBHOOK_URL: `${SLACK}${DEFAULT_PATH}`,
  SLACK_WEBHOOK_URL_OPS: `${SLACK}${OPS_PATH}`,
};
const BERLIN_NIGHT = { from: "22:00", to: "08:00", timezone: "Europe/Berlin" };

let pipeline: Pipeline | null = null;

beforeEach(() => {
  // A post nobody expected fails loudly instead of leaving the machine.
  nock.disableNetConnect();
});
afterEach(async () => {
  await pipeline?.stop();
  pipeline = null;
  nock.cleanAll();
  nock.enableNetConnect();
});

async function start(config: NotifierConfig, clock: FakeClock): Promise<Pipeline> {
  pipeline = await startPipeline({
    databaseUrl: join(dir, `${randomUUID()}.db`),
    env: ENV,
    configs: { load: async () => config },
    now: clock.now,
  });
  return pipeline;
}

/** Records the bodies Slack receives on `path`. */
function slackPosts(
  path: string,
  times: number,
): { bodies: { text: string }[]; scope: nock.Scope } {
  const bodies: { text: string }[] = [];
  const scope = nock(SLACK)
    .post(path, (body: { text: string }) => {
      bodies.push(body);
      return true;
    })
    .times(times)
    .reply(200, "ok");
  return { bodies, scope };
}

async function receive(p: Pipeline, name: "star" | "issues", payload: unknown): Promise<string> {
  const id = randomUUID();
  await p.probot.receive({ id, name, payload } as never);
  return id;
}

/** An `issues.opened` payload with a body of its own: the same body under a new id is a replay. */
let issueNumber = 3_000;
function openedIssue(): unknown {
  const payload = exampleOf("issues", "opened");
  payload.issue.number = issueNumber++;
  return payload;
}

function stars(count: number): unknown[] {
  return Array.from({ length: count }, (_, i) => {
    const payload = exampleOf("star", "created");
    payload.sender.login = `stargazer-${String(i).padStart(2, "0")}`;
    return payload;
  });
}

async function eventually(check: () => Promise<void>): Promise<void> {
  await vi.waitFor(check, { timeout: 10_000, interval: 25 });
}

/** Waits until every delivery is routed and its notification on `channel` is held. */
async function held(store: Store, ids: string[], channel = "default"): Promise<void> {
  await eventually(async () => {
    for (const id of ids) {
      const rows = await store.getNotifications(id);
      expect(rows.find((n) => n.channel === channel)).toMatchObject({
        status: "queued",
        dueAt: expect.any(Date),
      });
    }
  });
}

async function settled(store: Store, ids: string[], status: string): Promise<void> {
  await eventually(async () => {
    for (const id of ids) expect((await store.getDelivery(id))?.status).toBe(status);
  });
}

describe("digests", () => {
  it("holds 50 stars until the 15-minute window closes, then posts them as one message", async () => {
    const clock = fakeClock("2024-01-15T09:00:00.100Z");
    const p = await start({ routes: [{ on: ["star.created"], digest: "15m" }] }, clock);
    const slack = slackPosts(DEFAULT_PATH, 1);
    const ids = [];
    for (const payload of stars(50)) ids.push(await receive(p, "star", payload));
    await held(p.store, ids);
    const [row] = await p.store.getNotifications(ids[0] ?? "");
    expect(row).toMatchObject({
      digestKey: "digest 15m UTC 2024-01-15T09:00:00.000Z",
      dueAt: new Date("2024-01-15T09:15:00Z"),
    });

    clock.set("2024-01-15T09:14:59.999Z");
    // The worker looks again at least every 200 ms; give it several looks.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(slack.bodies).toHaveLength(0);

    clock.set("2024-01-15T09:15:00.000Z");
    await settled(p.store, ids, "delivered");
    expect(slack.scope.isDone()).toBe(true);
    expect(slack.bodies).toHaveLength(1);
    // Events arriving in the same millisecond may swap places: which two are named may vary.
    expect(slack.bodies[0]?.text).toMatch(
      /^50 GitHub updates: 50 new stars on Codertocat\/Hello-World from @stargazer-\d\d, @stargazer-\d\d and 48 others \(now 1 star\)$/,
    );
    expect(
      (await p.store.getAttempts(ids[7] ?? "")).map((a) => [a.channel, a.outcome, a.detail]),
    ).toEqual([
      [null, "routed", "star.created -> default (digest until 2024-01-15T09:15:00.000Z)"],
      ["default", "sent", null],
    ]);
  });

  it("posts each window on its own, and nothing for a window without events", async () => {
    const clock = fakeClock("2024-01-15T09:00:00Z");
    const p = await start({ routes: [{ on: ["star.created"], digest: "1m" }] }, clock);
    const slack = slackPosts(DEFAULT_PATH, 2);
    const [first, second, third] = stars(3);
    const early = [await receive(p, "star", first), await receive(p, "star", second)];
    await held(p.store, early);
    clock.set("2024-01-15T09:01:30Z");
    await settled(p.store, early, "delivered");
    // 09:02-09:03 gets nothing: no post. 09:03-09:04 gets one star: a post of its own.
    clock.set("2024-01-15T09:03:10Z");
    const late = [await receive(p, "star", third)];
    await held(p.store, late);
    clock.set("2024-01-15T09:04:00Z");
    await settled(p.store, late, "delivered");
    expect(slack.scope.isDone()).toBe(true);
    expect(slack.bodies.map((b) => b.text.split(":")[0])).toEqual([
      "2 GitHub updates",
      expect.stringContaining("starred"),
    ]);
  });
});

describe("quiet hours", () => {
  it("holds what arrives at night and posts it as one message when the quiet hours end; drops it where told", async () => {
    const clock = fakeClock("2024-01-15T22:30:00Z"); // 23:30 in Berlin
    const p = await start(
      {
        quiet_hours: BERLIN_NIGHT,
        routes: [
          { on: ["issues.opened"] },
          { on: ["issues.opened"], channel: "ops", quiet_hours_action: "drop" },
        ],
      },
      clock,
    );
    const slack = slackPosts(DEFAULT_PATH, 1);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await receive(p, "issues", openedIssue()));
    await held(p.store, ids);
    const history = await p.store.getAttempts(ids[0] ?? "");
    expect(history.map((a) => [a.channel, a.outcome, a.detail])).toEqual([
      [
        null,
        "routed",
        "issues.opened -> default (quiet hours until 2024-01-16T07:00:00.000Z) (dropped: ops)",
      ],
      ["ops", "skipped", "quiet hours (22:00–08:00 Europe/Berlin): dropped"],
    ]);
    expect((await p.store.getNotifications(ids[0] ?? "")).map((n) => n.channel)).toEqual([
      "default",
    ]);

    clock.set("2024-01-16T07:00:00Z"); // 08:00 in Berlin
    await settled(p.store, ids, "delivered");
    expect(slack.scope.isDone()).toBe(true);
    expect(slack.bodies).toHaveLength(1);
    expect(slack.bodies[0]?.text).toMatch(
      /^3 GitHub updates: 3 issues opened in Codertocat\/Hello-World/,
    );
  });

  it("records a delivery `skipped` with the reason when quiet hours drop its only channel", async () => {
    const clock = fakeClock("2024-01-15T22:30:00Z");
    const p = await start({ quiet_hours: BERLIN_NIGHT, quiet_hours_action: "drop" }, clock);
    const id = await receive(p, "issues", openedIssue());
    await settled(p.store, [id], "skipped");
    expect((await p.store.getDelivery(id))?.reason).toBe(
      "quiet hours (22:00–08:00 Europe/Berlin): dropped",
    );
  });
});

describe("mutes", () => {
  it("skips a muted repository's events with the mute as the reason", async () => {
    const clock = fakeClock("2024-01-15T09:00:00Z");
    const p = await start({}, clock);
    await p.store.putMute({
      target: "codertocat/hello-world",
      kind: "repository",
      until: new Date("2024-01-15T11:00:00Z"),
      reason: "release freeze",
      createdAt: clock.now(),
    });
    // Past the worker's mute cache: it reads the new mute.
    clock.advance(2_000);
    const id = await receive(p, "issues", openedIssue());
    await settled(p.store, [id], "skipped");
    expect((await p.store.getDelivery(id))?.reason).toBe(
      "muted until 2024-01-15T11:00:00.000Z by notifier mute: release freeze",
    );

    // Once the mute ends, the repository is heard again.
    const slack = slackPosts(DEFAULT_PATH, 1);
    clock.set("2024-01-15T11:00:00Z");
    const after = await receive(p, "issues", openedIssue());
    await settled(p.store, [after], "delivered");
    expect(slack.scope.isDone()).toBe(true);
  });

  it("drops a muted channel from the decision and sends to the others", async () => {
    const clock = fakeClock("2024-01-15T09:00:00Z");
    const p = await start(
      { routes: [{ on: ["issues.opened"] }, { on: ["issues.opened"], channel: "ops" }] },
      clock,
    );
    await p.store.putMute({
      target: "ops",
      kind: "channel",
      until: new Date("2024-01-15T10:00:00Z"),
      reason: null,
      createdAt: clock.now(),
    });
    clock.advance(2_000);
    const slack = slackPosts(DEFAULT_PATH, 1);
    const id = await receive(p, "issues", openedIssue());
    await settled(p.store, [id], "delivered");
    expect(slack.scope.isDone()).toBe(true);
    expect((await p.store.getNotifications(id)).map((n) => [n.channel, n.status])).toEqual([
      ["default", "sent"],
    ]);
    expect((await p.store.getAttempts(id)).find((a) => a.channel === "ops")).toMatchObject({
      outcome: "skipped",
      detail: "muted until 2024-01-15T10:00:00.000Z by notifier mute",
    });
  });
});
