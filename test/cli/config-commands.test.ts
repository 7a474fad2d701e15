/** `notifier config validate` and `notifier preview` on real files and real example payloads. */
import { describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli } from "../helpers/cli.js";
import { exampleOf } from "../helpers/examples.js";
import { tempDir } from "../helpers/temp-dir.js";

const dir = tempDir("notifier-cli-config-");
const env = {
  SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T0/B0/default",
  SLACK_WEBHOOK_URL_TRIAGE: "https://hooks.slack.com/services/T0/B0/triage",
  SLACK_CHANNEL_OWNERS_TRIAGE: "acme",
};

function write(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  return path;
}

describe("notifier config validate", () => {
  it("accepts a valid file", async () => {
    const file = write("valid.yml", "routes:\n  - on: [issues.opened]\n    channel: triage\n");
    const run = await cli(["config", "validate", file], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("is valid: 1 route(s)");
  });

  it("prints each error with its line and key, exit 1", async () => {
    const file = write(
      "invalid.yml",
      ["routes:", "  - on: [issues.opend]", "    channel: ops", "    colour: red", ""].join("\n"),
    );
    const run = await cli(["config", "validate", file], { env });
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split("\n");
    expect(lines.at(-1)).toBe(`3 errors in ${file}`);
    expect(lines.slice(0, -1).join("\n")).toMatch(/line 2: `routes\[0\]\.on\[0\]` .*issues\.opened/);
    expect(run.stdout).toMatch(/line 3: `routes\[0\]\.channel` .*\(channels for this repository: default, triage\)/);
    expect(run.stdout).toMatch(/line 4: .*colour/);
  });

  it("applies channel owners when --owner is given", async () => {
    const file = write("owners.yml", "routes:\n  - on: [issues.opened]\n    channel: triage\n");
    expect((await cli(["config", "validate", file, "--owner", "acme"], { env })).code).toBe(0);
    const other = await cli(["config", "validate", file, "--owner", "someone-else"], { env });
    expect(other.code).toBe(1);
    expect(other.stdout).toMatch(/line 3: `routes\[0\]\.channel`/);
  });

  it("says so when the file cannot be read", async () => {
    const run = await cli(["config", "validate", join(dir, "missing.yml")], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("cannot read config file");
    expect(run.stderr).toContain("ENOENT");
  });

  it("reads ./.github/notifier.yml by default", async () => {
    const repo = join(dir, "repo");
    write("repo/.github/notifier.yml", "channel: triage\n");
    const run = await cli(["config", "validate"], { env, cwd: repo });
    expect(run.stdout).toContain(".github/notifier.yml is valid");
  });
});

describe("notifier preview", () => {
  it("shows the channels and the message for a routed payload", async () => {
    const payload = write("issue.json", JSON.stringify(exampleOf("issues", "opened")));
    const run = await cli(["preview", "--payload", payload, "--event", "issues"], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("event: issues.opened on Codertocat/Hello-World by Codertocat");
    expect(run.stdout).toContain("send to: default");
    const message = JSON.parse(run.stdout.slice(run.stdout.indexOf("message:\n") + "message:\n".length)) as {
      text: string;
      blocks: unknown[];
    };
    expect(message.text).toContain("Spelling error in the README file");
    expect(message.blocks.length).toBeGreaterThan(0);
  });

  it("shows the skip reason under a config that ignores the author", async () => {
    const payload = write("issue2.json", JSON.stringify(exampleOf("issues", "opened")));
    const config = write("ignore.yml", 'ignore:\n  authors: ["codertocat"]\n');
    const run = await cli(["preview", "--payload", payload, "--event", "issues", "--config", config], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/skip: ignored: author "Codertocat"/);
  });

  it("says an event is not notified", async () => {
    const payload = write("edited.json", JSON.stringify(exampleOf("issues", "edited")));
    const run = await cli(["preview", "--payload", payload, "--event", "issues"], { env });
    expect(run.stdout).toBe("skip: not a notified event (issues.edited)\n");
  });

  it("refuses a payload that is not JSON, and missing arguments", async () => {
    const payload = write("broken.json", "{nope");
    const broken = await cli(["preview", "--payload", payload, "--event", "issues"], { env });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain("is not JSON");
    const missing = await cli(["preview", "--event", "issues"], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("preview needs --payload <file> and --event <name>");
  });
});
