/**
 * `METRICS_TOKEN` wired through the real app (the built `lib/bin/start.js`, a real SQLite
 * file): the composition root hands the token to the operator routes. Run
 * `npx tsc -p tsconfig.build.json` first.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startApp, type AppProcess } from "../helpers/app-process.js";
import { tempDir } from "../helpers/temp-dir.js";

const TOKEN = "e2e-metrics-token-0123456789";
const running: AppProcess[] = [];
const dir = tempDir();

afterAll(async () => {
  await Promise.all(running.map((app) => app.kill("SIGKILL")));
});

describe("the app with METRICS_TOKEN", () => {
  it("closes /metrics to anyone without the token and leaves /healthz open and terse", async () => {
    const app = await startApp({
      env: { DATABASE_URL: join(dir, "notifier.db"), METRICS_TOKEN: TOKEN },
    });
    running.push(app);

    const refused = await fetch(`${app.baseUrl}/metrics`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe("Bearer");
    const wrong = await fetch(`${app.baseUrl}/metrics`, {
      headers: { authorization: "Bearer e2e-metrics-token-0123456780" },
    });
    expect(wrong.status).toBe(401);

    const allowed = await fetch(`${app.baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain("notifier_queue_depth 0");

    const health = await fetch(`${app.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
  }, 30_000);
});
