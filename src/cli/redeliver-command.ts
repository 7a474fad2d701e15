/** `notifier redeliver [--since 6h] [--dry-run]`: asks GitHub to redeliver what never reached the app. */
import { Probot } from "probot";
import pino from "pino";
import { readSettings } from "../settings/settings.js";
import { createStore } from "../store/create-store.js";
import { recoverMissedDeliveries } from "../redelivery/redelivery.js";
import { parseSince } from "../redelivery/redelivery-plan.js";
import { CliError, type CliIo } from "./io.js";

/**
 * Authenticates as the App (APP_ID, PRIVATE_KEY), reads its delivery log and prints each missed delivery.
 *
 * @example
 * await redeliverCommand({ io, since: "6h", dryRun: true, now: new Date() });
 */
export async function redeliverCommand(params: {
  io: CliIo;
  since: string | undefined;
  dryRun: boolean;
  now: Date;
}): Promise<number> {
  const { io, now } = params;
  const settings = readSettings(io.env);
  if (settings.appId === null || settings.privateKey === null) {
    throw new CliError(
      "redeliver needs the App's credentials: set APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH)",
    );
  }
  let since: Date | undefined;
  if (params.since !== undefined) {
    const parsed = parseSince(params.since, now);
    if (!parsed.ok) throw new CliError(parsed.error);
    if (parsed.note) io.stderr(`${parsed.note}\n`);
    since = parsed.since;
  }
  const log = pino({ level: "warn" }, pino.destination(2));
  const probot = new Probot({
    appId: settings.appId,
    privateKey: settings.privateKey,
    baseUrl: settings.githubBaseUrl,
    log,
  });
  const store = createStore(settings.databaseUrl);
  try {
    await store.migrate();
    const report = await recoverMissedDeliveries({
      octokit: await probot.auth(),
      store,
      now,
      log,
      dryRun: params.dryRun,
      ...(since ? { since } : {}),
    });
    for (const missed of report.missed) {
      const what = missed.action ? `${missed.event}.${missed.action}` : missed.event;
      const outcome = params.dryRun
        ? "would ask"
        : missed.requested
          ? "asked"
          : `failed: ${missed.error ?? "unknown error"}`;
      io.stdout(
        `${missed.deliveredAt.toISOString()}  ${missed.guid}  ${what.padEnd(30)} ${outcome}\n`,
      );
    }
    io.stdout(
      `${report.scanned} log entries read, ${report.missed.length} missed` +
        (report.alreadyRequested > 0
          ? `, ${report.alreadyRequested} already asked for earlier`
          : "") +
        (params.dryRun ? " (dry run: nothing asked)" : "") +
        "\n",
    );
    return report.missed.some((missed) => !params.dryRun && !missed.requested) ? 1 : 0;
  } finally {
    await store.close();
  }
}
