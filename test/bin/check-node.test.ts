/**
 * The Node version check that `npm start`, `npm run dev` and the CLI run before anything else
 * (scripts/check-node.mjs): the version comparison over a table, and the real scripts run by an old
 * Node when the machine has one (/usr/bin/node is Node 20 on many systems). The built binaries are
 * run by an old Node in test/e2e/old-node.test.ts.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { nodeVersionProblem, requiredNodeRange } from "../../scripts/check-node.mjs";
import { OLD_NODE, oldNodeSkipReason } from "../helpers/old-node.js";
import { tempDir } from "../helpers/temp-dir.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("nodeVersionProblem", () => {
  it.each([
    { version: "20.20.2", range: ">=22.12", ok: false },
    { version: "v22.11.9", range: ">=22.12", ok: false },
    { version: "22.12.0", range: ">=22.12", ok: true },
    { version: "22.13.0", range: ">=22.12", ok: true },
    { version: "24.1.0", range: ">=22.12", ok: true },
    { version: "18.20.0", range: ">=18", ok: true },
    { version: "22.12.0", range: ">=22.12.1", ok: false },
  ])("$version against $range: supported $ok", ({ version, range, ok }) => {
    const problem = nodeVersionProblem({ version, range });
    if (ok) expect(problem).toBeNull();
    else {
      expect(problem).toContain(`needs Node ${range}`);
      expect(problem).toContain(`this is Node ${version.replace(/^v/, "")}`);
      expect(problem).toContain("nvm install");
    }
  });

  it("refuses an engines range it does not understand, naming it", () => {
    expect(() => nodeVersionProblem({ version: "24.0.0", range: "^22 || ^24" })).toThrow(
      'package.json engines.node "^22 || ^24" is not of the form ">=22.12"',
    );
  });

  it("reads the range from package.json, and this Node passes it", () => {
    expect(requiredNodeRange()).toBe(">=22.12");
    expect(
      nodeVersionProblem({ version: process.versions.node, range: requiredNodeRange() }),
    ).toBeNull();
  });
});

describe.skipIf(oldNodeSkipReason !== null)(
  `an old Node (${OLD_NODE}) ${oldNodeSkipReason ?? ""}`,
  () => {
    it.each([["scripts/check-node.mjs"], ["scripts/dev.mjs"]])(
      "running %s stops at once, naming the version and how to get one",
      (script) => {
        const run = spawnSync(OLD_NODE, [script], { cwd: ROOT, encoding: "utf8", timeout: 10_000 });
        expect(run.status).toBe(1);
        expect(run.stderr).toContain("github-activity-notifier needs Node >=22.12");
        expect(run.stderr).toContain("nvm install");
        // dev.mjs stopped before starting the compiler: nothing else wrote anything.
        expect(run.stdout).toBe("");
      },
    );

    it("a current Node passes the check silently", () => {
      const run = spawnSync(process.execPath, ["scripts/check-node.mjs"], {
        cwd: ROOT,
        encoding: "utf8",
      });
      expect(run.status).toBe(0);
      expect(run.stderr).toBe("");
    });
  },
);

it("the project's .npmrc refuses installs on a Node older than engines", () => {
  expect(readFileSync(`${ROOT}/.npmrc`, "utf8")).toMatch(/^engine-strict=true$/m);
});

/** npm as the old Node's installation ships it (/usr/lib/node_modules/npm next to /usr/bin/node). */
const OLD_NPM = join(dirname(OLD_NODE), "../lib/node_modules/npm/bin/npm-cli.js");

describe.skipIf(oldNodeSkipReason !== null || !existsSync(OLD_NPM))(
  `npm ci from a fresh copy on ${OLD_NODE} ${oldNodeSkipReason ?? ""}`,
  () => {
    /** `npm ci --offline` in a directory holding only the project's install files, with an empty npm cache. */
    function npmCi(files: string[]): { status: number | null; output: string } {
      const dir = tempDir("notifier-old-npm-");
      for (const file of files) copyFileSync(join(ROOT, file), join(dir, file));
      const run = spawnSync(
        OLD_NODE,
        [
          OLD_NPM,
          "ci",
          "--offline",
          "--ignore-scripts",
          "--no-audit",
          "--no-fund",
          "--no-update-notifier",
        ],
        {
          cwd: dir,
          encoding: "utf8",
          timeout: 60_000,
          env: { HOME: dir, PATH: dirname(OLD_NODE) },
        },
      );
      return { status: run.status, output: run.stdout + run.stderr };
    }

    it("stops at once with EBADENGINE, naming the required version", () => {
      const run = npmCi(["package.json", "package-lock.json", ".npmrc"]);
      expect(run.status).not.toBe(0);
      expect(run.output).toContain("npm error code EBADENGINE");
      expect(run.output).toContain('Required: {"node":">=22.12"}');
    });

    it("without the .npmrc goes on to fetch packages (so the .npmrc is what stops it)", () => {
      const run = npmCi(["package.json", "package-lock.json"]);
      expect(run.status).not.toBe(0);
      // Only a warning: npm goes on, and would reach node-gyp on a machine with the network.
      expect(run.output).toContain("npm warn EBADENGINE");
      expect(run.output).not.toContain("npm error code EBADENGINE");
      expect(run.output).toContain("ENOTCACHED");
    });
  },
);
