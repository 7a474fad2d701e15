/**
 * Real webhook payloads from @octokit/webhooks-examples, by event name and action, each a fresh
 * copy that a test may change, and each carrying an `installation` as App deliveries do.
 */
import { createRequire } from "node:module";
import type { WebhookDefinition } from "@octokit/webhooks-examples";
import type { InstallationLite, WebhookEventMap, WebhookEventName } from "@octokit/webhooks-types";

/** The actions GitHub sends with event `E` (`never` for action-less events such as `fork`). */
export type ActionOf<E extends WebhookEventName> = WebhookEventMap[E] extends {
  action: infer A extends string;
}
  ? A
  : never;

/** Payload of event `E` with action `A`, with the installation every App delivery has. */
export type ExamplePayload<E extends WebhookEventName, A extends ActionOf<E> = ActionOf<E>> = ([
  A,
] extends [never]
  ? WebhookEventMap[E]
  : Extract<WebhookEventMap[E], { action: A }>) & {
  installation: InstallationLite;
};

// The package's entry point is JSON, whose default export its typings describe differently
// from how ESM loads it; requiring it gives the array those typings promise.
const definitions = createRequire(import.meta.url)(
  "@octokit/webhooks-examples",
) as WebhookDefinition[];

const FALLBACK_INSTALLATION: InstallationLite = {
  id: 1,
  node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==",
};

/**
 * Every example payload of `event` (only those with `action`, when given).
 *
 * @example
 * for (const payload of examplesFor("issues", "opened")) normalize("issues", payload);
 */
export function examplesFor<E extends WebhookEventName, A extends ActionOf<E> = ActionOf<E>>(
  event: E,
  action?: A,
): ExamplePayload<E, A>[] {
  return untypedExamplesFor(event, action) as ExamplePayload<E, A>[];
}

/**
 * {@link examplesFor} for tables over many events, where a typed payload is not needed (and
 * a union of every payload type would be too large for the compiler).
 *
 * @example
 * for (const event of ["issues", "star"]) untypedExamplesFor(event).length
 */
export function untypedExamplesFor(event: string, action?: string): Record<string, unknown>[] {
  const definition = definitions.find((candidate) => candidate.name === event);
  const examples: unknown[] = definition?.examples ?? [];
  return examples
    .filter((example) => action === undefined || actionOf(example) === action)
    .map((example) => withInstallation(structuredClone(example)));
}

/**
 * The first example payload of `event` (with `action`, when given).
 *
 * @throws when @octokit/webhooks-examples has none, naming the actions it does have.
 * @example
 * const payload = exampleOf("pull_request", "opened");
 */
export function exampleOf<E extends WebhookEventName, A extends ActionOf<E> = ActionOf<E>>(
  event: E,
  action?: A,
): ExamplePayload<E, A> {
  const [first] = examplesFor(event, action);
  if (first === undefined) {
    const actions = [...new Set(untypedExamplesFor(event).map(actionOf))].join(", ");
    const wanted = action === undefined ? event : `${event}.${action}`;
    throw new Error(
      `@octokit/webhooks-examples has no ${wanted} payload` +
        (actions === "" ? "" : ` (${event} examples have actions: ${actions})`),
    );
  }
  return first;
}

let distinctCount = 0;

/**
 * {@link exampleOf} with a body no other call returns, as every real delivery has (the app refuses
 * the same body under a new delivery id as a replay): its sender's login gets a suffix of its own,
 * or is `sender` when given; `installationId` makes it come from that installation.
 *
 * @example
 * const stars = Array.from({ length: 3 }, (_, i) => distinctExample("star", "created", { sender: `fan-${i}` }));
 */
export function distinctExample<E extends WebhookEventName, A extends ActionOf<E> = ActionOf<E>>(
  event: E,
  action?: A,
  params: { sender?: string; installationId?: number } = {},
): ExamplePayload<E, A> {
  const payload = exampleOf(event, action);
  const sender = (payload as { sender?: { login: string } }).sender;
  if (sender === undefined) throw new Error(`the ${event} example has no sender to make distinct`);
  distinctCount += 1;
  sender.login = params.sender ?? `${sender.login}-${distinctCount}`;
  if (params.installationId !== undefined)
    payload.installation = { ...payload.installation, id: params.installationId };
  return payload;
}

function actionOf(example: unknown): string | undefined {
  const action: unknown = (example as { action?: unknown }).action;
  return typeof action === "string" ? action : undefined;
}

function withInstallation(example: unknown): Record<string, unknown> {
  const payload = example as Record<string, unknown>;
  payload.installation ??= { ...FALLBACK_INSTALLATION };
  return payload;
}
