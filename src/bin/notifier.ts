#!/usr/bin/env node
/**
 * The `notifier` binary: reads `.env` like the app, then runs one CLI command. The Node version is
 * checked before the rest is imported, so an old Node gets a clear message instead of a crash.
 */
import { exitUnlessSupportedNode } from "../../scripts/check-node.mjs";

exitUnlessSupportedNode();
const { existsSync } = await import("node:fs");
const { runCli } = await import("../cli/main.js");
const { redeliverCommand } = await import("../cli/redeliver-command.js");

if (existsSync(".env")) process.loadEnvFile(".env");

const code = await runCli(process.argv.slice(2), {
  io: {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
  },
  deps: { redeliver: (params) => redeliverCommand({ ...params, now: new Date() }) },
});
process.exitCode = code;
