import nock from "nock";
import { describe, expect, it } from "vitest";
import { ConfigUnavailableError } from "../../src/repo-config/config-loader.js";
import { exampleOf, examplesFor } from "../helpers/examples.js";
import type { PushEvent } from "@octokit/webhooks-types";
import {
  API,
  NOT_FOUND,
  OWNER,
  REPO,
  TTL,
  INSTALLATION_ID,
  contentsPath,
  installationOctokit,
  rawFile,
  useLoaderKit,
} from "./config-fixtures.js";

// The helper's generic payload type is too complex for the compiler with `push`; the payloads are PushEvents.
const examplePushes = () => (examplesFor as unknown as (event: "push") => PushEvent[])("push");

const kit = useLoaderKit();
const octokit = installationOctokit();
const target = { octokit, installationId: INSTALLATION_ID, owner: OWNER, repo: REPO };

/** The example push of a commit to Codertocat/Hello-World's default branch, changing `paths` instead. */
function pushTo(params: { repo?: string; ref?: string; paths: string[] }) {
  const payload = examplePushes().find(
    (push) => push.ref === "refs/heads/master" && push.commits.length > 0,
  );
  if (payload === undefined) throw new Error("no example push of a commit to master");
  const push = { ...payload, ref: params.ref ?? "refs/heads/master" };
  push.repository = { ...payload.repository, name: params.repo ?? REPO };
  push.commits = payload.commits.map((commit) => ({
    ...commit,
    added: [],
    removed: [],
    modified: params.paths,
  }));
  push.head_commit = push.commits[0] ?? null;
  return push;
}

describe("config loader: caching", () => {
  it("answers 1,000 concurrent and 1,000 later loads with one request", async () => {
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .once()
      .reply(...rawFile("channel: triage\n"));
    const { store } = await kit.openStore();
    const loader = kit.loader(store);

    const concurrent = await Promise.all(Array.from({ length: 1000 }, () => loader.load(target)));
    for (let i = 0; i < 1000; i++) {
      kit.clock.now += 100;
      expect(await loader.load(target)).toBe(concurrent[0]);
    }

    expect(new Set(concurrent).size).toBe(1);
    expect(concurrent[0]?.config).toEqual({ channel: "triage" });
    expect(scope.isDone()).toBe(true);
  });

  it("revalidates after the TTL with If-None-Match; 304 keeps the file and refreshes fetchedAt", async () => {
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(...rawFile("channel: triage\n", '"v1"'));
    const { store } = await kit.openStore();
    const loader = kit.loader(store);
    const first = await loader.load(target);
    expect(scope.isDone()).toBe(true);

    kit.clock.now += TTL + 1;
    const revalidation = nock(API, { reqheaders: { "if-none-match": '"v1"' } })
      .get(contentsPath({ repo: REPO }))
      .reply(304, "", { etag: '"v1"' });
    const second = await loader.load(target);

    expect(second).toEqual(first);
    expect(revalidation.isDone()).toBe(true);
    expect(await store.getCachedConfig("i1:repo:codertocat/hello-world")).toEqual({
      key: "i1:repo:codertocat/hello-world",
      etag: '"v1"',
      body: "channel: triage\n",
      fetchedAt: new Date(kit.clock.now),
    });
    // Fresh again for another TTL: no request (nock would refuse one).
    kit.clock.now += TTL - 1;
    expect(await loader.load(target)).toEqual(first);
  });

  it("survives a restart: a new loader over the same database asks GitHub nothing", async () => {
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(...NOT_FOUND)
      .get(contentsPath({ repo: ".github" }))
      .reply(...rawFile("channel: eng\n", '"org-v1"'));
    const first = await kit.openStore();
    const before = await kit.loader(first.store).load(target);
    expect(scope.isDone()).toBe(true);

    kit.clock.now += TTL / 2;
    const restarted = kit.loader((await kit.openStore(first.file)).store);
    expect(await restarted.load(target)).toEqual(before);

    // Past the TTL the restarted loader revalidates with the ETag the first one stored.
    kit.clock.now += TTL;
    const revalidation = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(...NOT_FOUND)
      .get(contentsPath({ repo: ".github" }))
      .matchHeader("if-none-match", '"org-v1"')
      .reply(304, "");
    expect(await restarted.load(target)).toEqual(before);
    expect(revalidation.isDone()).toBe(true);
  });
});

describe("config loader: push invalidation", () => {
  it("drops the repository's file at once when a push to the default branch changes it", async () => {
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(...rawFile("channel: triage\n", '"v1"'))
      .get(contentsPath({ repo: REPO }))
      .reply(...rawFile("channel: eng\n", '"v2"'));
    const { store } = await kit.openStore();
    const loader = kit.loader(store);
    expect((await loader.load(target)).config).toEqual({ channel: "triage" });

    expect(await loader.invalidateFromPush(pushTo({ paths: [".github/notifier.yml"] }))).toBe(true);
    expect(await store.getCachedConfig("i1:repo:codertocat/hello-world")).toBeNull();

    expect((await loader.load(target)).config).toEqual({ channel: "eng" });
    expect(scope.isDone()).toBe(true);
  });

  it("ignores pushes that do not touch config or are not on the default branch", async () => {
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(...rawFile("channel: triage\n"));
    const { store } = await kit.openStore();
    const loader = kit.loader(store);
    await loader.load(target);

    expect(await loader.invalidateFromPush(pushTo({ paths: ["README.md"] }))).toBe(false);
    expect(
      await loader.invalidateFromPush(
        pushTo({ ref: "refs/heads/feature", paths: [".github/notifier.yml"] }),
      ),
    ).toBe(false);
    expect(await loader.invalidateFromPush(exampleOf("push"))).toBe(false); // a tag

    expect((await loader.load(target)).config).toEqual({ channel: "triage" });
    expect(scope.isDone()).toBe(true);
  });

  it("drops every repository that fell back to the owner's file when the owner's .github repository changes it", async () => {
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(...NOT_FOUND)
      .get(contentsPath({ repo: ".github" }))
      .reply(...rawFile("channel: triage\n"))
      .get(contentsPath({ repo: ".github" }))
      .reply(...rawFile("channel: eng\n"));
    const { store } = await kit.openStore();
    const loader = kit.loader(store);
    expect((await loader.load(target)).config).toEqual({ channel: "triage" });

    expect(
      await loader.invalidateFromPush(pushTo({ repo: ".github", paths: [".github/notifier.yml"] })),
    ).toBe(true);

    // The repository's own 404 is still cached; only the owner's file is fetched again.
    expect((await loader.load(target)).config).toEqual({ channel: "eng" });
    expect(scope.isDone()).toBe(true);
  });

  it("drops a repository whose _extends target changed", async () => {
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(...rawFile("_extends: shared:notifier/base.yml\n"))
      .get(contentsPath({ repo: "shared", file: "notifier/base.yml" }))
      .reply(...rawFile("channel: triage\n"))
      .get(contentsPath({ repo: "shared", file: "notifier/base.yml" }))
      .reply(...rawFile("channel: eng\n"));
    const { store } = await kit.openStore();
    const loader = kit.loader(store);
    expect((await loader.load(target)).config).toEqual({ channel: "triage" });

    expect(
      await loader.invalidateFromPush(pushTo({ repo: "shared", paths: ["notifier/base.yml"] })),
    ).toBe(true);

    expect((await loader.load(target)).config).toEqual({ channel: "eng" });
    expect(scope.isDone()).toBe(true);
  });

  it("another instance sees the dropped row once its own copy expires, and fetches without an ETag", async () => {
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(...rawFile("channel: triage\n", '"v1"'));
    const { store, file } = await kit.openStore();
    const first = kit.loader(store);
    const second = kit.loader((await kit.openStore(file)).store);
    await first.load(target);
    await second.load(target); // from the shared database
    expect(scope.isDone()).toBe(true);

    await first.invalidateFromPush(pushTo({ paths: [".github/notifier.yml"] }));
    kit.clock.now += TTL + 1;
    const refetch = nock(API, { badheaders: ["if-none-match"] })
      .get(contentsPath({ repo: REPO }))
      .reply(...rawFile("channel: eng\n", '"v2"'));

    expect((await second.load(target)).config).toEqual({ channel: "eng" });
    expect(refetch.isDone()).toBe(true);
  });
});

describe("config loader: GitHub unavailable", () => {
  it("throws ConfigUnavailableError on a 5xx when nothing is cached, and caches nothing", async () => {
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(502, "Bad Gateway", { "content-type": "text/html" })
      .get(contentsPath({ repo: REPO }))
      .reply(...rawFile("channel: triage\n"));
    const { store } = await kit.openStore();
    const loader = kit.loader(store);

    const error = await loader.load(target).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigUnavailableError);
    expect(error).toMatchObject({
      status: 502,
      retryAt: null,
      file: "Codertocat/Hello-World:.github/notifier.yml",
    });
    expect((error as Error).message).toMatchInlineSnapshot(
      `"cannot read Codertocat/Hello-World:.github/notifier.yml from GitHub now (HTTP 502); the delivery should be retried later"`,
    );

    // The retried delivery reads the file.
    expect((await loader.load(target)).config).toEqual({ channel: "triage" });
    expect(scope.isDone()).toBe(true);
  });

  it("throws ConfigUnavailableError with GitHub's reset time when rate limited", async () => {
    const reset = Math.floor(kit.clock.now / 1000) + 600;
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(
        403,
        { message: "API rate limit exceeded for installation ID 1." },
        { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
      )
      .get(contentsPath({ repo: REPO }))
      .reply(
        429,
        { message: "You have exceeded a secondary rate limit." },
        { "retry-after": "60" },
      );
    const { store } = await kit.openStore();
    const loader = kit.loader(store);

    await expect(loader.load(target)).rejects.toMatchObject({
      name: "ConfigUnavailableError",
      status: 403,
      retryAt: new Date(reset * 1000),
    });
    await expect(loader.load(target)).rejects.toMatchObject({
      name: "ConfigUnavailableError",
      status: 429,
      retryAt: new Date(kit.clock.now + 60_000),
    });
    expect(scope.isDone()).toBe(true);
  });

  it("throws ConfigUnavailableError when GitHub does not answer in time", async () => {
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(async () => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        return rawFile("channel: triage\n");
      });
    const { store } = await kit.openStore();

    const error = await kit
      .loader(store, { timeoutMs: 50 })
      .load(target)
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigUnavailableError);
    expect(error).toMatchObject({ status: null, retryAt: null });
    expect((error as Error).message).toMatchInlineSnapshot(
      `"cannot read Codertocat/Hello-World:.github/notifier.yml from GitHub now (The operation was aborted due to timeout); the delivery should be retried later"`,
    );
    expect(scope.isDone()).toBe(true);
  });

  it("keeps routing with a cached file whose TTL passed while GitHub fails, and asks again later", async () => {
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(...rawFile("channel: triage\n", '"v1"'))
      .get(contentsPath({ repo: REPO }))
      .reply(503, { message: "Service Unavailable" })
      .get(contentsPath({ repo: REPO }))
      .reply(304, "");
    const { store } = await kit.openStore();
    const loader = kit.loader(store);
    const first = await loader.load(target);

    kit.clock.now += TTL + 1;
    expect(await loader.load(target)).toEqual(first);
    expect(kit.warnings.map((warning) => warning.message)).toEqual([
      "GitHub is unavailable; using the cached config file",
    ]);
    // Within the back-off nothing is asked; after it, GitHub is asked again.
    kit.clock.now += 10_000;
    expect(await loader.load(target)).toEqual(first);
    kit.clock.now += 30_000;
    expect(await loader.load(target)).toEqual(first);
    expect(scope.isDone()).toBe(true);
  });
});
