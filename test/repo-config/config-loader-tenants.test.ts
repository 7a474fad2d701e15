/**
 * Every installation is a stranger: a config file one installation read with its token is
 * never served to another. The attack: `evil` writes `_extends: goodorg/secret` after
 * goodorg's installation has cached goodorg's private file; GitHub answers evil's token 404.
 */
import nock from "nock";
import type { PushEvent } from "@octokit/webhooks-types";
import { describe, expect, it } from "vitest";
import { formatConfigError } from "../../src/repo-config/config-error.js";
import { DEFAULT_CONFIG } from "../../src/repo-config/defaults.js";
import { exampleOf } from "../helpers/examples.js";
import {
  API,
  NOT_FOUND,
  TTL,
  contentsPath,
  installationOctokit,
  rawFile,
  useLoaderKit,
} from "./config-fixtures.js";

const kit = useLoaderKit();

const GOOD = { installationId: 10, token: "ghs_goodorg_installation" };
const EVIL = { installationId: 20, token: "ghs_evil_installation" };
const SECRET_ROUTES =
  "routes:\n  - on: [issues.opened]\n    channel: triage\n    labels: [secret-project]\n";
const goodTarget = {
  octokit: installationOctokit(GOOD.token),
  installationId: GOOD.installationId,
  owner: "goodorg",
  repo: "app",
};
const evilTarget = {
  octokit: installationOctokit(EVIL.token),
  installationId: EVIL.installationId,
  owner: "evil",
  repo: "app",
};

/** nock answering only requests carrying `token`, as GitHub scopes answers to a token. */
function asInstallation(token: string) {
  return nock(API, { reqheaders: { authorization: `token ${token}` } });
}

/** goodorg's installation reads goodorg/app, which extends goodorg's private goodorg/secret. */
function goodorgReadsItsSecret() {
  return asInstallation(GOOD.token)
    .get(contentsPath({ owner: "goodorg", repo: "app" }))
    .reply(...rawFile("_extends: secret\n", '"app-v1"'))
    .get(contentsPath({ owner: "goodorg", repo: "secret" }))
    .reply(...rawFile(SECRET_ROUTES, '"secret-v1"'));
}

/** GitHub as evil's token sees it: evil's own file, and no goodorg/secret at all. */
function evilExtendsTheSecret(evilFile = "_extends: goodorg/secret\n") {
  return asInstallation(EVIL.token)
    .get(contentsPath({ owner: "evil", repo: "app" }))
    .reply(...rawFile(evilFile))
    .get(contentsPath({ owner: "goodorg", repo: "secret" }))
    .reply(...NOT_FOUND);
}

const EXPECTED_REFUSAL =
  "`evil/app:.github/notifier.yml` line 1: `_extends` names goodorg/secret:.github/notifier.yml, which does not exist on its default branch";

describe("config loader: one installation's files are never served to another", () => {
  it("sends evil's read of goodorg/secret to GitHub with evil's token, after goodorg cached it", async () => {
    const good = goodorgReadsItsSecret();
    const { store } = await kit.openStore();
    const loader = kit.loader(store);
    const goodLoaded = await loader.load(goodTarget);
    expect(goodLoaded.config.routes?.[0]?.labels).toEqual(["secret-project"]);
    expect(good.isDone()).toBe(true);

    const evil = evilExtendsTheSecret();
    const evilLoaded = await loader.load(evilTarget);

    expect(evil.isDone()).toBe(true);
    expect(evilLoaded.config).toEqual(DEFAULT_CONFIG);
    expect(evilLoaded.source).toBe("defaults");
    expect(evilLoaded.errors.map(formatConfigError)).toEqual([EXPECTED_REFUSAL]);
    expect(JSON.stringify(evilLoaded)).not.toContain("secret-project");
    // goodorg's copy is untouched and still costs nothing.
    expect(await loader.load(goodTarget)).toBe(goodLoaded);
  });

  it("refuses it the same way from the store, after a restart", async () => {
    goodorgReadsItsSecret();
    const first = await kit.openStore();
    await kit.loader(first.store).load(goodTarget);

    kit.clock.now += TTL / 2;
    const evil = evilExtendsTheSecret();
    const restarted = kit.loader((await kit.openStore(first.file)).store);
    const evilLoaded = await restarted.load(evilTarget);

    expect(evil.isDone()).toBe(true);
    expect(evilLoaded.config).toEqual(DEFAULT_CONFIG);
    expect(evilLoaded.errors.map(formatConfigError)).toEqual([EXPECTED_REFUSAL]);
  });

  it("never sends goodorg's ETag with evil's token, so a 304 cannot hand evil goodorg's copy", async () => {
    goodorgReadsItsSecret();
    const { store } = await kit.openStore();
    const loader = kit.loader(store);
    await loader.load(goodTarget);

    const evil = asInstallation(EVIL.token)
      .get(contentsPath({ owner: "evil", repo: "app" }))
      .reply(...rawFile("_extends: goodorg/secret\n"));
    // A conditional request would prove nothing about evil: only a plain read matches.
    const plainRead = nock(API, {
      reqheaders: { authorization: `token ${EVIL.token}` },
      badheaders: ["if-none-match"],
    })
      .get(contentsPath({ owner: "goodorg", repo: "secret" }))
      .reply(...NOT_FOUND);
    const evilLoaded = await loader.load(evilTarget);

    expect(evil.isDone() && plainRead.isDone()).toBe(true);
    expect(evilLoaded.errors.map(formatConfigError)).toEqual([EXPECTED_REFUSAL]);
  });

  it("keeps evil on its own last valid config, never goodorg's", async () => {
    const { store } = await kit.openStore();
    const loader = kit.loader(store);
    goodorgReadsItsSecret();
    await loader.load(goodTarget);
    asInstallation(EVIL.token)
      .get(contentsPath({ owner: "evil", repo: "app" }))
      .reply(...rawFile("channel: default\n"));
    expect((await loader.load(evilTarget)).config).toEqual({ channel: "default" });

    // evil's file changes to the attack; the cache learns it at the next revalidation.
    kit.clock.now += TTL + 1;
    asInstallation(GOOD.token)
      .get(contentsPath({ owner: "goodorg", repo: "app" }))
      .reply(304, "")
      .get(contentsPath({ owner: "goodorg", repo: "secret" }))
      .reply(304, "");
    await loader.load(goodTarget);
    evilExtendsTheSecret();
    const evilLoaded = await loader.load(evilTarget);

    expect(evilLoaded.config).toEqual({ channel: "default" });
    expect(evilLoaded.source).toBe("evil/app:.github/notifier.yml (last valid)");
    expect(evilLoaded.errors.map(formatConfigError)).toEqual([EXPECTED_REFUSAL]);
  });

  it("costs nothing in the steady state for either installation", async () => {
    goodorgReadsItsSecret();
    evilExtendsTheSecret();
    const { store } = await kit.openStore();
    const loader = kit.loader(store);
    for (let i = 0; i < 100; i++) {
      kit.clock.now += 1_000;
      await loader.load(goodTarget);
      await loader.load(evilTarget);
    }
    // nock would refuse any request past the four above; afterEach checks all four were made.
  });
});

describe("config loader: push invalidation across installations", () => {
  /** A push by `installationId` to acme/shared's default branch changing its config file. */
  function pushToShared(installationId: number): PushEvent {
    const example = exampleOf("push") as unknown as PushEvent;
    const commit = {
      ...example.commits[0]!,
      added: [],
      removed: [],
      modified: [".github/notifier.yml"],
    };
    return {
      ...example,
      ref: `refs/heads/${example.repository.default_branch}`,
      deleted: false,
      forced: false,
      repository: {
        ...example.repository,
        name: "shared",
        owner: { ...example.repository.owner, login: "acme" },
      },
      commits: [commit],
      head_commit: commit,
      installation: { id: installationId, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" },
    };
  }

  const A = { installationId: 31, token: "ghs_acme_installation" };
  const B = { installationId: 32, token: "ghs_octo_installation" };
  const targetOf = (who: typeof A, owner: string) => ({
    octokit: installationOctokit(who.token),
    installationId: who.installationId,
    owner,
    repo: "api",
  });

  /** Both installations extend the public acme/shared; each reads it with its own token. */
  function bothRead(channel: string) {
    for (const [who, owner] of [
      [A, "acme"],
      [B, "octo"],
    ] as const) {
      asInstallation(who.token)
        .get(contentsPath({ owner, repo: "api" }))
        .reply(...rawFile("_extends: acme/shared\n"))
        .get(contentsPath({ owner: "acme", repo: "shared" }))
        .reply(...rawFile(`channel: ${channel}\n`));
    }
  }

  it("drops the file for every installation holding it, in memory and in the store", async () => {
    bothRead("triage");
    const { store } = await kit.openStore();
    const loader = kit.loader(store);
    expect((await loader.load(targetOf(A, "acme"))).config).toEqual({ channel: "triage" });
    expect((await loader.load(targetOf(B, "octo"))).config).toEqual({ channel: "triage" });
    expect(await store.getCachedConfig("i32:repo:acme/shared")).not.toBeNull();

    expect(await loader.invalidateFromPush(pushToShared(A.installationId))).toBe(true);
    expect(await store.getCachedConfig("i31:repo:acme/shared")).toBeNull();
    expect(await store.getCachedConfig("i32:repo:acme/shared")).toBeNull();
    expect(await store.getCachedConfig("i31:repo:acme/api")).not.toBeNull();

    // Each installation reads the new file with its own token.
    for (const who of [A, B]) {
      asInstallation(who.token)
        .get(contentsPath({ owner: "acme", repo: "shared" }))
        .reply(...rawFile("channel: default\n"));
    }
    expect((await loader.load(targetOf(A, "acme"))).config).toEqual({ channel: "default" });
    expect((await loader.load(targetOf(B, "octo"))).config).toEqual({ channel: "default" });
  });

  it("drops the pushing installation's stored copy even when this instance never held it", async () => {
    bothRead("triage");
    const first = await kit.openStore();
    const before = kit.loader(first.store);
    await before.load(targetOf(A, "acme"));
    await before.load(targetOf(B, "octo"));

    // Another instance (nothing in memory) handles the push.
    const other = kit.loader((await kit.openStore(first.file)).store);
    expect(await other.invalidateFromPush(pushToShared(A.installationId))).toBe(true);

    expect(await first.store.getCachedConfig("i31:repo:acme/shared")).toBeNull();
    // The documented window: B's copy, unknown to that instance, lives until its TTL.
    expect(await first.store.getCachedConfig("i32:repo:acme/shared")).not.toBeNull();
  });
});
