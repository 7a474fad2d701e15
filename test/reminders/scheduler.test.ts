/**
 * The scheduler against a real SQLite store and a clock the test moves: a reminder is stored once
 * when due, once across two instances and a restart, an hour's look back after a restart, a later
 * time skipped with a log line, a reminder added later never posting a past time.
 */
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import pino from "pino";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { createReminderScheduler } from "../../src/reminders/scheduler.js";
import {
  channelReminders,
  decodeRun,
  type KnownReminder,
} from "../../src/reminders/reminder-plan.js";
import { REMINDER_EVENT } from "../../src/reminders/types.js";
import type { Log } from "../../src/shared/log.js";
import { fakeClock, type FakeClock } from "../helpers/fake-clock.js";
import { tempDir } from "../helpers/temp-dir.js";

const BERLIN_0930: KnownReminder[] = channelReminders([
  {
    installationId: 1,
    repository: "acme/api",
    config: { reminders: [{ channel: "eng", at: "weekdays at 09:30", timezone: "Europe/Berlin" }] },
  },
]);

/** BERLIN_0930 edited: another `max`, so another key. */
function withMax(max: number): KnownReminder[] {
  return channelReminders([
    {
      installationId: 1,
      repository: "acme/api",
      config: {
        reminders: [{ channel: "eng", at: "weekdays at 09:30", timezone: "Europe/Berlin", max }],
      },
    },
  ]);
}

let store: Store;
let clock: FakeClock;
let warnings: string[];
let log: Log;

beforeEach(async () => {
  store = createStore(join(tempDir("notifier-reminders-"), "store.db"));
  await store.migrate();
  warnings = [];
  const base = pino({ level: "silent" });
  log = Object.assign(Object.create(base) as Log, {
    warn: (_: unknown, message?: string) => void warnings.push(message ?? ""),
    child: () => log,
  });
});

afterEach(async () => {
  await store.close();
});

function scheduler(onStored: () => void = () => {}) {
  return createReminderScheduler({
    store,
    now: clock.now,
    log,
    onStored,
    checkpoint: store,
    tickMs: 3_600_000,
  });
}

async function reminderRuns() {
  return (await store.listDeliveries({ limit: 100 })).filter((d) => d.event === REMINDER_EVENT);
}

describe("the reminder scheduler", () => {
  it("stores one run when 09:30 Berlin comes, on a weekday, and not before", async () => {
    clock = fakeClock("2026-01-05T08:29:58Z"); // Monday 09:29:58 in Berlin
    let woken = 0;
    const s = scheduler(() => (woken += 1));
    s.setReminders(BERLIN_0930);
    s.start();
    await s.tick();
    expect(await reminderRuns()).toHaveLength(0);
    clock.advance(2_000);
    await s.tick();
    await s.tick();
    const runs = await reminderRuns();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ action: "channel", installationId: 1, repository: "acme/api" });
    expect(decodeRun(runs[0]!.payload)).toMatchObject({
      kind: "channel",
      channel: "eng",
      scheduledAt: "2026-01-05T08:30:00.000Z",
      repositories: ["acme/api"],
    });
    expect(woken).toBe(1);
    s.stop();
  });

  it("stores a run once however many instances are up", async () => {
    clock = fakeClock("2026-01-05T08:30:01Z");
    const [a, b] = [scheduler(), scheduler()];
    for (const s of [a, b]) {
      s.setReminders(BERLIN_0930);
      s.start();
    }
    await Promise.all([a.tick(), b.tick()]);
    expect(await reminderRuns()).toHaveLength(1);
    a.stop();
    b.stop();
  });

  it("posts a time missed while down when back within the hour, and skips with a log line after", async () => {
    clock = fakeClock("2026-01-05T09:15:00Z"); // 45 minutes late
    const late = scheduler();
    late.setReminders(BERLIN_0930);
    late.start();
    await late.tick();
    expect(await reminderRuns()).toHaveLength(1);
    late.stop();

    // Tuesday's 09:30 missed by two hours: not posted, said so.
    clock.set("2026-01-06T10:30:00Z");
    const restarted = scheduler();
    restarted.setReminders(BERLIN_0930);
    restarted.start();
    await restarted.tick();
    expect(await reminderRuns()).toHaveLength(1);
    expect(warnings.some((w) => w.includes("more than an hour late"))).toBe(true);
    restarted.stop();
  });

  it("does not store again after a restart what it stored before", async () => {
    clock = fakeClock("2026-01-05T08:30:05Z");
    const first = scheduler();
    first.setReminders(BERLIN_0930);
    first.start();
    await first.tick();
    first.stop();
    clock.advance(60_000);
    const second = scheduler();
    second.setReminders(BERLIN_0930);
    second.start();
    await second.tick();
    expect(await reminderRuns()).toHaveLength(1);
    expect(warnings).toEqual([]);
    second.stop();
  });

  it("starts a reminder found long after start-up from its next time, never a past one", async () => {
    clock = fakeClock("2026-01-05T06:00:00Z");
    const s = scheduler();
    s.start();
    await s.tick();
    clock.set("2026-01-05T08:45:00Z"); // 15 minutes after 09:30 Berlin, hours after start
    s.setReminders(BERLIN_0930);
    await s.tick();
    expect(await reminderRuns()).toHaveLength(0);
    clock.set("2026-01-06T08:30:00Z");
    await s.tick();
    expect((await reminderRuns()).map((d) => d.id)).toEqual([
      expect.stringMatching(/-20260106T0830Z$/),
    ]);
    s.stop();
  });

  it("does not post a time again when an edit changes a reminder's key in the hour after start-up", async () => {
    clock = fakeClock("2026-01-05T08:00:00Z"); // restarted at 09:00 Berlin
    const s = scheduler();
    s.start();
    await s.tick();
    s.setReminders(BERLIN_0930); // the first discovery
    clock.set("2026-01-05T08:30:01Z");
    await s.tick();
    expect(await reminderRuns()).toHaveLength(1);
    // 09:40: the team raises max; the reminder's content, so its key, changes.
    clock.set("2026-01-05T08:40:00Z");
    const edited = channelReminders([
      {
        installationId: 1,
        repository: "acme/api",
        config: {
          reminders: [
            { channel: "eng", at: "weekdays at 09:30", timezone: "Europe/Berlin", max: 30 },
          ],
        },
      },
    ]);
    expect(edited[0]?.key).not.toBe(BERLIN_0930[0]?.key);
    s.setReminders(edited);
    await s.tick();
    expect(await reminderRuns()).toHaveLength(1);
    // The edited reminder still posts its next time.
    clock.set("2026-01-06T08:30:00Z");
    await s.tick();
    expect((await reminderRuns()).map((d) => d.id)).toContainEqual(
      expect.stringMatching(/-20260106T0830Z$/),
    );
    s.stop();
  });

  it("does not post a time again when an edit arrives while that time's run is being stored", async () => {
    clock = fakeClock("2026-01-05T06:00:00Z");
    let release: () => void = () => {};
    const slow = {
      insertDelivery: async (delivery: Parameters<Store["insertDelivery"]>[0]) => {
        await new Promise<void>((resolve) => (release = resolve));
        return store.insertDelivery(delivery);
      },
      knownDeliveryIds: (ids: string[]) => store.knownDeliveryIds(ids),
    };
    const s = createReminderScheduler({
      store: slow,
      now: clock.now,
      log,
      onStored: () => {},
      tickMs: 3_600_000,
    });
    s.setReminders(BERLIN_0930);
    s.start();
    await s.tick();
    clock.set("2026-01-05T08:30:00Z");
    const storing = s.tick();
    await new Promise((resolve) => setImmediate(resolve));
    // A discovery lands meanwhile with the reminder edited.
    const edited = channelReminders([
      {
        installationId: 1,
        repository: "acme/api",
        config: {
          reminders: [
            { channel: "eng", at: "weekdays at 09:30", timezone: "Europe/Berlin", drafts: true },
          ],
        },
      },
    ]);
    s.setReminders(edited);
    release();
    await storing;
    clock.advance(1_000);
    const next = s.tick();
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await next;
    expect(await reminderRuns()).toHaveLength(1);
    s.stop();
  });

  it("stores one run for a time when two instances hold the reminder before and after an edit", async () => {
    // A push changed max at 09:29: the instance that routed it discovered again, the other
    // has not yet (it looks every 5 minutes). Both know one reminder of eng at 09:30.
    clock = fakeClock("2026-01-05T06:00:00Z");
    const [before, after] = [scheduler(), scheduler()];
    before.setReminders(BERLIN_0930);
    after.setReminders(withMax(30));
    for (const s of [before, after]) s.start();
    await Promise.all([before.tick(), after.tick()]);
    clock.set("2026-01-05T08:30:01Z");
    await Promise.all([before.tick(), after.tick()]);
    expect(await reminderRuns()).toHaveLength(1);
    before.stop();
    after.stop();
  });

  it("does not post a time again after a restart that brings an edit made since it was posted", async () => {
    clock = fakeClock("2026-01-05T08:30:01Z");
    const first = scheduler();
    first.setReminders(BERLIN_0930);
    first.start();
    await first.tick();
    first.stop();
    // Edited at 09:45, deployed at 10:00: the restart looks an hour back.
    clock.set("2026-01-05T09:00:00Z");
    const restarted = scheduler();
    restarted.setReminders(withMax(30));
    restarted.start();
    await restarted.tick();
    expect(await reminderRuns()).toHaveLength(1);
    restarted.stop();
  });

  it("stores a run for each of two reminders of one channel at one time", async () => {
    clock = fakeClock("2026-01-05T08:30:01Z");
    const two = channelReminders([
      {
        installationId: 1,
        repository: "acme/api",
        config: {
          reminders: [
            { channel: "eng", at: "weekdays at 09:30", timezone: "Europe/Berlin" },
            { channel: "eng", at: "weekdays at 09:30", timezone: "Europe/Berlin", waiting: "any" },
          ],
        },
      },
    ]);
    const s = scheduler();
    s.setReminders(two);
    s.start();
    await s.tick();
    expect(await reminderRuns()).toHaveLength(2);
    s.stop();
  });

  it("still catches up a reminder the first discovery finds, and one of another channel found later", async () => {
    clock = fakeClock("2026-01-05T08:45:00Z"); // restarted 15 minutes after 09:30 Berlin
    const s = scheduler();
    s.start();
    await s.tick();
    clock.advance(30_000);
    s.setReminders(BERLIN_0930);
    await s.tick();
    expect(await reminderRuns()).toHaveLength(1);
    // A later discovery finds another installation's reminder (its listing failed at first).
    clock.advance(5 * 60_000);
    const other = channelReminders([
      {
        installationId: 2,
        repository: "globex/web",
        config: {
          reminders: [{ channel: "web", at: "weekdays at 09:30", timezone: "Europe/Berlin" }],
        },
      },
    ]);
    s.setReminders([...BERLIN_0930, ...other]);
    await s.tick();
    expect(await reminderRuns()).toHaveLength(2);
    s.stop();
  });

  it("logs, and does not reject unhandled, when the store fails while a discovery's missed times are checked", async () => {
    clock = fakeClock("2026-01-05T11:00:00Z"); // 09:30 Berlin was 3.5 hours ago
    const errors: string[] = [];
    const failing = {
      insertDelivery: (delivery: Parameters<Store["insertDelivery"]>[0]) =>
        store.insertDelivery(delivery),
      knownDeliveryIds: () => Promise.reject(new Error("connection terminated")),
    };
    // An instance last looked at 07:00, before 09:30 Berlin: the time was missed while down.
    await store.setState("reminders.last-look", "2026-01-05T07:00:00.000Z");
    const s = createReminderScheduler({
      store: failing,
      now: clock.now,
      log: Object.assign(Object.create(log) as Log, {
        error: (_: unknown, message?: string) => void errors.push(message ?? ""),
      }),
      onStored: () => {},
      checkpoint: store,
      tickMs: 3_600_000,
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      s.start();
      await s.tick();
      clock.advance(60_000);
      s.setReminders(BERLIN_0930); // the first discovery, within the hour after start-up
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
      expect(errors.some((message) => message.includes("missed"))).toBe(true);
    } finally {
      process.off("unhandledRejection", onUnhandled);
      s.stop();
    }
  });

  it("reports no missed time on a first start, nor after a restart while another instance was looking", async () => {
    // A first start: no instance ever looked, so 09:30 two hours ago was not missed by downtime.
    clock = fakeClock("2026-01-05T10:30:00Z");
    const first = scheduler();
    first.setReminders(BERLIN_0930);
    first.start();
    await first.tick();
    expect(warnings).toEqual([]);
    first.stop();

    // Another instance kept looking until a minute ago: Tuesday's time was its to post.
    clock.set("2026-01-06T10:30:00Z");
    await store.setState("reminders.last-look", "2026-01-06T10:29:00.000Z");
    const restarted = scheduler();
    restarted.setReminders(BERLIN_0930);
    restarted.start();
    await restarted.tick();
    expect(warnings).toEqual([]);
    restarted.stop();

    // Down from Tuesday 10:29 to Wednesday 10:30: Wednesday's 09:30 was missed, and said so.
    clock.set("2026-01-07T10:30:00Z");
    const back = scheduler();
    back.setReminders(BERLIN_0930);
    back.start();
    await back.tick();
    expect(warnings).toEqual([
      "reminder skipped: the app was not running when it was due, and it is more than an hour late",
    ]);
    back.stop();
  });

  it("looks at thousands of reminders a second without redoing their time-zone arithmetic", async () => {
    // Reminders are as many as the tenants write (20 per config, any number of repositories):
    // working out each one's due times at every look cost ~20 µs apiece, 0.2 s of every second
    // of the event loop for 10,000 of them.
    clock = fakeClock("2026-01-05T06:00:00Z");
    const many = channelReminders(
      Array.from({ length: 10_000 }, (_, i) => ({
        installationId: i + 1,
        repository: `tenant${i}/api`,
        config: {
          reminders: [{ channel: "eng", at: "weekdays at 09:30", timezone: "Europe/Berlin" }],
        },
      })),
    );
    let stored = 0;
    const s = createReminderScheduler({
      store: {
        insertDelivery: () => Promise.resolve((stored += 1) > 0 ? "stored" : "duplicate"),
        knownDeliveryIds: () => Promise.resolve(new Set<string>()),
      },
      now: clock.now,
      log,
      onStored: () => {},
      tickMs: 3_600_000,
    });
    s.setReminders(many);
    s.start();
    await s.tick();
    const looks: number[] = [];
    for (let i = 0; i < 3; i++) {
      clock.advance(1_000);
      const started = performance.now();
      await s.tick();
      looks.push(performance.now() - started);
    }
    expect(Math.min(...looks)).toBeLessThan(40);
    clock.set("2026-01-05T08:30:00Z");
    await s.tick();
    expect(stored).toBe(10_000);
    s.stop();
  }, 60_000);

  it("looks again after the store fails, and stores the run then", async () => {
    clock = fakeClock("2026-01-05T08:30:05Z");
    let failures = 1;
    const flaky = {
      insertDelivery: async (delivery: Parameters<Store["insertDelivery"]>[0]) => {
        if (failures-- > 0) throw new Error("database is locked");
        return store.insertDelivery(delivery);
      },
      knownDeliveryIds: (ids: string[]) => store.knownDeliveryIds(ids),
    };
    const s = createReminderScheduler({
      store: flaky,
      now: clock.now,
      log: pino({ level: "silent" }),
      onStored: () => {},
      tickMs: 3_600_000,
    });
    s.setReminders(BERLIN_0930);
    s.start();
    await s.tick();
    expect(await reminderRuns()).toHaveLength(0);
    clock.advance(1_000);
    await s.tick();
    expect(await reminderRuns()).toHaveLength(1);
    s.stop();
  });
});
