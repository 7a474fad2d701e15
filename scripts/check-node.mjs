#!/usr/bin/env node
// Stops `npm start`, `npm run dev` and the `notifier` CLI at once on a Node older than package.json's
// `engines.node`, with a message naming the version and how to get it, instead of a crash deep in a
// native module or a missing API. Plain JavaScript with no imports but Node's own, so that any Node
// can run it before anything else is loaded; the CLI and the app import it first (see src/bin/).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The problem with running on `version` given an engines range such as ">=22.12", or null when
 * there is none. Only the ">=" form is understood, since that is the form package.json uses.
 * @param {{ version: string, range: string }} params
 * @returns {string | null}
 * @example nodeVersionProblem({ version: "20.20.2", range: ">=22.12" }) // "... needs Node >=22.12 ..."
 */
export function nodeVersionProblem({ version, range }) {
  const wanted = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  if (!wanted) throw new Error(`package.json engines.node "${range}" is not of the form ">=22.12"`);
  const have = version.replace(/^v/, "").split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const need = Number(wanted[i + 1] ?? 0);
    const got = have[i] ?? 0;
    if (got > need) return null;
    if (got < need) {
      return (
        `github-activity-notifier needs Node ${range} (package.json "engines"), ` +
        `but this is Node ${version.replace(/^v/, "")} (${process.execPath}).\n` +
        "Install a current Node (https://nodejs.org, or `nvm install 24 && nvm use 24`, " +
        "or `fnm use --install-if-missing 24`), then run `npm ci` again."
      );
    }
  }
  return null;
}

/** The engines range from this project's package.json. */
export function requiredNodeRange() {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  return manifest.engines.node;
}

/** Prints the problem and exits 1 when this Node is too old; returns otherwise. */
export function exitUnlessSupportedNode() {
  const problem = nodeVersionProblem({
    version: process.versions.node,
    range: requiredNodeRange(),
  });
  if (problem === null) return;
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  exitUnlessSupportedNode();
