/**
 * Reads `.github/notifier.yml` text into a validated {@link NotifierConfig}, or into errors
 * that each name the file, the line and the key path. Pure: the caller says which channels
 * exist and which of them the repository's owner may use. Linear in the file's size: the size
 * is checked before parsing, each error's line is found by walking the YAML tree with an index
 * per mapping, and at most {@link CONFIG_LIMITS.errors} errors are listed.
 */
import {
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Pair,
  type YAMLError,
  type YAMLMap,
} from "yaml";
import type { z } from "zod";
import {
  cutText,
  formatKeyPath,
  quoteValue,
  type ConfigError,
  type KeyPath,
} from "./config-error.js";
import { CONFIG_LIMITS } from "./config-limits.js";
import { closest } from "./config-values.js";
import { compileTitle } from "./title-pattern.js";
import {
  ignoreSchema,
  notifierConfigSchema,
  quietHoursSchema,
  reminderSchema,
  routeSchema,
  type NotifierConfig,
} from "./config-schema.js";

export { mergeConfigs } from "./merge-configs.js";

export interface ParseConfigParams {
  /** The file's text. */
  text: string;
  /** Where it came from, for messages: `.github/notifier.yml` or `acme/api:.github/notifier.yml`. */
  source: string;
  /** Channel names the operator configured. */
  knownChannels: readonly string[];
  /** Whether the repository's owner may route to a channel (`SLACK_CHANNEL_OWNERS_<NAME>`); default: all may. */
  mayUse?: (channel: string) => boolean;
}

export type ParseConfigResult =
  { ok: true; config: NotifierConfig } | { ok: false; errors: ConfigError[] };

/**
 * Parses and validates one config file. Reports every problem at once, ordered by line.
 *
 * @example
 * parseConfig({ text: "routes:\n  - on: [issues.opened]\n    channel: ops\n", source: ".github/notifier.yml", knownChannels: ["default"] })
 * // { ok: false, errors: [{ line: 3, path: "routes[0].channel", message: "names \"ops\", which is not a channel you may use (channels for this repository: default)", ... }] }
 */
export function parseConfig(params: ParseConfigParams): ParseConfigResult {
  const { text, source } = params;
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > CONFIG_LIMITS.fileBytes) {
    const kib = (n: number) => `${Math.ceil(n / 1024)} KiB`;
    return {
      ok: false,
      errors: [
        {
          source,
          line: null,
          path: "",
          message: `the file is ${kib(bytes)}; a config file may be at most ${kib(CONFIG_LIMITS.fileBytes)} (${CONFIG_LIMITS.fileBytes} bytes)`,
        },
      ],
    };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    merge: true,
    // yaml's own check compares every key with every other (quadratic); duplicateKeys is linear.
    uniqueKeys: false,
  });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: capErrors({
        errors: doc.errors.map((error) => yamlError({ error, source, lineCounter })),
        source,
      }),
    };
  }

  const duplicates = duplicateKeys({ doc, lineCounter, source });
  if (duplicates.length > 0)
    return { ok: false, errors: capErrors({ errors: duplicates, source }) };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      errors: [{ source, line: null, path: "", message: `invalid YAML: ${reason}` }],
    };
  }

  const lines = new LineIndex({ doc, lineCounter });
  const located = (path: KeyPath, message: string): ConfigError => ({
    source,
    line: lines.lineOf(path),
    path: formatKeyPath(path),
    message,
  });
  const result = notifierConfigSchema.safeParse(data, { error: describeIssue });
  const errors = [
    ...(result.success ? [] : result.error.issues.flatMap((issue) => fromIssue(issue, located))),
    ...channelProblems({ data, knownChannels: params.knownChannels, mayUse: params.mayUse }).map(
      ({ path, message }) => located(path, message),
    ),
    ...(result.success ? titleBudgetProblems(result.data) : []).map(({ path, message }) =>
      located(path, message),
    ),
  ];
  if (errors.length > 0 || !result.success) {
    return {
      ok: false,
      errors: capErrors({ errors: errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)), source }),
    };
  }
  return { ok: true, config: result.data };
}

/**
 * The line where a key path is written in a config file, or null. For errors found after
 * parsing, such as an `_extends` target that does not exist.
 *
 * @example locateKey({ text: "channel: eng\n_extends: shared\n", path: ["_extends"] }) // 2
 */
export function locateKey(params: { text: string; path: KeyPath }): number | null {
  const lineCounter = new LineCounter();
  const doc = parseDocument(params.text, { lineCounter, merge: true });
  return new LineIndex({ doc, lineCounter }).lineOf(params.path);
}

/** Keys written twice in one mapping (merge keys `<<` aside), found with one Set per mapping. */
function duplicateKeys(params: {
  doc: Document;
  lineCounter: LineCounter;
  source: string;
}): ConfigError[] {
  const { doc, lineCounter, source } = params;
  const errors: ConfigError[] = [];
  const pending: unknown[] = [doc.contents];
  while (pending.length > 0) {
    const node = pending.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        pending.push(pair.value);
        if (!isScalar(pair.key) || pair.key.value === "<<") continue;
        const key = `${typeof pair.key.value}:${String(pair.key.value)}`;
        if (seen.has(key)) {
          errors.push({
            source,
            line: pair.key.range ? lineCounter.linePos(pair.key.range[0]).line : null,
            path: "",
            message: `invalid YAML: ${YAML_MESSAGES.DUPLICATE_KEY ?? "a key appears twice"}`,
          });
        }
        seen.add(key);
      }
    } else if (isSeq(node)) {
      pending.push(...node.items);
    }
  }
  return errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/** The first {@link CONFIG_LIMITS.errors} errors, then one that counts the rest. */
function capErrors(params: { errors: ConfigError[]; source: string }): ConfigError[] {
  const { errors, source } = params;
  const max = CONFIG_LIMITS.errors;
  if (errors.length <= max) return errors;
  return [
    ...errors.slice(0, max),
    {
      source,
      line: null,
      path: "",
      message: `… and ${errors.length - max} more problems (only the first ${max} are listed); fix these and validate again`,
    },
  ];
}

const YAML_MESSAGES: Partial<Record<YAMLError["code"], string>> = {
  DUPLICATE_KEY: "a key appears twice in the same mapping; keep one",
  MULTIPLE_DOCS: "the file holds more than one YAML document (a second `---`); keep one",
  TAB_AS_INDENT: "indents with a tab; YAML needs spaces",
};

function yamlError(params: {
  error: YAMLError;
  source: string;
  lineCounter: LineCounter;
}): ConfigError {
  const { error, source, lineCounter } = params;
  const known = YAML_MESSAGES[error.code];
  return {
    source,
    line: lineCounter.linePos(error.pos[0]).line,
    path: "",
    message: `invalid YAML: ${known ?? cutText(error.message, 200)}`,
  };
}

const EXPECTED: Record<string, string> = {
  string: "text",
  array: "a list, like [a, b]",
  object: "a mapping of keys",
  boolean: "true or false",
  number: "a number",
};

// Worded to follow the key path: "`routes[0].on` must be a list, like [a, b] (got "issues.opened")".
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === "invalid_type") {
    if (issue.input === undefined) return "is required";
    return `must be ${EXPECTED[issue.expected] ?? issue.expected} (got ${describeValue(issue.input)})`;
  }
  if (issue.code === "invalid_value") {
    return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")} (got ${describeValue(issue.input)})`;
  }
  return undefined;
}

function describeValue(value: unknown): string {
  if (value === null) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return quoteValue(value);
  return cutText(String(value), CONFIG_LIMITS.quotedChars);
}

function fromIssue(
  issue: z.core.$ZodIssue,
  located: (path: KeyPath, message: string) => ConfigError,
): ConfigError[] {
  const path = issue.path.filter(
    (segment): segment is string | number => typeof segment !== "symbol",
  );
  if (issue.code === "unrecognized_keys") {
    const known = keysAt(path);
    return issue.keys.map((key) => {
      const guess = closest(key, known);
      const hint = guess === null ? "" : `; did you mean \`${guess}\`?`;
      const error = located(
        [...path, key],
        `is not a known key${hint} (known here: ${known.join(", ")})`,
      );
      return { ...error, path: cutText(error.path, CONFIG_LIMITS.quotedChars) };
    });
  }
  if (path.length === 0 && issue.code === "invalid_type") {
    return [located(path, "the file must be a mapping of keys like `channel:` and `routes:`")];
  }
  return [located(path, issue.message)];
}

/** The keys allowed in the object at `path`, for "did you mean" hints. */
function keysAt(path: KeyPath): string[] {
  const last = path.findLast((segment) => typeof segment === "string");
  const shape =
    last === undefined
      ? notifierConfigSchema.shape
      : last === "ignore"
        ? ignoreSchema.shape
        : last === "quiet_hours"
          ? quietHoursSchema.shape
          : last === "reminders"
            ? reminderSchema.shape
            : routeSchema.shape;
  return Object.keys(shape);
}

/**
 * Title patterns are matched on every event, one after another: together they may compile to at
 * most {@link CONFIG_LIMITS.patternProgramTotal} RE2 instructions. Names the first route past it.
 */
function titleBudgetProblems(config: NotifierConfig): { path: KeyPath; message: string }[] {
  let total = 0;
  for (const [index, candidate] of (config.routes ?? []).entries()) {
    if (candidate.title === undefined) continue;
    const compiled = compileTitle(candidate.title);
    total += compiled.ok ? compiled.pattern.size : 0;
    if (total > CONFIG_LIMITS.patternProgramTotal) {
      return [
        {
          path: ["routes", index, "title"],
          message: `brings the title patterns of this file to ${total} RE2 instructions; together they may compile to at most ${CONFIG_LIMITS.patternProgramTotal}: simplify or share patterns`,
        },
      ];
    }
  }
  return [];
}

/**
 * Channel names the file uses (top level, routes', reminders') that this repository may not post to. A channel the operator did
 * not configure and one reserved for other owners get the same message, which lists only the
 * channels this repository may use: one tenant's config never learns another tenant's channels.
 */
function channelProblems(params: {
  data: unknown;
  knownChannels: readonly string[];
  mayUse: ((channel: string) => boolean) | undefined;
}): { path: KeyPath; message: string }[] {
  const { data, knownChannels, mayUse } = params;
  if (!isRecord(data)) return [];
  const named: { path: KeyPath; channel: string }[] = [];
  if (typeof data.channel === "string") named.push({ path: ["channel"], channel: data.channel });
  for (const key of ["routes", "reminders"] as const) {
    const entries = data[key];
    if (!Array.isArray(entries)) continue;
    entries.forEach((entry: unknown, index) => {
      if (isRecord(entry) && typeof entry.channel === "string") {
        named.push({ path: [key, index, "channel"], channel: entry.channel });
      }
    });
  }
  const usable = new Set(knownChannels.filter((channel) => mayUse?.(channel) ?? true));
  const listed = usable.size === 0 ? "none" : [...usable].sort().join(", ");
  return named.flatMap(({ path, channel }) => {
    // Empty and overlong names already have their own error from the schema.
    if (channel === "" || channel.length > CONFIG_LIMITS.textChars || usable.has(channel)) {
      return [];
    }
    const guess = closest(channel, [...usable]);
    const hint = guess === null ? "" : `; did you mean "${guess}"?`;
    return [
      {
        path,
        message: `names ${quoteValue(channel)}, which is not a channel you may use (channels for this repository: ${listed})${hint}`,
      },
    ];
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Finds the line a key path is written on by walking the YAML tree: O(depth) per path, with
 * each mapping's keys indexed on first use, so locating every error of a file stays linear.
 * Map entries point at their key's line, list items at the item's line; a missing key points
 * at its nearest written parent.
 */
class LineIndex {
  readonly #doc: Document;
  readonly #lineCounter: LineCounter;
  readonly #maps = new WeakMap<YAMLMap, Map<string, Pair>>();

  constructor(params: { doc: Document; lineCounter: LineCounter }) {
    this.#doc = params.doc;
    this.#lineCounter = params.lineCounter;
  }

  lineOf(path: KeyPath): number | null {
    let node: unknown = this.#doc.contents;
    let line = this.#lineAt(node);
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(this.#doc);
      if (isMap(node)) {
        const pair = this.#keysOf(node).get(String(segment));
        if (pair === undefined) break;
        line = this.#lineAt(pair.key) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === "number") {
        const item = node.items[segment];
        if (item === undefined) break;
        line = this.#lineAt(item) ?? line;
        node = item;
      } else {
        break;
      }
    }
    return line;
  }

  #lineAt(node: unknown): number | null {
    return isNode(node) && node.range ? this.#lineCounter.linePos(node.range[0]).line : null;
  }

  #keysOf(map: YAMLMap): Map<string, Pair> {
    let keys = this.#maps.get(map);
    if (keys === undefined) {
      keys = new Map();
      for (const pair of map.items) {
        // The first of duplicate keys wins, as `items.find` did.
        if (isScalar(pair.key) && !keys.has(String(pair.key.value))) {
          keys.set(String(pair.key.value), pair);
        }
      }
      this.#maps.set(map, keys);
    }
    return keys;
  }
}
