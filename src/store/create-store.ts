/**
 * Builds the store: picks the database from `DATABASE_URL` (PostgreSQL for `postgres://` and
 * `postgresql://`, otherwise a SQLite file path) and composes the operation modules, each
 * written once, over it.
 */
import type { Backend } from "./db.js";
import { createDeliveryQueue } from "./deliveries.js";
import { openPostgres } from "./dialects/postgres.js";
import { openSqlite } from "./dialects/sqlite.js";
import { createDeliveryHistory } from "./history.js";
import { createKeyValueStore } from "./key-value.js";
import { createLifecycle } from "./lifecycle.js";
import { createMuteStore } from "./mutes.js";
import { createNotificationQueue } from "./notifications.js";
import { createPacing } from "./pacing.js";
import { createThreadParents } from "./thread-parents.js";
import { createCiHistory } from "./ci-history.js";
import { createLateLabels } from "./late-labels.js";
import { createHeadShas } from "./head-shas.js";
import { createReviewStates } from "./review-states.js";
import type { Store } from "./types.js";

/** Lower-case, short enough to name a NOTIFY channel after it (63 bytes at most). */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,39}$/;

/**
 * Opens the store `databaseUrl` names. Call `migrate()` before use.
 *
 * - `postgres://user@host:5432/db` or `postgresql://...`: PostgreSQL; add `?schema=name` to
 *   keep the tables in their own schema (created by `migrate()`), e.g. one per test run.
 * - anything else: a SQLite file, its directory created if missing; `:memory:` for a
 *   throwaway database.
 *
 * @example
 * const store = createStore(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
 * await store.migrate();
 */
export function createStore(
  databaseUrl: string,
  options: {
    /** Told once when a SQLite file's own WAL checkpoint fails, with what the store does from then on. */
    onCheckpointError?: (error: unknown, whatNow: string) => void;
  } = {},
): Store {
  return composeStore(
    isPostgresUrl(databaseUrl)
      ? openPostgres(parsePostgresUrl(databaseUrl))
      : openSqlite({
          path: databaseUrl,
          ...(options.onCheckpointError ? { onCheckpointError: options.onCheckpointError } : {}),
        }),
  );
}

/**
 * The store over an open database: every operation module over the same `Db` and dialect.
 *
 * @example
 * const store = composeStore(openSqlite({ path: ":memory:" }));
 */
export function composeStore(backend: Backend): Store {
  const deliveries = createDeliveryQueue(backend);
  const { drain, ...queue } = deliveries;
  return {
    ...queue,
    ...createNotificationQueue(backend),
    ...createPacing(backend),
    ...createDeliveryHistory(backend),
    ...createMuteStore(backend.db),
    ...createKeyValueStore(backend.db),
    ...createThreadParents(backend.db),
    ...createCiHistory(backend),
    ...createLateLabels(backend.db),
    ...createHeadShas(backend.db),
    ...createReviewStates(backend),
    ...createLifecycle({ backend, beforeClose: drain }),
  };
}

function isPostgresUrl(databaseUrl: string): boolean {
  return /^postgres(ql)?:\/\//i.test(databaseUrl);
}

/**
 * Splits our `schema` option off a PostgreSQL URL; the driver receives the rest untouched.
 * Throws when the schema name is one we refuse to interpolate into SQL.
 *
 * @example
 * parsePostgresUrl("postgres://pg@localhost/test?schema=run_1")
 * // => { connectionString: "postgres://pg@localhost/test", schema: "run_1" }
 */
export function parsePostgresUrl(databaseUrl: string): {
  connectionString: string;
  schema: string | null;
} {
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get("schema");
  url.searchParams.delete("schema");
  if (schema !== null && !SCHEMA_NAME.test(schema)) {
    throw new Error(
      `DATABASE_URL: schema "${schema}" is not allowed; use 1-40 characters of a-z, 0-9 and _, not starting with a digit`,
    );
  }
  return { connectionString: url.toString(), schema };
}
