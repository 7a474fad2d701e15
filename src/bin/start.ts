#!/usr/bin/env node
/**
 * `npm start`: reads `.env` and the environment once, validates, starts; SIGTERM/SIGINT stop gracefully.
 * The Node version is checked before anything else loads (the rest is imported after the check, since
 * static imports are all linked before the first line runs), so an old Node gets a clear message.
 */
import { exitUnlessSupportedNode } from "../../scripts/check-node.mjs";

exitUnlessSupportedNode();
const { existsSync } = await import("node:fs");
const { readSettings } = await import("../settings/settings.js");
const { SettingsError } = await import("../settings/settings-error.js");
const { startNotifier } = await import("../app.js");

if (existsSync(".env")) process.loadEnvFile(".env");

let app;
try {
  app = await startNotifier(readSettings(process.env));
} catch (error) {
  if (error instanceof SettingsError) {
    console.error(`github-activity-notifier cannot start: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
const SHUTDOWN_GRACE_MS = 10_000;
let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, "stopping: no new deliveries, finishing or giving back claimed work");
    // Exit even if something hangs past the grace period.
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS + 5_000).unref();
    app.stop(SHUTDOWN_GRACE_MS).then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  });
}
