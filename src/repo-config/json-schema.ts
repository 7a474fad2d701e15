/** The JSON Schema of `.github/notifier.yml`, generated from the zod schema for editors. */
import { z } from "zod";
import { notifierConfigSchema } from "./config-schema.js";

/**
 * The schema as written to `schema/notifier.schema.json` (draft-07, which YAML editors read).
 * Checks zod cannot express in JSON Schema (globs that match no kind, regexes, time zones)
 * are left to `notifier config validate`.
 *
 * @example JSON.stringify(buildJsonSchema(), null, 2)
 */
export function buildJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(notifierConfigSchema, {
    target: "draft-07",
    unrepresentable: "throw",
  });
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: "github-activity-notifier repository config (.github/notifier.yml)",
    ...rest,
  };
}
