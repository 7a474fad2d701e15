import { describe, expect, it } from "vitest";
import { configFilesTouchedByPush } from "../../src/repo-config/config-push.js";
import type { PushEvent } from "@octokit/webhooks-types";
import { examplesFor } from "../helpers/examples.js";

// The helper's generic payload type is too complex for the compiler with `push`; the payloads are PushEvents.
const examplePushes = () => (examplesFor as unknown as (event: "push") => PushEvent[])("push");

/** The example push of one commit (adding README.md) to Codertocat/Hello-World's default branch. */
function commitPush(
  change: (commit: { added: string[]; modified: string[]; removed: string[] }) => void = () => {},
) {
  const payload = examplePushes().find(
    (push) => push.ref === "refs/heads/master" && push.commits.length === 1,
  );
  if (payload === undefined) throw new Error("no example push of one commit to master");
  for (const commit of [...payload.commits, ...(payload.head_commit ? [payload.head_commit] : [])])
    change(commit);
  return payload;
}
const CONFIG = { owner: "Codertocat", repo: "Hello-World", path: ".github/notifier.yml" };

describe("configFilesTouchedByPush", () => {
  it("finds nothing in the example pushes: tags, deletions, and a README commit", () => {
    const pushes = examplePushes();
    expect(pushes.map(configFilesTouchedByPush)).toEqual(pushes.map(() => []));
  });

  it("finds .github/notifier.yml added, modified or removed on the default branch", () => {
    for (const list of ["added", "modified", "removed"] as const) {
      const push = commitPush((commit) => commit[list].push(".github/notifier.yml"));
      expect(configFilesTouchedByPush(push)).toEqual([CONFIG]);
    }
  });

  it("finds other YAML files, which `_extends` may name", () => {
    const push = commitPush((commit) => commit.modified.push("notifier/base.yml", "src/index.ts"));
    expect(configFilesTouchedByPush(push)).toEqual([{ ...CONFIG, path: "notifier/base.yml" }]);
  });

  it("ignores other branches", () => {
    const push = commitPush((commit) => commit.modified.push(".github/notifier.yml"));
    expect(configFilesTouchedByPush({ ...push, ref: "refs/heads/feature" })).toEqual([]);
  });

  it("counts the config as changed when the push cannot be read with certainty", () => {
    expect(configFilesTouchedByPush({ ...commitPush(), forced: true })).toEqual([CONFIG]);
    const unlisted = commitPush((commit) => commit.added.splice(0));
    expect(configFilesTouchedByPush(unlisted)).toEqual([CONFIG]);
    const long = commitPush();
    long.commits = Array.from({ length: 20 }, () => ({ ...long.commits[0]! }));
    expect(configFilesTouchedByPush(long)).toEqual([CONFIG]);
  });
});
