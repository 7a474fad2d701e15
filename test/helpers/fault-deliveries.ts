/**
 * Deliveries for the fault-injection suite: real example payloads, each made recognisable in
 * Slack by a tag in its sender's login, with seeded randomness so a failing run can be replayed.
 */
import { request } from "node:http";
import type { SlackPost } from "./fake-slack.js";
import { untypedExamplesFor } from "./examples.js";
import { sendDelivery, sign } from "./webhook.js";

/** The event families routed to `default` by the default routes. */
export type TaggedEvent = "issues" | "pull_request" | "star";

export interface TaggedDelivery {
  /** Position in the generated list; the tag carries it. */
  index: number;
  /** `X-GitHub-Delivery`: a UUID drawn from the seeded random source. */
  id: string;
  event: TaggedEvent;
  /** The example payload with `sender.login` set to {@link TaggedDelivery.tag}. */
  payload: Record<string, unknown>;
  /** Appears in every Slack message of this delivery (the actor's login). */
  tag: string;
}

/** A source of numbers in [0, 1). */
export type Random = () => number;

const TAG_PREFIX = "fault-";
const TAG_PATTERN = /\bfault-(\d+)\b/;

/**
 * A small seeded generator (mulberry32): the same seed gives the same run.
 *
 * @example
 * const random = createRandom(42);
 * random(); // 0.6011037519201636, every time
 */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * The seed of this run: `FAULT_SEED` when set (to replay a failure), else a fresh one.
 *
 * @example
 * const seed = faultSeed(); // FAULT_SEED=1234 npx vitest run test/e2e/fault-kill.test.ts
 */
export function faultSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.FAULT_SEED;
  if (given !== undefined && given.trim() !== "") {
    const seed = Number(given);
    if (!Number.isSafeInteger(seed))
      throw new Error(`FAULT_SEED must be an integer, got ${JSON.stringify(given)}`);
    return seed;
  }
  return Math.floor(Math.random() * 2 ** 31);
}

/** A whole number in [min, max]. */
export function randomBetween(params: { random: Random; min: number; max: number }): number {
  const { random, min, max } = params;
  return min + Math.floor(random() * (max - min + 1));
}

/** A copy of `items` in a seeded random order (Fisher–Yates). */
export function shuffle<T>(items: readonly T[], random: Random): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

function randomUuid(random: Random): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = "4";
  hex[16] = ((Math.floor(random() * 4) + 8) as number).toString(16);
  const s = hex.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/**
 * `count` distinct deliveries cycling through the issues.opened, pull_request.opened and
 * star.created examples, each tagged so a Slack post can be traced back to it.
 *
 * @example
 * const deliveries = taggedDeliveries({ count: 1000, random: createRandom(seed) });
 * deliveryOfPost(post, deliveries)?.id
 */
export function taggedDeliveries(params: { count: number; random: Random }): TaggedDelivery[] {
  // Untyped: the union of the three payload types is more than the compiler will represent.
  const pool = (
    [
      ["issues", "opened"],
      ["pull_request", "opened"],
      ["star", "created"],
    ] as const
  ).flatMap(([event, action]) =>
    untypedExamplesFor(event, action).map((payload) => ({ event, payload })),
  );
  return Array.from({ length: params.count }, (_, index) => {
    const example = pool[index % pool.length];
    if (example === undefined)
      throw new Error("@octokit/webhooks-examples has none of the tagged examples");
    const tag = `${TAG_PREFIX}${index}`;
    const payload = structuredClone(example.payload);
    const id = randomUuid(params.random);
    // The id in the body too: the app refuses a body it already stored under another id as a
    // replay, and two lists would otherwise share their first body.
    payload.sender = {
      ...(payload.sender as Record<string, unknown>),
      login: tag,
      node_id: `delivery-${id}`,
    };
    return { index, id, event: example.event, payload, tag };
  });
}

/**
 * The index of the delivery a Slack post announces, from the tag in its text; null for a
 * post that carries none (a summary, or something this suite did not send).
 */
export function tagIndexOfPost(post: SlackPost): number | null {
  const match = TAG_PATTERN.exec(post.body.text ?? "");
  return match?.[1] === undefined ? null : Number(match[1]);
}

/**
 * Accepted posts grouped by delivery index.
 *
 * @example
 * const byDelivery = postsByDelivery(slack.accepted());
 * byDelivery.get(0)?.length // 1
 */
export function postsByDelivery(posts: readonly SlackPost[]): Map<number, SlackPost[]> {
  const grouped = new Map<number, SlackPost[]>();
  for (const post of posts) {
    const index = tagIndexOfPost(post);
    if (index === null) continue;
    const list = grouped.get(index) ?? [];
    list.push(post);
    grouped.set(index, list);
  }
  return grouped;
}

/** How one attempt to hand a delivery over went. */
export type SendOutcome =
  | { kind: "acknowledged"; status: number; at: number }
  | { kind: "refused"; status: number; at: number }
  | { kind: "unreachable"; error: string; at: number };

/**
 * One signed POST of a tagged delivery that never throws: a connection refused or reset
 * (the app is down) is an outcome like any other.
 *
 * @example
 * const outcome = await trySend({ baseUrl, delivery });
 * if (outcome.kind !== "acknowledged") resendLater(delivery);
 */
export async function trySend(params: {
  baseUrl: string;
  delivery: TaggedDelivery;
}): Promise<SendOutcome> {
  const { delivery } = params;
  try {
    const sent = await sendDelivery({
      baseUrl: params.baseUrl,
      event: delivery.event,
      payload: delivery.payload,
      id: delivery.id,
    });
    const at = Date.now();
    return sent.status >= 200 && sent.status < 300
      ? { kind: "acknowledged", status: sent.status, at }
      : { kind: "refused", status: sent.status, at };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return { kind: "unreachable", error: cause?.code ?? (error as Error).message, at: Date.now() };
  }
}

/**
 * Runs `run` over `items` with at most `concurrency` at a time.
 *
 * @example
 * await runPool({ items: deliveries, concurrency: 20, run: (delivery) => send(delivery) });
 */
export async function runPool<T>(params: {
  items: readonly T[];
  concurrency: number;
  run: (item: T) => Promise<void>;
}): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < params.items.length) {
      const item = params.items[next] as T;
      next += 1;
      await params.run(item);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(params.concurrency, params.items.length) }, lane),
  );
}

/** A delivery whose body is still on its way: half is sent, the rest when told. */
export interface SlowSend {
  /** Sends the rest of the body. */
  finish(): void;
  /** The status answered, or `unreachable` when the connection failed or was closed unanswered. */
  result: Promise<{ kind: "answered"; status: number } | { kind: "unreachable"; error: string }>;
}

/**
 * Starts a signed POST of `delivery` and stops halfway through the body, so a test can do
 * something (send SIGTERM) while the request is open, then let it complete.
 *
 * @example
 * const slow = await startSlowSend({ port, delivery });
 * await app.kill("SIGTERM");
 * slow.finish();
 * await slow.result; // { kind: "answered", status: 200 } or { kind: "unreachable", ... }
 */
export async function startSlowSend(params: {
  port: number;
  delivery: TaggedDelivery;
}): Promise<SlowSend> {
  const { delivery } = params;
  const body = Buffer.from(JSON.stringify(delivery.payload));
  const half = Math.floor(body.length / 2);
  const req = request({
    host: "127.0.0.1",
    port: params.port,
    method: "POST",
    path: "/api/github/webhooks",
    agent: false,
    headers: {
      "content-type": "application/json",
      "content-length": String(body.length),
      "x-github-event": delivery.event,
      "x-github-delivery": delivery.id,
      "x-hub-signature-256": sign(body.toString("utf8")),
      "user-agent": "GitHub-Hookshot/test",
    },
  });
  const result = new Promise<Awaited<SlowSend["result"]>>((resolve) => {
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve({ kind: "answered", status: res.statusCode ?? 0 }));
    });
    req.on("error", (error: NodeJS.ErrnoException) =>
      resolve({ kind: "unreachable", error: error.code ?? error.message }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    req.once("error", reject);
    req.write(body.subarray(0, half), () => {
      req.off("error", reject);
      resolve();
    });
  });
  return { finish: () => req.end(body.subarray(half)), result };
}
