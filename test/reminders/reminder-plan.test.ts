/**
 * Which reminders exist (grouped by installation and content), when each is due (quiet hours
 * hold or drop it), the run id every instance agrees on, and reading a stored run back.
 */
import { describe, expect, it } from "vitest";
import type { NotifierConfig } from "../../src/repo-config/config-schema.js";
import {
  channelReminders,
  decodeRun,
  dueBetween,
  dueTime,
  personReminders,
  reminderRunId,
  runOf,
  type ChannelReminder,
} from "../../src/reminders/reminder-plan.js";
import { parseSchedule } from "../../src/shared/schedule.js";

const eng: NotifierConfig = {
  channel: "eng",
  reminders: [{ channel: "eng", at: "weekdays at 09:30", timezone: "Europe/Berlin" }],
};

function schedule(text: string) {
  const parsed = parseSchedule(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.schedule;
}

describe("channelReminders", () => {
  it("groups one reminder that several repositories of an installation use into one list", () => {
    const reminders = channelReminders([
      { installationId: 1, repository: "acme/web", config: eng },
      { installationId: 1, repository: "acme/api", config: eng },
    ]);
    expect(reminders).toHaveLength(1);
    expect(reminders[0]).toMatchObject({
      kind: "channel",
      installationId: 1,
      channel: "eng",
      repositories: ["acme/api", "acme/web"],
      timeZone: "Europe/Berlin",
    });
  });

  it("keeps installations apart: one tenant's list never names another's repositories", () => {
    const reminders = channelReminders([
      { installationId: 1, repository: "acme/api", config: eng },
      { installationId: 2, repository: "other/api", config: eng },
    ]);
    expect(reminders.map((r) => r.repositories)).toEqual([["acme/api"], ["other/api"]]);
    expect(new Set(reminders.map((r) => r.key)).size).toBe(2);
  });

  it("tells reminders apart by anything that shapes the message, not by key order", () => {
    const reordered: NotifierConfig = {
      reminders: [{ timezone: "Europe/Berlin", at: "weekdays at 09:30", channel: "eng" }],
    };
    const other: NotifierConfig = {
      reminders: [
        { channel: "eng", at: "weekdays at 09:30", timezone: "Europe/Berlin", older_than: "2d" },
      ],
    };
    const [a, b, c] = [eng, reordered, other].map(
      (config) => channelReminders([{ installationId: 1, repository: "acme/api", config }])[0]!,
    );
    expect(a?.key).toBe(b?.key);
    expect(c?.key).not.toBe(a?.key);
  });

  it("keeps a reminder's slot through an edit, and gives reminders sharing a time slots of their own", () => {
    const slotOf = (config: NotifierConfig, installationId = 1) =>
      channelReminders([{ installationId, repository: "acme/api", config }]).map((r) => r.slot);
    const edited: NotifierConfig = {
      reminders: [{ ...eng.reminders![0]!, older_than: "2d", labels: ["needs-review"] }],
    };
    expect(slotOf(edited)).toEqual(slotOf(eng));
    expect(slotOf(eng, 2)).not.toEqual(slotOf(eng));
    const later: NotifierConfig = {
      reminders: [{ ...eng.reminders![0]!, at: "weekdays at 09:45" }],
    };
    expect(slotOf(later)).not.toEqual(slotOf(eng));
    const two = slotOf({ reminders: [eng.reminders![0]!, edited.reminders![0]!] });
    expect(new Set(two).size).toBe(2);
  });

  it("posts to the config's channel when the reminder names none, else default", () => {
    const own = channelReminders([
      {
        installationId: 1,
        repository: "acme/api",
        config: { channel: "ops", reminders: [{ at: "daily at 10:00" }] },
      },
      {
        installationId: 1,
        repository: "acme/web",
        config: { reminders: [{ at: "daily at 10:00" }] },
      },
    ]);
    expect(own.map((r) => [r.channel, r.timeZone])).toEqual([
      ["ops", "UTC"],
      ["default", "UTC"],
    ]);
  });
});

describe("dueTime", () => {
  const withQuiet = (action: "hold" | "drop"): ChannelReminder =>
    channelReminders([
      {
        installationId: 1,
        repository: "acme/api",
        config: {
          quiet_hours: { from: "22:00", to: "10:00", timezone: "Europe/Berlin" },
          quiet_hours_action: action,
          reminders: [{ at: "weekdays at 09:30", timezone: "Europe/Berlin" }],
        },
      },
    ])[0]!;

  it("holds a reminder due in quiet hours until they end with hold", () => {
    const due = dueTime({
      reminder: withQuiet("hold"),
      scheduledAt: new Date("2026-01-05T08:30:00Z"),
    });
    expect(due).toEqual({
      kind: "post",
      at: new Date("2026-01-05T09:00:00Z"),
      heldUntilQuietEnd: true,
    });
  });

  it("skips it with drop, saying why", () => {
    const due = dueTime({
      reminder: withQuiet("drop"),
      scheduledAt: new Date("2026-01-05T08:30:00Z"),
    });
    expect(due).toMatchObject({ kind: "drop" });
    expect(due.kind === "drop" && due.reason).toContain("quiet_hours_action: drop");
  });

  it("posts at the scheduled time outside quiet hours", () => {
    const reminder = channelReminders([{ installationId: 1, repository: "a/b", config: eng }])[0]!;
    const scheduledAt = new Date("2026-01-05T08:30:00Z");
    expect(dueTime({ reminder, scheduledAt })).toEqual({
      kind: "post",
      at: scheduledAt,
      heldUntilQuietEnd: false,
    });
  });
});

describe("dueBetween", () => {
  const reminder = channelReminders([{ installationId: 1, repository: "a/b", config: eng }])[0]!;

  it("finds 09:30 Berlin on weekdays only, at the right instant in winter and summer", () => {
    const friday = dueBetween({
      reminder,
      after: new Date("2026-01-09T00:00:00Z"),
      until: new Date("2026-01-12T23:00:00Z"),
    }).map((o) => o.scheduledAt.toISOString());
    // Friday, then Monday: nothing at the weekend.
    expect(friday).toEqual(["2026-01-09T08:30:00.000Z", "2026-01-12T08:30:00.000Z"]);
    const summer = dueBetween({
      reminder,
      after: new Date("2026-07-06T00:00:00Z"),
      until: new Date("2026-07-06T23:00:00Z"),
    });
    expect(summer.map((o) => o.scheduledAt.toISOString())).toEqual(["2026-07-06T07:30:00.000Z"]);
  });

  it("is empty for an empty or backwards span", () => {
    const at = new Date("2026-01-05T08:30:00Z");
    expect(dueBetween({ reminder, after: at, until: at })).toEqual([]);
    expect(
      dueBetween({ reminder, after: new Date("2026-01-05T08:30:00.001Z"), until: at }),
    ).toEqual([]);
  });
});

describe("runs", () => {
  it("names a run by its reminder and scheduled minute, the same in every instance", () => {
    const id = reminderRunId({ key: "abc", scheduledAt: new Date("2026-01-05T08:30:00Z") });
    expect(id).toBe("reminder-abc-20260105T0830Z");
    expect(reminderRunId({ key: "abc", scheduledAt: new Date("2026-01-06T08:30:00Z") })).not.toBe(
      id,
    );
  });

  it("reads back what it stored and refuses what it did not", () => {
    const reminder = channelReminders([{ installationId: 7, repository: "a/b", config: eng }])[0]!;
    const run = runOf({
      reminder,
      scheduledAt: new Date("2026-01-05T08:30:00Z"),
      dueAt: new Date("2026-01-05T08:30:00Z"),
    });
    expect(decodeRun(JSON.stringify(run))).toEqual(run);
    expect(decodeRun("not json")).toBeNull();
    expect(decodeRun(JSON.stringify({ ...run, repositories: [1] }))).toBeNull();
    expect(decodeRun(JSON.stringify({ ...run, dueAt: "yesterday" }))).toBeNull();
    expect(decodeRun(JSON.stringify({ ...run, kind: "other" }))).toBeNull();
    expect(decodeRun("null")).toBeNull();
  });

  it("gives each person with `remind` a reminder of their own", () => {
    const reminders = personReminders([
      { login: "Octocat", remind: { schedule: schedule("weekdays at 09:00"), timezone: "UTC" } },
      { login: "hubot", remind: null },
    ]);
    expect(reminders).toHaveLength(1);
    expect(reminders[0]).toMatchObject({ kind: "person", login: "Octocat", timeZone: "UTC" });
    expect(
      runOf({
        reminder: reminders[0]!,
        scheduledAt: new Date("2026-01-05T09:00:00Z"),
        dueAt: new Date("2026-01-05T09:00:00Z"),
      }),
    ).toMatchObject({ kind: "person", login: "Octocat" });
  });
});
