import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSettings } from "../../src/settings/settings.js";
import { parseDuration, formatDuration } from "../../src/shared/duration.js";
import { SettingsError } from "../../src/settings/settings-error.js";
import { NO_PEOPLE } from "../../src/settings/people.js";

const base = { WEBHOOK_SECRET: "a-real-secret" };

function errorOf(env: Record<string, string>): { variable: string; message: string } {
  try {
    readSettings(env);
  } catch (error) {
    if (error instanceof SettingsError) return { variable: error.variable, message: error.message };
    throw error;
  }
  throw new Error("readSettings accepted a bad setting");
}

describe("readSettings", () => {
  it("applies the documented defaults", () => {
    const settings = readSettings(base);
    expect({
      port: settings.port,
      host: settings.host,
      databaseUrl: settings.databaseUrl,
      slackPaceMs: settings.slackPaceMs,
      burstSummaryAfter: settings.burstSummaryAfter,
      configCacheTtlMs: settings.configCacheTtlMs,
      redeliveryIntervalMs: settings.redeliveryIntervalMs,
      retentionMs: settings.retentionMs,
      githubBaseUrl: settings.githubBaseUrl,
      appId: settings.appId,
      channels: settings.channels.names(),
      logOnly: settings.channels.isLogOnly,
      slackBotToken: settings.slackBotToken,
      slackApiUrl: settings.slackApiUrl,
      people: settings.people,
      dm: settings.channels.dm(),
    }).toEqual({
      port: 3000,
      host: "localhost",
      databaseUrl: "./data/notifier.db",
      slackPaceMs: 1_000,
      burstSummaryAfter: 20,
      configCacheTtlMs: 300_000,
      redeliveryIntervalMs: 600_000,
      retentionMs: 30 * 86_400_000,
      githubBaseUrl: "https://api.github.com",
      appId: null,
      channels: ["default"],
      logOnly: true,
      slackBotToken: null,
      slackApiUrl: "https://slack.com/api/",
      people: NO_PEOPLE,
      dm: null,
    });
  });

  it("reads every setting it is given", () => {
    const settings = readSettings({
      ...base,
      APP_ID: "123",
      PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\\nabc\\n-----END RSA PRIVATE KEY-----",
      PORT: "8080",
      HOST: "0.0.0.0",
      GHE_HOST: "github.example.com",
      GHE_PROTOCOL: "http",
      DATABASE_URL: "postgres://u@db:5432/notifier",
      SLACK_PACE: "500ms",
      BURST_SUMMARY_AFTER: "0",
      CONFIG_CACHE_TTL: "0",
      REDELIVERY_INTERVAL: "2h",
      RETENTION: "7d",
      REDIS_URL: "redis://127.0.0.1:6379",
    });
    expect(settings.appId).toBe(123);
    expect(settings.privateKey).toBe(
      "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----",
    );
    expect(settings.githubBaseUrl).toBe("http://github.example.com/api/v3");
    expect([settings.port, settings.host, settings.databaseUrl]).toEqual([
      8080,
      "0.0.0.0",
      "postgres://u@db:5432/notifier",
    ]);
    expect([settings.slackPaceMs, settings.burstSummaryAfter, settings.configCacheTtlMs]).toEqual([
      500, 0, 0,
    ]);
    expect([settings.redeliveryIntervalMs, settings.retentionMs]).toEqual([7_200_000, 604_800_000]);
    expect(settings.redisUrl).toBe("redis://127.0.0.1:6379");
  });

  it.each([
    [{}, "WEBHOOK_SECRET", "WEBHOOK_SECRET is not set"],
    [
      { WEBHOOK_SECRET: "development" },
      "WEBHOOK_SECRET",
      "`development`, Probot's insecure fallback",
    ],
    [{ ...base, SLACK_PACE: "fast" }, "SLACK_PACE", 'SLACK_PACE: "fast" is not a duration'],
    [{ ...base, RETENTION: "30" }, "RETENTION", 'RETENTION: "30" is not a duration'],
    [{ ...base, BURST_SUMMARY_AFTER: "-1" }, "BURST_SUMMARY_AFTER", "whole number"],
    [{ ...base, PORT: "http" }, "PORT", "PORT must be a whole number"],
    [{ ...base, APP_ID: "abc" }, "APP_ID", "numeric id"],
    [{ ...base, APP_ID: "12" }, "PRIVATE_KEY", "neither PRIVATE_KEY nor PRIVATE_KEY_PATH"],
    [
      { ...base, APP_ID: "12", PRIVATE_KEY_PATH: "/nonexistent/key.pem" },
      "PRIVATE_KEY_PATH",
      "cannot be read",
    ],
    [{ ...base, LOG_LEVEL: "loud" }, "LOG_LEVEL", "LOG_LEVEL must be one of"],
    [{ ...base, LOG_FORMAT: "xml" }, "LOG_FORMAT", "json or pretty"],
    [{ ...base, GHE_PROTOCOL: "ftp" }, "GHE_PROTOCOL", "https or http"],
    [{ ...base, REDIS_URL: "http://x" }, "REDIS_URL", "redis: or rediss:"],
    [{ ...base, WEBHOOK_PROXY_URL: "smee" }, "WEBHOOK_PROXY_URL", "not a URL"],
    [{ ...base, DATABASE_URL: "mysql://x/y" }, "DATABASE_URL", "SQLite file path"],
    [{ ...base, METRICS_TOKEN: "short" }, "METRICS_TOKEN", "5 characters long: use at least 16"],
    [{ ...base, METRICS_TOKEN: "two words of token text" }, "METRICS_TOKEN", "no spaces"],
    [{ ...base, METRICS_TOKEN: "tökentökentökentöken" }, "METRICS_TOKEN", "visible ASCII"],
  ])("refuses %j naming %s", (env, variable, message) => {
    const error = errorOf(env as Record<string, string>);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(message);
  });
});

describe("METRICS_TOKEN", () => {
  it("leaves /metrics open when unset or blank", () => {
    expect(readSettings(base).metricsToken).toBeNull();
    expect(readSettings({ ...base, METRICS_TOKEN: "   " }).metricsToken).toBeNull();
  });

  it("keeps a token of 16 or more visible characters, trimmed", () => {
    expect(readSettings({ ...base, METRICS_TOKEN: " 0123456789abcdef \n" }).metricsToken).toBe(
      "0123456789abcdef",
    );
  });

  it("never echoes the token it refuses", () => {
    const error = errorOf({ ...base, METRICS_TOKEN: "hunter2" });
    expect(error.message).not.toContain("hunter2");
  });
});

describe("durations", () => {
  it.each([
    ["500ms", 500],
    ["1s", 1_000],
    ["15m", 900_000],
    ["2h", 7_200_000],
    ["30d", 2_592_000_000],
    ["0", 0],
    ["1.5s", 1_500],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });

  it.each(["", "10", "1 m", "m", "-1s", "1w", "1sec"])("refuses %j", (text) => {
    expect(parseDuration(text).ok).toBe(false);
  });

  it("writes durations back in their largest unit", () => {
    expect([0, 500, 1_000, 900_000, 7_200_000, 86_400_000].map(formatDuration)).toEqual([
      "0",
      "500ms",
      "1s",
      "15m",
      "2h",
      "1d",
    ]);
  });
});

describe("Slack app settings", () => {
  const TOKEN = "xoxb-1234-5678-abcdefSECRET";

  function peopleFile(text: string): string {
    const path = join(mkdtempSync(join(tmpdir(), "people-")), "people.yml");
    writeFileSync(path, text);
    return path;
  }

  it("reads the bot token trimmed, and bot channels with it", () => {
    const settings = readSettings({
      ...base,
      SLACK_BOT_TOKEN: ` ${TOKEN}\n`,
      SLACK_CHANNEL_ID: "C0123ABCD",
    });
    expect(settings.slackBotToken).toBe(TOKEN);
    expect(settings.channels.get("default")?.kind).toBe("bot");
    expect(settings.channels.dm()?.kind).toBe("dm");
  });

  it.each([
    ["https://slack.example.com/api", "https://slack.example.com/api/"],
    ["http://127.0.0.1:4000/api/", "http://127.0.0.1:4000/api/"],
    [" http://127.0.0.1:4000 ", "http://127.0.0.1:4000/"],
    ["", "https://slack.com/api/"],
  ])("reads SLACK_API_URL %j as %j", (value, url) => {
    expect(readSettings({ ...base, SLACK_API_URL: value }).slackApiUrl).toBe(url);
  });

  it("reads the people file, with DMs when a bot token is set", () => {
    const path = peopleFile("octocat: { slack: U0123ABCD, dm: [review_requested] }\n");
    const settings = readSettings({ ...base, SLACK_BOT_TOKEN: TOKEN, SLACK_PEOPLE_FILE: path });
    expect(settings.people.lookup("OctoCat")).toEqual({
      login: "octocat",
      slackId: "U0123ABCD",
      dm: ["review_requested"],
      remind: null,
    });
  });

  it("reads a person's reminder when a bot token is set", () => {
    const path = peopleFile('octocat: { slack: U0123ABCD, remind: "weekdays at 09:00" }\n');
    const settings = readSettings({ ...base, SLACK_BOT_TOKEN: TOKEN, SLACK_PEOPLE_FILE: path });
    expect(settings.people.lookup("octocat")?.remind?.timezone).toBe("UTC");
  });

  it("refuses a person's reminder without a bot token: it is a direct message", () => {
    const path = peopleFile(
      'octocat: U0123ABCD\nhubot: { slack: U0456EFGH, remind: "weekdays at 09:00", timezone: Europe/Berlin }\n',
    );
    const error = errorOf({ ...base, SLACK_PEOPLE_FILE: path });
    expect(error.variable).toBe("SLACK_PEOPLE_FILE");
    expect(error.message).toMatchInlineSnapshot(
      `"SLACK_PEOPLE_FILE gives hubot a reminder (remind: "weekdays at 09:00"), but SLACK_BOT_TOKEN is not set: a person's reminder is a direct message, sent by the Slack app's bot; set SLACK_BOT_TOKEN, or remove remind (mentions work without it)"`,
    );
  });

  it("reads a people file of mentions only without a bot token (webhooks can mention)", () => {
    const path = peopleFile("octocat: U0123ABCD\nhubot: { slack: U0456EFGH, dm: [] }\n");
    expect(readSettings({ ...base, SLACK_PEOPLE_FILE: path }).people.all()).toHaveLength(2);
  });

  it("refuses DMs in the people file without a bot token", () => {
    const path = peopleFile("octocat: U0123ABCD\nhubot: { slack: U0456EFGH, dm: [assigned] }\n");
    const error = errorOf({ ...base, SLACK_PEOPLE_FILE: path });
    expect(error.variable).toBe("SLACK_PEOPLE_FILE");
    expect(error.message).toMatchInlineSnapshot(
      `"SLACK_PEOPLE_FILE asks direct messages for hubot, but SLACK_BOT_TOKEN is not set: DMs are sent by the Slack app's bot; set SLACK_BOT_TOKEN, or remove the dm lists (mentions work without it)"`,
    );
  });

  it("stops at a bad people file, naming the file and line", () => {
    const path = peopleFile("octocat: U0123ABCD\nhubot: bob\n");
    const error = errorOf({ ...base, SLACK_PEOPLE_FILE: path });
    expect(error.variable).toBe("SLACK_PEOPLE_FILE");
    expect(error.message).toContain(`${path}:2: hubot: "bob" is not a Slack user id`);
  });

  it.each([
    [{ SLACK_BOT_TOKEN: "" }, "SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN is empty"],
    [{ SLACK_BOT_TOKEN: "xoxp-1234-user-token" }, "SLACK_BOT_TOKEN", "starts with xoxb-"],
    [{ SLACK_BOT_TOKEN: "xapp-1-A0-123-app" }, "SLACK_BOT_TOKEN", "not a bot token"],
    [{ SLACK_BOT_TOKEN: "xoxb-" }, "SLACK_BOT_TOKEN", "not a bot token"],
    [{ SLACK_BOT_TOKEN: "xoxb-12 34" }, "SLACK_BOT_TOKEN", "not a bot token"],
    [
      { SLACK_BOT_TOKEN: "xoxp-1234-user-token", SLACK_CHANNEL_ID: "C0123ABCD" },
      "SLACK_BOT_TOKEN",
      "not a bot token",
    ],
    [{ SLACK_CHANNEL_ID: "C0123ABCD" }, "SLACK_CHANNEL_ID", "SLACK_BOT_TOKEN is not set"],
    [{ SLACK_API_URL: "slack.com/api" }, "SLACK_API_URL", "SLACK_API_URL is not a URL"],
    [{ SLACK_API_URL: "ftp://slack.com/api/" }, "SLACK_API_URL", "must be a http: or https: URL"],
    [
      { SLACK_API_URL: "https://slack.com/api/?token=x" },
      "SLACK_API_URL",
      "without a query or fragment",
    ],
    [{ SLACK_PEOPLE_FILE: " " }, "SLACK_PEOPLE_FILE", "SLACK_PEOPLE_FILE is empty"],
    [
      { SLACK_PEOPLE_FILE: "/nonexistent/people.yml" },
      "SLACK_PEOPLE_FILE",
      'SLACK_PEOPLE_FILE names "/nonexistent/people.yml", which cannot be read',
    ],
  ])("refuses %j naming %s", (env, variable, message) => {
    const error = errorOf({ ...base, ...env });
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(message);
  });

  it("never echoes the bot token it refuses", () => {
    for (const token of ["xoxp-1234-5678-SECRETVALUE", "xoxb-12 SECRETVALUE"]) {
      const error = errorOf({ ...base, SLACK_BOT_TOKEN: token });
      expect(error.message).not.toContain("SECRETVALUE");
      expect(error.message).not.toContain(token);
    }
  });
});
