/**
 * The shared test helpers can fail: a steady-state check that never throws, or "distinct" examples
 * that share a body, would let the tests built on them pass for nothing.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { distinctExample } from "./examples.js";
import { holdsFor, sleep } from "./wait.js";
import { testAppKey, writeTestAppKey } from "./app-key.js";
import { readRows } from "./sqlite-rows.js";
import { tempDir } from "./temp-dir.js";

describe("holdsFor", () => {
  it("passes while the assertion keeps passing, for about as long as asked", async () => {
    const started = Date.now();
    let checks = 0;
    await holdsFor(() => void (checks += 1), { ms: 200, intervalMs: 20 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(checks).toBeGreaterThan(3);
  });

  it("fails as soon as the assertion fails, without waiting out the rest", async () => {
    const posts: string[] = [];
    setTimeout(() => posts.push("a second post"), 50);
    const started = Date.now();
    await expect(holdsFor(() => expect(posts).toHaveLength(0), { ms: 5_000 })).rejects.toThrow(
      /length/,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

it("sleep waits, and a negative time does not", async () => {
  const started = Date.now();
  await sleep(-5);
  await sleep(30);
  expect(Date.now() - started).toBeGreaterThanOrEqual(25);
});

describe("distinctExample", () => {
  it("gives every call a body of its own, from the same example", () => {
    const bodies = Array.from({ length: 5 }, () =>
      JSON.stringify(distinctExample("issues", "opened")),
    );
    expect(new Set(bodies).size).toBe(5);
    const [one, two] = [distinctExample("star", "created"), distinctExample("star", "created")];
    expect({ ...one, sender: null }).toEqual({ ...two, sender: null });
  });

  it("takes the sender and installation it is given", () => {
    const payload = distinctExample("star", "created", { sender: "fan-7", installationId: 42 });
    expect(payload.sender.login).toBe("fan-7");
    expect(payload.installation.id).toBe(42);
  });
});

it("the test App key is one PEM per process, written owner-only", async () => {
  expect(testAppKey()).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
  expect(testAppKey()).toBe(testAppKey());
  const path = writeTestAppKey(tempDir());
  const { readFileSync, statSync } = await import("node:fs");
  expect(readFileSync(path, "utf8")).toBe(testAppKey());
  expect(statSync(path).mode & 0o777).toBe(0o600);
});

it("readRows reads a SQLite file read-only, with parameters", () => {
  const path = join(tempDir(), "rows.db");
  const db = new Database(path);
  db.exec("CREATE TABLE t (id TEXT, n INTEGER); INSERT INTO t VALUES ('a', 1), ('b', 2)");
  db.close();
  expect(readRows(path, "SELECT id FROM t WHERE n > ?", 1)).toEqual([{ id: "b" }]);
  expect(() => readRows(path, "DELETE FROM t RETURNING id")).toThrow(/readonly/);
});
