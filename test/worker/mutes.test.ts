/**
 * Mute targets, reasons and the routing cache (read from a real SQLite store, counted).
 */
import { afterEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { createMuteCache, muteReason, parseMuteTarget } from "../../src/worker/mutes.js";
import { tempDir } from "../helpers/temp-dir.js";

const dir = tempDir("notifier-mutes-");
const T0 = Date.UTC(2024, 0, 15, 9, 0, 0);
const at = (ms: number) => new Date(T0 + ms);
let store: Store | null = null;

afterEach(async () => {
  await store?.close();
  store = null;
});

describe("parseMuteTarget", () => {
  it.each([
    ["Acme/API", { ok: true, target: "acme/api", kind: "repository" }],
    ["octo-org/hello.world_2", { ok: true, target: "octo-org/hello.world_2", kind: "repository" }],
    ["eng", { ok: true, target: "eng", kind: "channel" }],
    ["release-notes", { ok: true, target: "release-notes", kind: "channel" }],
  ])("%s", (text, expected) => {
    expect(parseMuteTarget(text)).toEqual(expected);
  });

  it("says how to write a target it cannot read", () => {
    expect(parseMuteTarget("acme/api/issues")).toEqual({
      ok: false,
      error:
        '"acme/api/issues" is not a repository: write owner/name, like acme/api (or a channel name without "/")',
    });
    expect(parseMuteTarget("#eng")).toEqual({
      ok: false,
      error:
        '"#eng" is neither a repository (owner/name) nor a channel name (letters, digits and -)',
    });
  });
});

describe("muteReason", () => {
  it("names the end and the reason", () => {
    const mute = {
      target: "acme/api",
      kind: "repository" as const,
      until: at(7_200_000),
      createdAt: at(0),
    };
    expect(muteReason({ ...mute, reason: "release freeze" })).toBe(
      "muted until 2024-01-15T11:00:00.000Z by notifier mute: release freeze",
    );
    expect(muteReason({ ...mute, reason: null })).toBe(
      "muted until 2024-01-15T11:00:00.000Z by notifier mute",
    );
  });
});

describe("createMuteCache", () => {
  it("reads the store at most once per TTL, and drops a mute the moment it ends", async () => {
    store = createStore(join(dir, "cache.db"));
    await store.migrate();
    const backing = store;
    let reads = 0;
    const counted = {
      listMutes: (now: Date) => {
        reads += 1;
        return backing.listMutes(now);
      },
    };
    let now = at(0);
    const cache = createMuteCache({ store: counted, now: () => now, ttlMs: 2_000 });
    await backing.putMute({
      target: "acme/api",
      kind: "repository",
      until: at(3_000),
      reason: null,
      createdAt: at(0),
    });

    expect((await cache.current()).repository("ACME/Api")?.target).toBe("acme/api");
    await backing.putMute({
      target: "eng",
      kind: "channel",
      until: at(60_000),
      reason: "offsite",
      createdAt: at(0),
    });
    now = at(1_999);
    // Still the first read: the new mute shows once the TTL has passed.
    expect((await cache.current()).channel("eng")).toBeUndefined();
    expect(reads).toBe(1);
    now = at(2_000);
    expect((await cache.current()).channel("eng")?.reason).toBe("offsite");
    expect(reads).toBe(2);
    now = at(3_000);
    // Ended at 3 s: gone without another read.
    expect((await cache.current()).repository("acme/api")).toBeUndefined();
    expect(reads).toBe(2);
  });
});
