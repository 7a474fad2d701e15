// Checks the layering rules of .dependency-cruiser.cjs on src/ (`npm run lint:deps`; `npm test`
// runs it first, so CI fails when a cycle or a forbidden arrow is added).
//
// Why not `depcruise src` directly: dependency-cruiser reads TypeScript through the compiler's
// API, which TypeScript 7.0 (this project's compiler) does not ship (it supports <7 and >=7.1).
// So this script hands it the same modules as JavaScript: each src/**/*.ts is copied to a
// mirror tree as .js with its types stripped (Node's own stripTypeScriptTypes) after turning
// `import type` / `export type ... from` into plain imports, so arrows that carry only types
// still count. Paths, folder names and specifiers are unchanged (the sources already import
// `./x.js`); only the extension in the report reads .js for .ts.
//
//   node scripts/lint-deps.mjs [--root <dir>] [--json]
//
// --root: the project whose src/ is checked (default: this repository); --json prints
// dependency-cruiser's JSON result instead of its text report. Exit status 1 on a violation.
import { spawnSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { stripTypeScriptTypes } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

// stripTypeScriptTypes is experimental in Node 24; its warning would be noise in every run.
process.removeAllListeners("warning");

const HERE = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({ options: { root: { type: "string" }, json: { type: "boolean" } } });
const root = values.root ?? HERE;

/** Type-only imports and re-exports as plain ones, so the arrow survives type stripping. */
function keepTypeArrows(source) {
  return source
    .replace(/\bimport\s+type\s+(?=[{*\w])/g, "import ")
    .replace(/\bexport\s+type\s+(\{[^}]*\}\s*from\b)/g, "export $1");
}

function mirror(fromDir, toDir) {
  for (const entry of readdirSync(fromDir, { withFileTypes: true })) {
    const from = join(fromDir, entry.name);
    if (entry.isDirectory()) {
      mirror(from, join(toDir, entry.name));
      continue;
    }
    mkdirSync(toDir, { recursive: true });
    if (entry.name.endsWith(".d.ts") || entry.name.endsWith(".d.mts")) continue;
    if (/\.m?ts$/.test(entry.name)) {
      const js = stripTypeScriptTypes(keepTypeArrows(readFileSync(from, "utf8")), {
        mode: "strip",
      });
      writeFileSync(join(toDir, entry.name.replace(/ts$/, "js")), js);
    } else {
      cpSync(from, join(toDir, entry.name));
    }
  }
}

const work = mkdtempSync(join(tmpdir(), "notifier-lint-deps-"));
try {
  mirror(join(root, "src"), join(work, "src"));
  // src/bin imports scripts/check-node.mjs: copied so the arrow resolves.
  try {
    mirror(join(root, "scripts"), join(work, "scripts"));
  } catch {
    // A tree without scripts/ (the layering test's) has nothing to copy.
  }
  symlinkSync(join(HERE, "node_modules"), join(work, "node_modules"), "dir");
  const depcruise = join(HERE, "node_modules/dependency-cruiser/bin/dependency-cruiser.mjs");
  const args = [depcruise, "--config", join(HERE, ".dependency-cruiser.cjs"), "--no-cache"];
  args.push("--output-type", values.json ? "json" : "err-long", "src");
  const result = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", ...args], {
    cwd: work,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const report = values.json
    ? result.stdout
    : result.stdout.replaceAll(/(src\/[\w./-]+?)\.js\b/g, "$1.ts");
  process.stdout.write(report);
  process.stderr.write(result.stderr);
  if (!values.json && result.status === 0) {
    console.log(
      `lint:deps: the layering of ${relative(process.cwd(), join(root, "src")) || "src"} holds`,
    );
  }
  process.exitCode = result.status ?? 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
