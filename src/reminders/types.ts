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

/** Days of the week as `Date.getUTCDay()` numbers them: 0 is Sunday. */
export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/** A parsed schedule: `weekdays at 09:30`, `daily at 09:30`, `mon,wed,fri at 16:00`. */
export interface Schedule {
  /** The days it fires on, ascending, without repeats; never empty. */
  days: readonly Weekday[];
  /** Wall-clock hour, 0–23. */
  hour: number;
  /** Wall-clock minute, 0–59. */
  minute: number;
  /** The text as written, for messages. */
  text: string;
}

/** Which pull requests a reminder lists: `review` waits for requested reviewers, `any` every open one. */
export type ReminderWaiting = "review" | "any";

/**
 * What a webhook tells about a pull request's review state. Built from a `pull_request` or
 * `pull_request_review` delivery's raw payload (`review-update.ts`); the store applies it.
 */
export interface ReviewUpdate {
  /** The installation that delivered it: later reads of the repository go through it. */
  installationId: number | null;
  /** `owner/name` as the payload writes it; the store matches it case-insensitively. */
  repository: string;
  /** The pull request's number. */
  number: number;
  /** False once closed or merged. */
  open: boolean;
  draft: boolean;
  /** Logins whose review is requested now (the payload's `requested_reviewers`). */
  requestedUsers: string[];
  /** Team slugs whose review is requested now (`requested_teams`). */
  requestedTeams: string[];
  /** Set by `review_requested`: when the request was made (the payload's `updated_at`, else receipt). */
  requestedAt: Date | null;
  /** Set by a submitted or dismissed review: the reviewer's latest verdict. */
  verdict: { login: string; verdict: "approved" | "changes_requested" | "dismissed" } | null;
}

/** A pull request's review state as the app learned it from webhooks. */
export interface ReviewState {
  installationId: number | null;
  /** `owner/name`, lower-case. */
  repository: string;
  number: number;
  open: boolean;
  draft: boolean;
  requestedUsers: string[];
  requestedTeams: string[];
  /** When a review was last requested, as far as the app saw; null when it saw none. */
  lastRequestedAt: Date | null;
  /** Logins whose latest verdict is an approval, oldest first. */
  approvals: string[];
  updatedAt: Date;
}

/**
 * The review states the store keeps (one row per pull request), written by routing from every
 * `pull_request` and `pull_request_review` delivery and read by reminder runs.
 */
export interface ReviewWaits {
  /**
   * Applies an update to the pull request's row (created when absent), atomically: the
   * snapshot fields replace the stored ones; `requestedAt` replaces `lastRequestedAt` when later;
   * a verdict adds (`approved`) or removes (`changes_requested`, `dismissed`) the reviewer in
   * `approvals`. Throws on a malformed argument, naming it.
   */
  recordReviewUpdate(update: ReviewUpdate & { now: Date }): Promise<void>;

  /** The stored states of these pull requests of one repository, by number (absent: none stored). */
  reviewStates(params: {
    repository: string;
    numbers: readonly number[];
  }): Promise<Map<number, ReviewState>>;

  /**
   * Open pull requests whose review is requested from `login` (case-insensitive), across every
   * repository, at most `limit`, longest waiting first: a personal reminder's candidates.
   */
  waitingFor(params: { login: string; limit: number }): Promise<ReviewState[]>;

  /** Marks these pull requests closed (GitHub's list no longer has them open), so they stop being candidates. */
  markClosed(params: { repository: string; numbers: readonly number[]; now: Date }): Promise<void>;
}

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
