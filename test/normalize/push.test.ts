import { describe, expect, it } from "vitest";
import { normalize } from "../../src/normalize/normalize.js";
import { untypedExamplesFor } from "../helpers/examples.js";

/** The push example to `master`, the default branch, with `change`. */
function push(change: Record<string, unknown> = {}): Record<string, unknown> {
  const payload = untypedExamplesFor("push").find((example) => example.ref === "refs/heads/master");
  if (payload === undefined) throw new Error("no push to master among the examples");
  return { ...payload, ...change };
}

const commit = (id: string, message: string) => ({
  id,
  message,
  url: `https://github.com/Codertocat/Hello-World/commit/${id}`,
});

describe("push", () => {
  it("a push to the default branch, in full", () => {
    const event = normalize("push", push());
    expect(event).toMatchObject({
      kind: "push.default_branch",
      title: null,
      number: null,
      url: "https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246",
      baseBranch: null,
      headBranch: "master",
      item: null,
      actor: { login: "Codertocat" },
    });
    expect(event?.detail).toEqual({
      commits: [
        {
          sha: "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
          message: "Initial commit",
          url: "https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246",
        },
      ],
      commitCount: 1,
      forced: false,
      pusher: "Codertocat",
    });
  });

  it.each([
    ["another branch", { ref: "refs/heads/feature" }],
    ["a branch named like the default one under another prefix", { ref: "refs/tags/master" }],
    ["a tag", { ref: "refs/tags/v1.0.0" }],
    ["the default branch, deleted", { deleted: true }],
    ["the default branch, pushed to nothing", { after: "0".repeat(40) }],
    ["a repository with no default branch", { repository: { full_name: "acme/api" } }],
    ["a ref that is not text", { ref: ["refs/heads/master"] }],
  ])("%s is not announced", (_, change) => {
    expect(normalize("push", push(change))).toBeNull();
  });

  it("follows the repository's default branch, whatever it is called", () => {
    const payload = push();
    const repository = { ...(payload.repository as object), default_branch: "main" };
    expect(normalize("push", { ...payload, repository, ref: "refs/heads/main" })?.headBranch).toBe(
      "main",
    );
    expect(normalize("push", { ...payload, repository })).toBeNull();
  });

  it("keeps the first line of the first five commits in push order, and counts them all", () => {
    const commits = Array.from({ length: 8 }, (_, index) =>
      commit(`${index}`.repeat(40), `Change ${index}\r\n\r\nWhy it matters`),
    );
    const event = normalize("push", push({ commits, forced: true }));
    expect(event?.detail.commits?.map((pushed) => pushed.message)).toEqual([
      "Change 0",
      "Change 1",
      "Change 2",
      "Change 3",
      "Change 4",
    ]);
    expect(event?.detail.commitCount).toBe(8);
    expect(event?.detail.forced).toBe(true);
  });

  it("a forced push with no new commits is still announced", () => {
    const event = normalize("push", push({ commits: [], forced: true }));
    expect(event?.detail).toMatchObject({ commits: [], commitCount: 0, forced: true });
  });

  it("reads broken commits defensively", () => {
    const commits = [
      { id: 5, message: null, url: null },
      "not a commit",
      { id: "a".repeat(65), message: `  \n${"x".repeat(10)}` },
      { id: "abc1234", message: "y".repeat(100_000) },
    ];
    const event = normalize("push", push({ commits, pusher: { name: 7 }, compare: "" }));
    const kept = event?.detail.commits ?? [];
    expect(kept.map(({ sha, url }) => ({ sha, url }))).toEqual([
      { sha: "", url: null },
      { sha: "", url: null },
      { sha: "abc1234", url: null },
    ]);
    expect(kept[0]?.message).toBe("(no message)");
    expect(kept[1]?.message).toBe("(no message)");
    expect([...(kept[2]?.message ?? "")]).toHaveLength(1001);
    expect(event?.detail.commitCount).toBe(3);
    expect(event?.detail.pusher).toBeUndefined();
    expect(event?.url).toBe("https://github.com/Codertocat/Hello-World");
  });

  it("without a repository is malformed; without a sender, only when it is announced", () => {
    const { repository: _, ...homeless } = push();
    expect(() => normalize("push", homeless)).toThrow("push payload has no repository");
    const { sender: __, ...anonymous } = push();
    expect(() => normalize("push", anonymous)).toThrow("push payload has no sender");
    expect(normalize("push", { ...anonymous, ref: "refs/heads/feature" })).toBeNull();
  });
});
