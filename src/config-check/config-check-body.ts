/**
 * The check run a pull request changing `.github/notifier.yml` gets: every error at its line,
 * or a preview of where activity will go. Pure: built from the parse result alone.
 *
 * Everything in it comes from a stranger's file, so everything is cut to GitHub's limits
 * (255-character titles, 65,535-character summaries, texts and messages, 50 annotations a
 * request: the rest go in updates of the check run) and to a size a reader can use.
 */
import { formatConfigError, type ConfigError } from "../repo-config/config-error.js";
import {
  DEFAULT_BRANCH_TOKEN,
  type NotifierConfig,
  type QuietHours,
  type RouteConfig,
} from "../repo-config/config-schema.js";
import { DEFAULT_CHANNEL, DEFAULT_ROUTES } from "../repo-config/defaults.js";
import { kindsMatching, OPT_IN_EVENTS, optInEventOf } from "../repo-config/globs.js";
import {
  ACTIVITY_KINDS,
  ALERT_SEVERITIES,
  type ActivityKind,
} from "../normalize/activity-event.js";
import { CONFIG_PATH, OWNER_CONFIG_REPO } from "../repo-config/config-files.js";

/** The check run's name, as it shows in the pull request's checks list. */
export const CONFIG_CHECK_NAME = "notifier config";

/** GitHub takes at most 50 annotations per request (create or update). */
export const MAX_ANNOTATIONS_PER_REQUEST = 50;
/** GitHub's limit on `summary` and `text` (characters) and on an annotation's `message` (64 KB). */
export const MAX_OUTPUT_CHARS = 65_535;
/** GitHub's limit on an annotation's and the output's `title`. */
export const MAX_TITLE_CHARS = 255;
/** One error as a reader sees it: a longer one quotes a value no one reads to the end. */
const MAX_ERROR_CHARS = 2_000;
/** A key path inside a message or text line. */
const MAX_PATH_CHARS = 200;
/** Updates after the create: 20 × 50 annotations, far past what validation reports. */
const MAX_UPDATES = 20;

/** What the pull request's head commit holds at `.github/notifier.yml`. */
export type ConfigCheckResult =
  | { kind: "removed" }
  | { kind: "invalid"; errors: ConfigError[] }
  | { kind: "valid"; config: NotifierConfig };

/** Where the changed file lives and where it will take effect. */
export interface ConfigCheckTarget {
  owner: string;
  repo: string;
  headSha: string;
  /** The branch the pull request merges into. */
  baseBranch: string;
  /** The branch config is read from when routing. */
  defaultBranch: string;
}

export interface CheckRunAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: "failure";
  title: string;
  message: string;
}

/** The body of `POST /repos/{owner}/{repo}/check-runs`. */
export interface CheckRunBody {
  name: typeof CONFIG_CHECK_NAME;
  head_sha: string;
  status: "completed";
  conclusion: "success" | "failure";
  output: { title: string; summary: string; text: string; annotations?: CheckRunAnnotation[] };
}

/** The body of `PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}`: 50 more annotations. */
export interface CheckRunUpdate {
  output: { title: string; summary: string; annotations: CheckRunAnnotation[] };
}

/** The requests one check makes: the create, then an update per further 50 annotations. */
export interface ConfigCheckRun {
  body: CheckRunBody;
  updates: CheckRunUpdate[];
}

/**
 * The check run for one checked file: the create request's body, and one update per further
 * 50 annotations.
 *
 * @example
 * buildConfigCheckRun({ target, result: { kind: "invalid", errors }, mayUse: (channel) => channels.mayUse(channel, "acme") })
 * // { body: { name: "notifier config", conclusion: "failure", output: { title: "1 error in .github/notifier.yml", annotations: [{ start_line: 3, ... }], ... } }, updates: [] }
 */
export function buildConfigCheckRun(params: {
  target: ConfigCheckTarget;
  result: ConfigCheckResult;
  /** Whether the repository's owner may route to a channel; others are never named. Default: all. */
  mayUse?: (channel: string) => boolean;
}): ConfigCheckRun {
  const { target, result } = params;
  const shown = (channel: string): string =>
    (params.mayUse?.(channel) ?? true) ? code(channel) : `(a channel ${target.owner} may not use)`;
  if (result.kind !== "invalid") {
    return { body: buildPassingRun({ target, result, shown }), updates: [] };
  }

  const count = plural(result.errors.length, "error");
  const annotations = result.errors.map(annotationOf);
  const batches: CheckRunAnnotation[][] = [];
  for (let at = 0; at < annotations.length; at += MAX_ANNOTATIONS_PER_REQUEST) {
    batches.push(annotations.slice(at, at + MAX_ANNOTATIONS_PER_REQUEST));
  }
  const [first = [], ...later] = batches;
  const updates = later.slice(0, MAX_UPDATES);
  const unannotated = later.slice(MAX_UPDATES).flat().length;
  const title = `${count} in ${CONFIG_PATH}`;
  const summary = clip(
    `\`${CONFIG_PATH}\` has ${count}. Merged as it is, it would not be used: ` +
      "routing keeps the last valid config (or the defaults) until the file is fixed. " +
      reachOf(target),
  );
  const body: CheckRunBody = {
    name: CONFIG_CHECK_NAME,
    head_sha: target.headSha,
    status: "completed",
    conclusion: "failure",
    output: {
      title,
      summary,
      text: clip(
        [
          ...result.errors.map(
            (error) => `- ${cut(formatConfigError(shortPath(error)), MAX_ERROR_CHARS)}`,
          ),
          ...(unannotated > 0
            ? ["", `(${unannotated} more than GitHub shows as annotations)`]
            : []),
        ].join("\n"),
      ),
      annotations: first,
    },
  };
  return {
    body,
    updates: updates.map((annotations) => ({ output: { title, summary, annotations } })),
  };
}

/** A valid or removed file: no annotations, so one request. */
function buildPassingRun(params: {
  target: ConfigCheckTarget;
  result: Exclude<ConfigCheckResult, { kind: "invalid" }>;
  shown: (channel: string) => string;
}): CheckRunBody {
  const { target, result, shown } = params;
  const base = { name: CONFIG_CHECK_NAME, head_sha: target.headSha, status: "completed" } as const;
  const reach = reachOf(target);

  if (result.kind === "removed") {
    const fallback =
      target.repo.toLowerCase() === OWNER_CONFIG_REPO
        ? `repositories of ${target.owner} without their own \`${CONFIG_PATH}\` get the default routes`
        : `this repository uses \`${target.owner}/${OWNER_CONFIG_REPO}:${CONFIG_PATH}\` if there is one, else the default routes`;
    return {
      ...base,
      conclusion: "success",
      output: {
        title: `${CONFIG_PATH} removed: defaults apply`,
        summary: clip(
          `This pull request removes \`${CONFIG_PATH}\`. Once merged, ${fallback}. ${branchNote(target).join(" ")}`.trim(),
        ),
        text: clip(
          [
            "### The default routes",
            ...describeRoutes({ routes: DEFAULT_ROUTES, config: {}, shown }),
          ].join("\n"),
        ),
      },
    };
  }

  const { config } = result;
  const routes = config.routes ?? DEFAULT_ROUTES;
  const channels = [...new Set(routes.map((entry) => channelOf(entry, config)))].sort();
  const routesLine =
    config.routes === undefined && config._extends !== undefined
      ? `no routes of its own (they come from \`${config._extends}\`, else the defaults)`
      : routes.length === 0
        ? "no routes: nothing is sent"
        : `${plural(routes.length, "route")} to ${[...new Set(channels.map(shown))].join(", ")}`;
  return {
    ...base,
    conclusion: "success",
    output: {
      title: `${CONFIG_PATH} is valid`,
      summary: clip(`\`${CONFIG_PATH}\` is valid: ${routesLine}. ${reach}`),
      text: clip(previewLines({ config, shown }).join("\n")),
    },
  };
}

/** The preview of a valid config: routes, then ignore rules, then kinds by channel. */
function previewLines(params: {
  config: NotifierConfig;
  shown: (channel: string) => string;
}): string[] {
  const { config, shown } = params;
  const lines: string[] = [];
  if (config._extends !== undefined) {
    lines.push(
      `Extends ${code(config._extends)}: keys this file leaves out are inherited from it when routing (not shown here); keys set here win.`,
      "",
    );
  }
  lines.push("### Routes");
  if (config.routes === undefined) {
    lines.push(
      config._extends === undefined
        ? "No `routes` key: the default routes apply."
        : "No `routes` key: routes are inherited, else the default routes below apply.",
    );
  }
  const routes = config.routes ?? DEFAULT_ROUTES;
  lines.push(...describeRoutes({ routes, config, shown }));

  lines.push("", "### Ignored before routing");
  const ignore = [
    ...(config.ignore?.authors?.length ? [`- activity by ${list(config.ignore.authors)}`] : []),
    ...(config.ignore?.labels?.length
      ? [`- issues and pull requests labelled ${list(config.ignore.labels)}`]
      : []),
  ];
  lines.push(...(ignore.length > 0 ? ignore : ["Nothing."]));
  if (config.quiet_hours !== undefined) {
    lines.push(
      "",
      `Quiet hours for every route: ${quietHours(config.quiet_hours, config.quiet_hours_action ?? "hold")}.`,
    );
  }
  const threading = threadingOf(config);
  if (threading.length > 0) {
    lines.push(
      "",
      `Threads for every route that sets none (bot channels only: webhook channels cannot thread): ${threading.join("; ")}.`,
    );
  }

  if (routes.length > 0) {
    lines.push("", "### Event kinds by channel");
    const byChannel = kindsByChannel({ routes, config });
    for (const [channel, kinds] of byChannel)
      lines.push(`- ${shown(channel)}: ${kinds.join(", ")}`);
    const reached = new Set([...byChannel.values()].flat());
    const unrouted = ACTIVITY_KINDS.filter(
      (kind) => !reached.has(kind) && optInEventOf(kind) === null,
    );
    if (unrouted.length > 0) lines.push("", `Not sent anywhere: ${unrouted.join(", ")}.`);
  }
  lines.push("", ...securityNote(routes));
  return lines;
}

/**
 * Where security alerts go: only to routes that name them (a glob starting with the event's
 * name), never through `*` or the defaults.
 */
function securityNote(routes: readonly RouteConfig[]): string[] {
  const alerts = ACTIVITY_KINDS.filter((kind) => optInEventOf(kind) !== null);
  const routed = new Set(routes.flatMap(kindsOf));
  const unrouted = alerts.filter((kind) => !routed.has(kind));
  if (unrouted.length === 0)
    return ["Security alerts go only to the routes that name them, as above."];
  return [
    `Security alerts not sent anywhere: ${unrouted.join(", ")}. They go to a channel only when a route names them with a glob that starts with the event's name (${OPT_IN_EVENTS.map((name) => code(`${name}.*`)).join(", ")}); \`*\` and the default routes never send them.`,
  ];
}

/** One numbered line per route: kinds, channel, then every filter it sets. */
function describeRoutes(params: {
  routes: readonly RouteConfig[];
  config: NotifierConfig;
  shown: (channel: string) => string;
}): string[] {
  const { routes, config, shown } = params;
  if (routes.length === 0) return ["`routes` is empty: nothing is sent."];
  return routes.map((entry, index) => {
    const kinds = kindsOf(entry);
    const on = entry.on.map(code).join(", ");
    const expanded = entry.on.every((glob) => (ACTIVITY_KINDS as readonly string[]).includes(glob))
      ? on
      : `${on} (${kinds.join(", ")})`;
    const filters = filtersOf(entry);
    return `${index + 1}. ${expanded} → ${shown(channelOf(entry, config))}${filters.length > 0 ? `, ${filters.join("; ")}` : ""}`;
  });
}

function filtersOf(entry: RouteConfig): string[] {
  return [
    ...(entry.labels?.length ? [`only with a label ${list(entry.labels)}`] : []),
    ...(entry.exclude_labels?.length ? [`not with a label ${list(entry.exclude_labels)}`] : []),
    ...(entry.authors?.length ? [`only by ${list(entry.authors)}`] : []),
    ...(entry.exclude_authors?.length ? [`not by ${list(entry.exclude_authors)}`] : []),
    ...(entry.branches?.length ? [`only on ${branchList(entry.branches)}`] : []),
    ...(entry.workflows?.length ? [`only workflows ${list(entry.workflows)}`] : []),
    ...(entry.environments?.length ? [`only environments ${list(entry.environments)}`] : []),
    ...(entry.severities?.length
      ? [`alerts of severity ${code(lowestSeverity(entry.severities))} and above`]
      : []),
    ...(entry.drafts === true ? ["drafts included"] : []),
    ...(entry.title !== undefined ? [`title matches ${code(`/${entry.title}/`)}`] : []),
    ...(entry.digest !== undefined
      ? [`as a digest ${code(entry.digest)} (${entry.timezone ?? "UTC"})`]
      : []),
    ...(entry.quiet_hours !== undefined
      ? [
          `quiet ${quietHours(entry.quiet_hours, entry.quiet_hours_action ?? "hold", entry.timezone)}`,
        ]
      : []),
    ...threadingOf(entry),
  ];
}

/** The `thread` and `broadcast` a route or the file sets, in words; nothing for keys left out. */
function threadingOf(entry: Pick<RouteConfig, "thread" | "broadcast">): string[] {
  return [
    ...(entry.thread === true ? ["threaded on bot channels"] : []),
    ...(entry.thread === false ? ["never threaded (every event a top-level message)"] : []),
    ...(entry.broadcast === undefined
      ? []
      : entry.broadcast.length === 0
        ? ["no reply also shown in the channel"]
        : [`replies also shown in the channel: ${list(entry.broadcast)}`]),
  ];
}

/** Channel -> kinds any route may send there, channels sorted, kinds in canonical order. */
function kindsByChannel(params: {
  routes: readonly RouteConfig[];
  config: NotifierConfig;
}): Map<string, ActivityKind[]> {
  const sets = new Map<string, Set<ActivityKind>>();
  for (const entry of params.routes) {
    const channel = channelOf(entry, params.config);
    const set = sets.get(channel) ?? new Set<ActivityKind>();
    for (const kind of kindsOf(entry)) set.add(kind);
    sets.set(channel, set);
  }
  return new Map(
    [...sets]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([channel, set]) => [channel, ACTIVITY_KINDS.filter((kind) => set.has(kind))]),
  );
}

function kindsOf(entry: RouteConfig): ActivityKind[] {
  const selected = new Set(entry.on.flatMap(kindsMatching));
  return ACTIVITY_KINDS.filter((kind) => selected.has(kind));
}

function channelOf(entry: RouteConfig, config: NotifierConfig): string {
  return entry.channel ?? config.channel ?? DEFAULT_CHANNEL;
}

function quietHours(window: QuietHours, action: "hold" | "drop", routeTimezone?: string): string {
  const timezone = window.timezone ?? routeTimezone ?? "UTC";
  const what = action === "hold" ? "held until the window ends" : "dropped";
  return `${window.from}–${window.to} ${timezone} (${what})`;
}

function annotationOf(error: ConfigError): CheckRunAnnotation {
  // GitHub needs a line: an error about the whole file points at its first.
  const line = error.line ?? 1;
  const { path } = shortPath(error);
  return {
    path: CONFIG_PATH,
    start_line: line,
    end_line: line,
    annotation_level: "failure",
    title: cut(error.path === "" ? CONFIG_PATH : error.path, MAX_TITLE_CHARS),
    message: cut(path === "" ? error.message : `\`${path}\` ${error.message}`, MAX_ERROR_CHARS),
  };
}

/** The error with its key path cut for messages (the title keeps up to 255 characters). */
function shortPath(error: ConfigError): ConfigError {
  return { ...error, path: cut(error.path, MAX_PATH_CHARS) };
}

function reachOf(target: ConfigCheckTarget): string {
  return [whoUsesIt(target), ...branchNote(target)].join(" ");
}

function whoUsesIt(target: ConfigCheckTarget): string {
  return target.repo.toLowerCase() === OWNER_CONFIG_REPO
    ? `This is the shared config of ${target.owner}: every repository of ${target.owner} without its own \`${CONFIG_PATH}\` uses it.`
    : `It routes activity of ${target.owner}/${target.repo}.`;
}

function branchNote(target: ConfigCheckTarget): string[] {
  return target.baseBranch === target.defaultBranch
    ? []
    : [
        `This pull request merges into \`${target.baseBranch}\`; config is read from the default branch \`${target.defaultBranch}\`, so it takes effect only once it reaches \`${target.defaultBranch}\`.`,
      ];
}

/** Inline code that survives backticks in the value (repository authors write these). */
function code(value: string): string {
  const fence = value.includes("`") ? "``" : "`";
  return `${fence}${value.includes("`") ? ` ${value} ` : value}${fence}`;
}

/** Branch globs, with `$default-branch` said in words: "the default branch", "branches `main`, `dev`". */
function branchList(branches: readonly string[]): string {
  if (branches.length === 1 && branches[0] === DEFAULT_BRANCH_TOKEN) return "the default branch";
  const named = branches.map((branch) =>
    branch === DEFAULT_BRANCH_TOKEN ? "the default branch" : code(branch),
  );
  return `branches ${named.join(", ")}`;
}

/** The threshold a `severities` list sets: its lowest entry. */
function lowestSeverity(severities: readonly (typeof ALERT_SEVERITIES)[number][]): string {
  return ALERT_SEVERITIES.find((severity) => severities.includes(severity)) ?? "low";
}

function list(values: readonly string[]): string {
  return values.map(code).join(", ");
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function clip(text: string): string {
  return text.length <= MAX_OUTPUT_CHARS
    ? text
    : `${cut(text, MAX_OUTPUT_CHARS - 40, "")}\n\n(cut: too long for a check run)`;
}

/**
 * `text` in at most `max` characters (UTF-16 units, as GitHub counts them), marked when cut,
 * never splitting a character in two.
 *
 * @example cut("a".repeat(300), 255) // "aaa…a… (cut)", 255 characters
 */
export function cut(text: string, max: number, mark = "… (cut)"): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - mark.length);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end) + mark;
}
