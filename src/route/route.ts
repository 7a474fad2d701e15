/**
 * Routing: which operator channels one activity event goes to under a repository's config.
 * Pure: the same event and config always give the same decision. Globs and title patterns
 * are compiled once per config object (the loader keeps one object for its TTL) and cached
 * beside it, so a config of many routes costs one compile, not one per event.
 */
import {
  ALERT_SEVERITIES,
  type ActivityEvent,
  type ActivityKind,
  type AlertSeverity,
} from "../normalize/activity-event.js";
import {
  DEFAULT_BRANCH_TOKEN,
  type IgnoreConfig,
  type NotifierConfig,
  type QuietHoursAction,
  type RouteConfig,
} from "../repo-config/config-schema.js";
import {
  DEFAULT_BROADCAST,
  DEFAULT_CHANNEL,
  DEFAULT_ROUTES,
  DEFAULT_THREAD,
} from "../repo-config/defaults.js";
import {
  branchGlob,
  compileGlobs,
  firstMatch,
  kindGlob,
  nameGlob,
  optInEventOf,
  type CompiledGlob,
} from "../repo-config/globs.js";
import { compileTitlePattern, type TitlePattern } from "../repo-config/title-pattern.js";

/** When and how one channel gets its message. Carried for digests and quiet hours; routing itself ignores it. */
export interface ChannelTarget {
  channel: string;
  /** Indices of the matching routes that name this channel. */
  routes: number[];
  /**
   * The digest schedule (`15m`, `daily at 09:00`), or null to send at once. When several routes
   * send to one channel, a route without a digest wins (nothing urgent waits for a digest),
   * then the first route.
   */
  digest: string | null;
  /** Time zone of the digest schedule. */
  timezone: string;
  /** The quiet window in effect (the route's, else the top-level one), or null. */
  quietHours: { from: string; to: string; timezone: string } | null;
  quietHoursAction: QuietHoursAction;
  /**
   * Whether this channel threads an item's activity under one parent message (`thread`), from
   * the same route as `digest`, else the top level, else true. Only bot channels can thread:
   * webhook channels ignore it. False: every event is a top-level message, no parent is kept.
   */
  thread: boolean;
  /**
   * Kinds whose thread replies are also shown in the channel (`broadcast`), from the same route
   * as `digest`, else the top level, else {@link DEFAULT_BROADCAST}; in the order written, each
   * kind once.
   */
  broadcast: ActivityKind[];
}

/** How one channel threads: what a route's `thread` and `broadcast` resolve to. */
export interface Threading {
  /** Whether an item's activity is threaded under one parent message (bot channels only). */
  thread: boolean;
  /** Kinds whose thread replies are also shown in the channel, in the order written, each once. */
  broadcast: ActivityKind[];
}

export type RouteDecision =
  | {
      kind: "send";
      /** Channels to post to, each once, in the order routes first name them. */
      channels: string[];
      /** Indices of every matching route (into `routes`, or the default routes when the config has none). */
      routes: number[];
      /** One per channel, same order as `channels`. */
      targets: ChannelTarget[];
    }
  | { kind: "skip"; reason: string };

/** Whether one route takes an event, and if not, the first filter that refused it. */
export type RouteMatch = { matched: true } | { matched: false; reason: string };

const UTC = "UTC";

/**
 * Decides where an event goes: ignore rules first, then every route that matches sends,
 * one message per channel however many routes name it.
 *
 * @example
 * route(event, { routes: [{ on: ["issues.*"], channel: "triage" }] })
 * // { kind: "send", channels: ["triage"], routes: [0], targets: [...] }
 * route(closedIssue, {})
 * // { kind: "skip", reason: "no route matched issues.closed" }
 */
export function route(event: ActivityEvent, config: NotifierConfig): RouteDecision {
  const ignored = ignoreReason({ event, ignore: config.ignore });
  if (ignored !== null) return { kind: "skip", reason: ignored };

  const routes = config.routes ?? DEFAULT_ROUTES;
  const matched = routes.flatMap((candidate, index) =>
    matchRoute({ event, route: candidate }).matched ? [index] : [],
  );
  if (matched.length === 0) return { kind: "skip", reason: `no route matched ${event.kind}` };

  const byChannel = new Map<string, number[]>();
  for (const index of matched) {
    const channel = routes[index]?.channel ?? config.channel ?? DEFAULT_CHANNEL;
    byChannel.set(channel, [...(byChannel.get(channel) ?? []), index]);
  }
  const targets = [...byChannel].map(([channel, indices]) =>
    targetFor({ channel, indices, routes, config }),
  );
  return {
    kind: "send",
    channels: targets.map((target) => target.channel),
    routes: matched,
    targets,
  };
}

/**
 * Why an event is dropped before routing, or null. Names the rule so a reader can find it.
 *
 * @example ignoreReason({ event, ignore: { authors: ["*[bot]"] } })
 * // 'ignored: author "dependabot[bot]" matches ignore.authors "*[bot]"'
 */
function ignoreReason(params: {
  event: ActivityEvent;
  ignore: IgnoreConfig | undefined;
}): string | null {
  const { event } = params;
  if (params.ignore === undefined) return null;
  const ignore = compiledIgnore(params.ignore);
  const login = event.actor.login;
  const author = firstMatch(ignore.authors, login);
  if (author !== null) return `ignored: author "${login}" matches ignore.authors "${author}"`;
  for (const label of event.labels) {
    const glob = firstMatch(ignore.labels, label);
    if (glob !== null) return `ignored: label "${label}" matches ignore.labels "${glob}"`;
  }
  return null;
}

/**
 * Checks one route's filters in turn. An empty filter list is no filter. `branches` is the base
 * branch of pull requests and their reviews, the head branch of workflow runs, check suites and
 * pushes; other kinds ignore it. `workflows` and `environments` refuse events without a workflow
 * or environment; `severities` applies to security alerts that carry a severity.
 *
 * @example matchRoute({ event: draftPullRequest, route: { on: ["pull_request.*"] } })
 * // { matched: false, reason: "is a draft pull request (set drafts: true to include drafts)" }
 */
export function matchRoute(params: { event: ActivityEvent; route: RouteConfig }): RouteMatch {
  const { event, route: candidate } = params;
  const compiled = compiledRoute(candidate);
  const refuse = (reason: string): RouteMatch => ({ matched: false, reason });
  const login = event.actor.login;

  if (firstMatch(compiled.on, event.kind) === null) {
    return refuse(`${event.kind} is not in on [${candidate.on.join(", ")}]`);
  }
  if (event.draft && candidate.drafts !== true) {
    return refuse("is a draft pull request (set drafts: true to include drafts)");
  }
  if (candidate.branches !== undefined && candidate.branches.length > 0) {
    const refused = branchRefusal({ event, branches: candidate.branches, compiled });
    if (refused !== null) return refuse(refused);
  }
  const authorOrLabel = authorAndLabelRefusal({
    author: login,
    labels: event.labels,
    filter: candidate,
    compiled,
  });
  if (authorOrLabel !== null) return refuse(authorOrLabel);
  if (compiled.workflows.length > 0) {
    const name = event.detail.workflowName;
    const wanted = `workflows [${(candidate.workflows ?? []).join(", ")}]`;
    if (name === undefined) return refuse(`has no workflow to match ${wanted}`);
    if (firstMatch(compiled.workflows, name) === null) {
      return refuse(`workflow "${name}" matches none of ${wanted}`);
    }
  }
  if (compiled.environments.length > 0) {
    const environment = event.detail.environment;
    const wanted = `environments [${(candidate.environments ?? []).join(", ")}]`;
    if (environment === undefined) return refuse(`has no environment to match ${wanted}`);
    if (firstMatch(compiled.environments, environment) === null) {
      return refuse(`environment "${environment}" matches none of ${wanted}`);
    }
  }
  const severity = event.detail.severity;
  if (
    candidate.severities !== undefined &&
    candidate.severities.length > 0 &&
    optInEventOf(event.kind) !== null &&
    // Secret scanning alerts carry no severity and always pass; other alerts need one.
    !(severity === undefined && event.kind.startsWith(SECRET_SCANNING_PREFIX))
  ) {
    if (severity === undefined) {
      return refuse(`has no severity to match severities [${candidate.severities.join(", ")}]`);
    }
    const rank = (value: AlertSeverity) => ALERT_SEVERITIES.indexOf(value);
    const lowest = Math.min(...candidate.severities.map(rank));
    if (rank(severity) < lowest) {
      return refuse(
        `severity "${severity}" is below ${ALERT_SEVERITIES[lowest] ?? "the lowest"}, the lowest of severities [${candidate.severities.join(", ")}]`,
      );
    }
  }
  if (candidate.title !== undefined && compiled.title !== null) {
    if (event.title === null) return refuse(`has no title to match title /${candidate.title}/`);
    if (!compiled.title.test(event.title)) {
      return refuse(`title does not match /${candidate.title}/`);
    }
  }
  return { matched: true };
}

/**
 * Whether a route's `on` selects a kind (security alerts only when a glob names their event),
 * whatever its other filters say. Compiled once per route, as routing is.
 *
 * @example routeSelectsKind({ route: { on: ["issues.*"] }, kind: "issues.labeled" }) // true
 */
export function routeSelectsKind(params: { route: RouteConfig; kind: ActivityKind }): boolean {
  return firstMatch(compiledRoute(params.route).on, params.kind) !== null;
}

/** Events whose `branches` filter reads the head branch: workflow runs, check suites, pushes. */
const HEAD_BRANCH_EVENTS: ReadonlySet<string> = new Set(["workflow_run", "check_suite", "push"]);
/**
 * Kinds about a pull request whose payload does not name its base branch (GitHub sends a
 * conversation comment as `issue_comment`): a route that sets `branches` does not take them.
 */
const UNKNOWN_BASE_BRANCH: ReadonlyMap<ActivityKind, string> = new Map([
  ["pull_request.commented", "a comment on a pull request's conversation does not name it"],
]);
/** Secret scanning alerts, which carry no severity and pass every `severities` filter. */
const SECRET_SCANNING_PREFIX = "secret_scanning_alert.";

/**
 * Why the `authors`, `exclude_authors`, `labels` and `exclude_labels` filters refuse an item, or
 * null when they pass: the filters routes and reminders share, checked in that order. `author`
 * is the login the filter reads (a route's actor, a reminder's pull request author); null when
 * there is none, which only an `authors` filter refuses.
 *
 * @example
 * authorAndLabelRefusal({ author: "octocat", labels: [], filter: { labels: ["bug"] }, compiled })
 * // 'has no labels, none in labels [bug]'
 */
export function authorAndLabelRefusal(params: {
  author: string | null;
  labels: readonly string[];
  /** The lists as written, for the message. */
  filter: { authors?: readonly string[] | undefined; labels?: readonly string[] | undefined };
  compiled: {
    authors: readonly CompiledGlob[];
    excludeAuthors: readonly CompiledGlob[];
    labels: readonly CompiledGlob[];
    excludeLabels: readonly CompiledGlob[];
  };
}): string | null {
  const { author, labels, filter, compiled } = params;
  if (compiled.authors.length > 0) {
    const wanted = `authors [${(filter.authors ?? []).join(", ")}]`;
    if (author === null) return `has no author to match ${wanted}`;
    if (firstMatch(compiled.authors, author) === null) {
      return `author "${author}" matches none of ${wanted}`;
    }
  }
  const excludedAuthor = author === null ? null : firstMatch(compiled.excludeAuthors, author);
  if (excludedAuthor !== null) {
    return `author "${author}" matches exclude_authors "${excludedAuthor}"`;
  }
  if (
    compiled.labels.length > 0 &&
    !labels.some((label) => firstMatch(compiled.labels, label) !== null)
  ) {
    const has =
      labels.length === 0 ? "no labels" : `labels ${labels.map((l) => `"${l}"`).join(", ")}`;
    return `has ${has}, none in labels [${(filter.labels ?? []).join(", ")}]`;
  }
  for (const label of labels) {
    const excluded = firstMatch(compiled.excludeLabels, label);
    if (excluded !== null) return `label "${label}" matches exclude_labels "${excluded}"`;
  }
  return null;
}

/**
 * Why `branches` refuses an event, or null when it passes or does not apply.
 *
 * @example
 * branchRefusal({ event: failedRunOnDev, branches: ["$default-branch"], compiled })
 * // 'head branch "dev" is not the default branch "main" and matches none of branches [$default-branch]'
 */
function branchRefusal(params: {
  event: ActivityEvent;
  branches: readonly string[];
  compiled: CompiledRoute;
}): string | null {
  const { event, branches, compiled } = params;
  const byHead = HEAD_BRANCH_EVENTS.has(event.kind.slice(0, event.kind.indexOf(".")));
  const branch = byHead ? event.headBranch : event.baseBranch;
  const listed = `branches [${branches.join(", ")}]`;
  const unknown = UNKNOWN_BASE_BRANCH.get(event.kind);
  if (unknown !== undefined) return `has no base branch to match ${listed} (${unknown})`;
  if (branch === null) return byHead ? `has no head branch to match ${listed}` : null;
  const defaultBranch = event.repository.defaultBranch;
  if (branches.includes(DEFAULT_BRANCH_TOKEN) && branch === defaultBranch) return null;
  if (firstMatch(compiled.branches, branch) !== null) return null;
  const which = byHead ? "head branch" : "base branch";
  const notDefault = branches.includes(DEFAULT_BRANCH_TOKEN)
    ? defaultBranch === null
      ? " is not the default branch (the payload names none) and"
      : ` is not the default branch "${defaultBranch}" and`
    : "";
  return `${which} "${branch}"${notDefault} matches none of ${listed}`;
}

/**
 * Every route's verdict on an event, for a `preview` command: what matched and why the others did not.
 *
 * @example explainRoutes(event, config) // [{ index: 0, channel: "triage", match: { matched: false, reason: "..." } }]
 */
export function explainRoutes(
  event: ActivityEvent,
  config: NotifierConfig,
): { index: number; channel: string; match: RouteMatch }[] {
  return (config.routes ?? DEFAULT_ROUTES).map((candidate, index) => ({
    index,
    channel: candidate.channel ?? config.channel ?? DEFAULT_CHANNEL,
    match: matchRoute({ event, route: candidate }),
  }));
}

/**
 * What `thread` and `broadcast` come to for one route: the route's own value, else the
 * top-level one, else the defaults. A `broadcast` list replaces the default whole.
 *
 * @example
 * threadingOf({ route: { on: ["pull_request.*"], broadcast: [] }, config: { thread: false } })
 * // { thread: false, broadcast: [] }
 * threadingOf({ route: undefined, config: {} })
 * // { thread: true, broadcast: ["pull_request.merged", "pull_request.closed", "issues.closed"] }
 */
export function threadingOf(params: {
  route: RouteConfig | undefined;
  config: NotifierConfig;
}): Threading {
  const { route: candidate, config } = params;
  return {
    thread: candidate?.thread ?? config.thread ?? DEFAULT_THREAD,
    broadcast: [...new Set(candidate?.broadcast ?? config.broadcast ?? DEFAULT_BROADCAST)],
  };
}

function targetFor(params: {
  channel: string;
  indices: number[];
  routes: readonly RouteConfig[];
  config: NotifierConfig;
}): ChannelTarget {
  const { channel, indices, routes, config } = params;
  const candidates = indices
    .map((index) => routes[index])
    .filter((r): r is RouteConfig => r !== undefined);
  const timing = candidates.find((r) => r.digest === undefined) ?? candidates[0];
  const timezone = timing?.timezone ?? UTC;
  const quiet = timing?.quiet_hours ?? config.quiet_hours;
  return {
    channel,
    routes: indices,
    digest: timing?.digest ?? null,
    timezone,
    quietHours:
      quiet === undefined
        ? null
        : { from: quiet.from, to: quiet.to, timezone: quiet.timezone ?? timezone },
    quietHoursAction: timing?.quiet_hours_action ?? config.quiet_hours_action ?? "hold",
    ...threadingOf({ route: timing, config }),
  };
}

/** One route with its globs and title pattern compiled. */
interface CompiledRoute {
  on: CompiledGlob[];
  branches: CompiledGlob[];
  authors: CompiledGlob[];
  excludeAuthors: CompiledGlob[];
  labels: CompiledGlob[];
  excludeLabels: CompiledGlob[];
  workflows: CompiledGlob[];
  environments: CompiledGlob[];
  title: TitlePattern | null;
}

// Keyed by the config's own objects: compiled while the loader holds the config, collected with
// it. Routing stays pure; this is memoization of a pure function of an object never mutated.
const compiledRoutes = new WeakMap<RouteConfig, CompiledRoute>();
const compiledIgnores = new WeakMap<
  IgnoreConfig,
  { authors: CompiledGlob[]; labels: CompiledGlob[] }
>();

function compiledRoute(candidate: RouteConfig): CompiledRoute {
  const cached = compiledRoutes.get(candidate);
  if (cached !== undefined) return cached;
  const compiled: CompiledRoute = {
    on: compileGlobs({ globs: candidate.on, compile: kindGlob }),
    // `$default-branch` is compared with the event's repository, not compiled.
    branches: compileGlobs({
      globs: candidate.branches?.filter((glob) => glob !== DEFAULT_BRANCH_TOKEN),
      compile: branchGlob,
    }),
    authors: compileGlobs({ globs: candidate.authors, compile: nameGlob }),
    excludeAuthors: compileGlobs({ globs: candidate.exclude_authors, compile: nameGlob }),
    labels: compileGlobs({ globs: candidate.labels, compile: nameGlob }),
    excludeLabels: compileGlobs({ globs: candidate.exclude_labels, compile: nameGlob }),
    workflows: compileGlobs({ globs: candidate.workflows, compile: nameGlob }),
    environments: compileGlobs({ globs: candidate.environments, compile: nameGlob }),
    title: candidate.title === undefined ? null : compileTitlePattern(candidate.title),
  };
  compiledRoutes.set(candidate, compiled);
  return compiled;
}

function compiledIgnore(ignore: IgnoreConfig): { authors: CompiledGlob[]; labels: CompiledGlob[] } {
  const cached = compiledIgnores.get(ignore);
  if (cached !== undefined) return cached;
  const compiled = {
    authors: compileGlobs({ globs: ignore.authors, compile: nameGlob }),
    labels: compileGlobs({ globs: ignore.labels, compile: nameGlob }),
  };
  compiledIgnores.set(ignore, compiled);
  return compiled;
}
