#!/usr/bin/env node
/** The `notifier` binary: reads `.env` like the app, then runs one CLI command. */
import { existsSync } from "node:fs";
import { runCli } from "../cli/main.js";
import { redeliverCommand } from "../cli/redeliver-command.js";

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
