/**
 * Mutes: stored until they end, listed while in force, replaced by a new mute of the same
 * target, pruned once ended (part of the store contract, see `store-contract.ts`).
 */
import { describe, expect, it } from "vitest";
import type { MuteRecord } from "../../src/store/types.js";
import { at, type ContractContext } from "./store-fixtures.js";

const HOUR = 3_600_000;

function mute(target: string, untilMs: number, overrides: Partial<MuteRecord> = {}): MuteRecord {
  return {
    target,
    kind: target.includes("/") ? "repository" : "channel",
    until: at(untilMs),
    reason: null,
    createdAt: at(0),
    ...overrides,
  };
}

export function mutesContract(ctx: ContractContext): void {
  const { ready } = ctx;
  describe("mutes", () => {
    it("lists the mutes in force, the soonest to end first, with every field", async () => {
      const store = await ready();
      expect(await store.listMutes(at(0))).toEqual([]);
      await store.putMute(mute("acme/api", 2 * HOUR, { reason: "release freeze 🚧" }));
      await store.putMute(mute("eng", HOUR));
      await store.putMute(mute("acme/old", 10));

      expect(await store.listMutes(at(5))).toEqual([
        mute("acme/old", 10),
        mute("eng", HOUR),
        mute("acme/api", 2 * HOUR, { reason: "release freeze 🚧" }),
      ]);
      // Ends exactly at `until`.
      expect((await store.listMutes(at(10))).map((m) => m.target)).toEqual(["eng", "acme/api"]);
      expect((await store.listMutes(at(HOUR + 1))).map((m) => m.target)).toEqual(["acme/api"]);
    });

    it("replaces a target's mute, and unmutes it", async () => {
      const store = await ready();
      await store.putMute(mute("eng", HOUR, { reason: "offsite" }));
      await store.putMute(mute("eng", 3 * HOUR, { reason: "longer offsite", createdAt: at(60) }));
      expect(await store.listMutes(at(0))).toEqual([
        mute("eng", 3 * HOUR, { reason: "longer offsite", createdAt: at(60) }),
      ]);
      expect(await store.deleteMute("eng")).toBe(true);
      expect(await store.deleteMute("eng")).toBe(false);
      expect(await store.listMutes(at(0))).toEqual([]);
    });

    it("is shared by every instance and survives a restart", async () => {
      const writer = await ready();
      await writer.putMute(mute("acme/api", HOUR));
      const other = await ready();
      expect((await other.listMutes(at(0))).map((m) => m.target)).toEqual(["acme/api"]);
      await writer.close();
      const reopened = await ready();
      expect((await reopened.listMutes(at(0))).map((m) => m.target)).toEqual(["acme/api"]);
    });

    it("prunes mutes that ended before the cut-off and keeps the rest", async () => {
      const store = await ready();
      await store.putMute(mute("acme/ended", 10));
      await store.putMute(mute("acme/current", 5 * HOUR));
      await store.prune(at(HOUR));
      expect(await store.deleteMute("acme/ended")).toBe(false);
      expect((await store.listMutes(at(0))).map((m) => m.target)).toEqual(["acme/current"]);
    });
  });
}
