import nock from "nock";
import { describe, expect, it } from "vitest";
import { MAX_EXTENDS_DEPTH } from "../../src/repo-config/config-loader.js";
import { formatConfigError } from "../../src/repo-config/config-error.js";
import { DEFAULT_CONFIG } from "../../src/repo-config/defaults.js";
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

const kit = useLoaderKit();
const octokit = installationOctokit();
const target = { octokit, installationId: INSTALLATION_ID, owner: OWNER, repo: REPO };

const TRIAGE_FILE = `# routing for Hello-World
channel: triage
routes:
  - on: ["issues.*"]
    labels: [bug]
`;

describe("config loader: where the config comes from", () => {
  it("reads the repository's own file with the installation's token", async () => {
    const scope = nock(API, {
      reqheaders: {
        authorization: "token ghs_installation_token",
        accept: "application/vnd.github.raw+json",
      },
    })
      .get(contentsPath({ repo: REPO }))
      .reply(...rawFile(TRIAGE_FILE, '"v1"'));
    const { store } = await kit.openStore();

    const loaded = await kit.loader(store).load(target);

    expect(loaded).toEqual({
      config: { channel: "triage", routes: [{ on: ["issues.*"], labels: ["bug"] }] },
      source: "Codertocat/Hello-World:.github/notifier.yml",
      errors: [],
    });
    expect(scope.isDone()).toBe(true);
  });

  it("falls back to the owner's .github repository, and shares it between repositories", async () => {
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(...NOT_FOUND)
      .get(contentsPath({ repo: ".github" }))
      .reply(...rawFile("channel: eng\n"))
      .get(contentsPath({ repo: "Spoon-Knife" }))
      .reply(...NOT_FOUND);
    const { store } = await kit.openStore();
    const loader = kit.loader(store);

    const first = await loader.load(target);
    const second = await loader.load({
      octokit,
      installationId: INSTALLATION_ID,
      owner: OWNER,
      repo: "Spoon-Knife",
    });

    expect(first).toEqual({
      config: { channel: "eng" },
      source: "Codertocat/.github:.github/notifier.yml",
      errors: [],
    });
    expect(second).toEqual(first);
    expect(scope.isDone()).toBe(true);
  });

  it("uses the defaults when there is no file anywhere; a 404 is not an error", async () => {
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(...NOT_FOUND)
      .get(contentsPath({ repo: ".github" }))
      .reply(...NOT_FOUND);
    const { store } = await kit.openStore();
    const loader = kit.loader(store);

    expect(await loader.load(target)).toEqual({
      config: DEFAULT_CONFIG,
      source: "defaults",
      errors: [],
    });
    // Absence is cached like a file.
    expect(await loader.load(target)).toEqual({
      config: DEFAULT_CONFIG,
      source: "defaults",
      errors: [],
    });
    expect(scope.isDone()).toBe(true);
    expect(kit.warnings).toEqual([]);
  });

  it("reads bytes and base64 JSON as well as text", async () => {
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(200, Buffer.from("_extends: shared\n"), {
        "content-type": "application/vnd.github.raw+json",
      })
      .get(contentsPath({ repo: "shared" }))
      .reply(200, {
        type: "file",
        encoding: "base64",
        path: ".github/notifier.yml",
        content: Buffer.from("channel: triage\n").toString("base64"),
      });
    const { store } = await kit.openStore();

    expect((await kit.loader(store).load(target)).config).toEqual({ channel: "triage" });
    expect(scope.isDone()).toBe(true);
  });

  it("follows _extends: the repository's keys win and its lists replace inherited lists", async () => {
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(
        ...rawFile("_extends: shared\nroutes:\n  - on: [star.created]\nignore:\n  labels: [wip]\n"),
      )
      .get(contentsPath({ repo: "shared" }))
      .reply(
        ...rawFile(
          "_extends: octo-org/notifier-base:configs/base.yml\nchannel: eng\nroutes:\n  - on: [issues.opened]\n",
        ),
      )
      .get(contentsPath({ owner: "octo-org", repo: "notifier-base", file: "configs/base.yml" }))
      .reply(
        ...rawFile("channel: default\nignore:\n  authors: ['*[bot]']\n  labels: [no-notify]\n"),
      );
    const { store } = await kit.openStore();

    const loaded = await kit.loader(store).load(target);

    expect(loaded).toEqual({
      config: {
        channel: "eng",
        ignore: { authors: ["*[bot]"], labels: ["wip"] },
        routes: [{ on: ["star.created"] }],
      },
      source:
        "Codertocat/Hello-World:.github/notifier.yml extends Codertocat/shared:.github/notifier.yml extends octo-org/notifier-base:configs/base.yml",
      errors: [],
    });
    expect(scope.isDone()).toBe(true);
  });

  it("stops at an _extends cycle and says where it is", async () => {
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(...rawFile("channel: triage\n_extends: shared\n"))
      .get(contentsPath({ repo: "shared" }))
      .reply(...rawFile(`_extends: ${OWNER}/${REPO}\n`));
    const { store } = await kit.openStore();

    const loaded = await kit.loader(store).load(target);

    expect(loaded.config).toEqual(DEFAULT_CONFIG);
    expect(loaded.errors.map(formatConfigError)).toMatchInlineSnapshot(`
      [
        "\`Codertocat/shared:.github/notifier.yml\` line 1: \`_extends\` makes a cycle: Codertocat/Hello-World:.github/notifier.yml -> Codertocat/shared:.github/notifier.yml -> Codertocat/Hello-World:.github/notifier.yml; remove \`_extends\` from one of these files",
      ]
    `);
    expect(scope.isDone()).toBe(true);
  });

  it(`stops after ${MAX_EXTENDS_DEPTH} files`, async () => {
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(...rawFile("_extends: base-1\n"));
    for (let level = 1; level < MAX_EXTENDS_DEPTH; level++) {
      scope
        .get(contentsPath({ repo: `base-${level}` }))
        .reply(...rawFile(`_extends: base-${level + 1}\n`));
    }
    const { store } = await kit.openStore();

    const loaded = await kit.loader(store).load(target);

    expect(loaded.config).toEqual(DEFAULT_CONFIG);
    expect(loaded.errors.map(formatConfigError)).toMatchInlineSnapshot(`
      [
        "\`Codertocat/base-4:.github/notifier.yml\` line 1: \`_extends\` chains more than 5 files (Codertocat/Hello-World:.github/notifier.yml -> Codertocat/base-1:.github/notifier.yml -> Codertocat/base-2:.github/notifier.yml -> Codertocat/base-3:.github/notifier.yml -> Codertocat/base-4:.github/notifier.yml -> Codertocat/base-5:.github/notifier.yml); extend the last file directly",
      ]
    `);
    expect(scope.isDone()).toBe(true);
  });

  it("reports an _extends target that does not exist, on the line of _extends", async () => {
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(...rawFile("channel: triage\n_extends: shraed\n"))
      .get(contentsPath({ repo: "shraed" }))
      .reply(...NOT_FOUND);
    const { store } = await kit.openStore();

    const loaded = await kit.loader(store).load(target);

    expect(loaded.errors.map(formatConfigError)).toMatchInlineSnapshot(`
      [
        "\`Codertocat/Hello-World:.github/notifier.yml\` line 2: \`_extends\` names Codertocat/shraed:.github/notifier.yml, which does not exist on its default branch",
      ]
    `);
    expect(scope.isDone()).toBe(true);
  });

  it("checks channel owners against the repository being routed, also in inherited files", async () => {
    // `eng` is reserved for Codertocat; octo-org's repository inherits a file that names it.
    const scope = nock(API)
      .get(contentsPath({ owner: "octo-org", repo: "octo-repo" }))
      .reply(...rawFile(`_extends: ${OWNER}/shared\n`))
      .get(contentsPath({ repo: "shared" }))
      .reply(...rawFile("routes:\n  - on: [issues.opened]\n    channel: eng\n"));
    const { store } = await kit.openStore();

    const loaded = await kit
      .loader(store)
      .load({ octokit, installationId: INSTALLATION_ID, owner: "octo-org", repo: "octo-repo" });

    expect(loaded.config).toEqual(DEFAULT_CONFIG);
    expect(loaded.errors.map(formatConfigError)).toMatchInlineSnapshot(`
      [
        "\`Codertocat/shared:.github/notifier.yml\` line 3: \`routes[0].channel\` names "eng", which is not a channel you may use (channels for this repository: default, triage)",
      ]
    `);
    expect(scope.isDone()).toBe(true);
  });
});

describe("config loader: invalid files", () => {
  it("uses the defaults when no valid config was ever seen, returns the errors and logs them", async () => {
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(
        ...rawFile("channel: triage\nroutes:\n  - on: [issues.opened]\n    channel: marketing\n"),
      );
    const { store } = await kit.openStore();

    const loaded = await kit.loader(store).load(target);

    expect(loaded.config).toEqual(DEFAULT_CONFIG);
    expect(loaded.source).toBe("defaults");
    expect(loaded.errors.map(formatConfigError)).toMatchInlineSnapshot(`
      [
        "\`Codertocat/Hello-World:.github/notifier.yml\` line 4: \`routes[0].channel\` names "marketing", which is not a channel you may use (channels for this repository: default, eng, triage)",
      ]
    `);
    expect(kit.warnings).toHaveLength(1);
    expect(kit.warnings[0]?.fields).toMatchObject({
      repository: "Codertocat/Hello-World",
      using: "defaults",
      errors: loaded.errors.map(formatConfigError),
    });
    expect(scope.isDone()).toBe(true);
  });

  it("keeps the last valid config when the file turns invalid, also across restarts", async () => {
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(...rawFile(TRIAGE_FILE, '"v1"'))
      .get(contentsPath({ repo: REPO }))
      .reply(...rawFile("channel: triage\nroutes: [\n", '"v2"'));
    const { store, file } = await kit.openStore();
    const loader = kit.loader(store);
    const valid = await loader.load(target);

    kit.clock.now += TTL + 1;
    const afterBreak = await loader.load(target);

    expect(afterBreak.config).toEqual(valid.config);
    expect(afterBreak.source).toBe("Codertocat/Hello-World:.github/notifier.yml (last valid)");
    expect(afterBreak.errors.map(formatConfigError)).toMatchInlineSnapshot(`
      [
        "\`Codertocat/Hello-World:.github/notifier.yml\` line 3: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
      ]
    `);
    expect(scope.isDone()).toBe(true);

    // A new process over the same database: the invalid file is cached, the last valid config stored.
    const restarted = kit.loader((await kit.openStore(file)).store);
    expect(await restarted.load(target)).toEqual(afterBreak);
  });

  it("reports a file GitHub refuses to show (missing permission) and carries on", async () => {
    const scope = nock(API)
      .get(contentsPath({ repo: REPO }))
      .reply(403, {
        message: "Resource not accessible by integration",
        documentation_url: "https://docs.github.com/rest/repos/contents#get-repository-content",
      })
      .get(contentsPath({ repo: ".github" }))
      .reply(...NOT_FOUND);
    const { store } = await kit.openStore();

    const loaded = await kit.loader(store).load(target);

    expect(loaded.config).toEqual(DEFAULT_CONFIG);
    expect(loaded.errors.map(formatConfigError)).toMatchInlineSnapshot(`
      [
        "\`Codertocat/Hello-World:.github/notifier.yml\`: GitHub refused to show the file (HTTP 403: Resource not accessible by integration - https://docs.github.com/rest/repos/contents#get-repository-content); give the app read access to it (permission "Single file" or "Contents")",
      ]
    `);
    expect(scope.isDone()).toBe(true);
  });
});
