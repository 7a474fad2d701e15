/**
 * Mutes, written once: `notifier mute` writes them, routing reads those in force.
 */
import type { Db } from "./db.js";
import { MUTE_COLUMNS, toMute, type MuteRow } from "./rows.js";
import type { MuteStore } from "./types.js";

/**
 * Mutes over `db`.
 *
 * @example
 * await createMuteStore(db).listMutes(new Date());
 */
export function createMuteStore(db: Db): MuteStore {
  return {
    async putMute(mute) {
      await db.run(
        `INSERT INTO mutes (target, kind, muted_until, reason, created_at)
        VALUES (@target, @kind, @until, @reason, @createdAt)
        ON CONFLICT (target) DO UPDATE SET kind = excluded.kind, muted_until = excluded.muted_until,
          reason = excluded.reason, created_at = excluded.created_at`,
        {
          target: mute.target,
          kind: mute.kind,
          until: mute.until.getTime(),
          reason: mute.reason,
          createdAt: mute.createdAt.getTime(),
        },
      );
    },

    async deleteMute(target) {
      return (await db.run("DELETE FROM mutes WHERE target = @target", { target })) > 0;
    },

    async listMutes(now) {
      const rows = await db.all<MuteRow>(
        `SELECT ${MUTE_COLUMNS} FROM mutes WHERE muted_until > @now ORDER BY muted_until, target`,
        { now: now.getTime() },
      );
      return rows.map(toMute);
    },
  };
}
