/**
 * Another process sharing a SQLite store, as a second instance would: it takes the write lock
 * now and then and holds it a while, so the app's writes (claims, pacing) wait at random points.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

// CommonJS so `require` finds better-sqlite3 from the repository root.
const HOLDER = `
const Database = require("better-sqlite3");
const [path, holdMs, everyMs] = process.argv.slice(1);
const db = new Database(path);
db.pragma("busy_timeout = 5000");
process.stdout.write("ready\\n");
setInterval(() => {
  db.exec("BEGIN IMMEDIATE");
  const until = Date.now() + Number(holdMs);
  while (Date.now() < until) {}
  db.exec("COMMIT");
}, Number(everyMs));
`;

export interface LockHolder {
  stop(): Promise<void>;
}

/**
 * Starts a process that holds the write lock of `dbPath` for `holdMs` every `everyMs`.
 *
 * @example
 * const holder = await holdWriteLockNowAndThen({ dbPath, holdMs: 80, everyMs: 230 });
 * // ... the app runs with a store that stalls now and then ...
 * await holder.stop();
 */
export async function holdWriteLockNowAndThen(params: {
  dbPath: string;
  holdMs: number;
  everyMs: number;
}): Promise<LockHolder> {
  const child = spawn(
    process.execPath,
    ["-e", HOLDER, params.dbPath, String(params.holdMs), String(params.everyMs)],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once("data", () => resolve());
    void exited.then(() => reject(new Error(`lock holder exited: ${stderr.slice(-500)}`)));
  });
  return {
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
