/**
 * Runs the built app as a user runs it (`node lib/bin/start.js`) in a child process, on a
 * free port, and reads its JSON log.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { TEST_SECRET } from "./webhook.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface AppProcess {
  child: ChildProcess;
  baseUrl: string;
  port: number;
  logs: LogLine[];
  /** Everything the process wrote to stderr. */
  stderr(): string;
  /** Resolves with the first log line `match` accepts, or rejects after `timeoutMs`. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Environment every app process gets unless the test overrides it. */
export function baseEnv(overrides: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    // The test's own app settings must not leak in from the developer's shell.
    if (
      value !== undefined &&
      !/^(SLACK_|APP_ID|PRIVATE_KEY|WEBHOOK_|DATABASE_URL|GHE_|REDIS_URL|METRICS_TOKEN|BURST_|CONFIG_CACHE_TTL|REDELIVERY_INTERVAL|RETENTION|NOTIFIER_)/.test(
        key,
      )
    ) {
      env[key] = value;
    }
  }
  return {
    ...env,
    WEBHOOK_SECRET: TEST_SECRET,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_FORMAT: "json",
    LOG_LEVEL: "debug",
    NODE_ENV: "test",
    ...overrides,
  };
}

/**
 * Settings for an app that posts each message at once to one Slack webhook: no pacing, no merging
 * of a backed-up queue into a summary, info-level logs. Spread it and override what a test needs.
 *
 * @example
 * const app = await startApp({ env: unpacedEnv({ databaseUrl: dbPath, slackUrl: `${slack.url}/services/T1/B1/default` }) });
 */
export function unpacedEnv(params: {
  databaseUrl: string;
  slackUrl: string;
}): Record<string, string> {
  return {
    DATABASE_URL: params.databaseUrl,
    SLACK_WEBHOOK_URL: params.slackUrl,
    SLACK_PACE: "0",
    BURST_SUMMARY_AFTER: "0",
    LOG_LEVEL: "info",
  };
}

/**
 * Starts the app and waits until it listens.
 *
 * @example
 * const app = await startApp({ env: { DATABASE_URL: dbPath, SLACK_WEBHOOK_URL: `${slack.url}/T/B/x` } });
 */
export async function startApp(params: {
  env: Record<string, string>;
  cwd?: string;
}): Promise<AppProcess> {
  const child = spawn(process.execPath, [`${ROOT}/lib/bin/start.js`], {
    // A neutral working directory, so a developer's .env in the repository never leaks in.
    cwd: params.cwd ?? tmpdir(),
    env: baseEnv(params.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: LogLine[] = [];
  const listeners = new Set<(line: LogLine) => void>();
  let stderr = "";
  let buffered = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const text of lines) {
      if (!text.trim()) continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { level: 30, msg: text };
      }
      logs.push(line);
      for (const listener of [...listeners]) listener(line);
    }
  });
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 15_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const found = logs.find(match);
      if (found) return resolve(found);
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(
          new Error(`no matching log line within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`),
        );
      }, timeoutMs);
      const listener = (line: LogLine) => {
        if (!match(line)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(line);
      };
      listeners.add(listener);
      void exited.then((code) => {
        if (!listeners.has(listener)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        reject(
          new Error(
            `app exited (${code}) before the expected log line; stderr: ${stderr.slice(-2000)}`,
          ),
        );
      });
    });

  const listening = await waitForLog(
    (line) => typeof line.port === "number" && /listening/.test(line.msg),
  );
  const port = listening.port as number;
  return {
    child,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    logs,
    stderr: () => stderr,
    waitForLog,
    async kill(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}

/** Runs the app expecting it to refuse to start; resolves with its exit code and stderr. */
export function runAppExpectingExit(params: {
  env: Record<string, string>;
  unset?: string[];
}): Promise<{
  code: number | null;
  stderr: string;
}> {
  const env = baseEnv(params.env);
  for (const key of params.unset ?? []) delete env[key];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`${ROOT}/lib/bin/start.js`], {
      cwd: tmpdir(),
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}
