/**
 * `notifier mute`, `mute list` and `unmute` in-process against a real SQLite file, with a
 * fixed clock; and the worker honouring a mute the command wrote.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import nock from "nock";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { cli } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp-dir.js";
import { startPipeline, type Pipeline } from "../helpers/pipeline.js";
import { exampleOf } from "../helpers/examples.js";

const dir = tempDir("notifier-cli-mute-");
const NOW = new Date("2024-01-15T09:00:00Z");
const SLACK = "https://hooks.slack.com/services/T000/B000";

function setup() {
  const env = {
    DATABASE_URL: join(dir, `${randomUUID()}.db`),
    SLACK_WEBHOOK_URL: `${SLACK}/default`,
    SLACK_WEBHOOK_URL_ENG: `${SLACK}/eng`,
  };
  let now = NOW;
  const run = (argv: string[]) => cli(argv, { env, deps: { now: () => now } });
  return { env, run, setNow: (at: Date) => (now = at) };
}

let pipeline: Pipeline | null = null;
afterEach(async () => {
  await pipeline?.stop();
  pipeline = null;
  nock.cleanAll();
});

describe("notifier mute", () => {
  it("mutes a repository and a channel, lists them, and unmutes", async () => {
    const { run, setNow } = setup();
    const repo = await run([
      "mute",
      "Codertocat/Hello-World",
      "--for",
      "2h",
      "--reason",
      "release freeze",
    ]);
    expect(repo).toEqual({
      code: 0,
      stdout:
        "muted codertocat/hello-world (repository) for 2h, until 2024-01-15T11:00:00.000Z: release freeze\n" +
        "a running app applies it within 2 s; its events are recorded skipped, not posted\n",
      stderr: "",
    });
    expect((await run(["mute", "eng", "--for", "30m"])).code).toBe(0);

    setNow(new Date("2024-01-15T09:00:01Z"));
    const list = await run(["mute", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatchInlineSnapshot(`
      "eng                               channel     until 2024-01-15T09:30:00.000Z (29m 59s left)
      codertocat/hello-world            repository  until 2024-01-15T11:00:00.000Z (1h 59m left)  release freeze
      "
    `);

    expect(await run(["unmute", "eng"])).toEqual({ code: 0, stdout: "unmuted eng\n", stderr: "" });
    const again = await run(["unmute", "eng"]);
    expect([again.code, again.stderr]).toEqual([
      1,
      "notifier: eng is not muted (notifier mute list shows what is)\n",
    ]);

    // Ended mutes are not listed.
    setNow(new Date("2024-01-15T11:00:00Z"));
    expect((await run(["mute", "list"])).stdout).toBe("nothing is muted\n");
  });

  it("replaces a mute of the same target", async () => {
    const { run } = setup();
    await run(["mute", "eng", "--for", "30m", "--reason", "offsite"]);
    await run(["mute", "eng", "--for", "1d"]);
    expect((await run(["mute", "list"])).stdout).toBe(
      "eng                               channel     until 2024-01-16T09:00:00.000Z (1d left)\n",
    );
  });

  it.each([
    [["mute", "eng"], "notifier: mute needs --for <duration>, like --for 2h\n"],
    [
      ["mute", "eng", "--for", "soon"],
      'notifier: mute --for: "soon" is not a duration: write a number and a unit (ms, s, m, h, d), like 500ms, 1s, 15m, 2h or 30d, or 0 for off\n',
    ],
    [
      ["mute", "eng", "--for", "0"],
      "notifier: mute --for must be longer than 0; to end a mute, run notifier unmute <target>\n",
    ],
    [["mute", "--for", "2h"], "notifier: mute needs one target: owner/repo or a channel name\n"],
    [
      ["mute", "acme/api/x", "--for", "2h"],
      'notifier: mute: "acme/api/x" is not a repository: write owner/name, like acme/api (or a channel name without "/")\n',
    ],
    [
      ["mute", "engg", "--for", "2h"],
      'notifier: mute: no channel "engg" is configured here (known: default, eng); to mute a repository write owner/name\n',
    ],
    [["unmute"], "notifier: unmute needs one target: owner/repo or a channel name\n"],
  ])("refuses %j with a message saying what to do", async (argv, stderr) => {
    const { run } = setup();
    expect(await run(argv)).toEqual({ code: 2, stdout: "", stderr });
  });

  it("silences a repository for a running worker, with the mute as the reason", async () => {
    const { env, run } = setup();
    // The worker runs on the real clock; the mute is written for the next hour of it.
    const wrote = await cli(
      ["mute", "codertocat/hello-world", "--for", "1h", "--reason", "noisy import"],
      { env },
    );
    expect(wrote.code).toBe(0);
    pipeline = await startPipeline({ databaseUrl: env.DATABASE_URL, env });
    const id = randomUUID();
    await pipeline.probot.receive({
      id,
      name: "issues",
      payload: exampleOf("issues", "opened"),
    } as never);
    await vi.waitFor(
      async () => expect((await pipeline?.store.getDelivery(id))?.status).toBe("skipped"),
      {
        timeout: 5_000,
        interval: 20,
      },
    );
    expect((await pipeline.store.getDelivery(id))?.reason).toMatch(
      /^muted until \d{4}-\d\d-\d\dT[\d:.]+Z by notifier mute: noisy import$/,
    );
    expect((await run(["unmute", "codertocat/hello-world"])).code).toBe(0);
  });
});
