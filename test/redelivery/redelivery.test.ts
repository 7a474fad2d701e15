/**
 * Delivery recovery against GitHub's delivery log API, mocked at the HTTP layer, with a real
 * Probot Octokit authenticating as the App (a JWT signed with a key generated here) and a real
 * SQLite store per test.
 */
import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { recoverMissedDeliveries, type RecoveryReport } from "../../src/redelivery/redelivery.js";
import { CHECKPOINT_KEY, REQUESTED_KEY } from "../../src/redelivery/redelivery-plan.js";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { exampleOf } from "../helpers/examples.js";
import { tempDir } from "../helpers/temp-dir.js";

const API = "https://api.github.com";
const NOW = new Date("2024-05-01T12:00:00Z");
const APP_ID = 1;
/** A JWT: three base64url parts. */
const JWT_HEADER = /^bearer [\w-]+\.[\w-]+\.[\w-]+$/;

const TestOctokit = ProbotOctokit.defaults((options: object) => ({
  ...options,
  retry: { enabled: false },
  throttle: { enabled: false },
}));

let privateKey: string;
let octokit: InstanceType<typeof TestOctokit>;
let store: Store;
let logged: { level: "info" | "warn"; fields: object; message: string }[];
const log = {
  info: (fields: object, message: string) => logged.push({ level: "info", fields, message }),
  warn: (fields: object, message: string) => logged.push({ level: "warn", fields, message }),
};
const dir = tempDir("notifier-redelivery-");
let storeCount = 0;

beforeAll(() => {
  nock.disableNetConnect();
  // App auth as `probot.auth()` gives it: octokit-auth-probot signs a JWT for /app/* routes.
  privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 })
    .privateKey.export({ type: "pkcs1", format: "pem" })
    .toString();
});

beforeEach(async () => {
  octokit = new TestOctokit({ auth: { appId: APP_ID, privateKey } });
  storeCount += 1;
  store = createStore(join(dir, `store-${storeCount}.db`));
  await store.migrate();
  logged = [];
});

afterEach(async () => {
  nock.cleanAll();
  await store.close();
});

afterAll(() => {
  nock.enableNetConnect();
});

/** `minutes` before NOW, as GitHub writes times. */
function ago(minutes: number): string {
  return new Date(NOW.getTime() - minutes * 60_000).toISOString().replace(".000Z", "Z");
}

let nextId = 12_077_215_000;

/** One delivery-log entry as GitHub lists it; `ok: false` is a 502 from our side. */
function attempt(params: {
  guid: string;
  minutesAgo: number;
  ok: boolean;
  redelivery?: boolean;
  event?: string;
  action?: string | null;
  failure?: { status: string; status_code: number };
}) {
  nextId += 1;
  const failure = params.failure ?? { status: "Invalid HTTP Response: 502", status_code: 502 };
  return {
    id: nextId,
    guid: params.guid,
    delivered_at: ago(params.minutesAgo),
    redelivery: params.redelivery ?? false,
    duration: params.ok ? 0.08 : 10.01,
    ...(params.ok ? { status: "OK", status_code: 200 } : failure),
    event: params.event ?? "issues",
    action: params.action === undefined ? "opened" : params.action,
    installation_id: 38_541_231,
    repository_id: 186_853_002,
    throttled_at: null,
  };
}

type Entry = ReturnType<typeof attempt>;

function listScope(pages: Entry[][]) {
  const scope = nock(API).matchHeader("authorization", JWT_HEADER);
  pages.forEach((entries, index) => {
    const query = index === 0 ? { per_page: "100" } : { per_page: "100", cursor: `v1_${index}` };
    const headers: Record<string, string> =
      index < pages.length - 1
        ? { link: `<${API}/app/hook/deliveries?per_page=100&cursor=v1_${index + 1}>; rel="next"` }
        : {};
    scope.get("/app/hook/deliveries").query(query).reply(200, entries, headers);
  });
  return scope;
}

/** Expects exactly these redelivery requests, each answered with `status`. */
function redeliverScope(requests: { id: number; status?: number }[]) {
  const scope = nock(API).matchHeader("authorization", JWT_HEADER);
  for (const request of requests) {
    const status = request.status ?? 202;
    scope.post(`/app/hook/deliveries/${request.id}/attempts`).reply(
      status,
      status === 202
        ? {}
        : {
            message: status >= 500 ? "Service Unavailable" : "Validation Failed",
            documentation_url: "https://docs.github.com/rest",
          },
    );
  }
  return scope;
}

async function storeDelivery(guid: string): Promise<void> {
  const payload = exampleOf("issues", "opened");
  await store.insertDelivery({
    id: guid,
    event: "issues",
    action: payload.action,
    installationId: payload.installation.id,
    repository: payload.repository.full_name,
    payload: JSON.stringify(payload),
    receivedAt: NOW,
  });
}

function run(
  overrides: { now?: Date; since?: Date; dryRun?: boolean } = {},
): Promise<RecoveryReport> {
  return recoverMissedDeliveries({ octokit, store, now: NOW, log, ...overrides });
}

function summary(report: RecoveryReport) {
  return {
    scanned: report.scanned,
    missed: report.missed.map((m) => [m.guid, m.requested, m.error ?? null]),
    alreadyRequested: report.alreadyRequested,
    checkpoint: report.checkpoint?.toISOString() ?? null,
  };
}

describe("recoverMissedDeliveries", () => {
  it("follows the cursor across pages, signs every request as the App, and redelivers the one miss", async () => {
    const missed = attempt({
      guid: "a0000000-0000-0000-0000-000000000002",
      minutesAgo: 90,
      ok: false,
    });
    const list = listScope([
      [attempt({ guid: "a0000000-0000-0000-0000-000000000001", minutesAgo: 10, ok: true })],
      [
        missed,
        attempt({ guid: "a0000000-0000-0000-0000-000000000003", minutesAgo: 120, ok: true }),
      ],
    ]);
    let jwtIssuer: unknown;
    const redeliver = nock(API)
      .matchHeader("authorization", (value) => {
        if (value === null || !JWT_HEADER.test(value)) return false;
        const claims = value.split(".")[1] ?? "";
        jwtIssuer = JSON.parse(Buffer.from(claims, "base64url").toString()).iss;
        return true;
      })
      .post(`/app/hook/deliveries/${missed.id}/attempts`)
      .reply(202, {});

    const report = await run();

    expect(list.isDone()).toBe(true);
    expect(redeliver.isDone()).toBe(true);
    expect(jwtIssuer).toBe(APP_ID);
    expect(report.missed).toEqual([
      {
        guid: missed.guid,
        event: "issues",
        action: "opened",
        deliveredAt: new Date(missed.delivered_at),
        requested: true,
      },
    ]);
    expect(report.scanned).toBe(3);
  });

  it("asks only for guids that never succeeded and that the store does not know, once each", async () => {
    const retriedTwice = [
      attempt({ guid: "b-retried", minutesAgo: 20, ok: false, redelivery: true }),
      attempt({
        guid: "b-retried",
        minutesAgo: 50,
        ok: false,
        failure: { status: "timed out", status_code: 0 },
      }),
    ];
    const unknownFailure = attempt({
      guid: "b-unknown",
      minutesAgo: 30,
      ok: false,
      event: "push",
      action: null,
    });
    const list = listScope([
      [
        attempt({ guid: "b-recovered", minutesAgo: 5, ok: true, redelivery: true }),
        attempt({ guid: "b-ok", minutesAgo: 10, ok: true }),
        retriedTwice[0]!,
        unknownFailure,
        attempt({ guid: "b-known", minutesAgo: 40, ok: false }),
        retriedTwice[1]!,
        attempt({ guid: "b-recovered", minutesAgo: 60, ok: false }),
      ],
    ]);
    await storeDelivery("b-known");
    // The newest attempt of a guid is the one redelivered.
    const redeliver = redeliverScope([{ id: retriedTwice[0]!.id }, { id: unknownFailure.id }]);

    const report = await run();

    expect(list.isDone()).toBe(true);
    expect(redeliver.isDone()).toBe(true);
    expect(summary(report)).toMatchInlineSnapshot(`
      {
        "alreadyRequested": 0,
        "checkpoint": "2024-05-01T11:50:00.000Z",
        "missed": [
          [
            "b-retried",
            true,
            null,
          ],
          [
            "b-unknown",
            true,
            null,
          ],
        ],
        "scanned": 7,
      }
    `);
    expect(report.missed[1]).toMatchObject({ event: "push", action: null });
  });

  it("stops reading at the checkpoint and moves it to the newest delivery minus the margin", async () => {
    await store.setState(CHECKPOINT_KEY, ago(60));
    // No second page is mocked: asking for it would fail the run.
    const list = nock(API)
      .get("/app/hook/deliveries")
      .query({ per_page: "100" })
      .reply(
        200,
        [
          attempt({ guid: "c-new", minutesAgo: 30, ok: true }),
          attempt({ guid: "c-old-failure", minutesAgo: 61, ok: false }),
        ],
        { link: `<${API}/app/hook/deliveries?per_page=100&cursor=v1_1>; rel="next"` },
      );

    const report = await run();

    expect(list.isDone()).toBe(true);
    expect(summary(report)).toMatchInlineSnapshot(`
      {
        "alreadyRequested": 0,
        "checkpoint": "2024-05-01T11:25:00.000Z",
        "missed": [],
        "scanned": 1,
      }
    `);
    expect(await store.getState(CHECKPOINT_KEY)).toBe("2024-05-01T11:25:00.000Z");
  });

  it("throws an actionable error when the log cannot be read, and leaves the checkpoint and requests alone", async () => {
    await store.setState(CHECKPOINT_KEY, ago(600));
    const list = nock(API)
      .get("/app/hook/deliveries")
      .query({ per_page: "100" })
      .reply(200, [attempt({ guid: "d-failed", minutesAgo: 5, ok: false })], {
        link: `<${API}/app/hook/deliveries?per_page=100&cursor=v1_1>; rel="next"`,
      })
      .get("/app/hook/deliveries")
      .query({ per_page: "100", cursor: "v1_1" })
      .reply(500, { message: "Server Error" });

    await expect(run()).rejects.toThrowErrorMatchingInlineSnapshot(
      `[Error: cannot read the App's webhook delivery log from GitHub (page 2: HTTP 500: Server Error); nothing was redelivered and the checkpoint is unchanged, so the next run reads the same deliveries again]`,
    );
    expect(list.isDone()).toBe(true);
    expect(await store.getState(CHECKPOINT_KEY)).toBe(ago(600));
    expect(await store.getState(REQUESTED_KEY)).toBeNull();
  });

  it("reports a refused redelivery and goes on with the next", async () => {
    const tooOld = attempt({ guid: "e-too-old", minutesAgo: 20, ok: false });
    const fine = attempt({ guid: "e-fine", minutesAgo: 30, ok: false });
    const list = listScope([[tooOld, fine]]);
    const redeliver = redeliverScope([{ id: tooOld.id, status: 422 }, { id: fine.id }]);

    const report = await run();

    expect(list.isDone()).toBe(true);
    expect(redeliver.isDone()).toBe(true);
    expect(summary(report)).toMatchInlineSnapshot(`
      {
        "alreadyRequested": 0,
        "checkpoint": "2024-05-01T11:35:00.000Z",
        "missed": [
          [
            "e-too-old",
            false,
            "HTTP 422: Validation Failed - https://docs.github.com/rest",
          ],
          [
            "e-fine",
            true,
            null,
          ],
        ],
        "scanned": 2,
      }
    `);
    expect(logged.filter((l) => l.level === "warn")).toMatchObject([
      { fields: { guid: "e-too-old" }, message: "GitHub refused to redeliver" },
    ]);
  });

  it("holds the checkpoint back at a redelivery GitHub failed with 5xx, so the next run asks again", async () => {
    const unlucky = attempt({ guid: "f-unlucky", minutesAgo: 40, ok: false });
    const firstList = listScope([[attempt({ guid: "f-ok", minutesAgo: 2, ok: true }), unlucky]]);
    const first = redeliverScope([{ id: unlucky.id, status: 503 }]);

    const report = await run();

    expect(firstList.isDone()).toBe(true);
    expect(first.isDone()).toBe(true);
    expect(report.missed).toMatchObject([
      { guid: "f-unlucky", requested: false, error: expect.stringMatching(/^HTTP 503: /) },
    ]);
    expect(report.checkpoint?.toISOString()).toBe(new Date(unlucky.delivered_at).toISOString());

    listScope([[attempt({ guid: "f-ok", minutesAgo: 2, ok: true }), unlucky]]);
    const second = redeliverScope([{ id: unlucky.id }]);
    const again = await run({ now: new Date(NOW.getTime() + 60_000) });

    expect(second.isDone()).toBe(true);
    expect(again.missed).toMatchObject([{ guid: "f-unlucky", requested: true }]);
  });

  it("asks for nothing on a second run while the redelivery is in flight", async () => {
    const original = attempt({ guid: "g-missed", minutesAgo: 15, ok: false });
    listScope([[original]]);
    redeliverScope([{ id: original.id }]);
    const first = await run();
    expect(first.missed).toMatchObject([{ guid: "g-missed", requested: true }]);

    // Right after: GitHub's log does not show the redelivery yet.
    const later = new Date(NOW.getTime() + 2 * 60_000);
    const list = listScope([[original]]);
    const second = await run({ now: later });

    expect(list.isDone()).toBe(true);
    // Any POST would fail the run: nock lets no unmocked request through.
    expect(summary(second)).toMatchObject({ alreadyRequested: 1, missed: [] });
    expect(JSON.parse((await store.getState(REQUESTED_KEY)) ?? "{}")).toEqual({
      "g-missed": { at: NOW.toISOString(), times: 1 },
    });
  });

  it("asks again when the redelivery failed too, three times at most", async () => {
    const original = attempt({ guid: "g-missed", minutesAgo: 15, ok: false });
    listScope([[original]]);
    redeliverScope([{ id: original.id }]);
    await run();

    // Each run finds, after the last ask, a failed redelivery in GitHub's log (the app could not take it).
    const log = [original];
    for (let round = 1; round <= 3; round += 1) {
      const askedAt = (round - 1) * 2;
      const failedAgain = attempt({
        guid: "g-missed",
        minutesAgo: -(askedAt + 1),
        ok: false,
        redelivery: true,
      });
      log.unshift(failedAgain);
      listScope([[...log]]);
      if (round < 3) redeliverScope([{ id: failedAgain.id }]);
      const report = await run({ now: new Date(NOW.getTime() + (askedAt + 2) * 60_000) });
      expect(summary(report).missed).toEqual(round < 3 ? [["g-missed", true, null]] : []);
    }
    expect(JSON.parse((await store.getState(REQUESTED_KEY)) ?? "{}")["g-missed"].times).toBe(3);
  });

  it("forgets a request after 3 days, when GitHub could not redeliver it anyway", async () => {
    await store.setState(
      REQUESTED_KEY,
      JSON.stringify({ "h-recent": ago(60), "h-ancient": ago(3 * 24 * 60 + 1) }),
    );
    const fresh = attempt({ guid: "h-fresh", minutesAgo: 5, ok: false });
    // h-recent's last attempt came before it was asked for: its redelivery is still to come.
    listScope([[fresh, attempt({ guid: "h-recent", minutesAgo: 90, ok: false })]]);
    redeliverScope([{ id: fresh.id }]);

    const report = await run();

    expect(summary(report).missed).toEqual([["h-fresh", true, null]]);
    expect(report.alreadyRequested).toBe(1);
    expect(JSON.parse((await store.getState(REQUESTED_KEY)) ?? "{}")).toEqual({
      "h-recent": { at: new Date(ago(60)).toISOString(), times: 1 },
      "h-fresh": { at: NOW.toISOString(), times: 1 },
    });
  });

  it("posts and writes nothing in a dry run", async () => {
    const list = listScope([[attempt({ guid: "i-missed", minutesAgo: 15, ok: false })]]);

    const report = await run({ dryRun: true });

    expect(list.isDone()).toBe(true);
    expect(summary(report)).toMatchInlineSnapshot(`
      {
        "alreadyRequested": 0,
        "checkpoint": null,
        "missed": [
          [
            "i-missed",
            false,
            null,
          ],
        ],
        "scanned": 1,
      }
    `);
    expect(await store.getState(CHECKPOINT_KEY)).toBeNull();
    expect(await store.getState(REQUESTED_KEY)).toBeNull();
  });

  it("reads no further back than 3 days, and says so, whatever `since` asks", async () => {
    const list = listScope([
      [
        attempt({ guid: "j-inside", minutesAgo: 3 * 24 * 60 - 1, ok: true }),
        attempt({ guid: "j-beyond", minutesAgo: 3 * 24 * 60 + 1, ok: false }),
      ],
    ]);

    const report = await run({ since: new Date(NOW.getTime() - 5 * 86_400_000) });

    expect(list.isDone()).toBe(true);
    expect(report.scanned).toBe(1);
    expect(report.missed).toEqual([]);
    expect(logged.map((l) => l.message)).toContain(
      "GitHub keeps deliveries for 3 days: looking no further back",
    );
  });

  it("leaves the checkpoint alone when `since` starts after it (the gap was not read)", async () => {
    await store.setState(CHECKPOINT_KEY, ago(600));
    listScope([[attempt({ guid: "k-ok", minutesAgo: 5, ok: true })]]);

    const report = await run({ since: new Date(NOW.getTime() - 60 * 60_000) });

    expect(report.checkpoint).toBeNull();
    expect(await store.getState(CHECKPOINT_KEY)).toBe(ago(600));
  });
});
