#!/usr/bin/env node
// Writes schema/notifier.schema.json from the zod schema in src/repo-config/config-schema.ts.
// `--check` writes nothing and fails when the committed file is out of date (for CI).
// Reads the TypeScript sources directly (Node's type stripping), so no build is needed first.
import { registerHooks } from "node:module";
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

// Sources import each other as `./x.js` (NodeNext); point those at the `.ts` files.
registerHooks({
  resolve(specifier, context, nextResolve) {
    if (
      specifier.startsWith(".") &&
      specifier.endsWith(".js") &&
      context.parentURL?.includes("/src/")
    ) {
      const candidate = new URL(specifier.replace(/\.js$/, ".ts"), context.parentURL);
      if (existsSync(fileURLToPath(candidate))) return nextResolve(candidate.href, context);
    }
    return nextResolve(specifier, context);
  },
});

const { buildJsonSchema } = await import("../src/repo-config/json-schema.ts");
const target = fileURLToPath(new URL("../schema/notifier.schema.json", import.meta.url));
const text = `${JSON.stringify(buildJsonSchema(), null, 2)}\n`;

if (process.argv.includes("--check")) {
  const committed = existsSync(target) ? readFileSync(target, "utf8") : "";
  if (committed !== text) {
    console.error(
      "schema/notifier.schema.json is out of date: run node scripts/generate-schema.mjs",
    );
    process.exit(1);
  }
  console.log("schema/notifier.schema.json is up to date");
} else {
  mkdirSync(new URL("../schema/", import.meta.url), { recursive: true });
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
