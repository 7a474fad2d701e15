/**
 * How large a repository's `.github/notifier.yml` may be, and how much work its patterns may
 * ask for. Every tenant is a stranger: a config is bounded here before it is parsed, compiled
 * or matched, so one repository cannot stall the process for every other. The README, the
 * JSON Schema (`maxItems`, `maxLength`) and validation all read these numbers.
 */
export const CONFIG_LIMITS = Object.freeze({
  /** Bytes of YAML text, checked before parsing. */
  fileBytes: 64 * 1024,
  /** Entries in `routes`. */
  routes: 200,
  /** Entries in `reminders`. */
  reminders: 20,
  /** Entries in any other list (`on`, `labels`, `authors`, `branches`, `ignore.*`, ...). */
  listItems: 100,
  /** Characters in any other text value (channel names, `_extends`, times, zones). */
  textChars: 256,
  /** Characters in one glob. */
  globChars: 100,
  /** `*` and `?` characters in one glob. */
  globWildcards: 8,
  /** Characters in one `title` pattern. */
  patternChars: 256,
  /** RE2 instructions one `title` pattern compiles to (large repeat counts like `{1000}` blow it up). */
  patternProgram: 500,
  /** RE2 instructions all `title` patterns of a config compile to together. */
  patternProgramTotal: 2000,
  /** Problems reported for one file; the rest are counted, not listed. */
  errors: 100,
  /** Characters of a value quoted back in an error message. */
  quotedChars: 60,
  /** Files followed through `_extends` (enforced by `src/repo-config/config-extends.ts`). */
  extendsDepth: 5,
});
