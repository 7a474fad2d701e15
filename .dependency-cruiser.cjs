/**
 * The layering of src/, as rules `npm run lint:deps` checks (and `npm test` runs first, so CI
 * fails when an arrow is added the wrong way). A delivery flows one way:
 *
 *   receive -> store -> worker -> normalize -> route (repo-config) -> format -> deliver (slack)
 *
 * The middle is pure: normalize, route, format, repo-config's parsing and threads' state never do I/O, so
 * they are tested with tables of real payloads. Shared helpers import no feature, and no
 * module imports the composition root (src/app.ts, src/bin/).
 */

/**
 * repo-config's files that fetch from GitHub, cache, or load: the only ones there that do I/O
 * or keep state. Everything else in src/repo-config (schema, parse, values, errors, limits,
 * merge, defaults, JSON Schema, `_extends` resolution over a reader the caller gives, which
 * files a push touched, the ConfigSource port) is pure and held to the rule below.
 */
const REPO_CONFIG_IO =
  "^src/repo-config/(config-fetch|config-file-cache|config-memo|config-loader|repo-config-source)\\.[jt]s$";

/**
 * threads' one module that posts and reads the store: the rest of src/threads (an item's state,
 * the thread key, the parent's message, who gets a direct message) is pure.
 */
const THREADS_IO = "^src/threads/thread-poster\\.[jt]s$";

/**
 * reminders' modules that read GitHub, keep timers or store runs: the rest of src/reminders
 * (planning, selection, the message, the webhook reader) is pure.
 */
const REMINDERS_IO =
  "^src/reminders/(open-pulls|discovery|scheduler|reminder-service|run-reminder)\\.[jt]s$";

/** Whatever does I/O: a pure stage imports none of it. */
const DOES_IO = [
  "^src/store/",
  "^src/slack/",
  "^src/receive/",
  "^src/ops/",
  "^src/worker/",
  "^src/cli/",
  "^src/config-check/",
  "^src/redelivery/",
  // Reading the environment, Redis, the clock.
  "^src/settings/(settings|check-redis|test-clock)\\.[jt]s$",
  "^src/shared/(installation-auth|github-responses)\\.[jt]s$",
  REPO_CONFIG_IO,
  REMINDERS_IO,
  "^src/app\\.[jt]s$",
  "^src/bin/",
  // Node's and the packages' I/O.
  "^(node:)?(fs|fs/promises|http|https|http2|net|tls|dgram|child_process|worker_threads|cluster|dns)$",
  // Type-only packages (@octokit/webhooks-types, @slack/types) describe data and are allowed.
  "node_modules/(pg|pg-[^/]+|better-sqlite3|probot|@probot/[^/]+|@octokit/(?!webhooks-types/)[^/]+|@slack/(?!types/)[^/]+|ioredis|smee-client|prom-client|undici)/",
];

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment:
        "Arrows point one way: a module never imports (through others) a module that imports it.",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-folder-cycles",
      severity: "error",
      comment:
        "No folder of src/ imports a folder that imports it back, even when no single module closes the loop.",
      scope: "folder",
      from: { path: "^src/[^/]+$" },
      to: { path: "^src/[^/]+$", circular: true },
    },
    {
      name: "pure-stages-do-no-io",
      severity: "error",
      comment:
        "normalize, route, format, repo-config's parsing, threads' state and messages and reminders' planning, selection and message are pure (no I/O, no clock): they import nothing that reads or writes.",
      from: {
        path: "^src/(normalize|route|format|repo-config|threads|reminders)/",
        pathNot: [REPO_CONFIG_IO, THREADS_IO, REMINDERS_IO],
      },
      to: { path: DOES_IO },
    },
    {
      name: "no-composition-root-below",
      severity: "error",
      comment:
        "Only the entry points build the app: nothing under src/ imports src/app.ts or src/bin/.",
      from: { path: "^src/", pathNot: "^src/bin/" },
      to: { path: "^src/(app\\.[jt]s$|bin/)" },
    },
    {
      name: "shared-imports-no-feature",
      severity: "error",
      comment: "src/shared holds what several features use; it imports no other folder of src/.",
      from: { path: "^src/shared/" },
      to: { path: "^src/", pathNot: "^src/shared/" },
    },
    {
      name: "not-to-test",
      severity: "error",
      comment: "The app never imports test code.",
      from: { path: "^src/" },
      to: { path: "^test/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // scripts/lint-deps.mjs hands dependency-cruiser JavaScript (see there why), so no TypeScript options.
    tsPreCompilationDeps: false,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".mts", ".js", ".mjs", ".cjs", ".d.ts", ".d.mts"],
    },
    includeOnly: { path: ["^src/", "^scripts/", "node_modules/", "^(node:)?[a-z_]+$"] },
  },
};
