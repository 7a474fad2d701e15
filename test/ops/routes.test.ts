/**
 * The operator routes over real HTTP with a real SQLite store: health says only up or down,
 * and `METRICS_TOKEN` closes `/metrics` to anyone without the bearer token.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createMetrics } from "../../src/ops/metrics.js";
import { bearerMatches, createOpsRoutes } from "../../src/ops/routes.js";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { tempDir } from "../helpers/temp-dir.js";

const TOKEN = "0123456789abcdef-metrics";
const dir = tempDir();
const open: { server: Server; store: Store }[] = [];

afterEach(async () => {
  for (const { server, store } of open.splice(0)) {
    await new Promise((resolve) => server.close(resolve));
    await store.close().catch(() => undefined);
  }
});

async function serve(params: { metricsToken: string | null }) {
  const store = createStore(join(dir, `ops-${open.length}-${Date.now()}.db`));
  await store.migrate();
  const warnings: string[] = [];
  const routes = createOpsRoutes({
    store,
    metrics: createMetrics({ store, withDefaults: false }),
    metricsToken: params.metricsToken,
    log: { warn: (_fields, message) => warnings.push(message) },
  });
  const server = createServer(async (req, res) => {
    for (const route of routes) if (await route(req, res)) return;
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  open.push({ server, store });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { baseUrl, store, warnings };
}

describe("/healthz", () => {
  it("answers only ok while the store answers", async () => {
    const { baseUrl } = await serve({ metricsToken: TOKEN });
    const response = await fetch(`${baseUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("answers 503 down, without the store's error or kind, when the store is gone", async () => {
    const { baseUrl, store, warnings } = await serve({ metricsToken: null });
    await store.close();
    const response = await fetch(`${baseUrl}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.text()).toBe('{"status":"down"}');
    expect(warnings).toEqual(["health check failed: the store did not answer"]);
  });
});

describe("/metrics with METRICS_TOKEN", () => {
  it("serves metrics to the bearer of the token", async () => {
    const { baseUrl } = await serve({ metricsToken: TOKEN });
    const response = await fetch(`${baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("notifier_queue_depth 0");
  });

  it.each([
    ["no Authorization header", undefined],
    ["a wrong token", "Bearer 0123456789abcdef-metricX"],
    ["a prefix of the token", `Bearer ${TOKEN.slice(0, -1)}`],
    ["the token with more after it", `Bearer ${TOKEN}x`],
    ["Basic credentials", `Basic ${Buffer.from(`metrics:${TOKEN}`).toString("base64")}`],
    ["the token without the scheme", TOKEN],
    ["an empty bearer", "Bearer "],
  ])("refuses %s with 401 and WWW-Authenticate: Bearer, showing no metric", async (_, header) => {
    const { baseUrl } = await serve({ metricsToken: TOKEN });
    const response = await fetch(`${baseUrl}/metrics`, {
      headers: header === undefined ? {} : { authorization: header },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
    expect(await response.text()).not.toContain("notifier_");
  });

  it("leaves /healthz open", async () => {
    const { baseUrl } = await serve({ metricsToken: TOKEN });
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
  });
});

describe("/metrics without METRICS_TOKEN", () => {
  it("is open, as before", async () => {
    const { baseUrl } = await serve({ metricsToken: null });
    const response = await fetch(`${baseUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("notifier_queue_depth 0");
  });
});

describe("bearerMatches", () => {
  it("takes the scheme in any case and nothing but the exact token", () => {
    expect(bearerMatches({ header: `bearer ${TOKEN}`, token: TOKEN })).toBe(true);
    expect(bearerMatches({ header: `Bearer ${TOKEN} extra`, token: TOKEN })).toBe(false);
    expect(bearerMatches({ header: undefined, token: TOKEN })).toBe(false);
  });
});
