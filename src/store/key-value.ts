/**
 * Small shared values, written once: the config file cache (by key, with GitHub's ETag) and
 * named state (timer checkpoints).
 */
import type { Db } from "./db.js";
import { toCachedConfig, type ConfigRow } from "./rows.js";
import type { KeyValueStore } from "./types.js";

/**
 * The key-value part over `db`.
 *
 * @example
 * await createKeyValueStore(db).setState("redelivery:checkpoint", "2024-01-15T09:00:00Z");
 */
export function createKeyValueStore(db: Db): KeyValueStore {
  return {
    async getCachedConfig(key) {
      const row = await db.get<ConfigRow>(
        "SELECT key, etag, body, fetched_at FROM config_cache WHERE key = @key",
        { key },
      );
      return row ? toCachedConfig(row) : null;
    },

    async putCachedConfig(entry) {
      await db.run(
        `INSERT INTO config_cache (key, etag, body, fetched_at) VALUES (@key, @etag, @body, @fetchedAt)
        ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, body = excluded.body,
          fetched_at = excluded.fetched_at`,
        {
          key: entry.key,
          etag: entry.etag,
          body: entry.body,
          fetchedAt: entry.fetchedAt.getTime(),
        },
      );
    },

    async deleteCachedConfig(key) {
      await db.run("DELETE FROM config_cache WHERE key = @key", { key });
    },

    async getState(key) {
      const row = await db.get<{ value: string }>("SELECT value FROM state WHERE key = @key", {
        key,
      });
      return row?.value ?? null;
    },

    async setState(key, value) {
      await db.run(
        `INSERT INTO state (key, value) VALUES (@key, @value)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        { key, value },
      );
    },
  };
}
