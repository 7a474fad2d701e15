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
