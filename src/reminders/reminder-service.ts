/**
 * Reminders in a running app: finds the repositories with reminders (at start-up, every
 * refresh, and soon after an installation changes), keeps the scheduler's list up to date with
 * them and the people file's reminders, and stops both on shutdown.
 */
import type { Log } from "../shared/log.js";
import type { ReminderDiscovery } from "./discovery.js";
import { channelReminders, personReminders, type PersonReminder } from "./reminder-plan.js";
import type { ReminderScheduler } from "./scheduler.js";

export interface ReminderService {
  /** Starts the scheduler and the first discovery. */
  start(): void;
  /** An installation was added, removed or changed its repositories: discover again soon. */
  installationsChanged(): void;
  /** Discovers now; resolves when the scheduler knows the result. */
  refresh(): Promise<void>;
  stop(): void;
}

/** Installation events often come in bursts (one per repository added): one discovery after them. */
const INSTALLATION_DEBOUNCE_MS = 5_000;

/**
 * @example
 * const service = createReminderService({ discovery, scheduler, people: personReminders(people.all()), refreshMs: 300_000, log });
 * service.start();
 */
export function createReminderService(params: {
  /** Null without a GitHub App: only the people file's reminders are known. */
  discovery: ReminderDiscovery | null;
  scheduler: ReminderScheduler;
  people: readonly PersonReminder[];
  /** How often repositories are discovered again (the config cache's lifetime). */
  refreshMs: number;
  log: Log;
}): ReminderService {
  const { discovery, scheduler, log } = params;
  let refreshTimer: NodeJS.Timeout | null = null;
  let debounce: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  async function discoverOnce(): Promise<void> {
    const found = discovery === null ? [] : await discovery.discover();
    if (stopped) return;
    const channel = channelReminders(found);
    scheduler.setReminders([...channel, ...params.people]);
    log.info(
      {
        repositories: found.length,
        channelReminders: channel.length,
        personReminders: params.people.length,
      },
      "reminders known",
    );
  }

  function refresh(): Promise<void> {
    if (running !== null) {
      // A change arrived during a discovery: run one more after it.
      again = true;
      return running;
    }
    running = discoverOnce()
      .catch((error: unknown) => log.error({ err: error }, "discovering reminders failed"))
      .finally(() => {
        running = null;
        if (again && !stopped) {
          again = false;
          void refresh();
        }
      });
    return running;
  }

  return {
    start() {
      scheduler.setReminders(params.people);
      scheduler.start();
      void refresh();
      if (discovery !== null && params.refreshMs > 0) {
        refreshTimer = setInterval(() => void refresh(), params.refreshMs);
        refreshTimer.unref();
      }
    },
    installationsChanged() {
      if (discovery === null || stopped) return;
      if (debounce !== null) clearTimeout(debounce);
      debounce = setTimeout(() => {
        debounce = null;
        void refresh();
      }, INSTALLATION_DEBOUNCE_MS);
      debounce.unref();
    },
    refresh,
    stop() {
      stopped = true;
      scheduler.stop();
      if (refreshTimer !== null) clearInterval(refreshTimer);
      if (debounce !== null) clearTimeout(debounce);
    },
  };
}
