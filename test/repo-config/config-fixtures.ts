/**
 * What the config loader tests share: a real Probot Octokit with an installation token,
 * GitHub's contents API mocked at the HTTP layer, real SQLite stores in a temp dir, a clock
 * the tests move, and a log that records warnings.
 */
import { join } from "node:path";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeAll, expect } from "vitest";
import {
  createConfigLoader,
  type ConfigLoader,
  type ConfigLoaderParams,
} from "../../src/repo-config/config-loader.js";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { tempDir } from "../helpers/temp-dir.js";

export const API = "https://api.github.com";
/** The repository the example payloads come from. */
export const OWNER = "Codertocat";
export const REPO = "Hello-World";
export const TTL = 5 * 60_000;
export const T0 = Date.UTC(2024, 0, 15, 9, 0, 0);
export const CHANNELS = ["default", "eng", "triage"];
/** The installation `installationOctokit()` authenticates as. */
export const INSTALLATION_ID = 1;

const TestOctokit = ProbotOctokit.defaults((options: object) => ({
  ...options,
  retry: { enabled: false },
  throttle: { enabled: false },
}));

/** An installation's Octokit, as Probot hands it to the worker; `token` tells installations apart in nock. */
export function installationOctokit(token = "ghs_installation_token") {
  return new TestOctokit({ auth: { token } });
}

/** The contents API path of a file, as Octokit requests it. */
export function contentsPath(params: { repo: string; owner?: string; file?: string }): string {
  const file = params.file ?? ".github/notifier.yml";
  return `/repos/${params.owner ?? OWNER}/${params.repo}/contents/${encodeURIComponent(file)}`;
}

/** GitHub's answer for the raw media type. */
export function rawFile(text: string, etag?: string): [number, string, Record<string, string>] {
  return [200, text, { "content-type": "text/plain; charset=utf-8", ...(etag ? { etag } : {}) }];
}

export const NOT_FOUND: [number, object] = [
  404,
  {
    message: "Not Found",
    documentation_url: "https://docs.github.com/rest/repos/contents#get-repository-content",
  },
];

export interface LoaderKit {
  clock: { now: number };
  warnings: { fields: object; message: string }[];
  /** A new migrated SQLite store; with `file`, another connection to an earlier one. */
  openStore(file?: string): Promise<{ store: Store; file: string }>;
  loader(store: Store, overrides?: Partial<ConfigLoaderParams>): ConfigLoader;
}

/** Call once per test file: sets up nock and closes stores after each test. */
export function useLoaderKit(): LoaderKit {
  const dir = tempDir("notifier-config-");
  const stores: Store[] = [];
  const kit: LoaderKit = {
    clock: { now: T0 },
    warnings: [],
    async openStore(file = join(dir, `config-${stores.length}-${Date.now()}.db`)) {
      const store = createStore(file);
      await store.migrate();
      stores.push(store);
      return { store, file };
    },
    loader(store, overrides = {}) {
      return createConfigLoader({
        store,
        ttlMs: TTL,
        knownChannels: CHANNELS,
        // `eng` is reserved for Codertocat's repositories (SLACK_CHANNEL_OWNERS_ENG=codertocat).
        mayUse: (channel, owner) => channel !== "eng" || owner.toLowerCase() === "codertocat",
        log: {
          warn: (fields, message) => kit.warnings.push({ fields, message }),
          debug: () => {},
        },
        now: () => new Date(kit.clock.now),
        ...overrides,
      });
    },
  };
  beforeAll(() => {
    nock.disableNetConnect();
  });
  afterEach(async () => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    kit.clock.now = T0;
    kit.warnings.length = 0;
    await Promise.all(stores.splice(0).map((store) => store.close()));
    expect(pending, "every mocked GitHub call was made").toEqual([]);
  });
  return kit;
}
