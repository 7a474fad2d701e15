/**
 * Review states (part of the store contract, see `store-contract.ts`): each pull request's
 * review state as routing learns it from webhooks, read by reminders. Newer snapshots replace
 * and older ones arriving late do not, review requests only move later, each reviewer's latest
 * verdict (by the review's time) adds or removes their approval, a person's waiting pull requests
 * come from an index of their requests, and two instances updating one pull request at once
 * lose nothing.
 */
import { describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../src/store/migrations.js";
import type { ReviewUpdate, Store } from "../../src/store/types.js";
import { storeBefore } from "./contract-routing-state.js";
import { at, type ContractContext } from "./store-fixtures.js";

const HOUR = 3_600_000;
/** The migration that adds review states; the store before it is at version 6. */
const REVIEW_STATES_VERSION = 7;

type Update = ReviewUpdate & { now: Date };

/**
 * Pull request octo-org/api#7, open, no review requested, as an event at `at(0)` leaves it; its
 * snapshot taken when the update is made (`now`) unless `snapshotAt` says otherwise.
 */
function update(overrides: Partial<Update> = {}): Update {
  return {
    installationId: 1,
    repository: "octo-org/api",
    number: 7,
    snapshotAt: overrides.now ?? at(0),
    open: true,
    draft: false,
    requestedUsers: [],
    requestedTeams: [],
    requestedAt: null,
    opened: false,
    verdict: null,
    now: at(0),
    ...overrides,
  };
}

/** `login`'s verdict on #7 (or `overrides`' pull request), of a review submitted at `at(t)`. */
function verdict(
  login: string,
  kind: "approved" | "changes_requested" | "dismissed",
  t = 0,
  overrides: Partial<Update> = {},
): Update {
  return update({ verdict: { login, verdict: kind, at: at(t) }, now: at(t), ...overrides });
}

async function stateOf(store: Store, number = 7, repository = "octo-org/api") {
  return (await store.reviewStates({ repository, numbers: [number] })).get(number);
}

/** `login`'s waiting pull requests as `repository#number`, in the order answered. */
async function waiting(store: Store, login: string, limit = 100): Promise<string[]> {
  return (await store.waitingFor({ login, limit })).map((s) => `${s.repository}#${s.number}`);
}

export function reviewStatesContract(ctx: ContractContext): void {
  const { ready } = ctx;

  describe("review states", () => {
    it("creates a pull request's state on its first update, and reads it back", async () => {
      const store = await ready();
      expect(await store.reviewStates({ repository: "octo-org/api", numbers: [7] })).toEqual(
        new Map(),
      );
      await store.recordReviewUpdate(
        update({
          installationId: 2 ** 40,
          repository: "Octo-Org/API",
          draft: true,
          requestedUsers: ["OctoCat", "hubot"],
          requestedTeams: ["justice-league"],
          requestedAt: at(-HOUR),
          verdict: { login: "monalisa", verdict: "approved", at: at(-HOUR) },
        }),
      );
      const states = await store.reviewStates({ repository: "octo-org/api", numbers: [7, 8] });
      expect([...states.keys()]).toEqual([7]);
      expect(states.get(7)).toEqual({
        installationId: 2 ** 40,
        repository: "octo-org/api",
        number: 7,
        open: true,
        draft: true,
        requestedUsers: ["OctoCat", "hubot"],
        requestedTeams: ["justice-league"],
        lastRequestedAt: at(-HOUR),
        approvals: ["monalisa"],
        approvalsComplete: false,
        updatedAt: at(0),
      });
    });

    it("replaces the snapshot with each update; an update without an installation keeps the known one", async () => {
      const store = await ready();
      await store.recordReviewUpdate(
        update({ requestedUsers: ["octocat"], requestedTeams: ["core"], draft: true }),
      );
      await store.recordReviewUpdate(
        update({ installationId: null, requestedUsers: ["hubot"], now: at(HOUR) }),
      );
      expect(await stateOf(store)).toMatchObject({
        installationId: 1,
        open: true,
        draft: false,
        requestedUsers: ["hubot"],
        requestedTeams: [],
        updatedAt: at(HOUR),
      });
      await store.recordReviewUpdate(update({ open: false, installationId: 3, now: at(2 * HOUR) }));
      expect(await stateOf(store)).toMatchObject({ installationId: 3, open: false });
    });

    it("keeps a name once when a list repeats it in another case", async () => {
      const store = await ready();
      await store.recordReviewUpdate(
        update({ requestedUsers: ["octocat", "OCTOCAT", "hubot"], requestedTeams: ["a", "A"] }),
      );
      expect(await stateOf(store)).toMatchObject({
        requestedUsers: ["octocat", "hubot"],
        requestedTeams: ["a"],
      });
    });

    it("moves the last review request only later: an earlier or absent one leaves it", async () => {
      const store = await ready();
      await store.recordReviewUpdate(update());
      expect((await stateOf(store))?.lastRequestedAt).toBeNull();
      await store.recordReviewUpdate(update({ requestedAt: at(HOUR), now: at(HOUR) }));
      expect((await stateOf(store))?.lastRequestedAt).toEqual(at(HOUR));
      // A redelivered older request, and events that request nothing.
      await store.recordReviewUpdate(update({ requestedAt: at(HOUR / 2), now: at(2 * HOUR) }));
      await store.recordReviewUpdate(update({ now: at(3 * HOUR) }));
      expect((await stateOf(store))?.lastRequestedAt).toEqual(at(HOUR));
      await store.recordReviewUpdate(update({ requestedAt: at(4 * HOUR), now: at(4 * HOUR) }));
      expect((await stateOf(store))?.lastRequestedAt).toEqual(at(4 * HOUR));
    });

    describe("out of order: GitHub's times decide, not arrival", () => {
      it("keeps a later review request when an older snapshot arrives after it (a retried labeled delivery)", async () => {
        const store = await ready();
        // `labeled` (no reviewer yet) fails its config read; bob's review request is routed; the
        // `labeled` retry arrives last with its older snapshot.
        await store.recordReviewUpdate(
          update({ requestedUsers: ["bob"], requestedAt: at(HOUR), now: at(HOUR) }),
        );
        await store.recordReviewUpdate(update({ snapshotAt: at(HOUR - 1), now: at(2 * HOUR) }));
        expect(await stateOf(store)).toMatchObject({
          requestedUsers: ["bob"],
          lastRequestedAt: at(HOUR),
          updatedAt: at(2 * HOUR),
        });
        expect(await waiting(store, "bob")).toEqual(["octo-org/api#7"]);
      });

      it("applies a snapshot as new as the stored one or newer, and none older, field by field", async () => {
        const store = await ready();
        const snapshot = { requestedUsers: ["bob"], requestedTeams: ["core"], draft: true };
        await store.recordReviewUpdate(update({ ...snapshot, snapshotAt: at(HOUR) }));
        // Older: a closed, ready, unrequested snapshot changes nothing of it.
        await store.recordReviewUpdate(
          update({ open: false, snapshotAt: at(HOUR - 1), now: at(1) }),
        );
        expect(await stateOf(store)).toMatchObject({ ...snapshot, open: true });
        // Undated (a payload without updated_at): older than any dated one.
        await store.recordReviewUpdate(update({ open: false, snapshotAt: null, now: at(2) }));
        expect(await stateOf(store)).toMatchObject({ ...snapshot, open: true });
        // As new: applied (GitHub's times are whole seconds; the later arrival wins).
        await store.recordReviewUpdate(update({ requestedUsers: ["carol"], snapshotAt: at(HOUR) }));
        expect(await stateOf(store)).toMatchObject({
          requestedUsers: ["carol"],
          requestedTeams: [],
          draft: false,
        });
        expect(await waiting(store, "bob")).toEqual([]);
        expect(await waiting(store, "carol")).toEqual(["octo-org/api#7"]);
        // Newer: applied.
        await store.recordReviewUpdate(update({ open: false, snapshotAt: at(2 * HOUR) }));
        expect(await stateOf(store)).toMatchObject({ open: false });
        expect(await waiting(store, "carol")).toEqual([]);
      });

      it("takes an undated snapshot while none stored is dated", async () => {
        const store = await ready();
        await store.recordReviewUpdate(update({ requestedUsers: ["bob"], snapshotAt: null }));
        await store.recordReviewUpdate(update({ requestedUsers: ["carol"], snapshotAt: null }));
        expect((await stateOf(store))?.requestedUsers).toEqual(["carol"]);
        await store.recordReviewUpdate(update({ requestedUsers: ["dave"], snapshotAt: at(0) }));
        expect((await stateOf(store))?.requestedUsers).toEqual(["dave"]);
      });

      it("still records the verdict and the request an older snapshot carries", async () => {
        const store = await ready();
        await store.recordReviewUpdate(update({ snapshotAt: at(2 * HOUR) }));
        await store.recordReviewUpdate(
          update({ requestedUsers: ["bob"], requestedAt: at(HOUR), snapshotAt: at(HOUR) }),
        );
        await store.recordReviewUpdate(
          verdict("carol", "approved", HOUR, { snapshotAt: at(HOUR) }),
        );
        expect(await stateOf(store)).toMatchObject({
          requestedUsers: [],
          lastRequestedAt: at(HOUR),
          approvals: ["carol"],
        });
      });

      it("keeps each reviewer's latest verdict by the review's time", async () => {
        const store = await ready();
        const approvals = async () => (await stateOf(store))?.approvals;
        // An approval, then an older change request delivered late: still approved.
        await store.recordReviewUpdate(verdict("bob", "approved", 3));
        await store.recordReviewUpdate(verdict("bob", "changes_requested", 1));
        expect(await approvals()).toEqual(["bob"]);
        // A change request, then an older approval delivered late: not approved.
        await store.recordReviewUpdate(verdict("carol", "changes_requested", 3));
        await store.recordReviewUpdate(verdict("carol", "approved", 1));
        expect(await approvals()).toEqual(["bob"]);
        // A dismissal carries the time of the review it dismisses: an older review's dismissal
        // leaves a later approval.
        await store.recordReviewUpdate(verdict("bob", "dismissed", 2));
        expect(await approvals()).toEqual(["bob"]);
        // The approval's own dismissal takes it back, and the approval redelivered after it does
        // not bring it back.
        await store.recordReviewUpdate(verdict("bob", "dismissed", 3));
        expect(await approvals()).toEqual([]);
        await store.recordReviewUpdate(verdict("bob", "approved", 3));
        expect(await approvals()).toEqual([]);
        // A later review counts again; an undated verdict is older than any dated one.
        await store.recordReviewUpdate(verdict("bob", "approved", 4));
        await store.recordReviewUpdate(
          update({ verdict: { login: "bob", verdict: "changes_requested", at: null } }),
        );
        expect(await approvals()).toEqual(["bob"]);
      });

      it("a pull request marked closed is not opened again by an older snapshot, and is by a newer one", async () => {
        const store = await ready();
        await store.recordReviewUpdate(update({ requestedUsers: ["bob"], snapshotAt: at(0) }));
        await store.markClosed({ repository: "octo-org/api", numbers: [7], now: at(HOUR) });
        // A redelivery of an event from before GitHub's list was read.
        await store.recordReviewUpdate(
          update({ requestedUsers: ["bob"], snapshotAt: at(HOUR - 1), now: at(2 * HOUR) }),
        );
        expect((await stateOf(store))?.open).toBe(false);
        expect(await waiting(store, "bob")).toEqual([]);
        // Reopened after it.
        await store.recordReviewUpdate(
          update({ requestedUsers: ["bob"], snapshotAt: at(HOUR + 1), now: at(2 * HOUR) }),
        );
        expect(await waiting(store, "bob")).toEqual(["octo-org/api#7"]);
      });

      it("keeps the newest snapshot when instances record snapshots at once in any order", async () => {
        const stores = [await ready(), await ready(), await ready()];
        // Twelve snapshots, each requesting one reviewer, recorded at once in a shuffled order:
        // the newest (reviewer-11) is what remains, whichever arrived last.
        const order = [5, 11, 0, 7, 3, 9, 1, 10, 4, 8, 2, 6];
        const outcomes = await Promise.allSettled(
          order.map((i, n) =>
            stores[n % stores.length]!.recordReviewUpdate(
              update({ requestedUsers: [`reviewer-${i}`], snapshotAt: at(i), now: at(100 + n) }),
            ),
          ),
        );
        expect(outcomes.filter((o) => o.status === "rejected")).toEqual([]);
        expect((await stateOf(stores[0]!))?.requestedUsers).toEqual(["reviewer-11"]);
        expect(await waiting(stores[1]!, "reviewer-11")).toEqual(["octo-org/api#7"]);
        for (const i of order.filter((i) => i !== 11)) {
          expect(await waiting(stores[2]!, `reviewer-${i}`)).toEqual([]);
        }
      });
    });

    it("keeps the reviewers whose latest verdict approves, in the order of those verdicts", async () => {
      const store = await ready();
      const approvals = async () => (await stateOf(store))?.approvals;
      await store.recordReviewUpdate(verdict("octocat", "approved", 0));
      await store.recordReviewUpdate(verdict("hubot", "approved", 1));
      expect(await approvals()).toEqual(["octocat", "hubot"]);
      // Approving again is the reviewer's latest verdict; a login in another case is the same.
      await store.recordReviewUpdate(verdict("OctoCat", "approved", 2));
      expect(await approvals()).toEqual(["hubot", "OctoCat"]);
      // A change request takes the approval back; approving after it is a new approval.
      await store.recordReviewUpdate(verdict("OCTOCAT", "changes_requested", 3));
      expect(await approvals()).toEqual(["hubot"]);
      await store.recordReviewUpdate(verdict("octocat", "approved", 4));
      expect(await approvals()).toEqual(["hubot", "octocat"]);
      // A comment (no verdict) changes nothing; a dismissed review takes the approval back.
      await store.recordReviewUpdate(update({ now: at(5) }));
      expect(await approvals()).toEqual(["hubot", "octocat"]);
      await store.recordReviewUpdate(verdict("hubot", "dismissed", 6));
      expect(await approvals()).toEqual(["octocat"]);
      // Taking back an approval nobody gave is no error.
      await store.recordReviewUpdate(verdict("monalisa", "changes_requested", 7));
      expect(await approvals()).toEqual(["octocat"]);
    });

    it("knows its approvals complete once it saw the pull request's opened event, however late it arrived", async () => {
      const store = await ready();
      const complete = async (number: number) => (await stateOf(store, number))?.approvalsComplete;
      // Seen from its opening: every review since reached the app.
      await store.recordReviewUpdate(update({ number: 1, opened: true }));
      await store.recordReviewUpdate(verdict("bob", "approved", 1, { number: 1 }));
      await store.recordReviewUpdate(update({ number: 1, open: false, now: at(2) }));
      expect(await complete(1)).toBe(true);
      // First seen by a later event (opened before the app was installed): not complete.
      await store.recordReviewUpdate(update({ number: 2, requestedUsers: ["bob"] }));
      await store.recordReviewUpdate(verdict("carol", "approved", 1, { number: 2 }));
      expect(await complete(2)).toBe(false);
      // Its opened delivery retried after a later one: the app was there when it was opened.
      await store.recordReviewUpdate(update({ number: 3, snapshotAt: at(HOUR), now: at(HOUR) }));
      await store.recordReviewUpdate(update({ number: 3, opened: true, now: at(2 * HOUR) }));
      expect(await complete(3)).toBe(true);
    });

    it("keeps the 50 latest approvals", async () => {
      const store = await ready();
      for (let i = 1; i <= 51; i += 1) {
        await store.recordReviewUpdate(verdict(`reviewer-${i}`, "approved", i));
      }
      const approvals = (await stateOf(store))?.approvals ?? [];
      expect(approvals).toHaveLength(50);
      expect(approvals[0]).toBe("reviewer-2");
      expect(approvals.at(-1)).toBe("reviewer-51");
    });

    it("keeps repositories and pull requests apart; a repository in any case is one", async () => {
      const store = await ready();
      await store.recordReviewUpdate(verdict("octocat", "approved", 0));
      await store.recordReviewUpdate(verdict("hubot", "approved", 0, { number: 8 }));
      await store.recordReviewUpdate(
        verdict("monalisa", "approved", 0, { repository: "octo-org/web" }),
      );
      await store.recordReviewUpdate(
        verdict("octocat", "changes_requested", 1, { repository: "OCTO-ORG/Api", number: 8 }),
      );
      const states = await store.reviewStates({ repository: "Octo-Org/API", numbers: [7, 8, 9] });
      expect([...states].map(([number, s]) => [number, s.approvals])).toEqual([
        [7, ["octocat"]],
        [8, ["hubot"]],
      ]);
      expect((await stateOf(store, 7, "octo-org/web"))?.approvals).toEqual(["monalisa"]);
    });

    it("reads the states of many pull requests at once", async () => {
      const store = await ready();
      const stored = Array.from({ length: 105 }, (_, i) => 2 * i + 1);
      for (const number of stored) await store.recordReviewUpdate(update({ number }));
      const asked = Array.from({ length: 250 }, (_, i) => i + 1);
      const states = await store.reviewStates({ repository: "octo-org/api", numbers: asked });
      expect([...states.keys()].sort((a, b) => a - b)).toEqual(stored);
      expect(await store.reviewStates({ repository: "octo-org/api", numbers: [] })).toEqual(
        new Map(),
      );
    });

    describe("waiting for a person", () => {
      it("answers the open pull requests requesting the login's review, longest waiting first, at most limit", async () => {
        const store = await ready();
        const request = (p: Partial<Update>) =>
          store.recordReviewUpdate(update({ requestedUsers: ["octocat"], ...p }));
        // Waiting since its last request; #1, never seen requested, since first seen.
        await request({ number: 1, now: at(2 * HOUR) });
        await request({ number: 2, requestedAt: at(HOUR), now: at(HOUR) });
        await request({ repository: "octo-org/web", number: 3, requestedAt: at(3 * HOUR) });
        await request({ number: 4, requestedAt: at(0), now: at(0) });
        // Re-requested later: it waits from then.
        await request({ number: 4, requestedAt: at(4 * HOUR), now: at(4 * HOUR) });
        // Someone else's, a team's, and a closed one.
        await store.recordReviewUpdate(update({ number: 5, requestedUsers: ["hubot"] }));
        await store.recordReviewUpdate(update({ number: 6, requestedTeams: ["octocat"] }));
        await request({ number: 7, requestedAt: at(0), open: false });

        expect(await waiting(store, "OctoCat")).toEqual([
          "octo-org/api#2",
          "octo-org/api#1",
          "octo-org/web#3",
          "octo-org/api#4",
        ]);
        expect(await waiting(store, "octocat", 2)).toEqual(["octo-org/api#2", "octo-org/api#1"]);
        expect(await waiting(store, "hubot")).toEqual(["octo-org/api#5"]);
        expect(await waiting(store, "nobody")).toEqual([]);
        const [first] = await store.waitingFor({ login: "octocat", limit: 1 });
        expect(first).toMatchObject({ repository: "octo-org/api", number: 2, open: true });
      });

      it("follows the requests: removed, answered, added, closed and reopened", async () => {
        const store = await ready();
        await store.recordReviewUpdate(update({ requestedUsers: ["octocat", "hubot"] }));
        expect(await waiting(store, "octocat")).toEqual(["octo-org/api#7"]);
        // The review request removed, or answered by a review: GitHub's snapshot drops the login.
        await store.recordReviewUpdate(update({ requestedUsers: ["hubot"], now: at(1) }));
        expect(await waiting(store, "octocat")).toEqual([]);
        expect(await waiting(store, "hubot")).toEqual(["octo-org/api#7"]);
        await store.recordReviewUpdate(
          verdict("hubot", "approved", 2, { requestedUsers: ["OCTOCAT"] }),
        );
        expect(await waiting(store, "hubot")).toEqual([]);
        expect(await waiting(store, "octocat")).toEqual(["octo-org/api#7"]);
        // Closed: no longer waiting; reopened with the same request: waiting again.
        await store.recordReviewUpdate(
          update({ open: false, requestedUsers: ["octocat"], now: at(3) }),
        );
        expect(await waiting(store, "octocat")).toEqual([]);
        await store.recordReviewUpdate(update({ requestedUsers: ["octocat"], now: at(4) }));
        expect(await waiting(store, "octocat")).toEqual(["octo-org/api#7"]);
      });

      it("answers drafts too, marked as drafts", async () => {
        const store = await ready();
        await store.recordReviewUpdate(update({ draft: true, requestedUsers: ["octocat"] }));
        expect(await store.waitingFor({ login: "octocat", limit: 10 })).toMatchObject([
          { number: 7, draft: true },
        ]);
      });
    });

    describe("marking closed", () => {
      it("closes the listed pull requests of one repository, so they stop waiting", async () => {
        const store = await ready();
        for (const number of [1, 2, 3]) {
          await store.recordReviewUpdate(update({ number, requestedUsers: ["octocat"] }));
        }
        await store.recordReviewUpdate(
          update({ repository: "octo-org/web", number: 1, requestedUsers: ["octocat"] }),
        );
        await store.markClosed({ repository: "Octo-Org/API", numbers: [1, 3, 99], now: at(HOUR) });
        expect(await waiting(store, "octocat")).toEqual(["octo-org/api#2", "octo-org/web#1"]);
        const states = await store.reviewStates({ repository: "octo-org/api", numbers: [1, 2] });
        expect(states.get(1)).toMatchObject({
          open: false,
          requestedUsers: ["octocat"],
          updatedAt: at(HOUR),
        });
        expect(states.get(2)).toMatchObject({ open: true, updatedAt: at(0) });
        // Closed already: left as it was.
        await store.markClosed({ repository: "octo-org/api", numbers: [1], now: at(2 * HOUR) });
        expect((await stateOf(store, 1))?.updatedAt).toEqual(at(HOUR));
        await store.markClosed({ repository: "octo-org/api", numbers: [], now: at(2 * HOUR) });
        expect(await waiting(store, "octocat")).toEqual(["octo-org/api#2", "octo-org/web#1"]);
      });
    });

    it("prunes the states of pull requests closed before the cut-off, with their requests, and counts them", async () => {
      const store = await ready();
      const requested = { requestedUsers: ["octocat"] };
      // Closed before the cut-off (by a webhook, or marked), closed at it, and open and old.
      await store.recordReviewUpdate(update({ ...requested, number: 1, open: false }));
      await store.recordReviewUpdate(update({ ...requested, number: 2 }));
      await store.markClosed({ repository: "octo-org/api", numbers: [2], now: at(HOUR - 1) });
      await store.recordReviewUpdate(
        update({ ...requested, number: 3, open: false, now: at(HOUR) }),
      );
      await store.recordReviewUpdate(update({ ...requested, number: 4 }));
      const backend = await ctx.readyBackend();
      // A request row a closed state should not have: pruned with it all the same.
      await backend.db.run(
        "INSERT INTO review_requests (login, repository, number) VALUES ('hubot', 'octo-org/api', 1)",
      );
      const requests = async () =>
        (
          await backend.db.all<{ number: number }>(
            "SELECT number FROM review_requests ORDER BY number",
          )
        ).map((row) => Number(row.number));
      expect(await requests()).toEqual([1, 4]);

      expect(await store.prune(at(HOUR))).toEqual({
        deliveries: 0,
        threadParents: 0,
        ciConclusions: 0,
        lateLabels: 0,
        prHeads: 0,
        reviewStates: 2,
      });
      const states = await store.reviewStates({
        repository: "octo-org/api",
        numbers: [1, 2, 3, 4],
      });
      expect([...states.keys()].sort()).toEqual([3, 4]);
      expect(await requests()).toEqual([4]);
      expect(await waiting(store, "octocat")).toEqual(["octo-org/api#4"]);
    });

    it("loses no verdict when instances update one pull request at once", async () => {
      const stores = [await ready(), await ready(), await ready()];
      const reviewers = Array.from({ length: 12 }, (_, i) => `reviewer-${i}`);
      // Every reviewer approves, through one instance or another, the first time the pull
      // request is seen by any of them: creating and updating race too.
      const outcomes = await Promise.allSettled(
        reviewers.map((login, i) =>
          stores[i % stores.length]!.recordReviewUpdate(
            verdict(login, "approved", i, { requestedUsers: ["octocat"] }),
          ),
        ),
      );
      expect(outcomes.filter((o) => o.status === "rejected")).toEqual([]);
      const approvals = (await stateOf(stores[0]!))?.approvals ?? [];
      expect([...approvals].sort()).toEqual([...reviewers].sort());
      // Half take theirs back at once: exactly the other half remain.
      await Promise.all(
        reviewers
          .filter((_, i) => i % 2 === 0)
          .map((login, i) =>
            stores[i % stores.length]!.recordReviewUpdate(
              verdict(login, "changes_requested", 100 + i),
            ),
          ),
      );
      const remaining = (await stateOf(stores[1]!))?.approvals ?? [];
      expect([...remaining].sort()).toEqual(reviewers.filter((_, i) => i % 2 === 1).sort());
    });

    describe("refuses a malformed argument, naming what is wrong", () => {
      const bad: [string, Record<string, unknown>, string][] = [
        [
          "no owner",
          { repository: "api" },
          'repository must be "owner/name" of at most 200 characters, got "api"',
        ],
        ["number 0", { number: 0 }, "number must be an integer from 1 to 2147483647, got 0"],
        [
          "installation id 0",
          { installationId: 0 },
          "installationId must be null or a positive integer, got 0",
        ],
        ["open not a boolean", { open: "yes" }, "open must be a boolean, got yes"],
        ["draft not a boolean", { draft: 1 }, "draft must be a boolean, got 1"],
        ["opened not a boolean", { opened: "yes" }, "opened must be a boolean, got yes"],
        [
          "51 requested users",
          { requestedUsers: Array.from({ length: 51 }, (_, i) => `u${i}`) },
          "requestedUsers must be an array of at most 50 names",
        ],
        [
          "requested teams not an array",
          { requestedTeams: "core" },
          "requestedTeams must be an array of at most 50 names",
        ],
        [
          "a login with a space",
          { requestedUsers: ["octocat", "octo cat"] },
          'requestedUsers[1] must be a login or team slug of 1 to 100 characters without spaces, got "octo cat"',
        ],
        [
          "a team slug of 101 characters",
          { requestedTeams: ["t".repeat(101)] },
          `requestedTeams[0] must be a login or team slug of 1 to 100 characters without spaces, got "${"t".repeat(101)}"`,
        ],
        [
          "an empty login",
          { requestedUsers: [""] },
          'requestedUsers[0] must be a login or team slug of 1 to 100 characters without spaces, got ""',
        ],
        [
          "an unknown verdict",
          { verdict: { login: "octocat", verdict: "commented" } },
          'verdict must be null or { login, verdict: "approved" | "changes_requested" | "dismissed", at }, got {"login":"octocat","verdict":"commented"}',
        ],
        [
          "a verdict at an invalid time",
          { verdict: { login: "octocat", verdict: "approved", at: new Date(Number.NaN) } },
          "verdict.at must be a valid Date",
        ],
        [
          "an invalid snapshot time",
          { snapshotAt: new Date(Number.NaN) },
          "snapshotAt must be a valid Date",
        ],
        [
          "a verdict with a control character in its login",
          { verdict: { login: "octo\ncat", verdict: "approved", at: at(0) } },
          'verdict.login must be a login or team slug of 1 to 100 characters without spaces, got "octo\\ncat"',
        ],
        [
          "an invalid request time",
          { requestedAt: new Date(Number.NaN) },
          "requestedAt must be a valid Date",
        ],
        ["an invalid time", { now: new Date(Number.NaN) }, "now must be a valid Date"],
      ];
      for (const [what, overrides, message] of bad) {
        it(`an update with ${what}`, async () => {
          const store = await ready();
          await expect(
            store.recordReviewUpdate({ ...update(), ...overrides } as Update),
          ).rejects.toThrow(`review state: ${message}`);
          expect(await store.reviewStates({ repository: "octo-org/api", numbers: [7] })).toEqual(
            new Map(),
          );
        });
      }

      it("a read or mark with a bad repository, number, login, limit or time", async () => {
        const store = await ready();
        await expect(store.reviewStates({ repository: "api", numbers: [1] })).rejects.toThrow(
          'review state: repository must be "owner/name"',
        );
        await expect(
          store.reviewStates({ repository: "octo-org/api", numbers: [1, 2.5] }),
        ).rejects.toThrow(
          "review state: numbers[1] must be an integer from 1 to 2147483647, got 2.5",
        );
        await expect(store.waitingFor({ login: "octo cat", limit: 1 })).rejects.toThrow(
          'review state: login must be a login or team slug of 1 to 100 characters without spaces, got "octo cat"',
        );
        await expect(store.waitingFor({ login: "octocat", limit: 0 })).rejects.toThrow(
          "review state: limit must be an integer from 1 to 1000, got 0",
        );
        await expect(
          store.markClosed({ repository: "octo-org/api", numbers: [1], now: new Date(Number.NaN) }),
        ).rejects.toThrow("review state: now must be a valid Date");
        await expect(
          store.markClosed({ repository: "octo-org/api", numbers: [0], now: at(0) }),
        ).rejects.toThrow(
          "review state: numbers[0] must be an integer from 1 to 2147483647, got 0",
        );
      });
    });

    it("is added to a store at the previous version, keeping what it holds (migration 7)", async () => {
      expect(MIGRATIONS.find((m) => m.version === REVIEW_STATES_VERSION)?.name).toBe(
        "pull request review states",
      );
      const { store } = await storeBefore(ctx, REVIEW_STATES_VERSION);
      const head = { repository: "octo-org/api", sha: "a".repeat(40) };
      await store.rememberHead({ ...head, number: 7, now: at(0) });
      await expect(store.recordReviewUpdate(update())).rejects.toThrow(/review_states/);

      await store.migrate();
      expect(await ctx.appliedVersions()).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await store.pullRequestOf(head)).toBe(7);
      await store.recordReviewUpdate(update({ requestedUsers: ["octocat"] }));
      expect(await waiting(store, "octocat")).toEqual(["octo-org/api#7"]);
    });
  });
}
