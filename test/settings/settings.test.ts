import { describe, expect, it } from "vitest";
import { readSettings } from "../../src/settings/settings.js";
import { parseDuration, formatDuration } from "../../src/shared/duration.js";
import { SettingsError } from "../../src/settings/settings-error.js";

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
