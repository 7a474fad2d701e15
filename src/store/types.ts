/**
 * The store: every delivery GitHub sent us, every Slack message we owe, and the
 * small shared state (config cache, Slack pacing) that several instances must agree on.
 * Each operation is written once (`deliveries.ts`, `notifications.ts`, ...) against a small
 * `Db` port; SQLite and PostgreSQL differ only in `dialects/`, and both pass the same contract
 * tests (`test/store/store-contract.ts`).
 */

import type { ReviewState, ReviewUpdate } from "../shared/review-state.js";

export type { ReviewState, ReviewUpdate } from "../shared/review-state.js";

/**
 * Life of a delivery:
 * `pending` (stored, not yet routed) -> `processing` (claimed by a worker, or routed and
 * its notifications in flight) -> `delivered` (every notification sent) | `skipped`
 * (nothing to send, `reason` says why) | `failed` (will be retried at `nextAttemptAt`)
 * | `dead` (gave up, `error` says why).
 */
export const DELIVERY_STATUSES = [
  "pending",
  "processing",
  "delivered",
  "skipped",
  "failed",
  "dead",
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * Life of one Slack message for one (delivery, channel):
 * `queued` (waiting for its webhook's pace) -> `sending` (claimed, a post may be under way)
 * -> `sent` | `failed` (retry at `nextAttemptAt`) | `dead` (permanent error or gave up).
 * A `sending` row whose lease expired is the one window where a post may repeat:
 * Slack may have accepted it before the process died.
 */
const NOTIFICATION_STATUSES = ["queued", "sending", "sent", "failed", "dead"] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/** A delivery as the receiver hands it over, before anything happened to it. */
export interface IncomingDelivery {
  /** `X-GitHub-Delivery`, unique per delivery (a redelivery keeps it). */
  id: string;
  /** `X-GitHub-Event`, e.g. `issues`. */
  event: string;
  /** `payload.action`, when there is one. */
  action: string | null;
  installationId: number | null;
  /** `owner/name`, when the payload names a repository. */
  repository: string | null;
  /** The raw JSON body as received (signed bytes, decoded as UTF-8). */
  payload: string;
  receivedAt: Date;
  /**
   * The body's fingerprint for replay protection, when the receiver has one already: the
   * verified `X-Hub-Signature-256` digest (64 lower-case hex digits), an HMAC-SHA256 of the very
   * bytes stored, so equal bodies have equal digests under the App's secret. Absent (or not 64
   * hex digits): the store hashes the payload text with SHA-256 itself.
   */
  bodyFingerprint?: string;
}

/**
 * What `insertDelivery` did: `stored` a new delivery; found its id already stored (`duplicate`,
 * e.g. GitHub's redelivery, which keeps the id); or found the same body already stored under
 * another id (`replay`: GitHub signs no timestamp, so a captured delivery can be sent again
 * under a new id). Neither of the last two is stored again. Bodies are remembered as long as
 * their delivery row is, i.e. until `prune` removes it.
 */
export type InsertOutcome = "stored" | "duplicate" | "replay";

export interface DeliveryRecord extends IncomingDelivery {
  status: DeliveryStatus;
  /** Why it was skipped. */
  reason: string | null;
  /** The last error (for `failed` and `dead`). */
  error: string | null;
  /** How many times routing was attempted. */
  attempts: number;
  /** When a `failed` delivery is due again. */
  nextAttemptAt: Date | null;
  updatedAt: Date;
}

export interface NotificationRecord {
  deliveryId: string;
  /** Operator-configured channel name, e.g. `default`. */
  channel: string;
  status: NotificationStatus;
  /** What to post, as JSON: the worker's `QueuedMessage` (the Slack message and the event it announces). */
  message: string;
  /** Post attempts so far. */
  attempts: number;
  nextAttemptAt: Date | null;
  error: string | null;
  createdAt: Date;
  sentAt: Date | null;
  /**
   * Rows of one channel with the same key form one digest: claimed together and posted as one
   * message. `null` for a message posted on its own.
   */
  digestKey: string | null;
  /** A `queued` row is not claimable before this (the digest window's or quiet hours' end). */
  dueAt: Date | null;
}

/** A notification as routing hands it to the store. */
export interface NewNotification {
  channel: string;
  message: string;
  /** See {@link NotificationRecord.digestKey}; absent or null posts on its own. */
  digestKey?: string | null;
  /** See {@link NotificationRecord.dueAt}; absent or null is due at once. */
  dueAt?: Date | null;
}

/** What a mute silences: a repository (`owner/name`) or an operator channel. */
const MUTE_KINDS = ["repository", "channel"] as const;
export type MuteKind = (typeof MUTE_KINDS)[number];

/** A `notifier mute`: until `until`, the target's activity is recorded `skipped`, not posted. */
export interface MuteRecord {
  /** Lower-case `owner/name`, or a channel name. */
  target: string;
  kind: MuteKind;
  until: Date;
  reason: string | null;
  createdAt: Date;
}

/** One line of a delivery's history, for `notifier deliveries show`. */
export interface AttemptRecord {
  deliveryId: string;
  /** `null` for routing, else the channel posted to. */
  channel: string | null;
  at: Date;
  /** e.g. `routed`, `skipped`, `sent`, `retry`, `dead`, `replay`. */
  outcome: string;
  /** Free detail: the HTTP status, Slack's error text, the routes chosen. */
  detail: string | null;
}

/** A history line written with the step that ends a routing or a post, at that step's `now`. */
export type HistoryLine = Pick<AttemptRecord, "channel" | "outcome" | "detail">;

export interface ClaimParams {
  /** Unique id of the claiming worker (process). */
  owner: string;
  limit: number;
  /** How long the claim holds before another worker may take it over. */
  leaseMs: number;
  now: Date;
}

export interface ClaimedNotification extends NotificationRecord {
  /** The delivery's repository, for logs. */
  repository: string | null;
  /** When the delivery was received, for the receipt-to-Slack latency metric. */
  receivedAt: Date;
}

export interface DeliveryFilter {
  status?: DeliveryStatus;
  repository?: string;
  limit?: number;
}

export interface CachedConfig {
  /** e.g. `repo:acme/api` or `owner:acme`. */
  key: string;
  /** GitHub's ETag for conditional revalidation, when there was one. */
  etag: string | null;
  /** The file's text, or `null` when GitHub said it does not exist. */
  body: string | null;
  fetchedAt: Date;
}

/** Whether a post to a webhook may start now, or when to ask again. */
export type PostStart =
  /** `hold`: the turn's end if never finished; pass it back to `finishPost`. */
  { ok: true; hold: Date } | { ok: false; retryAt: Date };

// The store, cut by what its callers use: each caller declares the part it needs (the receiver
// a `Pick<DeliveryQueue, "insertDelivery">`, the CLI `DeliveryHistory` and `MuteStore`, ...),
// so a reader sees at a glance what a module may touch. `Store` is all of them.

/** Deliveries from receipt to routed: the receiver inserts, the worker claims and routes. */
export interface DeliveryQueue {
  /**
   * Stores a delivery unless its id is already known (`duplicate`) or its payload is already
   * stored under another id (`replay`, see {@link InsertOutcome}). Resolves once the row is
   * durable (committed): only then may the HTTP request be acknowledged. Concurrent calls are
   * grouped into one transaction.
   */
  insertDelivery(delivery: IncomingDelivery): Promise<InsertOutcome>;

  /**
   * Claims up to `limit` deliveries that are `pending`, `failed` and due, or `processing`
   * under an expired lease, oldest first; marks them `processing` under `owner` and
   * increments `attempts`. Two workers never hold the same delivery.
   */
  claimDeliveries(params: ClaimParams): Promise<DeliveryRecord[]>;

  /**
   * Extends the claims `owner` still holds on the deliveries `ids` to `now + leaseMs`: the
   * heartbeat of routing under way, so a claim can stay short (a crashed holder's work is taken
   * over soon) however long routing waits for GitHub. Returns how many claims were extended.
   */
  renewDeliveryLeases(params: {
    owner: string;
    ids: readonly string[];
    leaseMs: number;
    now: Date;
  }): Promise<number>;

  /**
   * Ends routing of a claimed delivery. With notifications, inserts them as `queued`
   * (a (delivery, channel) pair already present is kept as it is, so a retried routing
   * never queues a channel twice) and leaves the delivery `processing` with no lease;
   * it becomes `delivered` or `dead` when its notifications finish.
   * Without notifications, marks the delivery `skipped` with `reason`.
   * `history` is appended in the same transaction (one commit, not one per line).
   * Returns false (and changes nothing) when `owner` no longer holds the lease.
   */
  finishRouting(params: {
    id: string;
    owner: string;
    notifications: NewNotification[];
    reason: string | null;
    now: Date;
    /** History lines of this routing (`routed`, `skipped`, channels dropped), at `now`. */
    history?: readonly HistoryLine[];
  }): Promise<boolean>;

  /** Marks a claimed delivery `failed` (retry at `nextAttemptAt`) or `dead`. False when not held. */
  failDelivery(params: {
    id: string;
    owner: string;
    error: string;
    nextAttemptAt: Date | null;
    now: Date;
  }): Promise<boolean>;

  /**
   * Puts a delivery back to `pending` (attempts reset) for another routing. Its `sent`
   * notifications are kept (so channels already sent are not posted again) or, with `force`,
   * dropped; the others are dropped, so the routing queues them afresh. A `sending` one
   * (a post may be under way) is always kept. Returns false when the id is unknown.
   */
  requeueDelivery(params: { id: string; force: boolean; now: Date }): Promise<boolean>;

  /** Gives claimed deliveries and notifications back (status as before the claim) on shutdown. */
  releaseAll(owner: string): Promise<void>;

  /**
   * The earliest `nextAttemptAt` among `failed` deliveries and notifications, or `dueAt` among
   * held `queued` notifications, for the worker's sleep.
   */
  nextDueAt(): Promise<Date | null>;

  /**
   * Calls `listener` soon after any instance stores a new delivery or queues a notification
   * (in-process for SQLite, LISTEN/NOTIFY for PostgreSQL). Returns an unsubscribe function.
   */
  onWork(listener: () => void): () => void;
}

/** Slack messages owed, claimed one by one or a digest at a time by the channel senders. */
export interface NotificationQueue {
  /**
   * Claims up to `limit` notifications that are `queued` (and due), `failed` and due, or
   * `sending` under an expired lease, for one channel, oldest first; marks them `sending` and
   * increments `attempts`. Rows of a digest are left to `claimDigest`.
   */
  claimNotifications(params: ClaimParams & { channel: string }): Promise<ClaimedNotification[]>;

  /**
   * Claims one due digest of `channel` whole: every claimable row with the digest key that is
   * due soonest, all or none, so one claimer posts the window as one message. Empty when no
   * digest is due (or, on PostgreSQL, another instance is claiming it right now).
   */
  claimDigest(
    params: Omit<ClaimParams, "limit"> & { channel: string },
  ): Promise<ClaimedNotification[]>;

  /**
   * How many notifications of `channel` could be claimed at `now`, counting no further than
   * `cap`: as cheap with ten thousand waiting as with one, so a sender may ask before every post.
   */
  countWaiting(params: { channel: string; now: Date; cap: number }): Promise<number>;

  /**
   * Channels with notifications not yet final (queued, held, failed for a retry, or being
   * sent), each with how many: read at start-up to warn about a channel the operator no longer
   * configures, whose rows nothing will post.
   */
  openChannels(): Promise<{ channel: string; open: number }[]>;

  /**
   * Ends a post. `sent` and `dead` are final; `failed` waits for `nextAttemptAt`.
   * When every notification of the delivery is final, the delivery becomes `delivered`
   * (all sent) or `dead` (any dead, with that error). False when `owner` lost the lease.
   * `history` is appended in the same transaction, held or not: the post happened either way.
   */
  finishNotification(params: {
    deliveryId: string;
    channel: string;
    owner: string;
    status: "sent" | "failed" | "dead";
    error: string | null;
    nextAttemptAt: Date | null;
    now: Date;
    /** The post's history line (its channel is this notification's), at `now`. */
    history?: Omit<HistoryLine, "channel">;
  }): Promise<boolean>;
}

/** Slack pacing shared by every instance: one post to a webhook at a time, then its wait. */
export interface Pacing {
  /**
   * Takes the turn to post to one webhook (identified by a hash of its URL, never the URL), if
   * no instance holds it and the wait after the last post has passed: the turn is then held
   * until `now + holdMs` (the post's timeout) or until `finishPost` ends it. Otherwise answers
   * when to ask again. A compare-and-set, atomic across processes: two posts to one webhook
   * are never in flight at once while `holdMs` > 0.
   */
  tryStartPost(params: { target: string; now: Date; holdMs: number }): Promise<PostStart>;

  /**
   * Ends the turn `tryStartPost` gave (`hold` is the time it answered): the next post to the
   * webhook may start `waitMs` after `now` (the pace, or Slack's Retry-After when longer).
   * A turn another post holds by now is only ever pushed later, never brought forward.
   */
  finishPost(params: { target: string; hold: Date; now: Date; waitMs: number }): Promise<void>;
}

/** What happened to each delivery, for the CLI, metrics and redelivery; and forgetting it. */
export interface DeliveryHistory {
  /** Appends to a delivery's history. */
  recordAttempt(attempt: AttemptRecord): Promise<void>;

  getDelivery(id: string): Promise<DeliveryRecord | null>;

  listDeliveries(filter: DeliveryFilter): Promise<DeliveryRecord[]>;

  getNotifications(deliveryId: string): Promise<NotificationRecord[]>;

  getAttempts(deliveryId: string): Promise<AttemptRecord[]>;

  /** Which of these ids the store knows. */
  knownDeliveryIds(ids: string[]): Promise<Set<string>>;

  /** Rows per delivery status, for metrics (every status present, zero included). */
  countDeliveriesByStatus(): Promise<Record<DeliveryStatus, number>>;

  /**
   * Deletes `delivered` and `skipped` deliveries (and their notifications and history) received
   * before `before`, mutes that ended before it, thread parents and CI conclusions last updated
   * before it, late-label marks set before it, pull request heads not remembered since it, and
   * review states of pull requests closed and not updated since it, in one transaction. Returns
   * how many of each (mutes aside) it deleted.
   */
  prune(before: Date): Promise<PruneCounts>;
}

/** What one `prune` deleted, for the worker's log. */
export interface PruneCounts {
  /** Finished deliveries deleted (with their notifications and history). */
  deliveries: number;
  /** Thread parents deleted: not posted or edited since the cut-off. */
  threadParents: number;
  /** CI conclusions deleted: no run of the workflow on the branch recorded since the cut-off. */
  ciConclusions: number;
  /** Late-label marks deleted: set before the cut-off. */
  lateLabels: number;
  /** Pull request heads deleted: not remembered since the cut-off. */
  prHeads: number;
  /** Review states deleted: of pull requests closed, and not updated since the cut-off. */
  reviewStates: number;
}

/** `notifier mute`: written by the CLI, read by routing. */
export interface MuteStore {
  /** Mutes `mute.target` until `mute.until`, replacing any mute it had. */
  putMute(mute: MuteRecord): Promise<void>;

  /** Ends a mute; false when the target was not muted. */
  deleteMute(target: string): Promise<boolean>;

  /** Mutes still in force at `now`, the soonest to end first. One indexed query. */
  listMutes(now: Date): Promise<MuteRecord[]>;
}

/** Small shared values: the config file cache and timer checkpoints. */
export interface KeyValueStore {
  getCachedConfig(key: string): Promise<CachedConfig | null>;

  putCachedConfig(entry: CachedConfig): Promise<void>;

  deleteCachedConfig(key: string): Promise<void>;

  /** Reads a small named value (checkpoints). */
  getState(key: string): Promise<string | null>;

  setState(key: string, value: string): Promise<void>;
}

/** Which item's thread in which channel: the key of a {@link ThreadParent}. */
export interface ThreadKey {
  /**
   * `owner/name` of the item's repository. Matched case-insensitively, as GitHub names are:
   * the store keeps it lower-case.
   */
  repository: string;
  /** The issue or pull request number (a positive integer). */
  number: number;
  /** Operator-configured channel name, e.g. `default` (not Slack's channel id). */
  channel: string;
}

/**
 * The Slack message that heads an item's thread in one channel: later activity about the item
 * is posted as a reply to it, and it is edited in place to show the item's current state.
 */
export interface ThreadParent extends ThreadKey {
  /** The Slack channel id Slack answered the parent's post with (`C…`, `G…`, `D…`). */
  slackChannel: string;
  /** The parent message's Slack timestamp: its id, the `thread_ts` of every reply. */
  ts: string;
  /** The item's state the parent last showed, as the caller encoded it (opaque to the store). */
  state: string;
  /** When the parent was last posted or edited; `prune` forgets it once older than retention. */
  updatedAt: Date;
}

/**
 * Thread parents, one per (repository, item number, channel): what bot channels thread under.
 * Finding one is a single primary-key read, never a Slack API call.
 */
export interface ThreadParents {
  /** The parent of the item's thread in `channel`, or null when there is none (never posted, pruned or forgotten). */
  findParent(key: ThreadKey): Promise<ThreadParent | null>;

  /**
   * Stores the parent of the item's thread in `channel`, replacing the Slack channel, `ts` and
   * state of one already stored, with `updatedAt` = `now`. An atomic upsert: concurrent saves of
   * one key never fail, the last one wins. Throws on a malformed key (see {@link ThreadKey}).
   */
  saveParent(
    parent: ThreadKey & { slackChannel: string; ts: string; state: string; now: Date },
  ): Promise<void>;

  /** Forgets the parent (e.g. Slack said it no longer exists), so the next event starts a new one. */
  forgetParent(key: ThreadKey): Promise<void>;
}

/**
 * The last completed run per (repository, workflow id, head branch), for the "back to green"
 * rule: a success after a failure is announced as `workflow_run.fixed`.
 */
export interface CiHistory {
  /**
   * Records a completed run's conclusion and answers the conclusion recorded before it for the
   * same workflow and branch (null when there is none), in one transaction. The repository is
   * matched case-insensitively; the branch exactly, as git names are.
   *
   * Runs are ordered by (run number, attempt): a re-run keeps its number and counts an attempt.
   * - A run before the stored one arrived out of order: it is ignored (nothing is written) and
   *   the answer is null, so an old success never turns into "fixed".
   * - The stored run and attempt again (a retried or redelivered event) writes nothing and
   *   answers what it answered the first time.
   * - A later run, or a later attempt of the stored run, replaces the stored one and answers the
   *   stored conclusion.
   *
   * Throws on a malformed argument, naming it.
   *
   * @example
   * await ci.recordConclusion({ repository: "acme/api", workflowId: 161335, branch: "main",
   *   runNumber: 7, runAttempt: 1, conclusion: "failure", now }) // => null (first run seen)
   * await ci.recordConclusion({ ...same, runNumber: 8, conclusion: "success", now }) // => "failure"
   */
  recordConclusion(params: {
    /** `owner/name`. */
    repository: string;
    /** `workflow_run.workflow_id`: one workflow file, whatever its name. */
    workflowId: number;
    /** The run's head branch. */
    branch: string;
    /** `workflow_run.run_number`: orders the runs of one workflow. */
    runNumber: number;
    /** `workflow_run.run_attempt` (1 for a first run): orders the re-runs of one run number. */
    runAttempt: number;
    /** `success` or `failure` (routing records no other). */
    conclusion: string;
    now: Date;
  }): Promise<string | null>;
}

/**
 * Which issues and pull requests were already sent to which route, for the late-label rule: a
 * label added after opening sends the item to a label-filtered route once.
 */
export interface LateLabels {
  /**
   * Marks the item as sent to the route; true when this call marked it or the mark is this
   * delivery's (its routing retried: what the first routing sent may never have been queued),
   * false when another delivery marked it (an earlier label, or the opened event itself). One
   * atomic insert: of concurrent calls for one key from different deliveries exactly one
   * answers true. Throws on a malformed argument.
   *
   * @example
   * await late.markSent({ repository: "acme/api", number: 7, routeKey: "3f2a…", deliveryId: "d1", now }) // => true
   * await late.markSent({ repository: "acme/api", number: 7, routeKey: "3f2a…", deliveryId: "d1", now }) // => true (a retry)
   * await late.markSent({ repository: "acme/api", number: 7, routeKey: "3f2a…", deliveryId: "d2", now }) // => false
   */
  markSent(params: {
    /** `owner/name`, matched case-insensitively. */
    repository: string;
    /** The issue or pull request number. */
    number: number;
    /** Names the route (routing derives it from the route's content and channel). */
    routeKey: string;
    /** The delivery being routed, kept with the mark; null marks for no delivery (never fresh again). */
    deliveryId: string | null;
    now: Date;
  }): Promise<boolean>;
}

/**
 * The head commit of each pull request the app saw opened, reopened or pushed to, so CI of that
 * commit threads under the pull request when its payload names none (a fork's run names none).
 */
export interface HeadShas {
  /**
   * Remembers that `sha` is the head of pull request `number`. A commit remembered as the head
   * of two pull requests names neither from then on. The repository and SHA are matched
   * case-insensitively. Throws on a malformed argument, naming it.
   *
   * @example
   * await heads.rememberHead({ repository: "acme/api", sha: "ec26c3e5…", number: 7, now })
   */
  rememberHead(params: {
    /** `owner/name`. */
    repository: string;
    /** `pull_request.head.sha`. */
    sha: string;
    /** The pull request's number. */
    number: number;
    now: Date;
  }): Promise<void>;

  /**
   * The one pull request whose head `sha` is, or null (none remembered, or several). Throws
   * on a malformed argument, naming it.
   *
   * @example
   * await heads.pullRequestOf({ repository: "acme/api", sha: "ec26c3e5…" }) // => 7
   */
  pullRequestOf(params: {
    /** `owner/name`. */
    repository: string;
    /** The commit CI built (`workflow_run.head_sha`, `check_suite.head_sha`). */
    sha: string;
  }): Promise<number | null>;
}

/**
 * The review states the store keeps (one row per pull request), written by routing from every
 * `pull_request` and `pull_request_review` delivery and read by reminder runs.
 */
export interface ReviewWaits {
  /**
   * Applies an update to the pull request's row (created when absent), atomically: the
   * snapshot fields replace the stored ones unless `snapshotAt` is older than the stored
   * snapshot's; `requestedAt` replaces `lastRequestedAt` when later; a verdict replaces its
   * reviewer's unless older by `verdict.at`, and `approvals` are the reviewers whose latest
   * verdict is `approved`. Throws on a malformed argument, naming it.
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

/** Opening, checking and closing the database. */
export interface StoreLifecycle {
  /** Which implementation, for logs and metrics. */
  readonly kind: "sqlite" | "postgres";

  /** Creates or upgrades the schema. Idempotent; safe to call from several processes. */
  migrate(): Promise<void>;

  /** Answers when the database does; throws otherwise. For `/healthz`. */
  ping(): Promise<void>;

  close(): Promise<void>;
}

/** The whole store; SQLite and PostgreSQL both pass the contract suite for it. */
export type Store = DeliveryQueue &
  NotificationQueue &
  Pacing &
  DeliveryHistory &
  MuteStore &
  KeyValueStore &
  ThreadParents &
  CiHistory &
  LateLabels &
  HeadShas &
  ReviewWaits &
  StoreLifecycle;
