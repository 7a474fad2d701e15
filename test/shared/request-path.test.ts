/**
 * The body guard must see every request that `@octokit/webhooks`' middleware (inside Probot)
 * takes as a delivery; these compare `deliveryPath` with the real middleware's decision.
 */
import { describe, expect, it } from "vitest";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Webhooks, createNodeMiddleware } from "@octokit/webhooks";
import { deliveryPath, requestPath } from "../../src/shared/request-path.js";
import { WEBHOOK_PATH } from "../../src/receive/webhook-guard.js";

/** Ways to write a URL that a careless match on the exact path misses. */
const URLS = [
  "/api/github/webhooks",
  "/api/github/webhooks/",
  "/api/github/webhooks///",
  "/api/github/webhooks?x=1",
  "/api/github/webhooks/?x=1",
  "/api/github/webhooks#x",
  "/api/github/./webhooks",
  "/api/github/webhooks/.",
  "/api/github/../github/webhooks",
  "/x/../api/github/webhooks",
  "/api/github/%2e/webhooks",
  "/api/github/%2E%2E/github/webhooks",
  "//api/github/webhooks",
  "///api/github/webhooks",
  "\\api\\github\\webhooks",
  "/api\\github/webhooks",
  "http://evil.example/api/github/webhooks",
  "https://user:pw@evil.example:8443/api/github/webhooks?q=1#f",
  "HTTP://EVIL/api/github/webhooks",
  "/api/github/web%68ooks",
  "/api/github/%77ebhooks",
  "/API/github/webhooks",
  "/api/github/webhooks;x",
  "/api/github/webhooks%2f",
  "/api/github/webhooks\t",
  "/api/github/web\thooks",
  "*",
  "",
  "http://[::1",
  "/healthz",
];

/** Whether the real middleware takes `url` as a delivery (answers it instead of calling next). */
async function middlewareTakes(url: string): Promise<boolean> {
  const middleware = createNodeMiddleware(new Webhooks({ secret: "s" }), { path: WEBHOOK_PATH });
  let status: number | null = null;
  let nextCalled = false;
  const res = {
    writeHead(code: number) {
      status = code;
      return res;
    },
    end() {
      return res;
    },
  };
  await middleware(
    { url, method: "POST", headers: {} } as unknown as IncomingMessage,
    res as unknown as ServerResponse,
    () => {
      nextCalled = true;
    },
  );
  // 422: the URL does not parse; answered without reading a body.
  return !nextCalled && status !== 422;
}

describe("deliveryPath", () => {
  it.each(URLS)("agrees with @octokit/webhooks' middleware on %j", async (url) => {
    expect(deliveryPath(url) === WEBHOOK_PATH).toBe(await middlewareTakes(url));
  });

  it("finds the webhook path in every disguise a stranger tried", () => {
    for (const url of [
      "/api/github/webhooks#x",
      "/api/github/./webhooks",
      "//api/github/webhooks/../../api/github/webhooks",
      "http://host/api/github/webhooks",
      "/api/github/webhooks/",
      "/api/github/webhooks?x",
      "/api/github/%2e/webhooks",
    ]) {
      expect(deliveryPath(url), url).toBe(WEBHOOK_PATH);
    }
    // The app's own route matching misses some of them: the guard must not rely on it.
    expect(requestPath("/api/github/./webhooks")).not.toBe(WEBHOOK_PATH);
  });

  it("is null for a URL that does not parse", () => {
    expect(deliveryPath("http://[::1")).toBeNull();
  });
});
