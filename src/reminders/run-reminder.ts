/**
 * Running one stored reminder run (the worker claims it like a delivery): read GitHub's open
 * pull requests of each repository it covers (the truth about what is open), add what the app
 * learned from webhooks (when a review was last requested, approvals), select, and answer the
 * one message to queue, or why nothing is sent. Only the repositories of the run are read; a
 * personal reminder reads only the repositories of its candidates.
 */
import type { Log } from "../shared/log.js";
import type { SlackMessage } from "../format/slack-message.js";
import type { ReviewState, ReviewWaits } from "../store/types.js";
import type { PeopleDirectory } from "../settings/people.js";
import { DEFAULT_REMINDER_MAX } from "../repo-config/config-schema.js";
import { decodeRun, LATE_LIMIT_MS, type ReminderRun } from "./reminder-plan.js";
import { approvalsOf, GitHubRefusedError, listOpenPulls, type PullsClient } from "./open-pulls.js";
import {
  applyMax,
  byWaitingSince,
  selectForReviewer,
  selectWaiting,
  type SelectedPull,
} from "./select.js";
import { formatChannelReminder, formatPersonalReminder } from "./format-reminder.js";
import type { WaitingPull } from "./types.js";

/** What running a reminder decided. */
export type ReminderOutcome =
  | {
      kind: "queue";
      /** An operator channel, or the direct-message queue for a personal reminder. */
      channel: string;
      message: SlackMessage;
      /** The Slack user a personal reminder is for. */
      dmTo: string | null;
      /** The owner the channel's allowlist is checked against (the installation's account). */
      owner: string;
      detail: string;
    }
  | { kind: "skip"; reason: string };

/** What silences a reminder: `notifier mute` on its channel or on a repository. */
export interface ReminderMutes {
  /** Why the repository is muted, or null. */
  repository(fullName: string): string | null;
  /** Why the channel is muted, or null. */
  channel(name: string): string | null;
}

export interface ReminderRunner {
  /** Throws when GitHub or the store cannot answer now (the run is retried, while not too late). */
  run(params: { payload: string; mutes: ReminderMutes; now: Date }): Promise<ReminderOutcome>;
}

/** Open pull requests read per repository at most (one list call per 100). */
const MAX_OPEN_PULLS = 1_000;
/** Candidates of a personal reminder looked at. */
const MAX_CANDIDATES = 200;
/** Per GitHub request. */
const TIMEOUT_MS = 10_000;
/**
 * GitHub reads of one run under way at once. A reminder an owner's `.github` gives hundreds of
 * repositories reads one list each: one after another, at GitHub's usual 0.2-0.5 s a call, that
 * outlives the worker's routing deadline (60 s, twice and the run is dead). A few at once, as
 * discovery reads configs, stays far below GitHub's limits on concurrent requests.
 */
const READS_AT_ONCE = 4;

/**
 * @example
 * const runner = createReminderRunner({ auth, reviews: store, people, channels, dmChannel: "@dm", log });
 * const outcome = await runner.run({ payload: delivery.payload, mutes, now });
 */
export function createReminderRunner(params: {
  /** An installation's client; null without an App (nothing can be read). */
  auth: ((installationId: number) => Promise<PullsClient>) | null;
  reviews: Pick<ReviewWaits, "reviewStates" | "waitingFor" | "markClosed">;
  people: PeopleDirectory;
  channels: {
    get(name: string): unknown;
    mayUse(channel: string, owner: string): boolean;
    /** The direct-message queue's name, or null without a bot token. */
    dm(): { name: string } | null;
  };
  log: Log;
  timeoutMs?: number;
}): ReminderRunner {
  const { reviews, people, channels, log } = params;
  const timeoutMs = params.timeoutMs ?? TIMEOUT_MS;
  const slackIdOf = (login: string) => people.lookup(login)?.slackId ?? null;

  /**
   * Open pull requests of one repository; `gone` when GitHub says it is gone for the
   * installation (404, 410, 451), null when it cannot be read otherwise (no App, a refusal).
   */
  async function openPulls(installationId: number, repository: string) {
    if (params.auth === null) return null;
    const [owner = "", repo = ""] = repository.split("/");
    const octokit = await params.auth(installationId);
    try {
      const listed = await listOpenPulls({
        octokit,
        owner,
        repo,
        maxPulls: MAX_OPEN_PULLS,
        timeoutMs,
      });
      if (listed.kind === "gone") {
        log.info({ repository, reason: listed.reason }, "reminder: repository not readable");
        return "gone" as const;
      }
      return { octokit, owner, repo, ...listed };
    } catch (error) {
      // Refused for good (permissions): the other repositories of the reminder still count.
      // An outage or a rate limit throws on, and the run is tried again while not too late.
      if (!(error instanceof GitHubRefusedError)) throw error;
      log.warn({ repository, err: error }, "reminder: GitHub refused to list pull requests");
      return null;
    }
  }

  /**
   * Reads the approvals of the pull requests whose approvals the app may not have all (opened
   * before it was installed, or with no state at all): one call each.
   */
  async function withApprovals(
    selected: readonly SelectedPull[],
    /** The repositories' clients, by lower-case `owner/name`, as their lists were read. */
    clients: ReadonlyMap<string, { octokit: PullsClient; owner: string; repo: string } | null>,
  ): Promise<WaitingPull[]> {
    return inTurns({
      items: selected,
      work: async (pull) => {
        const { approvalsKnown, ...waiting } = pull;
        if (approvalsKnown) return waiting;
        const open = clients.get(pull.repository.toLowerCase());
        const approvals = open
          ? await approvalsOf({
              octokit: open.octokit,
              owner: open.owner,
              repo: open.repo,
              number: pull.number,
              timeoutMs,
            })
          : [];
        return { ...waiting, approvals };
      },
    });
  }

  async function runChannel(
    run: Extract<ReminderRun, { kind: "channel" }>,
    mutes: ReminderMutes,
    now: Date,
  ): Promise<ReminderOutcome> {
    const channelMute = mutes.channel(run.channel);
    if (channelMute !== null) return { kind: "skip", reason: channelMute };
    if (channels.get(run.channel) === undefined) {
      return { kind: "skip", reason: `channel ${run.channel} is no longer configured` };
    }
    const notes: string[] = [];
    const selected: SelectedPull[] = [];
    const clients = new Map<string, Exclude<Awaited<ReturnType<typeof openPulls>>, "gone">>();
    const owner = run.repositories[0]?.split("/")[0] ?? "";
    const read = await inTurns({
      items: run.repositories,
      work: async (repository) => {
        const repositoryOwner = repository.split("/")[0] ?? "";
        const muted = mutes.repository(repository);
        if (muted !== null) return { repository, note: muted };
        if (!channels.mayUse(run.channel, repositoryOwner)) {
          return { repository, note: `channel ${run.channel} is reserved for other owners` };
        }
        const open = await openPulls(run.installationId, repository);
        if (open === null || open === "gone") {
          return { repository, note: "not readable by the installation any more" };
        }
        const states = await reviews.reviewStates({
          repository,
          numbers: open.pulls.map((pull) => pull.number),
        });
        const waiting = selectWaiting({ pulls: open.pulls, states, reminder: run.reminder, now });
        return { repository, open, waiting };
      },
    });
    for (const result of read) {
      if ("note" in result) {
        notes.push(`${result.repository}: ${result.note}`);
        continue;
      }
      // Keyed as GitHub spells the name in any case: its list may write `acme/api` for a run's
      // `acme/API` (renamed in case since discovery), and the pull requests carry its spelling.
      clients.set(result.repository.toLowerCase(), result.open);
      selected.push(...result.waiting);
    }
    selected.sort(byWaitingSince);
    const { listed, more } = applyMax({
      pulls: selected,
      max: run.reminder.max ?? DEFAULT_REMINDER_MAX,
    });
    const pulls = await withApprovals(listed, clients);
    const suffix = notes.length > 0 ? ` (${notes.join("; ")})` : "";
    if (pulls.length === 0) return { kind: "skip", reason: `nothing waiting${suffix}` };
    const message = formatChannelReminder({
      groups: groupByRepository(pulls),
      more,
      now,
      slackIdOf,
      schedule: run.reminder.at,
      waiting: run.reminder.waiting,
    });
    return {
      kind: "queue",
      channel: run.channel,
      message,
      dmTo: null,
      owner,
      detail: `reminder -> ${run.channel}: ${pulls.length + more} pull request(s) waiting${suffix}`,
    };
  }

  async function runPerson(
    run: Extract<ReminderRun, { kind: "person" }>,
    mutes: ReminderMutes,
    now: Date,
  ): Promise<ReminderOutcome> {
    const person = people.lookup(run.login);
    if (person === undefined)
      return { kind: "skip", reason: `${run.login} is no longer in the people file` };
    const dm = channels.dm();
    if (dm === null) return { kind: "skip", reason: "direct messages need SLACK_BOT_TOKEN" };
    const candidates = await reviews.waitingFor({ login: person.login, limit: MAX_CANDIDATES });
    const byRepository = new Map<string, ReviewState[]>();
    for (const candidate of candidates) {
      if (candidate.installationId === null) continue;
      const list = byRepository.get(candidate.repository) ?? [];
      list.push(candidate);
      byRepository.set(candidate.repository, list);
    }
    const selected: SelectedPull[] = [];
    const clients = new Map<string, Exclude<Awaited<ReturnType<typeof openPulls>>, "gone">>();
    const read = await inTurns({
      items: [...byRepository],
      work: async ([repository, states]) => {
        if (mutes.repository(repository) !== null) return null;
        const installationId = states[0]?.installationId ?? null;
        if (installationId === null) return null;
        const open = await openPulls(installationId, repository);
        if (open === "gone") {
          // Removed from the installation or deleted: no webhook will ever close its candidates,
          // which would otherwise be read at every reminder and, oldest first, crowd out the rest.
          await reviews.markClosed({ repository, numbers: states.map((s) => s.number), now });
          return null;
        }
        if (open === null) return null;
        const openNumbers = new Set(open.pulls.map((pull) => pull.number));
        // GitHub's list is the truth: a candidate it no longer lists was closed unseen.
        const closed = states.map((state) => state.number).filter((n) => !openNumbers.has(n));
        if (closed.length > 0 && !open.truncated)
          await reviews.markClosed({ repository, numbers: closed, now });
        const known = new Map(states.map((state) => [state.number, state]));
        const waiting = selectForReviewer({
          pulls: open.pulls,
          login: person.login,
          states: known,
          now,
        });
        return { repository, open, waiting };
      },
    });
    for (const result of read) {
      if (result === null) continue;
      clients.set(result.repository.toLowerCase(), result.open);
      selected.push(...result.waiting);
    }
    selected.sort(byWaitingSince);
    const { listed, more } = applyMax({ pulls: selected, max: DEFAULT_REMINDER_MAX });
    const pulls = await withApprovals(listed, clients);
    if (pulls.length === 0)
      return { kind: "skip", reason: `nothing waits for ${person.login}'s review` };
    return {
      kind: "queue",
      channel: dm.name,
      message: formatPersonalReminder({ login: person.login, pulls, more, now, slackIdOf }),
      dmTo: person.slackId,
      owner: "",
      detail: `reminder -> direct message to ${person.login}: ${pulls.length + more} pull request(s) waiting`,
    };
  }

  return {
    async run({ payload, mutes, now }) {
      const run = decodeRun(payload);
      if (run === null) return { kind: "skip", reason: "malformed reminder run" };
      const lateMs = now.getTime() - Date.parse(run.dueAt);
      if (lateMs >= LATE_LIMIT_MS) {
        log.warn(
          { reminder: run.key, dueAt: run.dueAt },
          "reminder run skipped: more than an hour late",
        );
        return { kind: "skip", reason: `more than an hour late (due ${run.dueAt})` };
      }
      return run.kind === "channel" ? runChannel(run, mutes, now) : runPerson(run, mutes, now);
    },
  };
}

/**
 * `work` over `items`, {@link READS_AT_ONCE} at a time, the results in the items' order. The
 * first failure rejects at once, and no further item is started.
 */
async function inTurns<T, R>(params: {
  items: readonly T[];
  work: (item: T) => Promise<R>;
}): Promise<R[]> {
  const { items, work } = params;
  const results: R[] = [];
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await work(items[index] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READS_AT_ONCE, items.length) }, worker));
  return results;
}

/** Pull requests grouped by repository, repositories in the order their oldest appears. */
function groupByRepository(
  pulls: readonly WaitingPull[],
): { repository: string; pulls: WaitingPull[] }[] {
  const groups = new Map<string, WaitingPull[]>();
  for (const pull of pulls) {
    const group = groups.get(pull.repository) ?? [];
    group.push(pull);
    groups.set(pull.repository, group);
  }
  return [...groups].map(([repository, list]) => ({ repository, pulls: list }));
}
