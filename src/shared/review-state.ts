/**
 * A pull request's review state as the app learns it from webhooks (issue 15's reminders): what
 * one delivery tells (`ReviewUpdate`, read by `src/reminders/review-update.ts`) and what the store
 * keeps (`ReviewState`, behind the store's `ReviewWaits` port). Data shapes only, shared by the
 * store and the pure reminder modules, neither of which may import the other's folder.
 */

/**
 * What a webhook tells about a pull request's review state. Built from a `pull_request` or
 * `pull_request_review` delivery's raw payload (`src/reminders/review-update.ts`); the store applies it.
 */
export interface ReviewUpdate {
  /** The installation that delivered it: later reads of the repository go through it. */
  installationId: number | null;
  /** `owner/name` as the payload writes it; the store matches it case-insensitively. */
  repository: string;
  /** The pull request's number. */
  number: number;
  /**
   * When GitHub took the snapshot below (`open` to `requestedTeams`): the pull request's
   * `updated_at`, never after the delivery's receipt; null when the payload gives none. Deliveries
   * reach the store out of order (a retry after a failed config read, a redelivery, two instances
   * routing at once), so the store keeps the newest snapshot, not the last one to arrive.
   */
  snapshotAt: Date | null;
  /** False once closed or merged. */
  open: boolean;
  draft: boolean;
  /** Logins whose review is requested now (the payload's `requested_reviewers`). */
  requestedUsers: string[];
  /** Team slugs whose review is requested now (`requested_teams`). */
  requestedTeams: string[];
  /** Set by `review_requested`: when the request was made (the payload's `updated_at`, else receipt). */
  requestedAt: Date | null;
  /**
   * True for the `opened` action: the app sees the pull request from its start, so every review
   * of it reaches the app too, and the approvals it keeps are all there are.
   */
  opened: boolean;
  /** Set by a submitted or dismissed review: the reviewer's verdict, and when it was given. */
  verdict: ReviewVerdict | null;
}

/** A reviewer's verdict as one review gives it. */
export interface ReviewVerdict {
  login: string;
  verdict: "approved" | "changes_requested" | "dismissed";
  /**
   * The review's `submitted_at` (never after the delivery's receipt), null when the payload
   * gives none. A dismissal carries the time of the review it dismisses: it undoes that review,
   * not a later one. The store keeps each reviewer's latest verdict by this time.
   */
  at: Date | null;
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
  /** Logins whose latest verdict is an approval, in the order of those verdicts. */
  approvals: string[];
  /**
   * Whether `approvals` are all there are: true once the app saw the pull request's `opened`
   * event (so no review predates what it saw); false for one opened before the app was
   * installed, or whose `opened` delivery it never got, whose approvals must be read from GitHub.
   */
  approvalsComplete: boolean;
  updatedAt: Date;
}
