/**
 * The webhook guard on a real loopback HTTP server: what it accepts (hands on to be stored, then
 * answers `200 ok`) is verified, bounded, parsed bodies only; everything else is answered here
 * with a status that says why, and other paths go to the next handler unread.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createServer, request, type Server } from "node:http";
import { createHmac } from "node:crypto";
import type { AddressInfo } from "node:net";
import { Registry, Counter } from "prom-client";
import { createWebhookGuard, type VerifiedDelivery } from "../../src/receive/webhook-guard.js";
import { createByteBudget, type ByteBudget } from "../../src/receive/byte-budget.js";
import { exampleOf } from "../helpers/examples.js";

const SECRET = "guard-test-secret";
const body = JSON.stringify(exampleOf("issues", "opened"));
const sign = (text: string | Buffer, secret = SECRET) =>
  `sha256=${createHmac("sha256", secret).update(text).digest("hex")}`;

let server: Server | null = null;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(null));
  server = null;
});

/**
 * A server whose only handler is the guard; what it accepts is recorded (`accept` fails when
 * `failAccept` is set), what it leaves to the next handler is answered 299 and recorded.
 */
async function serve(
  params: {
    budget?: ByteBudget;
    maxBodyBytes?: number;
    bodyDeadlineMs?: number;
    failAccept?: boolean;
  } = {},
) {
  const { failAccept, ...options } = params;
  const accepted: VerifiedDelivery[] = [];
  const passedOn: string[] = [];
  const rejected = new Counter({
    name: "rejected",
    help: "h",
    labelNames: ["status"],
    registers: [new Registry()],
  });
  const warnings: string[] = [];
  const errors: string[] = [];
  const guard = createWebhookGuard({
    secret: SECRET,
    accept: async (delivery) => {
      if (failAccept) throw new Error("database is locked");
      accepted.push(delivery);
    },
    metrics: { rejected },
    log: {
      warn: (_: unknown, msg?: string) => warnings.push(msg ?? ""),
      error: (_: unknown, msg?: string) => errors.push(msg ?? ""),
    } as never,
    ...options,
  });
  server = createServer(async (req, res) => {
    if (await guard(req, res)) return;
    passedOn.push(req.url ?? "");
    res.writeHead(299).end("passed");
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { port, accepted, passedOn, warnings, errors, rejected };
}

interface Answer {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Sends a request; `chunks` are written one by one (chunked unless content-length is given). */
function send(params: {
  port: number;
  path?: string;
  headers?: Record<string, string>;
  chunks: (string | Buffer)[];
  holdOpen?: boolean;
}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: params.port,
        method: "POST",
        path: params.path ?? "/api/github/webhooks",
        headers: {
          "content-type": "application/json",
          "x-github-event": "issues",
          "x-github-delivery": "d-1",
          ...params.headers,
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
      },
    );
    req.on("error", reject);
    for (const chunk of params.chunks) req.write(chunk);
    if (!params.holdOpen) req.end();
  });
}

describe("createWebhookGuard", () => {
  it("accepts a signed body, decoded once and parsed, and answers 200 ok as Probot does", async () => {
    const { port, accepted, passedOn } = await serve();
    const answer = await send({
      port,
      headers: { "x-hub-signature-256": sign(body) },
      chunks: [body],
    });
    expect([answer.status, answer.text, answer.headers["content-type"]]).toEqual([
      200,
      "ok\n",
      "text/plain",
    ]);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatchObject({ id: "d-1", event: "issues", text: body });
    // The verified digest is the body's fingerprint for replay protection: no second hash.
    expect(accepted[0]?.signature).toBe(sign(body).slice("sha256=".length));
    expect(accepted[0]?.payload).toEqual(JSON.parse(body));
    expect(passedOn).toEqual([]);
  });

  it("decodes a body that arrives in chunks, a character split between two, as one text", async () => {
    const { port, accepted } = await serve();
    const text = JSON.stringify({ ...exampleOf("issues", "opened"), note: "Grüße ✓ 🎉" });
    const bytes = Buffer.from(text);
    const cut = bytes.indexOf(Buffer.from("🎉")) + 2; // inside the emoji's four bytes
    const answer = await send({
      port,
      headers: { "x-hub-signature-256": sign(bytes) },
      chunks: [bytes.subarray(0, cut), bytes.subarray(cut)],
    });
    expect(answer.status).toBe(200);
    expect(accepted[0]?.text).toBe(text);
  });

  it("refuses a signed body that is not valid UTF-8, starts with a byte-order mark, or is not JSON", async () => {
    // Stored text must be the bytes GitHub signed: nothing is replaced or dropped on the way.
    const { port, accepted } = await serve();
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("{}")]);
    const invalid = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff]), Buffer.from('"}')]);
    const answers = [];
    for (const bytes of [bom, invalid, Buffer.from('{"a":')]) {
      const answer = await send({
        port,
        headers: { "x-hub-signature-256": sign(bytes) },
        chunks: [bytes],
      });
      answers.push([answer.status, JSON.parse(answer.text).error]);
    }
    expect(answers).toEqual([
      [400, "payload is not valid JSON"],
      [400, "payload is not valid UTF-8"],
      [400, "payload is not valid JSON"],
    ]);
    expect(accepted).toEqual([]);
  });

  it("refuses, unread, a body that is not JSON by its content type or lacks the event or delivery header", async () => {
    const { port, accepted, rejected } = await serve();
    const signed = { "x-hub-signature-256": sign(body) };
    const answers = [];
    for (const headers of [
      { ...signed, "content-type": "application/x-www-form-urlencoded" },
      { ...signed, "x-github-event": "" },
      { ...signed, "x-github-delivery": "" },
    ]) {
      const answer = await send({ port, headers, chunks: [body] });
      answers.push([answer.status, JSON.parse(answer.text).error]);
    }
    expect(answers).toEqual([
      [415, 'Unsupported "Content-Type" header value. Must be "application/json"'],
      [400, "Required headers missing: x-github-event"],
      [400, "Required headers missing: x-github-delivery"],
    ]);
    expect(accepted).toEqual([]);
    expect((await rejected.get()).values.map((v) => [v.labels.status, v.value])).toEqual([
      ["415", 1],
      ["400", 2],
    ]);
  });

  it("answers 500 when the delivery cannot be stored, so GitHub records it failed", async () => {
    const { port, errors } = await serve({ failAccept: true });
    const answer = await send({
      port,
      headers: { "x-hub-signature-256": sign(body) },
      chunks: [body],
    });
    expect([answer.status, JSON.parse(answer.text).error]).toEqual([
      500,
      "the delivery could not be stored; redeliver it",
    ]);
    expect(errors).toEqual(["could not store a delivery; answered 500"]);
  });

  it.each([
    ["a missing signature", undefined, /X-Hub-Signature-256 is missing/],
    ["a malformed signature", "sha256=00", /X-Hub-Signature-256 is missing or not sha256=/],
    ["upper-case hex", sign(body).toUpperCase(), /not sha256=<64 lower-case hex digits>/],
    ["the wrong secret", sign(body, "not-the-secret"), /signature does not match/],
    ["a signature of other bytes", sign(`${body} `), /signature does not match/],
  ])("refuses %s with 400 and accepts nothing", async (_, signature, error) => {
    const { port, accepted, rejected } = await serve();
    const answer = await send({
      port,
      headers: signature === undefined ? {} : { "x-hub-signature-256": signature },
      chunks: [body],
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text).error).toMatch(error);
    expect(accepted).toEqual([]);
    expect((await rejected.get()).values).toEqual([
      expect.objectContaining({ value: 1, labels: { status: "400" } }),
    ]);
  });

  it("refuses a signed body that is JSON but not an object", async () => {
    const { port, accepted } = await serve();
    const answer = await send({
      port,
      headers: { "x-hub-signature-256": sign("[]") },
      chunks: ["[]"],
    });
    expect([answer.status, JSON.parse(answer.text)]).toEqual([
      400,
      { error: "payload must be a JSON object" },
    ]);
    expect(accepted).toEqual([]);
  });

  it.each([
    "/api/github/webhooks",
    "/api/github/./webhooks",
    "/api/github/webhooks/",
    "/api/github/webhooks?x=1",
    "/api/github/%2e/webhooks",
    "http://evil.example/api/github/webhooks",
  ])("refuses a body over the cap with 413 on %s, declared or chunked", async (path) => {
    const { port, accepted } = await serve({ maxBodyBytes: 1_000 });
    const headers = { "x-hub-signature-256": sign("x") };
    const declared = await send({
      port,
      path,
      headers: { ...headers, "content-length": "5000" },
      chunks: ["x".repeat(5000)],
    }).catch((error: Error) => ({ status: error.message, text: "" }));
    // The guard may close the socket before all was written; then no answer is also a refusal.
    expect([413, "socket hang up", "write EPIPE", "read ECONNRESET"]).toContain(declared.status);
    const chunked = await send({ port, path, headers, chunks: ["x".repeat(600), "x".repeat(600)] });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.text).error).toMatch(/payload larger than/);
    expect(accepted).toEqual([]);
  });

  it("answers 503 with Retry-After when unverified bodies already hold the budget, and frees it after", async () => {
    const budget = createByteBudget({ limitBytes: 1_000 });
    const { port, accepted } = await serve({ budget });
    const headers = { "x-hub-signature-256": sign(body) };
    // 800 bytes declared, 10 sent: the first request holds its declared bytes while it waits.
    const holding = send({
      port,
      headers: { ...headers, "content-length": "800" },
      chunks: ["{".padEnd(10)],
      holdOpen: true,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(budget.inUse()).toBe(800);
    const refused = await send({
      port,
      headers: { ...headers, "content-length": "500" },
      chunks: ["x".repeat(500)],
    }).catch((error: Error) => ({ status: error.message, text: "", headers: {} }));
    expect(refused.status).toBe(503);
    expect((refused as Answer).headers["retry-after"]).toBe("1");
    // Chunked bodies are counted as they arrive.
    const chunked = await send({ port, headers, chunks: ["x".repeat(150), "x".repeat(150)] });
    expect(chunked.status).toBe(503);
    expect(budget.inUse()).toBe(800);
    void holding.catch(() => undefined);
    server?.closeAllConnections();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(budget.inUse()).toBe(0);
    expect(accepted).toEqual([]);
  });

  it("answers 408 to a body that does not arrive in time, and gives its bytes back", async () => {
    const budget = createByteBudget({ limitBytes: 10_000 });
    const { port } = await serve({ budget, bodyDeadlineMs: 200 });
    const answer = await send({
      port,
      headers: { "x-hub-signature-256": sign(body), "content-length": "5000" },
      chunks: ["{"],
      holdOpen: true,
    });
    expect(answer.status).toBe(408);
    expect(budget.inUse()).toBe(0);
  });

  it("leaves other paths and methods to the next handler without reading them", async () => {
    const { port, accepted, passedOn } = await serve({ maxBodyBytes: 10 });
    const paths = ["/healthz", "//api/github/webhooks", "/api/github/web%68ooks"];
    for (const path of paths) {
      expect((await send({ port, path, chunks: ["x".repeat(100)] })).status).toBe(299);
    }
    expect(passedOn).toEqual(paths);
    expect(accepted).toEqual([]);
  });
});
