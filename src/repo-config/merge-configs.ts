/** Inheritance between config files (`_extends`, and the owner's `.github` repository). */
import type { NotifierConfig } from "./config-schema.js";

/**
 * Lays `override` over `base`: the override's keys win, mappings (`ignore`, `quiet_hours`)
 * merge key by key, and lists replace lists whole — a repository that writes `routes` gets
 * exactly its routes, never the inherited ones appended. `_extends` is consumed, so the
 * result has none.
 *
 * @example
 * mergeConfigs({ channel: "eng", ignore: { authors: ["*[bot]"], labels: ["wip"] } }, { ignore: { labels: [] } })
 * // { channel: "eng", ignore: { authors: ["*[bot]"], labels: [] } }
 */
export function mergeConfigs(base: NotifierConfig, override: NotifierConfig): NotifierConfig {
  const { _extends: _baseExtends, ...baseKeys } = base;
  const { _extends: _overrideExtends, ...overrideKeys } = override;
  // Both sides are valid configs, and merging valid mappings key by key keeps them valid.
  return mergeValues(baseKeys, overrideKeys) as NotifierConfig;
}

function mergeValues(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    merged[key] = key in base ? mergeValues(base[key], value) : value;
  }
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
