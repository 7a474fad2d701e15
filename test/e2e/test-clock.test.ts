/**
 * The built app's test-only clock (`NOTIFIER_TEST_CLOCK_START`) as an operator would meet it: a bad
 * value stops start-up naming the variable, and outside NODE_ENV=test it is ignored with a warning,
 * so it can never move a production clock. Its use is in digests.test.ts. Run
 * `npx tsc -p tsconfig.build.json` first.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runAppExpectingExit, startApp, type AppProcess } from "../helpers/app-process.js";
import { tempDir } from "../helpers/temp-dir.js";

const dir = tempDir("notifier-e2e-test-clock-");
const apps: AppProcess[] = [];
afterAll(async () => {
  for (const app of apps) await app.kill("SIGKILL");
});

describe("NOTIFIER_TEST_CLOCK_START", () => {
  it("stops the app when it is not an instant, naming the variable", async () => {
    const run = await runAppExpectingExit({
      env: { DATABASE_URL: join(dir, "bad.db"), NOTIFIER_TEST_CLOCK_START: "next monday" },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'github-activity-notifier cannot start: NOTIFIER_TEST_CLOCK_START must be an ISO 8601 instant with a time zone, like 2026-01-05T09:14:58Z, not "next monday"',
    );
  });

  it("is ignored, with a warning, when NODE_ENV is not test", async () => {
    const app = await startApp({
      env: {
        DATABASE_URL: join(dir, "production.db"),
        NODE_ENV: "production",
        NOTIFIER_TEST_CLOCK_START: "2026-01-05T09:14:58Z",
      },
    });
    apps.push(app);
    const warning = await app.waitForLog((line) => line.variable === "NOTIFIER_TEST_CLOCK_START");
    expect(warning).toMatchObject({
      level: 40,
      nodeEnv: "production",
      msg: 'NOTIFIER_TEST_CLOCK_START is set but ignored: it is test-only and NODE_ENV is not "test"',
    });
    expect(app.logs.some((line) => line.msg.startsWith("test clock in use"))).toBe(false);
  });
});
