/**
 * The state two routing rules keep (part of the store contract, see `store-contract.ts`):
 * CI conclusions per (repository, workflow id, branch) for "back to green", and late-label
 * marks per (repository, item number, route). Both are pruned by age and added to a store an
 * older release left.
 */
import { describe, expect, it } from "vitest";
import { MIGRATIONS, schemaMigrationsTable } from "../../src/store/migrations.js";
import type { CiHistory, Store } from "../../src/store/types.js";
import { at, incoming, type ContractContext } from "./store-fixtures.js";

const HOUR = 3_600_000;

/** The migration that adds both tables; the store before it is at version 4. */
const ROUTING_STATE_VERSION = 5;
/** The migration that amends both after review. */
const REVIEW_VERSION = 6;

type Run = Parameters<CiHistory["recordConclusion"]>[0];

/** A run of the CI workflow on main, numbered `runNumber`, recorded at `at(t)`. */
function run(runNumber: number, conclusion: string, t = 0, overrides: Partial<Run> = {}): Run {
  return {
    repository: "octo-org/api",
    workflowId: 161335,
    branch: "main",
    runNumber,
    runAttempt: 1,
    conclusion,
    now: at(t),
    ...overrides,
  };
}

/** A mark set by no particular delivery: every call but the first answers false. */
const MARK = { repository: "octo-org/api", number: 42, routeKey: "route-a", deliveryId: null };

/**
 * A store migrated to just before `version`, with the migrations applied the way `migrate` does.
 *
 * @example
 * const { backend, store } = await storeBefore(ctx, 7); // at version 6
 */
export async function storeBefore(
  ctx: ContractContext,
  version: number,
): Promise<ReturnType<ContractContext["unmigrated"]>> {
  const opened = ctx.unmigrated();
  const { backend } = opened;
  await backend.db.transaction(async (tx) => {
    await backend.dialect.beforeMigrate(tx);
    await tx.run(schemaMigrationsTable(backend.dialect.kind));
    for (const migration of MIGRATIONS.filter((m) => m.version < version)) {
      for (const statement of migration[backend.dialect.kind]) await tx.run(statement);
      await tx.run(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, 0)",
        { version: migration.version, name: migration.name },
      );
    }
  });
  return opened;
}

export function routingStateContract(ctx: ContractContext): void {
  const { ready } = ctx;
  describe("CI conclusions", () => {
    it("answers the conclusion recorded before each run: fail, fail, success, success", async () => {
      const store = await ready();
      expect(await store.recordConclusion(run(1, "failure"))).toBeNull();
      expect(await store.recordConclusion(run(2, "failure"))).toBe("failure");
      expect(await store.recordConclusion(run(3, "success"))).toBe("failure");
      expect(await store.recordConclusion(run(4, "success"))).toBe("success");
      expect(await store.recordConclusion(run(5, "failure"))).toBe("success");
    });

    it("ignores a run older than the stored one and answers null, so it never flips", async () => {
      const store = await ready();
      await store.recordConclusion(run(10, "failure"));
      // Run 9 (a success) arrives after run 10 failed: not "back to green".
      expect(await store.recordConclusion(run(9, "success"))).toBeNull();
      // Nothing changed: the next run still follows run 10's failure.
      expect(await store.recordConclusion(run(11, "success"))).toBe("failure");
    });

    it("answers the same again for the same run and conclusion (a retried or redelivered event)", async () => {
      const store = await ready();
      await store.recordConclusion(run(1, "failure"));
      expect(await store.recordConclusion(run(2, "success"))).toBe("failure");
      expect(await store.recordConclusion(run(2, "success", HOUR))).toBe("failure");
      expect(await store.recordConclusion(run(3, "success"))).toBe("success");
      // A first run replayed answers null again.
      const other = { branch: "dev" };
      expect(await store.recordConclusion(run(1, "success", 0, other))).toBeNull();
      expect(await store.recordConclusion(run(1, "success", 0, other))).toBeNull();
    });

    it("takes a re-run (same run number, next attempt) as the next run", async () => {
      const store = await ready();
      await store.recordConclusion(run(1, "success"));
      expect(await store.recordConclusion(run(2, "failure"))).toBe("success");
      // "Re-run failed jobs" keeps the run number, counts an attempt and ends green.
      expect(await store.recordConclusion(run(2, "success", 0, { runAttempt: 2 }))).toBe("failure");
      expect(await store.recordConclusion(run(3, "success"))).toBe("success");
    });

    it("orders by run number then attempt: a redelivered first attempt answers as before and never flips back", async () => {
      const store = await ready();
      const first = run(2, "failure", 0, { runAttempt: 1 });
      const second = run(2, "success", HOUR, { runAttempt: 2 });
      expect(await store.recordConclusion(first)).toBeNull();
      expect(await store.recordConclusion(second)).toBe("failure");
      // Attempt 1 again (GitHub's redelivery, after attempt 2): the answer it had, nothing written.
      expect(await store.recordConclusion({ ...first, now: at(2 * HOUR) })).toBeNull();
      // Attempt 2 again: the answer it had.
      expect(await store.recordConclusion({ ...second, now: at(2 * HOUR) })).toBe("failure");
      // The stored run is still attempt 2's success: run 3's success follows a success.
      expect(await store.recordConclusion(run(3, "success", 3 * HOUR))).toBe("success");
      // Attempt 3 of run 2 now is older than run 3: ignored.
      expect(
        await store.recordConclusion(run(2, "failure", 3 * HOUR, { runAttempt: 3 })),
      ).toBeNull();
      expect(await store.recordConclusion(run(4, "success", 3 * HOUR))).toBe("success");
    });

    it("keeps repositories, workflows and branches apart; a repository in any case is one", async () => {
      const store = await ready();
      await store.recordConclusion(run(1, "failure"));
      expect(await store.recordConclusion(run(2, "success", 0, { branch: "Main" }))).toBeNull();
      expect(await store.recordConclusion(run(2, "success", 0, { workflowId: 7 }))).toBeNull();
      expect(
        await store.recordConclusion(run(2, "success", 0, { repository: "octo-org/web" })),
      ).toBeNull();
      // Large ids (BIGINT) and long branch names are kept exactly.
      const big = { workflowId: 2 ** 40 + 1, branch: `feature/${"x".repeat(300)}` };
      expect(await store.recordConclusion(run(1, "failure", 0, big))).toBeNull();
      expect(
        await store.recordConclusion(run(2, "success", 0, { ...big, workflowId: 2 ** 40 })),
      ).toBeNull();
      expect(await store.recordConclusion(run(2, "success", 0, big))).toBe("failure");
      expect(
        await store.recordConclusion(run(2, "success", 0, { repository: "Octo-Org/API" })),
      ).toBe("failure");
    });

    it("records from many instances at once without an error, each later run answering an earlier one", async () => {
      const stores = [await ready(), await ready(), await ready()];
      const runs = Array.from({ length: 12 }, (_, n) =>
        stores[n % stores.length]!.recordConclusion(
          run(n + 1, n % 2 === 0 ? "failure" : "success", n, { branch: "race" }),
        ),
      );
      const outcomes = await Promise.allSettled(runs);
      expect(outcomes.filter((o) => o.status === "rejected")).toEqual([]);
      // Exactly one call saw the key first.
      const answers = outcomes.map((o) => (o.status === "fulfilled" ? o.value : "rejected"));
      expect(answers.filter((answer) => answer === null).length).toBeGreaterThanOrEqual(1);
      // Whatever the order, the newest run is stored: the next one follows it.
      expect(await stores[0]!.recordConclusion(run(13, "success", 20, { branch: "race" }))).toBe(
        "success",
      );
    });

    it("prunes conclusions no run updated since the cut-off, and counts them", async () => {
      const store = await ready();
      await store.recordConclusion(run(1, "failure", 0, { branch: "old" }));
      await store.recordConclusion(run(1, "failure", HOUR - 1, { branch: "just-before" }));
      await store.recordConclusion(run(1, "failure", HOUR, { branch: "at-cut-off" }));
      await store.recordConclusion(run(1, "failure", 0, { branch: "updated" }));
      await store.recordConclusion(run(2, "failure", 2 * HOUR, { branch: "updated" }));

      expect(await store.prune(at(HOUR))).toEqual({
        deliveries: 0,
        threadParents: 0,
        ciConclusions: 2,
        lateLabels: 0,
        prHeads: 0,
        reviewStates: 0,
      });
      // Forgotten: the next success has nothing to follow.
      expect(
        await store.recordConclusion(run(2, "success", 3 * HOUR, { branch: "old" })),
      ).toBeNull();
      expect(
        await store.recordConclusion(run(2, "success", 3 * HOUR, { branch: "at-cut-off" })),
      ).toBe("failure");
      expect(await store.recordConclusion(run(3, "success", 3 * HOUR, { branch: "updated" }))).toBe(
        "failure",
      );
    });

    describe("refuses a malformed run, naming what is wrong", () => {
      const bad: [string, Partial<Run>, string][] = [
        ["no owner", { repository: "api" }, 'repository must be "owner/name", got "api"'],
        ["a workflow id 0", { workflowId: 0 }, "workflowId must be a positive integer, got 0"],
        [
          "a fractional workflow id",
          { workflowId: 1.5 },
          "workflowId must be a positive integer, got 1.5",
        ],
        [
          "an empty branch",
          { branch: "" },
          "branch must be a non-empty string of at most 1000 characters",
        ],
        [
          "run number 0",
          { runNumber: 0 },
          "runNumber must be an integer from 1 to 2147483647, got 0",
        ],
        [
          "run number past INTEGER",
          { runNumber: 2 ** 31 },
          "runNumber must be an integer from 1 to 2147483647, got 2147483648",
        ],
        [
          "attempt 0",
          { runAttempt: 0 },
          "runAttempt must be an integer from 1 to 2147483647, got 0",
        ],
        [
          "an empty conclusion",
          { conclusion: "" },
          "conclusion must be a non-empty string of at most 40 characters",
        ],
        ["an invalid time", { now: new Date(Number.NaN) }, "now must be a valid Date"],
      ];
      for (const [what, overrides, message] of bad) {
        it(`a run with ${what}`, async () => {
          const store = await ready();
          await expect(store.recordConclusion(run(1, "failure", 0, overrides))).rejects.toThrow(
            `ci conclusion: ${message}`,
          );
        });
      }
    });
  });

  describe("late labels", () => {
    it("marks an item for a route once: true the first time, false after", async () => {
      const store = await ready();
      expect(await store.markSent({ ...MARK, now: at(0) })).toBe(true);
      expect(await store.markSent({ ...MARK, now: at(1) })).toBe(false);
      expect(await store.markSent({ ...MARK, repository: "OCTO-ORG/Api", now: at(2) })).toBe(false);
    });

    it("answers true again to the delivery that set the mark (a retried routing), false to others", async () => {
      const store = await ready();
      const mark = { ...MARK, deliveryId: "delivery-1" };
      expect(await store.markSent({ ...mark, now: at(0) })).toBe(true);
      expect(await store.markSent({ ...mark, now: at(1) })).toBe(true);
      expect(await store.markSent({ ...mark, deliveryId: "delivery-2", now: at(2) })).toBe(false);
      expect(await store.markSent({ ...mark, now: at(3) })).toBe(true);
      // A mark set without a delivery (as before migration 6) is no delivery's.
      const unowned = { ...MARK, number: 2, deliveryId: null };
      expect(await store.markSent({ ...unowned, now: at(0) })).toBe(true);
      expect(await store.markSent({ ...unowned, now: at(1) })).toBe(false);
    });

    it("keeps repositories, items and routes apart", async () => {
      const store = await ready();
      const keys = [
        MARK,
        { ...MARK, repository: "octo-org/web" },
        { ...MARK, number: 43 },
        { ...MARK, routeKey: "route-b" },
        { ...MARK, number: 4 },
      ];
      for (const key of keys) expect(await store.markSent({ ...key, now: at(0) })).toBe(true);
      for (const key of keys) expect(await store.markSent({ ...key, now: at(0) })).toBe(false);
    });

    it("answers true to exactly one of many instances marking one key at once", async () => {
      const stores = [await ready(), await ready(), await ready()];
      const marks = Array.from({ length: 12 }, (_, n) =>
        stores[n % stores.length]!.markSent({ ...MARK, now: at(n) }),
      );
      const answers = await Promise.all(marks);
      expect(answers.filter(Boolean)).toHaveLength(1);
    });

    it("prunes marks set before the cut-off, and counts them", async () => {
      const store = await ready();
      await store.markSent({ ...MARK, number: 1, now: at(0) });
      await store.markSent({ ...MARK, number: 2, now: at(HOUR - 1) });
      await store.markSent({ ...MARK, number: 3, now: at(HOUR) });
      expect(await store.prune(at(HOUR))).toEqual({
        deliveries: 0,
        threadParents: 0,
        ciConclusions: 0,
        lateLabels: 2,
        prHeads: 0,
        reviewStates: 0,
      });
      expect(await store.markSent({ ...MARK, number: 1, now: at(2 * HOUR) })).toBe(true);
      expect(await store.markSent({ ...MARK, number: 3, now: at(2 * HOUR) })).toBe(false);
    });

    describe("refuses a malformed mark, naming what is wrong", () => {
      const bad: [string, Record<string, unknown>, string][] = [
        ["no owner", { repository: "api" }, 'repository must be "owner/name", got "api"'],
        ["number 0", { number: 0 }, "number must be an integer from 1 to 2147483647, got 0"],
        [
          "a fractional number",
          { number: 2.5 },
          "number must be an integer from 1 to 2147483647, got 2.5",
        ],
        [
          "a blank route key",
          { routeKey: " " },
          "routeKey must be a non-empty string of at most 200 characters",
        ],
        [
          "a long route key",
          { routeKey: "k".repeat(201) },
          "routeKey must be a non-empty string of at most 200 characters",
        ],
        [
          "an empty delivery id",
          { deliveryId: "" },
          "deliveryId must be null or a non-empty string of at most 200 characters",
        ],
        [
          "a long delivery id",
          { deliveryId: "d".repeat(201) },
          "deliveryId must be null or a non-empty string of at most 200 characters",
        ],
        ["an invalid time", { now: new Date(Number.NaN) }, "now must be a valid Date"],
      ];
      for (const [what, overrides, message] of bad) {
        it(`a mark with ${what}`, async () => {
          const store = await ready();
          await expect(
            store.markSent({ ...MARK, now: at(0), ...overrides } as Parameters<
              Store["markSent"]
            >[0]),
          ).rejects.toThrow(`late label: ${message}`);
        });
      }
    });
  });

  describe("pull request heads", () => {
    const SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
    const HEAD = { repository: "octo-org/api", sha: SHA };

    it("answers the pull request whose head a commit is, any case of the repository or SHA", async () => {
      const store = await ready();
      expect(await store.pullRequestOf(HEAD)).toBeNull();
      await store.rememberHead({ ...HEAD, number: 7, now: at(0) });
      expect(await store.pullRequestOf(HEAD)).toBe(7);
      expect(
        await store.pullRequestOf({ repository: "Octo-Org/API", sha: SHA.toUpperCase() }),
      ).toBe(7);
      expect(await store.pullRequestOf({ ...HEAD, repository: "octo-org/web" })).toBeNull();
      expect(
        await store.pullRequestOf({ ...HEAD, sha: "3484a3fb816e0859fd6e1cea078d76385ff50625" }),
      ).toBeNull();
      // The same head remembered again (a synchronize, a retried routing) stays.
      await store.rememberHead({ ...HEAD, number: 7, now: at(1) });
      expect(await store.pullRequestOf(HEAD)).toBe(7);
    });

    it("answers null for a commit that is the head of two pull requests, for good", async () => {
      const store = await ready();
      await store.rememberHead({ ...HEAD, number: 7, now: at(0) });
      await store.rememberHead({ ...HEAD, number: 8, now: at(1) });
      expect(await store.pullRequestOf(HEAD)).toBeNull();
      await store.rememberHead({ ...HEAD, number: 7, now: at(2) });
      expect(await store.pullRequestOf(HEAD)).toBeNull();
    });

    it("remembers from many instances at once without an error", async () => {
      const stores = [await ready(), await ready(), await ready()];
      await Promise.all(
        Array.from({ length: 12 }, (_, n) =>
          stores[n % stores.length]!.rememberHead({ ...HEAD, number: 7, now: at(n) }),
        ),
      );
      expect(await stores[1]!.pullRequestOf(HEAD)).toBe(7);
    });

    it("prunes heads not remembered since the cut-off, and counts them", async () => {
      const store = await ready();
      await store.rememberHead({ ...HEAD, number: 1, now: at(0) });
      await store.rememberHead({ ...HEAD, sha: "a".repeat(40), number: 2, now: at(HOUR - 1) });
      await store.rememberHead({ ...HEAD, sha: "b".repeat(40), number: 3, now: at(HOUR) });
      await store.rememberHead({ ...HEAD, sha: "c".repeat(40), number: 4, now: at(0) });
      await store.rememberHead({ ...HEAD, sha: "c".repeat(40), number: 4, now: at(2 * HOUR) });
      expect(await store.prune(at(HOUR))).toEqual({
        deliveries: 0,
        threadParents: 0,
        ciConclusions: 0,
        lateLabels: 0,
        prHeads: 2,
        reviewStates: 0,
      });
      expect(await store.pullRequestOf(HEAD)).toBeNull();
      expect(await store.pullRequestOf({ ...HEAD, sha: "b".repeat(40) })).toBe(3);
      expect(await store.pullRequestOf({ ...HEAD, sha: "c".repeat(40) })).toBe(4);
    });

    describe("refuses a malformed head, naming what is wrong", () => {
      const bad: [string, Record<string, unknown>, string][] = [
        ["no owner", { repository: "api" }, 'repository must be "owner/name", got "api"'],
        ["a SHA that is not one", { sha: "main" }, 'sha must be 7 to 64 hex digits, got "main"'],
        ["number 0", { number: 0 }, "number must be an integer from 1 to 2147483647, got 0"],
        ["an invalid time", { now: new Date(Number.NaN) }, "now must be a valid Date"],
      ];
      for (const [what, overrides, message] of bad) {
        it(`a head with ${what}`, async () => {
          const store = await ready();
          const head = { ...HEAD, number: 7, now: at(0), ...overrides };
          await expect(
            store.rememberHead(head as Parameters<Store["rememberHead"]>[0]),
          ).rejects.toThrow(`pull request head: ${message}`);
        });
      }
      it("a lookup with a SHA that is not one", async () => {
        const store = await ready();
        await expect(store.pullRequestOf({ ...HEAD, sha: "" })).rejects.toThrow(
          'pull request head: sha must be 7 to 64 hex digits, got ""',
        );
      });
    });
  });

  it("prunes deliveries, parents, conclusions, marks and heads in one call, each counted", async () => {
    const store = await ready();
    await store.insertDelivery(incoming("old-skipped", { receivedAt: at(0) }));
    await store.claimDeliveries({ owner: "w", limit: 1, leaseMs: HOUR, now: at(0) });
    await store.finishRouting({
      id: "old-skipped",
      owner: "w",
      notifications: [],
      reason: "quiet",
      now: at(0),
    });
    await store.saveParent({
      repository: "octo-org/api",
      number: 1,
      channel: "default",
      slackChannel: "C0123ABCD",
      ts: "1.0",
      state: "{}",
      now: at(0),
    });
    await store.recordConclusion(run(1, "failure"));
    await store.markSent({ ...MARK, now: at(0) });
    await store.rememberHead({
      repository: "octo-org/api",
      sha: "a".repeat(40),
      number: 1,
      now: at(0),
    });
    expect(await store.prune(at(HOUR))).toEqual({
      deliveries: 1,
      threadParents: 1,
      ciConclusions: 1,
      lateLabels: 1,
      prHeads: 1,
      reviewStates: 0,
    });
  });

  it("is added to a store at the previous version, keeping what it holds", async () => {
    expect(MIGRATIONS.find((m) => m.version === ROUTING_STATE_VERSION)?.name).toBe(
      "ci conclusions and late labels",
    );
    const { store } = await storeBefore(ctx, ROUTING_STATE_VERSION);
    expect(await ctx.appliedVersions()).toEqual([1, 2, 3, 4]);
    await store.insertDelivery(incoming("before-upgrade", { receivedAt: at(7) }));
    const parentKey = { repository: "octo-org/api", number: 9, channel: "default" };
    await store.saveParent({
      ...parentKey,
      slackChannel: "C1",
      ts: "1.0",
      state: "{}",
      now: at(0),
    });
    await expect(store.recordConclusion(run(1, "failure"))).rejects.toThrow(/ci_conclusions/);
    await expect(store.markSent({ ...MARK, now: at(0) })).rejects.toThrow(/late_labels/);

    await store.migrate();
    expect(await ctx.appliedVersions()).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await store.getDelivery("before-upgrade")).toMatchObject({ id: "before-upgrade" });
    expect(await store.findParent(parentKey)).toMatchObject({ ts: "1.0" });
    expect(await store.recordConclusion(run(1, "failure"))).toBeNull();
    expect(await store.markSent({ ...MARK, now: at(0) })).toBe(true);
  });

  it("upgrades stored conclusions to attempt 1 of their run, keeps marks as no delivery's, adds pull request heads (migration 6)", async () => {
    expect(MIGRATIONS.find((m) => m.version === REVIEW_VERSION)?.name).toBe(
      "ci run attempts, late label deliveries and pull request heads",
    );
    const { backend, store } = await storeBefore(ctx, REVIEW_VERSION);
    // Run 2 failed after run 1 passed, stored as version 5 stored it: no attempt.
    await backend.db.run(
      `INSERT INTO ci_conclusions (repository, workflow_id, branch, run_number, conclusion,
        previous_conclusion, updated_at)
      VALUES ('octo-org/api', 161335, 'main', 2, 'failure', 'success', 0)`,
    );
    await backend.db.run(
      `INSERT INTO late_labels (repository, item_number, route_key, sent_at)
      VALUES ('octo-org/api', 42, 'route-a', 0)`,
    );
    await store.migrate();
    expect(await ctx.appliedVersions()).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await store.markSent({ ...MARK, deliveryId: "after-upgrade", now: at(1) })).toBe(false);
    const head = { repository: "octo-org/api", sha: "a".repeat(40) };
    await store.rememberHead({ ...head, number: 5, now: at(1) });
    expect(await store.pullRequestOf(head)).toBe(5);
    // Attempt 1 again answers what it answered; attempt 2 is the next run.
    expect(await store.recordConclusion(run(2, "failure"))).toBe("success");
    expect(await store.recordConclusion(run(2, "success", 0, { runAttempt: 2 }))).toBe("failure");
  });
}
