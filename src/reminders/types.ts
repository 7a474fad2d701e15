/**
 * Reminders (issue 15): what every part of `src/reminders/` agrees on. A reminder lists the open
 * pull requests still waiting, on a schedule written in wall time. GitHub's list of open pull
 * requests, read when the reminder runs, is the truth about what is open; the app's own state,
 * kept from webhooks (`ReviewState`), adds what the list lacks: when a review was last
 * requested, and who approved.
 *
 * The flow: the scheduler (`scheduler.ts`) knows every reminder (repositories' config, found by
 * `discovery.ts`; people's, from the operator's people file) and, when one is due, stores a
 * reminder run as a delivery (event {@link REMINDER_EVENT}, one id per reminder and scheduled
 * time, so several instances store it once); the worker claims it like any delivery and
 * `run-reminder.ts` reads GitHub, selects (`select.ts`) and formats (`format-reminder.ts`) the
 * one message it queues.
 */
export type { Schedule, Weekday } from "../shared/schedule.js";
export type { ReviewState, ReviewUpdate } from "../shared/review-state.js";

/** Which pull requests a reminder lists: `review` waits for requested reviewers, `any` every open one. */
export type ReminderWaiting = "review" | "any";

/** One open pull request as GitHub's list (`GET /repos/{owner}/{repo}/pulls?state=open`) shows it. */
export interface OpenPull {
  /** `owner/name` as GitHub writes it. */
  repository: string;
  number: number;
  /** Untrusted: escaped when formatted. */
  title: string;
  /** `html_url`. */
  url: string;
  /** Login of the author; null when GitHub gives none (a deleted user). */
  author: string | null;
  draft: boolean;
  labels: string[];
  requestedUsers: string[];
  requestedTeams: string[];
  /** `base.ref`. */
  baseBranch: string;
  /** `base.repo.default_branch`, for `$default-branch`; null when the list omits it. */
  defaultBranch: string | null;
  createdAt: Date;
}

/** An open pull request a reminder lists. */
export interface WaitingPull extends OpenPull {
  /** The last review request the app saw, else when it was opened. */
  waitingSince: Date;
  /** Logins whose latest review is an approval. */
  approvals: string[];
}

/** The event name of a reminder run stored as a delivery; never one of GitHub's. */
export const REMINDER_EVENT = "notifier_reminder";
