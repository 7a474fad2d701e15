/**
 * What routing does with no `.github/notifier.yml` anywhere, and with the keys a file leaves
 * out: route interprets an absent key as the value here.
 */
import type { ActivityKind } from "../normalize/activity-event.js";
import { DEFAULT_BRANCH_TOKEN, type NotifierConfig, type RouteConfig } from "./config-schema.js";

/** Channel for routes that name none. The operator's `SLACK_WEBHOOK_URL` is channel `default`. */
export const DEFAULT_CHANNEL = "default";

/** The kinds announced without config: new work and what people celebrate. */
const DEFAULT_KINDS: readonly ActivityKind[] = [
  "issues.opened",
  "pull_request.opened",
  "pull_request.merged",
  "star.created",
];

/**
 * Kinds whose thread replies are also shown in the channel when a config sets no `broadcast`:
 * the ends of an item's life, which a channel's readers want to see without opening threads.
 */
export const DEFAULT_BROADCAST: readonly ActivityKind[] = Object.freeze([
  "pull_request.merged",
  "pull_request.closed",
  "issues.closed",
] as const);

/** Whether bot channels thread when a config sets no `thread`. */
export const DEFAULT_THREAD = true;

/**
 * CI results announced without config, on the default branch only: a broken main is the one
 * alert nobody should have to opt into, and its repair is the one that ends the worry.
 */
const DEFAULT_CI_KINDS: readonly ActivityKind[] = ["workflow_run.failed", "workflow_run.fixed"];

/**
 * Routes used when a config has no `routes` key. Security alerts are in none of them: a route
 * must name them (see `OPT_IN_EVENTS` in globs.ts).
 */
export const DEFAULT_ROUTES: readonly RouteConfig[] = Object.freeze([
  Object.freeze({ on: [...DEFAULT_KINDS] }),
  Object.freeze({ on: [...DEFAULT_CI_KINDS], branches: [DEFAULT_BRANCH_TOKEN] }),
]);

/** The config in effect when no file exists: written out in full for `notifier config` output. */
export const DEFAULT_CONFIG: NotifierConfig = Object.freeze({
  channel: DEFAULT_CHANNEL,
  routes: [...DEFAULT_ROUTES],
});
