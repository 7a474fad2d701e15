import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DM_KINDS, NO_PEOPLE, parsePeople, readPeopleFile } from "../../src/settings/people.js";
import { SettingsError } from "../../src/settings/settings-error.js";

const FILE = "config/people.yml";

/** Parses `text` and returns the SettingsError it throws, failing the test if it does not. */
function errorOf(text: string): SettingsError {
  try {
    parsePeople({ text, file: FILE });
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  throw new Error("expected parsePeople to throw a SettingsError");
}

describe("parsePeople", () => {
  it("reads both entry forms, in file order", () => {
    const people = parsePeople({
      file: FILE,
      text: [
        "# GitHub login: Slack user id",
        "octocat: U0123ABCD",
        "Hubot:",
        "  slack: W0456EFGH",
        "  dm: [review_requested, assigned, review_submitted]",
        "mona: { slack: U0789IJKL, dm: [assigned, assigned] }",
        "0123: { slack: U0999ZZZZ }",
        "",
      ].join("\n"),
    });
    expect(people.all()).toEqual([
      { login: "octocat", slackId: "U0123ABCD", dm: [], remind: null },
      { login: "Hubot", slackId: "W0456EFGH", dm: [...DM_KINDS], remind: null },
      { login: "mona", slackId: "U0789IJKL", dm: ["assigned"], remind: null },
      { login: "0123", slackId: "U0999ZZZZ", dm: [], remind: null },
    ]);
  });

  it("looks logins up whatever their case", () => {
    const people = parsePeople({ file: FILE, text: "OctoCat: U0123ABCD\n" });
    expect(people.lookup("octocat")?.slackId).toBe("U0123ABCD");
    expect(people.lookup("OCTOCAT")?.login).toBe("OctoCat");
    expect(people.lookup("someone")).toBeUndefined();
  });

  it("trims an id and reads an empty dm list as mentions only", () => {
    expect(
      parsePeople({ file: FILE, text: 'octocat: { slack: " U0123ABCD ", dm: [] }\n' }).all(),
    ).toEqual([{ login: "octocat", slackId: "U0123ABCD", dm: [], remind: null }]);
  });

  it("reads a reminder schedule, in its time zone or UTC", () => {
    const people = parsePeople({
      file: FILE,
      text: [
        'octocat: { slack: U0123ABCD, remind: "weekdays at 09:00", timezone: Europe/Berlin }',
        "hubot:",
        "  slack: W0456EFGH",
        "  dm: [review_requested]",
        "  remind: Mon, Thu at 16:30",
        "mona: { slack: U0789IJKL }",
        "",
      ].join("\n"),
    });
    expect(people.lookup("octocat")?.remind).toEqual({
      schedule: { days: [1, 2, 3, 4, 5], hour: 9, minute: 0, text: "weekdays at 09:00" },
      timezone: "Europe/Berlin",
    });
    expect(people.lookup("hubot")).toEqual({
      login: "hubot",
      slackId: "W0456EFGH",
      dm: ["review_requested"],
      remind: {
        schedule: { days: [1, 4], hour: 16, minute: 30, text: "Mon, Thu at 16:30" },
        timezone: "UTC",
      },
    });
    expect(people.lookup("mona")?.remind).toBeNull();
  });

  it.each(["", "\n\n", "# nobody yet\n", "---\n"])("reads %j as nobody", (text) => {
    expect(parsePeople({ file: FILE, text }).all()).toEqual([]);
  });

  it("returns a copy of the entries", () => {
    const people = parsePeople({ file: FILE, text: "octocat: U0123ABCD\n" });
    people.all().pop();
    expect(people.all()).toHaveLength(1);
  });

  it("NO_PEOPLE lists nobody", () => {
    expect(NO_PEOPLE.all()).toEqual([]);
    expect(NO_PEOPLE.lookup("octocat")).toBeUndefined();
  });

  describe("rejects, naming the file and the line", () => {
    it("a Slack id that is not a user id", () => {
      const error = errorOf("octocat: U0123ABCD\nhubot: bob\nmona: { slack: C0123ABCD }\n");
      expect(error.variable).toBe("SLACK_PEOPLE_FILE");
      expect(error.message).toMatchInlineSnapshot(`
        "config/people.yml:2: hubot: "bob" is not a Slack user id (U or W, then capital letters and digits, like U0123ABCD; Slack shows it in the person's profile under ⋮ → Copy member ID)
        config/people.yml:3: mona: "C0123ABCD" is not a Slack user id (U or W, then capital letters and digits, like U0123ABCD; Slack shows it in the person's profile under ⋮ → Copy member ID)"
      `);
    });

    it.each([
      [
        "octocat:\n",
        "config/people.yml:1: octocat: no Slack user id; write one like octocat: U0123ABCD",
      ],
      ["octocat: u0123abcd\n", 'config/people.yml:1: octocat: "u0123abcd" is not a Slack user id'],
      [
        "octocat: <@U0123ABCD>\n",
        'config/people.yml:1: octocat: "<@U0123ABCD>" is not a Slack user id',
      ],
      ["octocat: U\n", 'config/people.yml:1: octocat: "U" is not a Slack user id'],
      [
        "octocat: { dm: [assigned] }\n",
        "config/people.yml:1: octocat: no `slack:` user id (like slack: U0123ABCD)",
      ],
      [
        "octocat: [U0123ABCD]\n",
        "config/people.yml:1: octocat: write a Slack user id (`octocat: U0123ABCD`) or { slack: U0123ABCD, dm: [review_requested, assigned, review_submitted] }",
      ],
    ])("%j", (text, message) => {
      expect(errorOf(text).message).toContain(message);
    });

    it("unknown keys", () => {
      expect(
        errorOf("octocat:\n  slack: U0123ABCD\n  email: octocat@example.com\n").message,
      ).toMatchInlineSnapshot(
        `"config/people.yml:3: octocat: unknown key "email" (an entry has slack, dm, remind and timezone)"`,
      );
    });

    it("unknown dm kinds, and a dm that is not a list", () => {
      expect(
        errorOf(
          "octocat:\n  slack: U0123ABCD\n  dm:\n    - assigned\n    - mentioned\nhubot: { slack: U0456EFGH, dm: assigned }\n",
        ).message,
      ).toMatchInlineSnapshot(`
        "config/people.yml:5: octocat: dm lists "mentioned", which is not one of review_requested, assigned, review_submitted
        config/people.yml:6: hubot: dm must be a list of events, like dm: [review_requested, assigned, review_submitted]"
      `);
    });

    it("a remind that is not a schedule, a bad time zone, and a time zone without remind", () => {
      const text = [
        "octocat:",
        "  slack: U0123ABCD",
        "  remind: weekday at 9:00",
        "hubot: { slack: W0456EFGH, remind: daily at 08:00, timezone: Europe/Berln }",
        "mona:",
        "  slack: U0789IJKL",
        "  timezone: Europe/Berlin",
        "monalisa: { slack: U0999ZZZZ, remind: [mon] }",
        "",
      ].join("\n");
      expect(errorOf(text).message).toMatchInlineSnapshot(`
        "config/people.yml:3: octocat: remind names "weekday", which is not a day; did you mean "weekdays"? (days are mon to sun (or monday to sunday), weekdays, weekends or daily, in a list like mon,wed,fri)
        config/people.yml:4: hubot: timezone must be an IANA time zone, like "UTC", "Europe/Paris" or "America/New_York" (got "Europe/Berln")
        config/people.yml:7: mona: timezone without remind: timezone is the zone of remind's time; add remind, like remind: "weekdays at 09:00", or remove timezone
        config/people.yml:8: monalisa: remind must be days and a time of day, like "weekdays at 09:30", "daily at 09:30" or "mon,wed,fri at 16:00""
      `);
    });

    it("a login listed twice, whatever its case, naming both lines", () => {
      const error = errorOf("octocat: U0123ABCD\nhubot: U0456EFGH\nOctoCat: U0789IJKL\n");
      expect(error.message).toMatchInlineSnapshot(
        `"config/people.yml:3: OctoCat is listed twice (also as octocat on line 1; logins ignore case): keep one"`,
      );
      expect(errorOf("octocat: U0123ABCD\noctocat: U0123ABCD\n").message).toContain(
        "config/people.yml:2: octocat is listed twice (also as octocat on line 1",
      );
    });

    it("a key given twice in one entry, naming its line", () => {
      expect(errorOf("octocat:\n  slack: U0123ABCD\n  slack: U0456EFGH\n").message).toBe(
        'config/people.yml:3: octocat: "slack" is given twice',
      );
    });

    it.each(["acme/octocat", "-octocat", "octo--cat", "dependabot[bot]", "a".repeat(40)])(
      "%j, which is not a GitHub login",
      (login) => {
        expect(errorOf(`ok: U0123ABCD\n"${login}": U0456EFGH\n`).message).toContain(
          `config/people.yml:2: "${login}" is not a GitHub login`,
        );
      },
    );

    it("a top level that is not a mapping", () => {
      expect(errorOf("- octocat: U0123ABCD\n").message).toMatchInlineSnapshot(
        `"config/people.yml:1: the file must map GitHub logins to Slack user ids, one \`login: U0123ABCD\` a line"`,
      );
      expect(errorOf("octocat U0123ABCD\n").message).toContain(
        "config/people.yml:1: the file must map",
      );
    });

    it("YAML that does not parse", () => {
      const error = errorOf("octocat: U0123ABCD\nhubot: [U0456EFGH\n");
      expect(error.variable).toBe("SLACK_PEOPLE_FILE");
      expect(error.message).toMatch(/^config\/people\.yml:3: not valid YAML: /);
    });

    it("lists every problem, first line first, and counts those past twenty", () => {
      const text = Array.from({ length: 25 }, (_, i) => `user${i}: nobody\n`).join("");
      const lines = errorOf(text).message.split("\n");
      expect(lines).toHaveLength(21);
      expect(lines[0]).toMatch(/^config\/people\.yml:1: user0: /);
      expect(lines[19]).toMatch(/^config\/people\.yml:20: user19: /);
      expect(lines[20]).toBe("config/people.yml: … and 5 more problems");
    });
  });
});

describe("readPeopleFile", () => {
  it("reads the file at the path", () => {
    const path = join(mkdtempSync(join(tmpdir(), "people-")), "people.yml");
    writeFileSync(path, "octocat: U0123ABCD\n");
    expect(readPeopleFile(path).lookup("octocat")?.slackId).toBe("U0123ABCD");
  });

  it("names the path in errors about its lines", () => {
    const path = join(mkdtempSync(join(tmpdir(), "people-")), "people.yml");
    writeFileSync(path, "octocat: nobody\n");
    expect(() => readPeopleFile(path)).toThrow(
      `${path}:1: octocat: "nobody" is not a Slack user id`,
    );
  });

  it("says a file it cannot read cannot be read", () => {
    let error: unknown;
    try {
      readPeopleFile("/nonexistent/people.yml");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).variable).toBe("SLACK_PEOPLE_FILE");
    expect((error as SettingsError).message).toMatch(
      /^SLACK_PEOPLE_FILE names "\/nonexistent\/people\.yml", which cannot be read: ENOENT/,
    );
  });
});
