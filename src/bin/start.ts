#!/usr/bin/env node
/** `npm start`: reads `.env` and the environment once, validates, starts; SIGTERM/SIGINT stop gracefully. */
import { existsSync } from "node:fs";
import { readSettings } from "../settings/settings.js";
import { SettingsError } from "../settings/settings-error.js";
import { startNotifier } from "../app.js";

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
