/**
 * A loopback stand-in for Slack's incoming webhooks: records every post and answers as told
 * (200 `ok`, 429 with Retry-After, 500, a hang, or a refused connection).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface SlackPost {
  path: string;
  body: { text?: string; blocks?: unknown[] };
  at: number;
  /** The status answered (`hang` when left unanswered), once the fake answered. */
  status?: number | "hang";
  /** When the answer was written (after any `delayMs`); unset for a hang or before answering. */
  answeredAt?: number;
}

/**
 * What the fake answers one post with. `hang` never answers. `delayMs` holds the answer back
 * that long (a slow Slack); the post is recorded at once, its answer when it is written.
 */
export type FakeSlackAnswer =
  | { status: 200; delayMs?: number }
  | { status: 429; retryAfter: number; delayMs?: number }
  | { status: 400 | 403 | 404 | 410 | 500 | 503; body?: string; delayMs?: number }
  | { hang: true };

export interface FakeSlack {
  /** Base URL, e.g. `http://127.0.0.1:43123`; webhook URLs are this plus any path. */
  url: string;
  /** Every post received, in order, including ones answered with an error or left hanging. */
  posts: SlackPost[];
  /** Posts answered 200. */
  accepted(): SlackPost[];
  /** Decides the answer to each post; the default accepts everything. */
  answer: (post: SlackPost, index: number) => FakeSlackAnswer;
  /** Forgets every post and goes back to accepting everything. */
  reset(): void;
  /** Resolves once at least `count` posts were accepted, or rejects after `timeoutMs`. */
  waitForAccepted(count: number, timeoutMs?: number): Promise<SlackPost[]>;
  close(): Promise<void>;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const posts: SlackPost[] = [];
  const acceptedPosts: SlackPost[] = [];
  const waiters: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  const delayed = new Set<NodeJS.Timeout>();

  const fake: FakeSlack = {
    url: "",
    posts,
    accepted: () => [...acceptedPosts],
    answer: () => ({ status: 200 }),
    reset() {
      posts.length = 0;
      acceptedPosts.length = 0;
      fake.answer = () => ({ status: 200 });
    },
    waitForAccepted(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (acceptedPosts.length >= count) {
            clearTimeout(timer);
            resolve([...acceptedPosts]);
            return true;
          }
          return false;
        };
        const timer = setTimeout(
          () => reject(new Error(`fake Slack: ${acceptedPosts.length} of ${count} posts accepted after ${timeoutMs} ms`)),
          timeoutMs,
        );
        if (!check()) {
          const retry = () => {
            if (!check()) waiters.push(retry);
          };
          waiters.push(retry);
        }
      });
    },
    async close() {
      for (const timer of delayed) clearTimeout(timer);
      for (const res of hanging) res.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: SlackPost["body"] = {};
      try {
        body = JSON.parse(text) as SlackPost["body"];
      } catch {
        body = { text: `<unparsable: ${text.slice(0, 100)}>` };
      }
      const post: SlackPost = { path: req.url ?? "/", body, at: Date.now() };
      const index = posts.length;
      posts.push(post);
      const answer = fake.answer(post, index);
      if ("hang" in answer) {
        post.status = "hang";
        hanging.add(res);
        return;
      }
      if (answer.delayMs !== undefined && answer.delayMs > 0) {
        hanging.add(res);
        const timer = setTimeout(() => {
          delayed.delete(timer);
          hanging.delete(res);
          respond(post, answer, res);
        }, answer.delayMs);
        delayed.add(timer);
        return;
      }
      respond(post, answer, res);
    });
  });

  /** Writes the answer; a 200 counts as accepted even if the poster is gone by then (Slack would post it). */
  function respond(post: SlackPost, answer: Exclude<FakeSlackAnswer, { hang: true }>, res: ServerResponse): void {
    post.status = answer.status;
    post.answeredAt = Date.now();
    if (answer.status === 200) {
      acceptedPosts.push(post);
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      // Waiters that are not yet satisfied register themselves again.
      for (const waiter of waiters.splice(0)) waiter();
      return;
    }
    if (answer.status === 429) {
      res.writeHead(429, { "retry-after": String(answer.retryAfter) }).end("rate_limited");
      return;
    }
    res.writeHead(answer.status, { "content-type": "text/plain" }).end(answer.body ?? "server_error");
  }

  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
