import { CONFIG_LIMITS } from "./config-limits.js";

/** A problem in a config file, located well enough for its author to fix it. */
export interface ConfigError {
  /** Which file: `.github/notifier.yml`, or `acme/api:.github/notifier.yml` when read from GitHub. */
  source: string;
  /** 1-based line; `null` when the problem is about the file as a whole. */
  line: number | null;
  /** Key path like `routes[0].channel`; empty for the whole file. */
  path: string;
  /** What is wrong and how to fix it, worded to follow the key path. */
  message: string;
}

/** A key path as zod and YAML give it. */
export type KeyPath = readonly (string | number)[];

/**
 * Writes a key path the way a reader of the YAML would: `routes[0].channel`.
 *
 * @example formatKeyPath(["routes", 0, "channel"]) // "routes[0].channel"
 */
export function formatKeyPath(path: KeyPath): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? segment : `.${segment}`;
  }
  return text;
}

/**
 * One line for logs, check runs and the CLI.
 *
 * @example
 * formatConfigError({ source: ".github/notifier.yml", line: 4, path: "routes[0].channel", message: "must name ..." })
 * // "`.github/notifier.yml` line 4: `routes[0].channel` must name ..."
 */
export function formatConfigError(error: ConfigError): string {
  const where =
    error.line === null ? `\`${error.source}\`` : `\`${error.source}\` line ${error.line}`;
  const what = error.path === "" ? error.message : `\`${error.path}\` ${error.message}`;
  return `${where}: ${what}`;
}

/**
 * Quotes a value from a config file for an error message, cut so that a hostile 1 MB value
 * never becomes a 1 MB message. Every message that repeats a value goes through here.
 *
 * @example quoteValue("7:00") // '"7:00"'
 * @example quoteValue("a".repeat(1000)) // '"aaaa…" (1000 characters)'
 */
export function quoteValue(value: string): string {
  const max = CONFIG_LIMITS.quotedChars;
  if (value.length <= max) return JSON.stringify(value);
  const chars = Array.from(value);
  if (chars.length <= max) return JSON.stringify(value);
  return `${JSON.stringify(`${chars.slice(0, max).join("")}…`)} (${chars.length} characters)`;
}

/**
 * Cuts a message from a library (YAML, RE2) that may echo a large part of the input.
 *
 * @example cutText("x".repeat(500), 100).length // 101
 */
export function cutText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
