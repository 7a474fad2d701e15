#!/usr/bin/env node
// `npm run dev`: compile, then recompile on change and restart the app when its output changes.
// With WEBHOOK_PROXY_URL in .env the app relays GitHub's deliveries from that smee.io channel.
import { spawn, spawnSync } from "node:child_process";
import { exitUnlessSupportedNode } from "./check-node.mjs";

exitUnlessSupportedNode();

const tsc = ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"];
const first = spawnSync(process.execPath, tsc, { stdio: "inherit" });
if (first.status !== 0) process.exit(first.status ?? 1);

const children = [
  spawn(process.execPath, [...tsc, "--watch", "--preserveWatchOutput"], { stdio: "inherit" }),
  spawn(process.execPath, ["--watch-path=lib", "lib/bin/start.js"], { stdio: "inherit" }),
];
const stop = () => {
  for (const child of children) child.kill("SIGTERM");
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
for (const child of children) {
  child.on("exit", (code) => {
    stop();
    process.exitCode = code ?? 0;
  });
}
