/** The `notifier` command line: dispatches to one command and turns errors into exit codes. */
import { parseArgs } from "node:util";
import { createStore } from "../store/create-store.js";
import type { Store } from "../store/types.js";
import { CliError, type CliIo } from "./io.js";
import { previewCommand, validateCommand } from "./config-commands.js";
import { listCommand, parseStatus, replayCommand, showCommand } from "./delivery-commands.js";
import { muteCommand, muteListCommand, unmuteCommand } from "./mute-commands.js";
import { peopleCheckCommand } from "./people-commands.js";
import { remindersPreviewCommand } from "./reminder-commands.js";
import { readChannels } from "../settings/channels.js";

const USAGE = `notifier <command>

  config validate [file] [--owner <login>]
      Checks a .github/notifier.yml (default: ./.github/notifier.yml) against the schema and the
      channels configured in this environment; prints each error with its line. Exit 1 on any.
  preview --payload <file.json> --event <name> [--config <file>]
      Shows the route decision and the Slack message a delivery would produce, sending nothing.
  deliveries list [--status <status>] [--repo <owner/name>] [--limit <n>]
      Lists stored deliveries, newest first. Statuses: pending, processing, delivered, skipped, failed, dead.
  deliveries show <id>
      One delivery: its event, decisions, notifications and every attempt.
  replay <id>... [--force] | replay --status <status> [--force]
      Sends deliveries again. A channel that already got the message is skipped unless --force.
  redeliver [--since <duration>] [--dry-run]
      Asks GitHub to redeliver what it failed to deliver to this app (at most the last 3 days).
  mute <owner/repo | channel> --for <duration> [--reason <text>]
      Silences a repository or a channel for a while (e.g. --for 2h): its events are recorded
      skipped with the mute as the reason. Muting again replaces the mute.
  mute list
      The mutes in force, the soonest to end first.
  unmute <owner/repo | channel>
      Ends a mute at once.
  people check [file]
      Asks Slack (users.info, with SLACK_BOT_TOKEN) whether each user id of the people file
      (default: SLACK_PEOPLE_FILE) is an active person; prints each problem. Exit 1 on any.
  reminders preview <owner/repo>
      Each reminder of the repository: its channel, what it lists, when it fires next (held or
      dropped by quiet hours), and the message it would post now, read from GitHub as the App;
      posts nothing.

Reads DATABASE_URL, the SLACK_* variables and, for redeliver and reminders preview, APP_ID and
PRIVATE_KEY from the environment and ./.env, like the app.
`;

export interface CliDeps {
  /** Opens the store; the default reads DATABASE_URL. */
  openStore?: (io: CliIo) => Store;
  /** Runs `redeliver`; wired by the binary, which can authenticate as the App. */
  redeliver?: (params: {
    io: CliIo;
    since: string | undefined;
    dryRun: boolean;
  }) => Promise<number>;
  now?: () => Date;
}

/**
 * Runs one command; resolves with the exit code (0 ok, 1 findings, 2 usage).
 *
 * @example
 * const code = await runCli(["deliveries", "list", "--status", "dead"], { io });
 */
export async function runCli(
  argv: string[],
  params: { io: CliIo; deps?: CliDeps },
): Promise<number> {
  const { io } = params;
  const deps = params.deps ?? {};
  try {
    return await dispatch(argv, io, deps);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`notifier: ${error.message}\n`);
      return error.exitCode;
    }
    if (
      error instanceof Error &&
      "code" in error &&
      String(error.code).startsWith("ERR_PARSE_ARGS")
    ) {
      io.stderr(`notifier: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof Error && error.name === "SettingsError") {
      io.stderr(`notifier: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

async function dispatch(argv: string[], io: CliIo, deps: CliDeps): Promise<number> {
  const [command, sub] = argv;
  const now = deps.now ?? (() => new Date());
  const openStore =
    deps.openStore ??
    ((cliIo: CliIo) => createStore(cliIo.env.DATABASE_URL?.trim() || "./data/notifier.db"));
  const withStore = async (run: (store: Store) => Promise<number>) => {
    const store = openStore(io);
    try {
      await store.migrate();
      return await run(store);
    } finally {
      await store.close();
    }
  };

  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    io.stdout(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === "config" && sub === "validate") {
    const { values, positionals } = parseArgs({
      args: argv.slice(2),
      options: { owner: { type: "string" } },
      allowPositionals: true,
    });
    return validateCommand({ io, file: positionals[0], owner: values.owner ?? null, now: now() });
  }
  if (command === "preview") {
    const { values } = parseArgs({
      args: argv.slice(1),
      options: {
        payload: { type: "string" },
        event: { type: "string" },
        config: { type: "string" },
      },
    });
    if (!values.payload || !values.event)
      throw new CliError("preview needs --payload <file> and --event <name>");
    return previewCommand({
      io,
      payloadFile: values.payload,
      event: values.event,
      configFile: values.config ?? null,
    });
  }
  if (command === "deliveries" && sub === "list") {
    const { values } = parseArgs({
      args: argv.slice(2),
      options: { status: { type: "string" }, repo: { type: "string" }, limit: { type: "string" } },
    });
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit <= 0)
      throw new CliError(`--limit must be a positive whole number, not "${values.limit}"`);
    const status = parseStatus(values.status);
    return withStore((store) => listCommand({ io, store, status, repository: values.repo, limit }));
  }
  if (command === "deliveries" && sub === "show") {
    const id = argv[2];
    if (!id) throw new CliError("deliveries show needs a delivery id");
    return withStore((store) => showCommand({ io, store, id }));
  }
  if (command === "replay") {
    const { values, positionals } = parseArgs({
      args: argv.slice(1),
      options: { status: { type: "string" }, force: { type: "boolean", default: false } },
      allowPositionals: true,
    });
    const status = parseStatus(values.status);
    if (!status && positionals.length === 0)
      throw new CliError("replay needs delivery ids or --status <status>");
    if (status && positionals.length > 0)
      throw new CliError("replay takes delivery ids or --status, not both");
    return withStore((store) =>
      replayCommand({
        io,
        store,
        ids: positionals,
        status,
        force: values.force ?? false,
        now: now(),
      }),
    );
  }
  if (command === "redeliver") {
    const { values } = parseArgs({
      args: argv.slice(1),
      options: { since: { type: "string" }, "dry-run": { type: "boolean", default: false } },
    });
    if (!deps.redeliver) throw new CliError("redeliver is not available in this build");
    return deps.redeliver({ io, since: values.since, dryRun: values["dry-run"] ?? false });
  }
  if (command === "mute" && sub === "list") {
    return withStore((store) => muteListCommand({ io, store, now: now() }));
  }
  if (command === "mute") {
    const { values, positionals } = parseArgs({
      args: argv.slice(1),
      options: { for: { type: "string" }, reason: { type: "string" } },
      allowPositionals: true,
    });
    const [target, ...extra] = positionals;
    if (target === undefined || extra.length > 0)
      throw new CliError("mute needs one target: owner/repo or a channel name");
    const channels = readChannels(io.env);
    return withStore((store) =>
      muteCommand({
        io,
        store,
        channels,
        target,
        duration: values.for,
        reason: values.reason,
        now: now(),
      }),
    );
  }
  if (command === "people" && sub === "check") {
    const { positionals } = parseArgs({ args: argv.slice(2), allowPositionals: true });
    if (positionals.length > 1) throw new CliError("people check takes at most one file");
    return peopleCheckCommand({ io, file: positionals[0] });
  }
  if (command === "reminders" && sub === "preview") {
    const { positionals } = parseArgs({ args: argv.slice(2), allowPositionals: true });
    const [repository, ...extra] = positionals;
    if (repository === undefined || extra.length > 0)
      throw new CliError("reminders preview needs one repository: owner/name, like acme/api");
    return remindersPreviewCommand({ io, repository, now: now() });
  }
  if (command === "unmute") {
    const target = argv[1];
    if (target === undefined || argv.length > 2)
      throw new CliError("unmute needs one target: owner/repo or a channel name");
    return withStore((store) => unmuteCommand({ io, store, target }));
  }
  throw new CliError(`unknown command "${argv.join(" ")}"\n\n${USAGE}`);
}
