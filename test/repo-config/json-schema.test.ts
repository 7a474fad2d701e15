import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ACTIVITY_KINDS } from "../../src/normalize/activity-event.js";
import { CONFIG_LIMITS } from "../../src/repo-config/config-limits.js";
import { DEFAULT_BROADCAST } from "../../src/repo-config/defaults.js";
import { buildJsonSchema } from "../../src/repo-config/json-schema.js";

type JsonSchema = {
  type?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: string[];
  additionalProperties?: boolean;
  maxItems?: number;
};

/** Every object property in the schema, as `path: schema`. */
function properties(schema: JsonSchema, path = ""): [string, JsonSchema][] {
  const own = Object.entries(schema.properties ?? {}).flatMap(
    ([key, child]): [string, JsonSchema][] => [
      [`${path}${key}`, child],
      ...properties(child, `${path}${key}.`),
    ],
  );
  return schema.items ? [...own, ...properties(schema.items, `${path}[].`)] : own;
}

describe("schema/notifier.schema.json", () => {
  const generated = buildJsonSchema() as JsonSchema;

  it("is the committed file (run node scripts/generate-schema.mjs after changing the zod schema)", () => {
    const committed: unknown = JSON.parse(
      readFileSync(new URL("../../schema/notifier.schema.json", import.meta.url), "utf8"),
    );
    expect(committed).toEqual(generated);
  });

  it("describes every key, so editors can show what each one does", () => {
    const undocumented = properties(generated)
      .filter(([, schema]) => !schema.description)
      .map(([path]) => path);
    expect(undocumented).toEqual([]);
    expect(properties(generated).length).toBeGreaterThan(20);
  });

  it("rejects unknown keys at every level", () => {
    const objects = [generated, ...properties(generated).map(([, schema]) => schema)]
      .flatMap((schema) => [schema, ...(schema.items ? [schema.items] : [])])
      .filter((schema) => schema.type === "object");
    // The file, ignore, a route, quiet hours (once at the top, once in a route) and a reminder.
    expect(objects.length).toBe(6);
    expect(objects.every((schema) => schema.additionalProperties === false)).toBe(true);
  });

  it("carries the config limits editors can check: list sizes and text lengths", () => {
    const text = JSON.stringify(generated);
    expect(text).toContain(`"maxItems":${CONFIG_LIMITS.routes}`);
    expect(text).toContain(`"maxItems":${CONFIG_LIMITS.listItems}`);
    expect(text).toContain(`"maxLength":${CONFIG_LIMITS.globChars}`);
    expect(text).toContain(`"maxLength":${CONFIG_LIMITS.patternChars}`);
    expect(generated.properties?.reminders?.maxItems).toBe(CONFIG_LIMITS.reminders);
  });

  it("offers exactly the activity kinds for broadcast, and states the default broadcast list", () => {
    const broadcasts = properties(generated).filter(
      ([path]) => path === "broadcast" || path === "routes.[].broadcast",
    );
    expect(broadcasts.map(([path]) => path)).toEqual(["routes.[].broadcast", "broadcast"]);
    for (const [, schema] of broadcasts) {
      expect(schema.items?.enum).toEqual([...ACTIVITY_KINDS]);
      expect(schema.description).toContain(JSON.stringify(DEFAULT_BROADCAST).replaceAll(",", ", "));
    }
  });
});
