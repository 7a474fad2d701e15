/**
 * Lets the bench (plain .mjs) import the test helpers (TypeScript) instead of keeping copies of
 * them. Node 24 strips the types itself; what it does not do is find `./x.js` when only `./x.ts`
 * exists, which is how the helpers name their siblings (the compiler's convention). One resolve
 * hook maps such a missing `.js` to the `.ts` beside it.
 *
 * Static imports are resolved before any module runs, so helpers are loaded with
 * `await importHelper("fake-slack.ts")` after this module registered the hook.
 */
import { registerHooks } from "node:module";

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      const fromTypeScript = context.parentURL?.endsWith(".ts") ?? false;
      if (error?.code !== "ERR_MODULE_NOT_FOUND" || !fromTypeScript || !specifier.endsWith(".js")) {
        throw error;
      }
      return nextResolve(`${specifier.slice(0, -".js".length)}.ts`, context);
    }
  },
});

/**
 * Imports `test/helpers/<file>`.
 *
 * @example
 * const { startFakeSlack } = await importHelper("fake-slack.ts");
 */
export function importHelper(file) {
  return import(new URL(`../../test/helpers/${file}`, import.meta.url).href);
}
