/**
 * What the contract suite needs from each dialect's test file, and the small builders it
 * shares: deliveries made from real example payloads, and a poll for asynchronous effects.
 */
import type { Backend } from "../../src/store/db.js";
import type { IncomingDelivery, Store } from "../../src/store/types.js";
import { exampleOf } from "../helpers/examples.js";

/** One isolated database (a temp file, a fresh schema) that several stores may open. */
export interface StoreFixture {
  /** Opens another, unmigrated store on this fixture's database: a new connection, the same rows. */
  open(): Store;
  /** Opens the database under the store's `Db` port, for tests of the port and of wrapped stores. */
  openBackend(): Backend;
  /** Versions recorded in `schema_migrations`, ascending, read behind the store's back. */
  appliedVersions(): Promise<number[]>;
  /** Table names in the fixture's database, sorted. */
  tables(): Promise<string[]>;
  /** Removes the database; stores are closed before. */
  dispose(): Promise<void>;
}

export interface ContractParams {
  name: string;
  createFixture: () => Promise<StoreFixture>;
  /** Whether one instance's `onWork` hears another instance's inserts (PostgreSQL). */
  crossInstanceWork: boolean;
}

/** What each part of the contract gets from the suite that declares it. */
export interface ContractContext {
  /** A migrated store on this test's database (closed after the test); call again for another instance. */
  ready: () => Promise<Store>;
  /**
   * A migrated store composed over `wrap(backend)`: e.g. a `Db` that does something behind the
   * store's back between two of its statements. Closed after the test.
   */
  readyOver: (wrap: (backend: Backend) => Backend) => Promise<Store>;
  /** The migrated database under the `Db` port, on a connection of its own; closed after the test. */
  readyBackend: () => Promise<Backend>;
  /**
   * The database, not migrated, and a store composed over it (not migrated either): for
   * upgrading a schema an older release left. Closed after the test.
   */
  unmigrated: () => { backend: Backend; store: Store };
  /** See {@link StoreFixture.appliedVersions}. */
  appliedVersions: () => Promise<number[]>;
  crossInstanceWork: boolean;
}

/** Claims hold this long unless a test is about expiry. */
export const LEASE = 60_000;

/** A fixed clock origin: the store takes time from its callers, so tests own it. */
export const T0 = Date.UTC(2024, 0, 15, 9, 0, 0);

export function at(offsetMs: number): Date {
  return new Date(T0 + offsetMs);
}

const issueOpened = exampleOf("issues", "opened");
const pushPayload = exampleOf("push");

/**
 * A real example payload made unique to one delivery id: the store refuses a body it already
 * holds under another id as a replay, and GitHub never sends two deliveries with one body.
 */
function bodyFor(id: string, payload: object): string {
  return JSON.stringify({ ...payload, test_delivery_id: id });
}

/**
 * A delivery as the receiver would hand it over, from a real `issues.opened` payload.
 *
 * @example
 * await store.insertDelivery(incoming("d-1", { receivedAt: at(5) }));
 */
export function incoming(id: string, overrides: Partial<IncomingDelivery> = {}): IncomingDelivery {
  return {
    id,
    event: "issues",
    action: issueOpened.action,
    installationId: issueOpened.installation.id,
    repository: issueOpened.repository.full_name,
    payload: bodyFor(id, issueOpened),
    receivedAt: at(0),
    ...overrides,
  };
}

/** A `push` delivery: no action, another repository shape. */
export function incomingPush(
  id: string,
  overrides: Partial<IncomingDelivery> = {},
): IncomingDelivery {
  return {
    id,
    event: "push",
    action: null,
    installationId: pushPayload.installation.id,
    repository: pushPayload.repository.full_name,
    payload: bodyFor(id, pushPayload),
    receivedAt: at(0),
    ...overrides,
  };
}

/**
 * Polls `check` until it holds, running `act` before each look (e.g. to announce work again
 * until a listener is connected). Fails with `what` after `timeoutMs`.
 */
export async function eventually(params: {
  what: string;
  check: () => boolean;
  act?: () => Promise<unknown>;
  timeoutMs?: number;
}): Promise<void> {
  const deadline = Date.now() + (params.timeoutMs ?? 10_000);
  for (;;) {
    await params.act?.();
    if (params.check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${params.what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
