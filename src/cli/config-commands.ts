/** `notifier config validate` and `notifier preview`: check a config file, or show what a payload would do. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { readChannels } from "../settings/channels.js";
import { parseConfig } from "../repo-config/parse-config.js";
import { formatConfigError } from "../repo-config/config-error.js";
import { DEFAULT_CONFIG } from "../repo-config/defaults.js";
import type { NotifierConfig } from "../repo-config/config-schema.js";
import { route } from "../route/route.js";
import { normalize, MalformedPayloadError } from "../normalize/normalize.js";
import { format } from "../format/format.js";
import { CliError, type CliIo } from "./io.js";

const DEFAULT_CONFIG_PATH = ".github/notifier.yml";

function readText(io: CliIo, path: string, what: string): string {
  try {
    return readFileSync(resolve(io.cwd, path), "utf8");
  } catch (error) {
    throw new CliError(
      `cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

/** Loads and validates a config file against the operator's channels; returns errors as lines. */
function loadConfig(
  io: CliIo,
  path: string,
  owner: string | null,
): { config: NotifierConfig | null; errors: string[] } {
  const channels = readChannels(io.env);
  const result = parseConfig({
    text: readText(io, path, "config file"),
    source: path,
    knownChannels: channels.names(),
    ...(owner ? { mayUse: (channel: string) => channels.mayUse(channel, owner) } : {}),
  });
  return result.ok
    ? { config: result.config, errors: [] }
    : { config: null, errors: result.errors.map(formatConfigError) };
}

/**
 * `notifier config validate [file] [--owner acme]`: prints every error (file, line, key), exit 1 on any.
 *
 * @example
 * await validateCommand({ io, file: ".github/notifier.yml", owner: null }) // 0 when valid
 */
export async function validateCommand(params: {
  io: CliIo;
  file: string | undefined;
  owner: string | null;
}): Promise<number> {
  const { io } = params;
  const file = params.file ?? DEFAULT_CONFIG_PATH;
  const { config, errors } = loadConfig(io, file, params.owner);
  if (errors.length > 0 || !config) {
    for (const line of errors) io.stdout(`${line}\n`);
    io.stdout(`${errors.length} error${errors.length === 1 ? "" : "s"} in ${file}\n`);
    return 1;
  }
  io.stdout(
    `${file} is valid: ${config.routes?.length ?? 0} route(s), default channel ${config.channel ?? "default"}\n`,
  );
  return 0;
}

/**
 * `notifier preview --payload p.json --event issues [--config f]`: the route decision and the
 * Slack message that would be sent, without sending anything.
 */
export async function previewCommand(params: {
  io: CliIo;
  payloadFile: string;
  event: string;
  configFile: string | null;
}): Promise<number> {
  const { io } = params;
  let payload: unknown;
  try {
    payload = JSON.parse(readText(io, params.payloadFile, "payload file"));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(
      `payload file ${params.payloadFile} is not JSON: ${(error as Error).message}`,
    );
  }
  let config = DEFAULT_CONFIG;
  let source = "the default routes (no --config)";
  if (params.configFile) {
    const owner = ownerOf(payload);
    const loaded = loadConfig(io, params.configFile, owner);
    if (!loaded.config) {
      for (const line of loaded.errors) io.stderr(`${line}\n`);
      throw new CliError(
        `${params.configFile} is not valid; fix it first (notifier config validate)`,
        1,
      );
    }
    config = loaded.config;
    source = params.configFile;
  }

  let event;
  try {
    event = normalize(params.event, payload);
  } catch (error) {
    if (error instanceof MalformedPayloadError) {
      io.stdout(`skip: malformed payload: ${error.message}\n`);
      return 0;
    }
    throw error;
  }
  if (event === null) {
    io.stdout(`skip: not a notified event (${describeEvent(params.event, payload)})\n`);
    return 0;
  }
  const decision = route(event, config);
  io.stdout(
    `event: ${event.kind} on ${event.repository.fullName} by ${event.actor.login}\nconfig: ${source}\n`,
  );
  if (decision.kind === "skip") {
    io.stdout(`skip: ${decision.reason}\n`);
    return 0;
  }
  io.stdout(
    `send to: ${decision.channels.join(", ")}\nmessage:\n${JSON.stringify(format(event), null, 2)}\n`,
  );
  return 0;
}

function ownerOf(payload: unknown): string | null {
  const repository = (payload as { repository?: { owner?: { login?: unknown } } } | null)
    ?.repository;
  const login = repository?.owner?.login;
  return typeof login === "string" ? login : null;
}

function describeEvent(event: string, payload: unknown): string {
  const action = (payload as { action?: unknown } | null)?.action;
  return typeof action === "string" ? `${event}.${action}` : event;
}
