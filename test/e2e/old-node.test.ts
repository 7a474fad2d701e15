/**
 * The built binaries on an old Node: `node lib/bin/start.js` (what `npm start` runs after its own
 * check) and the `notifier` CLI stop at once with the required version and how to get it, before
 * loading anything that could crash on that Node. Run `npx tsc -p tsconfig.build.json` first.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { OLD_NODE, oldNodeSkipReason } from "../helpers/old-node.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe.skipIf(oldNodeSkipReason !== null)(
  `the built binaries on ${OLD_NODE} ${oldNodeSkipReason ?? ""}`,
  () => {
    it.each([
      ["lib/bin/start.js", []],
      ["lib/bin/notifier.js", ["--help"]],
      ["lib/bin/notifier.js", ["deliveries", "list"]],
    ])("%s %j stops at once, naming the version and how to get one", (bin, args) => {
      const run = spawnSync(OLD_NODE, [bin, ...args], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 10_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain("github-activity-notifier needs Node >=22.12");
      expect(run.stderr).toContain("nvm install");
      // Nothing else ran: no usage text, no settings error, no stack.
      expect(run.stdout).toBe("");
      expect(run.stderr).not.toMatch(/cannot start|at .*\.js:\d+/);
    });

    it("the same binaries on this Node get past the check", () => {
      const run = spawnSync(process.execPath, ["lib/bin/notifier.js", "--help"], {
        cwd: ROOT,
        encoding: "utf8",
      });
      expect(run.status).toBe(0);
      expect(run.stdout).toContain("notifier <command>");
    });
  },
);
