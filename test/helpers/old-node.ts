/**
 * An old Node to run the version check against: /usr/bin/node where the system's Node is older than
 * the project needs (Node 20 is still the default on many systems). Tests skip, with the reason,
 * where there is none.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { nodeVersionProblem, requiredNodeRange } from "../../scripts/check-node.mjs";

/** The system's Node. */
export const OLD_NODE = "/usr/bin/node";

function skipReason(): string | null {
  if (!existsSync(OLD_NODE)) return `(skipped: ${OLD_NODE} does not exist)`;
  const run = spawnSync(OLD_NODE, ["-p", "process.versions.node"], { encoding: "utf8" });
  const version = run.stdout.trim();
  if (run.status !== 0 || !/^\d+\.\d+\.\d+$/.test(version)) {
    return `(skipped: ${OLD_NODE} did not say its version)`;
  }
  if (nodeVersionProblem({ version, range: requiredNodeRange() }) === null) {
    return `(skipped: ${OLD_NODE} is Node ${version}, which the project supports)`;
  }
  return null;
}

/** Why the old-Node tests cannot run here, or null when they can. */
export const oldNodeSkipReason = skipReason();
