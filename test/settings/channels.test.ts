import { describe, expect, it } from "vitest";
import { DM_CHANNEL, readChannels, targetOf } from "../../src/settings/channels.js";
import { SettingsError } from "../../src/settings/settings-error.js";

const URL_DEFAULT = "https://hooks.slack.com/services/T000/B000/XXXX";
const URL_ENG = "https://hooks.slack.com/services/T000/B111/YYYY";
const URL_RELEASE = "https://hooks.slack.com/services/T000/B222/ZZZZ";

/** Reads channels and returns the SettingsError it throws, failing the test if it does not. */
function settingsErrorOf(env: Record<string, string | undefined>): SettingsError {
  try {
    readChannels(env);
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  throw new Error("expected readChannels to throw a SettingsError");
}

describe("readChannels", () => {
  it("names channels from the variables: bare is default, suffix lower-cased with _ read as -", () => {
    const channels = readChannels({
      SLACK_WEBHOOK_URL: URL_DEFAULT,
      SLACK_WEBHOOK_URL_ENG: URL_ENG,
      SLACK_WEBHOOK_URL_RELEASE_NOTES: URL_RELEASE,
      PATH: "/usr/bin",
      SLACK_WEBHOOK_URLS: "not ours, ignored",
      SLACK_WEBHOOK_URL_UNSET: undefined,
    });
    expect(channels.names()).toEqual(["default", "eng", "release-notes"]);
    expect(channels.isLogOnly).toBe(false);
    expect(channels.get("release-notes")).toEqual({
      name: "release-notes",
      kind: "webhook",
      url: URL_RELEASE,
      channelId: null,
      target: targetOf(URL_RELEASE),
      owners: null,
    });
    expect(channels.get("release_notes")).toBeUndefined();
    expect(channels.get("unset")).toBeUndefined();
  });

  it("keys pacing by a short hash of the URL, shared by channels with the same webhook", () => {
    const channels = readChannels({
      SLACK_WEBHOOK_URL_A: URL_ENG,
      SLACK_WEBHOOK_URL_B: URL_ENG,
      SLACK_WEBHOOK_URL_C: URL_RELEASE,
    });
    const [a, b, c] = ["a", "b", "c"].map((name) => channels.get(name)!.target);
    expect(a).toMatch(/^[0-9a-f]{12}$/);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(URL_ENG).not.toContain(a);
  });

  it("trims whitespace around a URL", () => {
    expect(readChannels({ SLACK_WEBHOOK_URL: `  ${URL_DEFAULT}\n` }).get("default")?.url).toBe(
      URL_DEFAULT,
    );
  });

  it("reads owners trimmed and lower-cased, and lets only them use the channel", () => {
    const channels = readChannels({
      SLACK_WEBHOOK_URL: URL_DEFAULT,
      SLACK_WEBHOOK_URL_ENG: URL_ENG,
      SLACK_CHANNEL_OWNERS_ENG: " Acme , octo-org,,acme ",
    });
    expect(channels.get("eng")?.owners).toEqual(["acme", "octo-org"]);
    expect(channels.mayUse("eng", "acme")).toBe(true);
    expect(channels.mayUse("eng", "ACME")).toBe(true);
    expect(channels.mayUse("eng", "Octo-Org")).toBe(true);
    expect(channels.mayUse("eng", "someone-else")).toBe(false);
    expect(channels.mayUse("default", "someone-else")).toBe(true);
    expect(channels.mayUse("unknown", "acme")).toBe(false);
  });

  it("reads owners for the default channel from either SLACK_CHANNEL_OWNERS or _DEFAULT", () => {
    expect(
      readChannels({ SLACK_WEBHOOK_URL: URL_DEFAULT, SLACK_CHANNEL_OWNERS: "acme" }).get("default")
        ?.owners,
    ).toEqual(["acme"]);
    expect(
      readChannels({ SLACK_WEBHOOK_URL: URL_DEFAULT, SLACK_CHANNEL_OWNERS_DEFAULT: "acme" }).get(
        "default",
      )?.owners,
    ).toEqual(["acme"]);
  });

  it("without any URL, logs to one default channel", () => {
    const channels = readChannels({ PATH: "/usr/bin" });
    expect(channels.isLogOnly).toBe(true);
    expect(channels.names()).toEqual(["default"]);
    expect(channels.get("default")).toEqual({
      name: "default",
      kind: "log",
      url: null,
      channelId: null,
      target: "log-only",
      owners: null,
    });
    expect(channels.mayUse("default", "anyone")).toBe(true);
  });

  it("does not need a default channel when named ones exist", () => {
    const channels = readChannels({ SLACK_WEBHOOK_URL_ENG: URL_ENG });
    expect(channels.names()).toEqual(["eng"]);
    expect(channels.isLogOnly).toBe(false);
  });

  it("returns a copy of the names", () => {
    const channels = readChannels({ SLACK_WEBHOOK_URL_ENG: URL_ENG });
    channels.names().push("mutated");
    expect(channels.names()).toEqual(["eng"]);
  });

  describe("rejects", () => {
    it("a URL that is not http(s), naming the variable and never the URL", () => {
      for (const value of [
        "hooks.slack.com/services/T000/B000/XXXX",
        "ftp://hooks.slack.com/services/T000/B000/XXXX",
        "secret-token-1234",
      ]) {
        const error = settingsErrorOf({ SLACK_WEBHOOK_URL_ENG: value });
        expect(error.variable).toBe("SLACK_WEBHOOK_URL_ENG");
        expect(error.message).not.toContain(value);
        expect(error.message).not.toContain("T000/B000");
      }
      expect(
        settingsErrorOf({ SLACK_WEBHOOK_URL_ENG: "ftp://hooks.slack.com/services/T000/B000/XXXX" })
          .message,
      ).toMatchInlineSnapshot(
        `"SLACK_WEBHOOK_URL_ENG is not an http(s) URL: set it to the incoming-webhook URL Slack gave you (https://hooks.slack.com/services/...)"`,
      );
    });

    it("an empty URL", () => {
      const error = settingsErrorOf({ SLACK_WEBHOOK_URL: "  " });
      expect(error.variable).toBe("SLACK_WEBHOOK_URL");
      expect(error.message).toMatchInlineSnapshot(
        `"SLACK_WEBHOOK_URL is empty: set it to the channel's incoming-webhook URL, or unset it"`,
      );
    });

    it("an empty owners list", () => {
      const error = settingsErrorOf({
        SLACK_WEBHOOK_URL_ENG: URL_ENG,
        SLACK_CHANNEL_OWNERS_ENG: " , ",
      });
      expect(error.variable).toBe("SLACK_CHANNEL_OWNERS_ENG");
      expect(error.message).toMatchInlineSnapshot(
        `"SLACK_CHANNEL_OWNERS_ENG is empty: list the GitHub owners that may use the channel, like acme,octo-org, or unset it to allow anyone"`,
      );
      expect(
        settingsErrorOf({ SLACK_WEBHOOK_URL_ENG: URL_ENG, SLACK_CHANNEL_OWNERS_ENG: "" }).message,
      ).toMatchInlineSnapshot(
        `"SLACK_CHANNEL_OWNERS_ENG is empty: list the GitHub owners that may use the channel, like acme,octo-org, or unset it to allow anyone"`,
      );
    });

    it("owners for a channel that has no URL", () => {
      const error = settingsErrorOf({
        SLACK_WEBHOOK_URL: URL_DEFAULT,
        SLACK_CHANNEL_OWNERS_RELEASE_NOTES: "acme",
      });
      expect(error.variable).toBe("SLACK_CHANNEL_OWNERS_RELEASE_NOTES");
      expect(error.message).toMatchInlineSnapshot(
        `"SLACK_CHANNEL_OWNERS_RELEASE_NOTES sets owners for channel "release-notes", but that channel has no webhook or channel id: set SLACK_WEBHOOK_URL_RELEASE_NOTES or SLACK_CHANNEL_ID_RELEASE_NOTES too, or remove SLACK_CHANNEL_OWNERS_RELEASE_NOTES"`,
      );
      expect(settingsErrorOf({ SLACK_CHANNEL_OWNERS: "acme" }).message).toMatchInlineSnapshot(
        `"SLACK_CHANNEL_OWNERS sets owners for channel "default", but that channel has no webhook or channel id: set SLACK_WEBHOOK_URL or SLACK_CHANNEL_ID too, or remove SLACK_CHANNEL_OWNERS"`,
      );
    });

    it("an owner that is not a GitHub owner name", () => {
      const error = settingsErrorOf({
        SLACK_WEBHOOK_URL_ENG: URL_ENG,
        SLACK_CHANNEL_OWNERS_ENG: "acme,acme/widgets",
      });
      expect(error.variable).toBe("SLACK_CHANNEL_OWNERS_ENG");
      expect(error.message).toMatchInlineSnapshot(
        `"SLACK_CHANNEL_OWNERS_ENG: "acme/widgets" is not a GitHub user or organisation name; list owners (not repositories) like acme,octo-org"`,
      );
    });

    it("a variable whose suffix is not a channel name", () => {
      expect(settingsErrorOf({ SLACK_WEBHOOK_URL_: URL_ENG }).message).toMatchInlineSnapshot(
        `"SLACK_WEBHOOK_URL_ does not name a channel: after SLACK_WEBHOOK_URL_ write letters and digits, words separated by single underscores, like SLACK_WEBHOOK_URL_RELEASE_NOTES"`,
      );
      expect(
        settingsErrorOf({ SLACK_WEBHOOK_URL_RELEASE__NOTES: URL_ENG }).message,
      ).toMatchInlineSnapshot(
        `"SLACK_WEBHOOK_URL_RELEASE__NOTES does not name a channel: after SLACK_WEBHOOK_URL_ write letters and digits, words separated by single underscores, like SLACK_WEBHOOK_URL_RELEASE_NOTES"`,
      );
      expect(
        settingsErrorOf({ "SLACK_CHANNEL_OWNERS_ENG-TEAM": "acme" }).message,
      ).toMatchInlineSnapshot(
        `"SLACK_CHANNEL_OWNERS_ENG-TEAM does not name a channel: after SLACK_CHANNEL_OWNERS_ write letters and digits, words separated by single underscores, like SLACK_CHANNEL_OWNERS_RELEASE_NOTES"`,
      );
    });

    it("two variables for the same channel", () => {
      expect(
        settingsErrorOf({ SLACK_WEBHOOK_URL: URL_DEFAULT, SLACK_WEBHOOK_URL_DEFAULT: URL_ENG })
          .message,
      ).toMatchInlineSnapshot(
        `"SLACK_WEBHOOK_URL_DEFAULT and SLACK_WEBHOOK_URL both configure channel "default": keep one"`,
      );
      expect(
        settingsErrorOf({ SLACK_WEBHOOK_URL_ENG: URL_ENG, SLACK_WEBHOOK_URL_eng: URL_RELEASE })
          .message,
      ).toMatchInlineSnapshot(
        `"SLACK_WEBHOOK_URL_eng and SLACK_WEBHOOK_URL_ENG both configure channel "eng": keep one"`,
      );
    });
  });
});

describe("bot channels", () => {
  const TOKEN = "xoxb-1-2-secret";

  it("reads SLACK_CHANNEL_ID as default and SLACK_CHANNEL_ID_<NAME> as <name>, keyed by channel id", () => {
    const channels = readChannels({
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_CHANNEL_ID: "C0123ABCD",
      SLACK_CHANNEL_ID_RELEASE_NOTES: " G0PRIVATE1\n",
      SLACK_WEBHOOK_URL_ENG: URL_ENG,
      SLACK_CHANNEL_IDS: "not ours, ignored",
    });
    expect(channels.names()).toEqual(["default", "eng", "release-notes"]);
    expect(channels.isLogOnly).toBe(false);
    expect(channels.get("default")).toEqual({
      name: "default",
      kind: "bot",
      url: null,
      channelId: "C0123ABCD",
      target: "bot:C0123ABCD",
      owners: null,
    });
    expect(channels.get("release-notes")?.channelId).toBe("G0PRIVATE1");
    expect(channels.get("eng")?.kind).toBe("webhook");
  });

  it("shares pacing between names given the same channel id", () => {
    const channels = readChannels({
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_CHANNEL_ID_A: "C0123ABCD",
      SLACK_CHANNEL_ID_B: "C0123ABCD",
    });
    expect(channels.get("a")?.target).toBe(channels.get("b")?.target);
  });

  it("applies SLACK_CHANNEL_OWNERS_<NAME> to a bot channel", () => {
    const channels = readChannels({
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_CHANNEL_ID_ENG: "C0123ABCD",
      SLACK_CHANNEL_OWNERS_ENG: "Acme",
    });
    expect(channels.get("eng")?.owners).toEqual(["acme"]);
    expect(channels.mayUse("eng", "acme")).toBe(true);
    expect(channels.mayUse("eng", "other")).toBe(false);
  });

  it("offers the DM pseudo-channel only with a bot token, never by name", () => {
    const withToken = readChannels({ SLACK_BOT_TOKEN: TOKEN, SLACK_WEBHOOK_URL: URL_DEFAULT });
    expect(withToken.dm()).toEqual({
      name: DM_CHANNEL,
      kind: "dm",
      url: null,
      channelId: null,
      target: "dm",
      owners: null,
    });
    expect(withToken.names()).not.toContain(DM_CHANNEL);
    expect(withToken.get(DM_CHANNEL)).toBeUndefined();
    expect(withToken.mayUse(DM_CHANNEL, "acme")).toBe(false);
    expect(readChannels({ SLACK_WEBHOOK_URL: URL_DEFAULT }).dm()).toBeNull();
    expect(readChannels({ SLACK_BOT_TOKEN: "  " }).dm()).toBeNull();
  });

  it("stays log-only with a bot token but no channel, and still offers DMs", () => {
    const channels = readChannels({ SLACK_BOT_TOKEN: TOKEN });
    expect(channels.isLogOnly).toBe(true);
    expect(channels.get("default")?.kind).toBe("log");
    expect(channels.dm()?.kind).toBe("dm");
  });

  describe("rejects", () => {
    it("a channel id without SLACK_BOT_TOKEN", () => {
      const error = settingsErrorOf({ SLACK_CHANNEL_ID_ENG: "C0123ABCD" });
      expect(error.variable).toBe("SLACK_CHANNEL_ID_ENG");
      expect(error.message).toMatchInlineSnapshot(
        `"SLACK_CHANNEL_ID_ENG sets a channel id for channel "eng", but SLACK_BOT_TOKEN is not set: the app posts to a channel id with its Slack app's bot token (xoxb-…); set SLACK_BOT_TOKEN, or use SLACK_WEBHOOK_URL_ENG for a webhook channel"`,
      );
      expect(settingsErrorOf({ SLACK_CHANNEL_ID: "C0123ABCD", SLACK_BOT_TOKEN: "" }).variable).toBe(
        "SLACK_CHANNEL_ID",
      );
    });

    it("one channel configured as both a webhook and a bot channel, never showing the URL", () => {
      const error = settingsErrorOf({
        SLACK_BOT_TOKEN: TOKEN,
        SLACK_WEBHOOK_URL: URL_DEFAULT,
        SLACK_CHANNEL_ID_DEFAULT: "C0123ABCD",
      });
      expect(error.variable).toBe("SLACK_CHANNEL_ID_DEFAULT");
      expect(error.message).toMatchInlineSnapshot(
        `"SLACK_CHANNEL_ID_DEFAULT and SLACK_WEBHOOK_URL both configure channel "default": a channel is either a bot channel or a webhook channel, keep one"`,
      );
      expect(error.message).not.toContain(URL_DEFAULT);
    });

    it("two channel ids for one channel", () => {
      expect(
        settingsErrorOf({
          SLACK_BOT_TOKEN: TOKEN,
          SLACK_CHANNEL_ID: "C0123ABCD",
          SLACK_CHANNEL_ID_DEFAULT: "C0123ABCE",
        }).message,
      ).toMatchInlineSnapshot(
        `"SLACK_CHANNEL_ID_DEFAULT and SLACK_CHANNEL_ID both configure channel "default": keep one"`,
      );
    });

    it.each(["#general", "general", "c0123abcd", "D0123ABCD", "U0123ABCD", "C", "xoxb-1-2-secret"])(
      "%j as a channel id, naming the variable and never echoing the value",
      (value) => {
        const error = settingsErrorOf({ SLACK_BOT_TOKEN: TOKEN, SLACK_CHANNEL_ID_ENG: value });
        expect(error.variable).toBe("SLACK_CHANNEL_ID_ENG");
        expect(error.message).toBe(
          "SLACK_CHANNEL_ID_ENG is not a Slack channel id: write the id (C or G, then capital letters and digits, like C0123ABCD), not the channel's name; Slack shows it at the bottom of the channel's details",
        );
      },
    );

    it("an empty channel id", () => {
      expect(
        settingsErrorOf({ SLACK_BOT_TOKEN: TOKEN, SLACK_CHANNEL_ID: " " }).message,
      ).toMatchInlineSnapshot(
        `"SLACK_CHANNEL_ID is empty: set it to the Slack channel's id (like C0123ABCD), or unset it"`,
      );
    });

    it("a channel id variable whose suffix is not a channel name", () => {
      expect(
        settingsErrorOf({ SLACK_BOT_TOKEN: TOKEN, "SLACK_CHANNEL_ID_ENG-TEAM": "C0123ABCD" })
          .variable,
      ).toBe("SLACK_CHANNEL_ID_ENG-TEAM");
    });
  });
});
