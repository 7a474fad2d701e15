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
