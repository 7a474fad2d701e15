/**
 * The reminder scheduler: knows every reminder (repositories' config, found by discovery, and
 * the people file's) and, when one is due, stores its run as a delivery under an id that is the
 * same in every instance, so the run is stored once however many instances are up and however
 * often they restart; the worker then claims and runs it like any delivery.
 *
 * A time missed while the app was down is stored when it comes back if it is less than an hour
 * late (looking back an hour from start-up), and skipped with a log line otherwise. A reminder
 * that appears later (a config changed) starts with its next time, never a past one.
 */
import type { Log } from "../shared/log.js";
import type { DeliveryHistory, DeliveryQueue, KeyValueStore } from "../store/types.js";
import { lastOccurrence } from "../shared/schedule.js";
import {
  dueBetween,
  dueTime,
  LATE_LIMIT_MS,
  reminderRunId,
  runOf,
  type KnownReminder,
} from "./reminder-plan.js";
import { REMINDER_EVENT } from "./types.js";

export interface ReminderScheduler {
  /** Starts looking for due reminders every tick; the first look goes back an hour. */
  start(): void;
  /** Replaces the reminders known (after a discovery); new ones start from now. */
  setReminders(reminders: readonly KnownReminder[]): void;
  /** Looks for due reminders now; resolves when what was due is stored. For tests and the timer. */
  tick(): Promise<void>;
  /** The reminders known now. */
  reminders(): readonly KnownReminder[];
  stop(): void;
}

/** How often due reminders are looked for: schedules name minutes, so a second is prompt. */
const TICK_MS = 1_000;
/** Ids of runs already stored or skipped by this process are remembered this long. */
const HANDLED_MEMORY_MS = 26 * 60 * 60 * 1000;

/**
 * @example
 * const scheduler = createReminderScheduler({ store, now, log, onStored: () => worker.received() });
 * scheduler.setReminders([...channelReminders(found), ...personReminders(people.all())]);
 * scheduler.start();
 */
export function createReminderScheduler(params: {
  store: Pick<DeliveryQueue, "insertDelivery"> & Pick<DeliveryHistory, "knownDeliveryIds">;
  now: () => Date;
  log: Log;
  /** Called after a run is stored, so the worker claims it at once. */
  onStored: () => void;
  /** Called with what each look found: for metrics. */
  onOutcome?: (outcome: "stored" | "duplicate" | "late" | "dropped") => void;
  /**
   * Where the last look of any instance is kept (a minute at a time), so that at start-up only
   * times due while no instance was looking are reported missed: a first start, or a restart
   * while another instance ran, reports none. Without it nothing is reported.
   */
  checkpoint?: Pick<KeyValueStore, "getState" | "setState">;
  tickMs?: number;
}): ReminderScheduler {
  const { store, now, log } = params;
  const tickMs = params.tickMs ?? TICK_MS;
  let known = new Map<string, KnownReminder>();
  /** Per reminder key: due times up to this instant have been looked at. */
  const checkedUntil = new Map<string, Date>();
  /**
   * Per reminder key: nothing is due after `from` and before `next` (epoch ms). A look skips a
   * reminder inside that span: finding due times costs tens of microseconds of time-zone
   * arithmetic per reminder, and reminders are as many as the tenants' configs make them, at
   * a look a second.
   */
  const idle = new Map<string, { from: number; next: number }>();
  /** Run ids this process stored, found stored, or skipped, with when (for forgetting). */
  const handled = new Map<string, number>();
  const startedAt = now();
  let firstLookDone = false;
  /** When some instance last looked before this one started; null: never, or unknown. */
  let lookedBefore: Date | null = null;
  let lastCheckpoint = 0;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;

  /** Logs the most recent time of each reminder missed by more than the late limit, once. */
  async function reportLongMissed(reminders: readonly KnownReminder[], at: Date): Promise<void> {
    for (const reminder of reminders) {
      const scheduledAt = lastOccurrence({
        schedule: reminder.schedule,
        timeZone: reminder.timeZone,
        atOrBefore: at,
      });
      const due = dueTime({ reminder, scheduledAt });
      if (due.kind !== "post" || at.getTime() - due.at.getTime() < LATE_LIMIT_MS) continue;
      // Due while some instance was looking (or before the app ever ran): not missed by downtime.
      if (lookedBefore === null || due.at.getTime() <= lookedBefore.getTime()) continue;
      const id = reminderRunId({ key: reminder.slot, scheduledAt });
      if (handled.has(id)) continue;
      // Only what no instance stored was missed: another one may have been up.
      const stored = await store.knownDeliveryIds([id]);
      handled.set(id, at.getTime());
      if (stored.has(id)) continue;
      params.onOutcome?.("late");
      log.warn(
        {
          reminder: describe(reminder),
          scheduledAt: scheduledAt.toISOString(),
          lateMinutes: Math.round((at.getTime() - due.at.getTime()) / 60_000),
        },
        "reminder skipped: the app was not running when it was due, and it is more than an hour late",
      );
    }
  }

  async function look(): Promise<void> {
    const at = now();
    if (!firstLookDone) {
      lookedBefore = await readCheckpoint();
      firstLookDone = true;
      await reportLongMissed([...known.values()], at);
    }
    if (params.checkpoint && at.getTime() - lastCheckpoint >= CHECKPOINT_EVERY_MS) {
      await params.checkpoint.setState(CHECKPOINT_KEY, at.toISOString());
      lastCheckpoint = at.getTime();
    }
    for (const [key, reminder] of known) {
      // Replaced or dropped by a discovery while an earlier one was being stored.
      if (!known.has(key)) continue;
      const after = checkedUntil.get(key) ?? at;
      const quiet = idle.get(key);
      if (quiet && after.getTime() >= quiet.from && at.getTime() < quiet.next) {
        checkedUntil.set(key, at);
        continue;
      }
      // Marked looked at before the store is awaited: an edit of this reminder arriving meanwhile
      // (a new key for the same place) starts from here, not from before a time stored under this one.
      checkedUntil.set(key, at);
      try {
        await storeDue({ reminder, after, at });
        idle.set(key, { from: at.getTime(), next: nextDue({ reminder, after: at }) });
      } catch (error) {
        // Looked at again next tick (unless the reminder was replaced meanwhile).
        if (checkedUntil.get(key) === at) checkedUntil.set(key, after);
        throw error;
      }
    }
    for (const [id, when] of handled) {
      if (at.getTime() - when > HANDLED_MEMORY_MS) handled.delete(id);
    }
  }

  async function readCheckpoint(): Promise<Date | null> {
    const text = (await params.checkpoint?.getState(CHECKPOINT_KEY)) ?? null;
    const time = text === null ? Number.NaN : Date.parse(text);
    return Number.isNaN(time) ? null : new Date(time);
  }

  /** Stores the runs of one reminder due in (`after`, `at`], or skips them with a log line. */
  async function storeDue(look: { reminder: KnownReminder; after: Date; at: Date }): Promise<void> {
    const { reminder, after, at } = look;
    for (const { scheduledAt, due } of dueBetween({ reminder, after, until: at })) {
      const id = reminderRunId({ key: reminder.slot, scheduledAt });
      if (handled.has(id)) continue;
      if (due.kind === "drop") {
        handled.set(id, at.getTime());
        params.onOutcome?.("dropped");
        log.info({ reminder: describe(reminder), reason: due.reason }, "reminder skipped");
        continue;
      }
      if (at.getTime() - due.at.getTime() >= LATE_LIMIT_MS) {
        handled.set(id, at.getTime());
        params.onOutcome?.("late");
        log.warn(
          { reminder: describe(reminder), scheduledAt: scheduledAt.toISOString() },
          "reminder skipped: more than an hour late",
        );
        continue;
      }
      const run = runOf({ reminder, scheduledAt, dueAt: due.at });
      const outcome = await store.insertDelivery({
        id,
        event: REMINDER_EVENT,
        action: reminder.kind,
        installationId: reminder.kind === "channel" ? reminder.installationId : null,
        repository:
          reminder.kind === "channel" && reminder.repositories.length === 1
            ? (reminder.repositories[0] ?? null)
            : null,
        payload: JSON.stringify(run),
        receivedAt: at,
      });
      handled.set(id, at.getTime());
      // `duplicate`: another instance (or this one before a restart) stored it first.
      params.onOutcome?.(outcome === "stored" ? "stored" : "duplicate");
      if (outcome === "stored") {
        log.info({ reminder: describe(reminder), deliveryId: id }, "reminder due");
        params.onStored();
      }
    }
  }

  function tick(): Promise<void> {
    running ??= look()
      .catch((error: unknown) => {
        // The store is down: the next tick looks again from where this one started.
        log.error({ err: error }, "looking for due reminders failed; will look again");
      })
      .finally(() => {
        running = null;
      });
    return running;
  }

  return {
    start() {
      // The first look reaches back an hour: a time missed while the app was down.
      const lookBack = new Date(startedAt.getTime() - LATE_LIMIT_MS);
      for (const key of known.keys()) if (!checkedUntil.has(key)) checkedUntil.set(key, lookBack);
      timer ??= setInterval(() => void tick(), tickMs);
      timer.unref();
      void tick();
    },
    setReminders(reminders) {
      const next = new Map(reminders.map((reminder) => [reminder.key, reminder]));
      const at = now();
      // Reminders found in the first hour after start-up reach back to an hour before it, as
      // those known at start do; any found later (a config changed) start from now.
      const fresh =
        at.getTime() - startedAt.getTime() < LATE_LIMIT_MS
          ? new Date(startedAt.getTime() - LATE_LIMIT_MS)
          : at;
      // An edited reminder has a new key (its key hashes its content) for the same place: it
      // starts where this process had looked for that place, so a time already posted under the
      // old key is not posted again under the new one.
      const lookedUntil = new Map<string, Date>();
      for (const [key, reminder] of known) {
        const until = checkedUntil.get(key);
        const seen = lookedUntil.get(placeOf(reminder));
        if (until !== undefined && (seen === undefined || until.getTime() > seen.getTime())) {
          lookedUntil.set(placeOf(reminder), until);
        }
      }
      const added = [...next.values()].filter((reminder) => !known.has(reminder.key));
      const found: KnownReminder[] = [];
      for (const reminder of added) {
        if (checkedUntil.has(reminder.key)) continue;
        const replaced = lookedUntil.get(placeOf(reminder));
        checkedUntil.set(reminder.key, replaced ?? fresh);
        if (replaced === undefined) found.push(reminder);
      }
      for (const key of checkedUntil.keys()) if (!next.has(key)) checkedUntil.delete(key);
      for (const key of idle.keys()) if (!next.has(key)) idle.delete(key);
      known = next;
      if (firstLookDone && fresh.getTime() < at.getTime() && found.length > 0) {
        // Only a log line is at stake, but a rejection left unhandled would end the process.
        void reportLongMissed(found, at).catch((error: unknown) =>
          log.error({ err: error }, "checking which reminder times were missed failed"),
        );
      }
    },
    tick,
    reminders: () => [...known.values()],
    stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}

/** The store's state key of the last look, shared by every instance. */
const CHECKPOINT_KEY = "reminders.last-look";
/** How often the last look is written: a start-up misjudges downtime by at most this. */
const CHECKPOINT_EVERY_MS = 60_000;

/** How far ahead the next due time is looked for; past it, it is looked for again. */
const NEXT_DUE_HORIZON_MS = 24 * 60 * 60 * 1000;

/**
 * The first instant after `after` at which the reminder has something due (a run to store, or
 * a time quiet hours drop, for its log line), or the horizon when nothing is.
 */
function nextDue(params: { reminder: KnownReminder; after: Date }): number {
  const { reminder, after } = params;
  const until = new Date(after.getTime() + NEXT_DUE_HORIZON_MS);
  const times = dueBetween({ reminder, after, until }).map(({ due, scheduledAt }) =>
    (due.kind === "post" ? due.at : scheduledAt).getTime(),
  );
  return Math.min(until.getTime(), ...times);
}

/** Where a reminder posts: an installation's channel, or a person. */
function placeOf(reminder: KnownReminder): string {
  return reminder.kind === "channel"
    ? `channel ${reminder.installationId} ${reminder.channel}`
    : `person ${reminder.login.toLowerCase()}`;
}

/** A reminder in a log line: where it posts and when. */
function describe(reminder: KnownReminder): string {
  const when = `${reminder.schedule.text} ${reminder.timeZone}`;
  return reminder.kind === "channel"
    ? `${reminder.channel} ${when} (${reminder.repositories.join(", ")})`
    : `@${reminder.login} ${when}`;
}
