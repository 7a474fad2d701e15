/**
 * The layering rules of `.dependency-cruiser.cjs` can fail: a temporary tree shaped like src/
 * breaks each rule once (a module cycle, a folder cycle, a pure stage doing I/O, a module importing the composition
 * root, shared importing a feature) and dependency-cruiser must name every break; the real
 * src/ must have none. `npm test` runs the same check (`npm run lint:deps`) before vitest.
 */
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { tempDir } from "./helpers/temp-dir.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const LINT_DEPS = join(ROOT, "scripts/lint-deps.mjs");

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** Runs `npm run lint:deps`'s script on `root`'s src/; dependency-cruiser's violations, with .ts paths. */
async function violations(root: string): Promise<Violation[]> {
  const args = [LINT_DEPS, "--root", root, "--json"];
  // Exit status 1 means "violations found": the JSON still comes on stdout.
  const { stdout } = await promisify(execFile)(process.execPath, args, {
    maxBuffer: 256 * 1024 * 1024,
  }).catch((error: { stdout?: string }) => {
    if (typeof error.stdout === "string" && error.stdout.startsWith("{"))
      return { stdout: error.stdout };
    throw error;
  });
  const { summary } = JSON.parse(stdout) as { summary: { violations: Violation[] } };
  const ts = (path: string) => path.replace(/^(src\/.*)\.js$/, "$1.ts");
  return summary.violations.map((v) => ({ ...v, from: ts(v.from), to: ts(v.to) }));
}

/**
 * A fixture module's text: `import <spec> from "<from>";` then `body`. Built rather than written
 * out, so the fixtures' paths (relative to the temporary tree) never read as imports of this one.
 */
function importing(spec: string, from: string, body: string): string {
  return `import ${spec} from "${from}";\n${body}\n`;
}

function write(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

describe("the layering rules (.dependency-cruiser.cjs)", () => {
  it("names each forbidden arrow in a tree that breaks every rule", async () => {
    const root = tempDir("notifier-layering-");
    write(root, "src/store/db.ts", "export const db = 1;\n");
    write(root, "src/app.ts", "export const app = 1;\n");
    write(root, "src/worker/worker.ts", "export const worker = 1;\n");
    // A pure stage reaching the store, the file system and Probot.
    write(
      root,
      "src/route/route.ts",
      importing("{ db }", "../store/db.js", "export const route = db;"),
    );
    write(
      root,
      "src/normalize/normalize.ts",
      importing("{ readFileSync }", "node:fs", "export const n = readFileSync;"),
    );
    write(
      root,
      "src/format/format.ts",
      importing("{ Probot }", "probot", "export const f = Probot;"),
    );
    // An arrow that carries only a type counts too.
    write(
      root,
      "src/route/types.ts",
      importing("type { db }", "../store/db.js", "export type T = typeof db;"),
    );
    // threads' state is pure; only its poster talks to Slack and the store.
    write(
      root,
      "src/threads/item-state.ts",
      importing("{ db }", "../store/db.js", "export const s = db;"),
    );
    write(
      root,
      "src/threads/thread-poster.ts",
      importing("{ db }", "../store/db.js", "export const t = db;"),
    );
    // repo-config's parsing is pure too; its loader may do I/O.
    write(
      root,
      "src/repo-config/parse-config.ts",
      importing("{ db }", "../store/db.js", "export const p = db;"),
    );
    write(
      root,
      "src/repo-config/config-loader.ts",
      importing("{ db }", "../store/db.js", "export const l = db;"),
    );
    // A module below the composition root importing it.
    write(root, "src/cli/main.ts", importing("{ app }", "../app.js", "export const m = app;"));
    // shared importing a feature.
    write(
      root,
      "src/shared/log.ts",
      importing("{ worker }", "../worker/worker.js", "export const log = worker;"),
    );
    // A cycle between two folders.
    write(root, "src/ops/a.ts", importing("{ b }", "../receive/b.js", "export const a = () => b;"));
    write(root, "src/receive/b.ts", importing("{ a }", "../ops/a.js", "export const b = () => a;"));

    // Two folders importing each other through different modules: no module cycle, a folder cycle.
    write(root, "src/format/x.ts", importing("{ y }", "../slack/y.js", "export const x = y;"));
    write(root, "src/slack/y.ts", "export const y = 1;\n");
    write(root, "src/slack/z.ts", importing("{ w }", "../format/w.js", "export const z = w;"));
    write(root, "src/format/w.ts", "export const w = 1;\n");

    const found = (await violations(root)).map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
    expect(found).toEqual(
      expect.arrayContaining([
        "pure-stages-do-no-io: src/route/route.ts -> src/store/db.ts",
        "pure-stages-do-no-io: src/normalize/normalize.ts -> fs",
        "pure-stages-do-no-io: src/route/types.ts -> src/store/db.ts",
        "pure-stages-do-no-io: src/repo-config/parse-config.ts -> src/store/db.ts",
        "pure-stages-do-no-io: src/threads/item-state.ts -> src/store/db.ts",
        "no-composition-root-below: src/cli/main.ts -> src/app.ts",
        "shared-imports-no-feature: src/shared/log.ts -> src/worker/worker.ts",
      ]),
    );
    // The poster is threads' one I/O edge.
    expect(found).not.toContain(
      "pure-stages-do-no-io: src/threads/thread-poster.ts -> src/store/db.ts",
    );
    expect(
      found.some((v) =>
        /^pure-stages-do-no-io: src\/format\/format\.ts -> .*node_modules\/probot\//.test(v),
      ),
    ).toBe(true);
    expect(found.filter((v) => v.startsWith("no-circular:")).length).toBeGreaterThan(0);
    expect(found.filter((v) => v.startsWith("no-folder-cycles:")).sort()).toEqual([
      // The ops <-> receive module cycle is a folder cycle too.
      "no-folder-cycles: src/format -> src/slack",
      "no-folder-cycles: src/ops -> src/receive",
      "no-folder-cycles: src/receive -> src/ops",
      "no-folder-cycles: src/slack -> src/format",
    ]);
    // The loader is allowed its I/O.
    expect(found.filter((v) => v.includes("src/repo-config/config-loader.ts"))).toEqual([]);
  });

  it("finds no violation in src/", async () => {
    expect(await violations(ROOT)).toEqual([]);
  });
});
