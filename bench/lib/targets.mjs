/**
 * The servers under test, each its own process on the server core: (a) bare node:http,
 * (b) the do-nothing Probot app, and ours as deployed (`node lib/bin/start.js` with the flags
 * `npm start` gives it, built by `npm run build`), configured through its environment only, with the tests' environment
 * filter (`baseEnv` in `test/helpers/app-process.ts`) so the developer's shell cannot leak in.
 */
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SECRET } from "./payload.mjs";
import { ROOT, SERVER_CORE, sleep, startNode, waitForPort } from "./processes.mjs";
import { importHelper } from "./typescript.mjs";

const { baseEnv } = await importHelper("app-process.ts");
const { freePort } = await importHelper("free-port.ts");

const WEBHOOK_PATH = "/api/github/webhooks";

/**
 * The Node flags `npm start` runs the app with (`config.nodeFlags` in package.json): ours is
 * measured as a user runs it.
 */
export const START_NODE_FLAGS = (
  JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).config?.nodeFlags ?? ""
)
  .split(" ")
  .filter(Boolean);

function target(proc, port) {
  const baseUrl = `http://127.0.0.1:${port}`;
  return { proc, baseUrl, webhookUrl: `${baseUrl}${WEBHOOK_PATH}` };
}

/** Baseline (a): `bench/servers/bare.mjs`. */
export async function startBare() {
  const proc = startNode({
    args: ["bench/servers/bare.mjs"],
    env: { ...process.env, PORT: "0" },
    core: SERVER_CORE,
  });
  return target(proc, await waitForPort(proc));
}

/** Baseline (b): `bench/servers/probot-noop.mjs`, same secret as ours. */
export async function startProbotNoop({ privateKey }) {
  const proc = startNode({
    args: ["bench/servers/probot-noop.mjs"],
    env: {
      ...process.env,
      PORT: "0",
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
      NODE_ENV: "production",
    },
    core: SERVER_CORE,
  });
  return target(proc, await waitForPort(proc));
}

/**
 * Ours, as deployed. Pacing is off (`SLACK_PACE=0`) so the deliberate one-post-per-second pace
 * does not dominate, and bursts are not summarised (`BURST_SUMMARY_AFTER=0`); the worker runs as
 * usual and posts every delivery to `slackUrl` (a webhook; null when `extraEnv` names a bot
 * channel instead). Ready once `GET /healthz` answers 200. With `cgroupProcs` the process runs in
 * that cgroup from its first instruction (see `cgroup.mjs`).
 *
 * @example
 * const app = await startOurApp({ databaseUrl: store.databaseUrl, slackUrl });
 */
export async function startOurApp({
  databaseUrl,
  slackUrl,
  extraEnv = {},
  nodeArgs = [],
  cgroupProcs,
}) {
  const entry = join(ROOT, "lib/bin/start.js");
  if (!existsSync(entry)) {
    throw new Error(
      `${entry} does not exist: run \`npm run build\` first (\`npm run bench\` does)`,
    );
  }
  const port = await freePort();
  const env = baseEnv({
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    LOG_FORMAT: "json",
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    ...(slackUrl ? { SLACK_WEBHOOK_URL: slackUrl } : {}),
    SLACK_PACE: "0",
    BURST_SUMMARY_AFTER: "0",
    ...extraEnv,
  });
  // A neutral working directory, so a developer's .env never leaks in.
  const proc = startNode({
    args: [...START_NODE_FLAGS, ...nodeArgs, entry],
    env,
    core: SERVER_CORE,
    cwd: tmpdir(),
    cgroupProcs,
  });
  const app = target(proc, port);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.hasExited()) {
      throw new Error(`our app exited before it was ready; stderr: ${proc.stderr().slice(-1500)}`);
    }
    try {
      const response = await fetch(`${app.baseUrl}/healthz`);
      await response.arrayBuffer();
      if (response.status === 200) return app;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await proc.stop();
      throw new Error(`our app was not healthy within 30 s; stderr: ${proc.stderr().slice(-1500)}`);
    }
    await sleep(50);
  }
}
