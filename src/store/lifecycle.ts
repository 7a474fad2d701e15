/**
 * Migrating, checking and closing, written once: the migration transaction runs the
 * dialect's prelude (PostgreSQL's advisory lock and schema), then every pending migration.
 */
import type { Backend } from "./db.js";
import { pendingMigrations, schemaMigrationsTable } from "./migrations.js";
import type { StoreLifecycle } from "./types.js";

/**
 * The lifecycle part over `backend`; `beforeClose` runs first on close (draining inserts).
 *
 * @example
 * const lifecycle = createLifecycle({ backend, beforeClose: () => queue.drain() });
 * await lifecycle.migrate();
 */
export function createLifecycle(params: {
  backend: Backend;
  beforeClose: () => Promise<void>;
}): StoreLifecycle {
  const { db, dialect } = params.backend;
  let closing: Promise<void> | null = null;
  return {
    kind: dialect.kind,

    async migrate() {
      await db.transaction(async (tx) => {
        await dialect.beforeMigrate(tx);
        await tx.run(schemaMigrationsTable(dialect.kind));
        const applied = await tx.all<{ version: number }>("SELECT version FROM schema_migrations");
        for (const migration of pendingMigrations(new Set(applied.map((r) => r.version)))) {
          for (const statement of migration[dialect.kind]) await tx.run(statement);
          await tx.run(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)",
            { version: migration.version, name: migration.name, at: Date.now() },
          );
        }
      });
    },

    async ping() {
      await db.get("SELECT 1 AS one");
    },

    close() {
      closing ??= params.beforeClose().then(() => params.backend.close());
      return closing;
    },
  };
}
