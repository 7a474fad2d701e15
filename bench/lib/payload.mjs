/**
 * The deliveries the bench sends: GitHub's own `issues.opened` example (from
 * `@octokit/webhooks-examples`, through the tests' `examples.ts`), padded in `issue.body` to
 * about 12 KiB, signed with HMAC-SHA256 as GitHub signs (the tests' `webhook.ts`).
 *
 * Every delivery has a body of its own, as on GitHub: the app treats the same signed body under a
 * new delivery id as a replay (acknowledged, not stored), and one body for all requests would also
 * flatter every layer that parses, hashes or copies. The load generator makes each body from a
 * template by writing a sequence number where the template says {@link SEQUENCE}.
 */
import { importHelper } from "./typescript.mjs";

const { exampleOf } = await importHelper("examples.ts");
const { sign, TEST_SECRET } = await importHelper("webhook.ts");

export { sign };
/** The webhook secret of every server under test. */
export const SECRET = TEST_SECRET;
/** Where a template takes the delivery's sequence number. */
export const SEQUENCE = "@@SEQ@@";
/** The padded body's size with a 7-digit sequence number. */
export const BODY_BYTES = 12_288;
const SAMPLE_SEQUENCE = "1000000";
const NUMBER_SENTINEL = 271_828_182;

/**
 * The padded `issues.opened` payload, its title carrying `marker` (which the Slack message
 * shows, so the bench can tell which delivery a post came from).
 *
 * @example
 * JSON.stringify(issuesOpenedPayload({ marker: "ack-1" })).length // 12288
 */
export function issuesOpenedPayload({ marker = "bench" } = {}) {
  const payload = exampleOf("issues", "opened");
  payload.issue.title = `${payload.issue.title} [${marker}]`;
  payload.issue.body = `${marker}\n`;
  const missing = BODY_BYTES - Buffer.byteLength(JSON.stringify(payload));
  payload.issue.body += "x".repeat(Math.max(0, missing));
  return payload;
}

/**
 * The body template: the padded payload whose `issue.number`, `issue.node_id`, title and body
 * text all carry {@link SEQUENCE}.
 *
 * @example
 * const body = bodyFor({ template: bodyTemplate(), sequence: 7 });
 */
export function bodyTemplate() {
  const payload = issuesOpenedPayload({ marker: `bench-${SEQUENCE}` });
  payload.issue.number = NUMBER_SENTINEL;
  payload.issue.node_id = `I_bench${SEQUENCE}`;
  const text = JSON.stringify(payload).replace(
    `"number":${NUMBER_SENTINEL}`,
    `"number":${SEQUENCE}`,
  );
  // Pad again so a body with a 7-digit sequence number has exactly BODY_BYTES.
  const sampleBytes = Buffer.byteLength(text.replaceAll(SEQUENCE, SAMPLE_SEQUENCE));
  const padding = "x".repeat(Math.max(0, BODY_BYTES - sampleBytes));
  return text.replace(`\\n`, `\\n${padding}`);
}

/** The body of delivery `sequence` made from `template`. */
export function bodyFor({ template, sequence }) {
  return template.replaceAll(SEQUENCE, String(sequence));
}

/**
 * POSTs one signed `issues` delivery and times it with `performance.now()`.
 *
 * @example
 * const { status, sentAt, answeredAt } = await postDelivery({ url, body, id: "d-1" });
 */
export async function postDelivery({ url, body, id }) {
  const sentAt = performance.now();
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/bench",
      "x-github-event": "issues",
      "x-github-delivery": id,
      "x-hub-signature-256": sign(body, SECRET),
    },
    body,
  });
  await response.arrayBuffer();
  return { status: response.status, sentAt, answeredAt: performance.now() };
}
