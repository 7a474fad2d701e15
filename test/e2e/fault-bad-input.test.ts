/**
 * Fault injection with hostile input: signed payloads that lack what a message needs, carry
 * nulls, huge or tricky text and Slack markup; and a flood of badly signed requests. The app
 * must acknowledge and record each, keep its worker alive, post only escaped text, and keep
 * answering.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { join } from "node:path";
import type { KnownBlock } from "@slack/types";
import { startApp, type AppProcess, unpacedEnv } from "../helpers/app-process.js";
import { startFakeSlack, type FakeSlack, type SlackPost } from "../helpers/fake-slack.js";
import { exampleOf } from "../helpers/examples.js";
import {
  createRandom,
  faultSeed,
  postsByDelivery,
  runPool,
  taggedDeliveries,
  trySend,
} from "../helpers/fault-deliveries.js";
import { deliveryStatusCounts, readRows } from "../helpers/sqlite-rows.js";
import { sendDelivery, sign } from "../helpers/webhook.js";
import { tempDir } from "../helpers/temp-dir.js";
import { HOSTILE_TEXTS } from "../format/hostile-text.js";
import { slackProblems } from "../format/slack-safety.js";

const SEED = faultSeed();
const FLOOD = 2_000;
/** Long enough for any answer of a healthy app; only a hung or dead one misses it. */
const ALIVE_WITHIN_MS = 5_000;

type Expected = "delivered" | "malformed";
interface BadCase {
  name: string;
  event: "issues" | "pull_request" | "star";
  /** The JSON body; `raw` sends exactly this text instead. */
  payload?: unknown;
  raw?: string;
  expected: Expected;
}

const issue = () => exampleOf("issues", "opened");
const pullRequest = () => exampleOf("pull_request", "opened");
const star = () => exampleOf("star", "created");
/** A copy of `payload` with `change` applied, for one-line cases. */
function changed<T>(payload: T, change: (copy: T) => void): T {
  change(payload);
  return payload;
}
function without<T extends object>(payload: T, key: keyof T): T {
  return changed(payload, (copy) => delete copy[key]);
}
/** Sets a nested field whatever its declared type: hostile payloads break the types on purpose. */
function withField(payload: object, path: string[], value: unknown): object {
  let target = payload as Record<string, unknown>;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[path.at(-1) as string] = value;
  return payload;
}

const CASES: BadCase[] = [
  {
    name: "issues.opened without repository",
    event: "issues",
    payload: without(issue(), "repository"),
    expected: "malformed",
  },
  {
    name: "issues.opened without sender",
    event: "issues",
    payload: without(issue(), "sender"),
    expected: "malformed",
  },
  {
    name: "issues.opened with repository null",
    event: "issues",
    payload: withField(issue(), ["repository"], null),
    expected: "malformed",
  },
  {
    name: "issues.opened with sender null",
    event: "issues",
    payload: withField(issue(), ["sender"], null),
    expected: "malformed",
  },
  {
    name: "issues.opened with issue null",
    event: "issues",
    payload: withField(issue(), ["issue"], null),
    expected: "malformed",
  },
  {
    name: "issues.opened with sender.login null",
    event: "issues",
    payload: withField(issue(), ["sender", "login"], null),
    expected: "malformed",
  },
  {
    name: "issues.opened with a repository of no name",
    event: "issues",
    payload: withField(issue(), ["repository"], { id: 1 }),
    expected: "malformed",
  },
  {
    name: "issues without action",
    event: "issues",
    payload: without(issue(), "action"),
    expected: "malformed",
  },
  {
    name: "pull_request.opened without pull_request",
    event: "pull_request",
    payload: without(pullRequest(), "pull_request"),
    expected: "malformed",
  },
  {
    name: "star.created without repository",
    event: "star",
    payload: without(star(), "repository"),
    expected: "malformed",
  },
  {
    name: "star.created without sender",
    event: "star",
    payload: without(star(), "sender"),
    expected: "malformed",
  },
  {
    name: "issue without title",
    event: "issues",
    payload: withField(issue(), ["issue", "title"], undefined),
    expected: "delivered",
  },
  {
    name: "issue with title, body, labels, user and number null",
    event: "issues",
    payload: changed(issue(), (copy) => {
      for (const key of ["title", "body", "labels", "user", "number"])
        withField(copy, ["issue", key], null);
    }),
    expected: "delivered",
  },
  {
    name: "issue with numbers as strings",
    event: "issues",
    payload: withField(issue(), ["issue", "number"], "1"),
    expected: "delivered",
  },
  {
    name: "100 KB title",
    event: "issues",
    payload: withField(issue(), ["issue", "title"], HOSTILE_TEXTS["huge title"]),
    expected: "delivered",
  },
  {
    name: "100 KB body of escapes",
    event: "issues",
    payload: withField(issue(), ["issue", "body"], HOSTILE_TEXTS["huge escapes"]),
    expected: "delivered",
  },
  {
    name: "unicode title: emoji, combining marks, bidi override, zero-width, lone surrogate",
    event: "issues",
    payload: withField(
      issue(),
      ["issue", "title"],
      [
        HOSTILE_TEXTS.emoji,
        HOSTILE_TEXTS["combining marks"],
        HOSTILE_TEXTS["bidi override"],
        HOSTILE_TEXTS["zero-width"],
        HOSTILE_TEXTS["lone surrogate"],
      ].join(" "),
    ),
    expected: "delivered",
  },
  {
    name: "<!channel> title",
    event: "issues",
    payload: withField(issue(), ["issue", "title"], HOSTILE_TEXTS["channel broadcast"]),
    expected: "delivered",
  },
  {
    name: "<!here> body and a <@U123> label",
    event: "issues",
    payload: changed(issue(), (copy) => {
      withField(
        copy,
        ["issue", "body"],
        `${HOSTILE_TEXTS["here broadcast"]} ${HOSTILE_TEXTS["user-group mention"]}`,
      );
      withField(
        copy,
        ["issue", "labels"],
        [{ name: HOSTILE_TEXTS["user mention"] }, { name: HOSTILE_TEXTS["channel link"] }],
      );
    }),
    expected: "delivered",
  },
  {
    name: "pull request titled <!everyone> with a disguised link, from a sender named <!channel>",
    event: "pull_request",
    payload: changed(pullRequest(), (copy) => {
      withField(
        copy,
        ["pull_request", "title"],
        `${HOSTILE_TEXTS["everyone broadcast"]} ${HOSTILE_TEXTS["disguised link"]}`,
      );
      withField(copy, ["sender", "login"], "<!channel>");
      withField(copy, ["pull_request", "head", "ref"], "<!here>");
    }),
    expected: "delivered",
  },
  {
    name: "star by a sender named <@U123|boss>",
    event: "star",
    payload: withField(star(), ["sender", "login"], "<@U123|boss>"),
    expected: "delivered",
  },
  {
    name: "repository named <!here>",
    event: "star",
    payload: changed(star(), (copy) => {
      withField(copy, ["repository", "full_name"], "acme/<!here>");
      withField(copy, ["repository", "name"], "<!here>");
    }),
    expected: "delivered",
  },
];

const dir = tempDir("notifier-fault-bad-input-");
let slack: FakeSlack;
let app: AppProcess;
let dbPath: string;

beforeAll(async () => {
  slack = await startFakeSlack();
  dbPath = join(dir, "notifier.db");
  app = await startApp({
    env: unpacedEnv({ databaseUrl: dbPath, slackUrl: `${slack.url}/services/T1/B1/default` }),
  });
});
afterAll(async () => {
  await app.kill("SIGKILL");
  await slack.close();
});

async function health(): Promise<{ status: number; ms: number }> {
  const started = Date.now();
  const response = await fetch(`${app.baseUrl}/healthz`, {
    signal: AbortSignal.timeout(ALIVE_WITHIN_MS),
  });
  await response.text();
  return { status: response.status, ms: Date.now() - started };
}

/** What every line of user text in a post must never be: a live broadcast or mention. */
function liveMarkup(post: SlackPost): string[] {
  return [...JSON.stringify(post.body).matchAll(/<[!@#][^>]*>?/g)].map((match) => match[0]);
}

/** Waits until no delivery is still on its way (pending, processing or failed). */
async function settled(): Promise<Record<string, number>> {
  let counts: Record<string, number> = {};
  await vi.waitFor(
    () => {
      counts = deliveryStatusCounts(dbPath);
      expect(
        Object.keys(counts).filter((status) => !["delivered", "skipped", "dead"].includes(status)),
      ).toEqual([]);
    },
    { timeout: 30_000, interval: 200 },
  );
  return counts;
}

describe("hostile but signed payloads", () => {
  it("acknowledges each, skips the malformed with the reason, posts the rest escaped, and keeps delivering", async () => {
    console.log(`fault-bad-input: seed ${SEED} (replay with FAULT_SEED=${SEED})`);
    const random = createRandom(SEED);
    const sent: { badCase: BadCase; id: string; status: number }[] = [];
    for (const badCase of CASES) {
      const response = await sendDelivery({
        baseUrl: app.baseUrl,
        event: badCase.event,
        payload: badCase.payload,
        ...(badCase.raw === undefined ? {} : { rawBody: badCase.raw }),
      });
      sent.push({ badCase, id: response.id, status: response.status });
    }
    expect(
      sent
        .filter((entry) => entry.status !== 200)
        .map((entry) => `${entry.badCase.name}: ${entry.status}`),
    ).toEqual([]);
    expect((await health()).status).toBe(200);

    // Good deliveries after the bad ones: the worker is still at it.
    const good = taggedDeliveries({ count: 5, random });
    for (const delivery of good)
      expect((await trySend({ baseUrl: app.baseUrl, delivery })).kind).toBe("acknowledged");
    const delivered = CASES.filter((badCase) => badCase.expected === "delivered").length;
    await slack.waitForAccepted(delivered + good.length, 30_000);
    await settled();

    const rows = readRows<{ id: string; status: string; reason: string | null }>(
      dbPath,
      "SELECT id, status, reason FROM deliveries",
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    const outcome = sent.map(({ badCase, id }) => {
      const row = byId.get(id);
      return { name: badCase.name, status: row?.status, reason: row?.reason ?? null };
    });
    const expected = sent.map(({ badCase }) =>
      badCase.expected === "malformed"
        ? {
            name: badCase.name,
            status: "skipped",
            reason: expect.stringMatching(/^malformed payload: /),
          }
        : { name: badCase.name, status: "delivered", reason: null },
    );
    expect(outcome).toEqual(expected);
    for (const delivery of good) expect(byId.get(delivery.id)?.status).toBe("delivered");
    expect(postsByDelivery(slack.accepted()).size).toBe(good.length);

    const posts = slack.posts;
    expect(posts).toHaveLength(delivered + good.length);
    const problems = posts.flatMap((post) => [
      ...liveMarkup(post).map((markup) => `live markup ${markup}`),
      ...slackProblems({
        text: post.body.text ?? "",
        blocks: (post.body.blocks ?? []) as KnownBlock[],
      }),
    ]);
    expect(problems).toEqual([]);
    // The worker never fell over: no error logged, the same process still serves.
    expect(app.logs.filter((line) => line.level >= 50).map((line) => line.msg)).toEqual([]);
    expect(app.child.exitCode).toBeNull();
    console.log(
      `fault-bad-input figures: ${JSON.stringify({
        cases: CASES.length,
        skippedMalformed: outcome.filter((entry) => entry.status === "skipped").length,
        delivered: outcome.filter((entry) => entry.status === "delivered").length,
        posts: posts.length,
        longestPostText: Math.max(...posts.map((post) => (post.body.text ?? "").length)),
      })}`,
    );
  }, 60_000);

  // GitHub only sends objects: a signed body that is other JSON (`null`, `42`, `"text"`) is
  // refused with 400 before Probot's handlers, which would fail on it with a 500.
  it("answers a signed JSON body that is not an object without a server error, and keeps serving", async () => {
    const before =
      readRows<{ n: number }>(dbPath, "SELECT count(*) AS n FROM deliveries")[0]?.n ?? 0;
    const answers: { body: string; status: number; text: string }[] = [];
    for (const raw of ["null", "42", '"text"', "true", "[]"]) {
      const response = await sendDelivery({
        baseUrl: app.baseUrl,
        event: "issues",
        payload: null,
        rawBody: raw,
      });
      answers.push({ body: raw, status: response.status, text: response.text });
    }
    expect((await health()).status).toBe(200);
    await settled();
    const rows = readRows<{ status: string; reason: string | null }>(
      dbPath,
      `SELECT status, reason FROM deliveries ORDER BY received_at LIMIT -1 OFFSET ${before}`,
    );
    expect(answers.map((answer) => [answer.body, answer.status, answer.text])).toEqual(
      answers.map((answer) => [
        answer.body,
        400,
        JSON.stringify({ error: "payload must be a JSON object" }),
      ]),
    );
    expect(rows).toEqual([]);
  });
});

describe("a flood of badly signed requests", () => {
  it("refuses 2,000 of them, stores nothing, and still answers and delivers afterwards", async () => {
    const healthBefore = await health();
    const storedBefore = readRows<{ n: number }>(dbPath, "SELECT count(*) AS n FROM deliveries")[0]
      ?.n;
    const postsBefore = slack.posts.length;
    const rejectedBefore = rejected400(await (await fetch(`${app.baseUrl}/metrics`)).text());
    const payload = JSON.stringify(exampleOf("issues", "opened"));
    const signatures = [
      sign(payload, "not-the-secret"),
      null,
      "sha256=00",
      sign(`${payload} `),
      `sha1=${"0".repeat(40)}`,
      sign(payload).toUpperCase(),
    ];
    const statuses = new Map<number | string, number>();
    const started = Date.now();
    await runPool({
      items: Array.from({ length: FLOOD }, (_, i) => i),
      concurrency: 50,
      run: async (i) => {
        const response = await sendDelivery({
          baseUrl: app.baseUrl,
          event: "issues",
          payload: null,
          rawBody: payload,
          signature: signatures[i % signatures.length] ?? null,
        }).catch((error: Error) => ({ status: error.message }));
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      },
    });
    const floodMs = Date.now() - started;
    const healthAfter = await health();
    const [good] = taggedDeliveries({ count: 1, random: createRandom(SEED + 7) });
    if (!good) throw new Error("no delivery");
    const goodSentAt = Date.now();
    expect((await trySend({ baseUrl: app.baseUrl, delivery: good })).kind).toBe("acknowledged");
    await slack.waitForAccepted(postsBefore + 1, 10_000);
    const goodPostedMs = Date.now() - goodSentAt;
    const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
    console.log(
      `fault-bad-input flood figures: ${JSON.stringify({
        requests: FLOOD,
        statuses: Object.fromEntries(statuses),
        floodMs,
        healthMsBefore: healthBefore.ms,
        healthMsAfter: healthAfter.ms,
        goodDeliveryPostedMs: goodPostedMs,
      })}`,
    );

    expect(Object.fromEntries(statuses)).toEqual({ 400: FLOOD });
    expect(healthAfter.status).toBe(200);
    expect(readRows<{ n: number }>(dbPath, "SELECT count(*) AS n FROM deliveries")[0]?.n).toBe(
      (storedBefore ?? 0) + 1,
    );
    expect(rejected400(metrics) - rejectedBefore).toBe(FLOOD);
    expect(app.child.exitCode).toBeNull();
  }, 60_000);
});

function rejected400(metrics: string): number {
  return Number(/notifier_deliveries_rejected_total\{status="400"\} (\d+)/.exec(metrics)?.[1] ?? 0);
}
