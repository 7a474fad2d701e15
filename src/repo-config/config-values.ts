/**
 * Checks for the scalar values repository config holds (times, durations, time zones,
 * `_extends` references; `title` patterns are in `title-pattern.ts`, reminder schedules in
 * `shared/schedule.ts`, which the people file reads too). Each returns null when the value is fine, or a
 * message saying how to fix it.
 */
import { closest as closestWithin } from "../shared/edit-distance.js";
import { formatDuration, parseDuration } from "../shared/duration.js";
import { quoteValue } from "./config-error.js";

const CLOCK_TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DAILY_RE = /^daily at (\S+)$/;
const MIN_DIGEST_MS = 60_000;
const MAX_DIGEST_MS = 86_400_000;
// A pull request a year old is as stale as one older; a longer wait is a typo for a shorter one.
const MAX_OLDER_THAN_MS = 365 * 86_400_000;

// owner: a GitHub login; repo: GitHub's repository name characters; path: a YAML file.
const EXTENDS_RE =
  /^(?:(?<owner>[a-z\d](?:[a-z\d]|-(?=[a-z\d])){0,38})\/)?(?<repo>[\w.-]{1,100})(?::(?<path>[\w./-]+\.ya?ml))?$/i;

/** A parsed `_extends` value: the repository (owner `null` = the extending file's owner) and file. */
export interface ExtendsRef {
  owner: string | null;
  repo: string;
  /** `null` = `.github/notifier.yml`. */
  path: string | null;
}

/** @example clockTimeProblem("7:30") // 'must be a time of day as HH:MM, like "07:30" ...' */
export function clockTimeProblem(text: string): string | null {
  if (CLOCK_TIME_RE.test(text)) return null;
  return `must be a time of day as HH:MM on a 24-hour clock, like "07:30" or "22:00" (got ${quoteValue(text)})`;
}

/** @example timezoneProblem("Europe/Paris") // null */
export function timezoneProblem(text: string): string | null {
  try {
    new Intl.DateTimeFormat("en", { timeZone: text });
    return null;
  } catch {
    return `must be an IANA time zone, like "UTC", "Europe/Paris" or "America/New_York" (got ${quoteValue(text)})`;
  }
}

/**
 * A digest schedule is a duration between 1m and 1d, or `daily at HH:MM`.
 *
 * @example digestProblem("15m") // null
 * @example digestProblem("30s") // "must be at least 1m ..."
 */
export function digestProblem(text: string): string | null {
  const daily = DAILY_RE.exec(text.trim());
  if (daily) {
    const time = daily[1] ?? "";
    if (CLOCK_TIME_RE.test(time)) return null;
    return `must give a time of day after "daily at" as HH:MM on a 24-hour clock, like "daily at 09:00" (got ${quoteValue(time)})`;
  }
  const parsed = parseDuration(text);
  const hint = `a duration from 1m to 1d, like "15m" or "2h", or "daily at HH:MM"`;
  if (!parsed.ok) return `must be ${hint} (got ${quoteValue(text)})`;
  if (parsed.ms < MIN_DIGEST_MS || parsed.ms > MAX_DIGEST_MS) {
    return `must be ${hint}; ${parsed.ms === 0 ? "0" : formatDuration(parsed.ms)} is out of range`;
  }
  return null;
}

/**
 * A reminder's `older_than`: a duration from 0 (every waiting pull request) to 365d.
 *
 * @example olderThanProblem("1d") // null
 * @example olderThanProblem("1 day") // 'must be a duration from 0 to 365d, like "4h", "1d" or "2d" …'
 */
export function olderThanProblem(text: string): string | null {
  const parsed = parseDuration(text);
  const hint = `a duration from 0 to 365d, like "4h", "1d" or "2d" ("0" lists every age)`;
  if (!parsed.ok) return `must be ${hint} (got ${quoteValue(text)})`;
  if (parsed.ms > MAX_OLDER_THAN_MS)
    return `must be ${hint}; ${formatDuration(parsed.ms)} is too long`;
  return null;
}

/**
 * Reads an `_extends` value: `other-repo`, `owner/repo`, `repo:path.yml` or `owner/repo:path.yml`.
 *
 * @example parseExtendsRef("acme/shared:notifier/base.yml") // { owner: "acme", repo: "shared", path: "notifier/base.yml" }
 */
export function parseExtendsRef(text: string): ExtendsRef | null {
  const match = EXTENDS_RE.exec(text.trim());
  const groups = match?.groups;
  if (!groups || groups.repo === undefined) return null;
  if (
    groups.path !== undefined &&
    (groups.path.startsWith("/") || groups.path.split("/").includes(".."))
  ) {
    return null;
  }
  return { owner: groups.owner ?? null, repo: groups.repo, path: groups.path ?? null };
}

/** @example extendsProblem("not a repo!") // "must name a repository ..." */
export function extendsProblem(text: string): string | null {
  if (parseExtendsRef(text) !== null) return null;
  return `must name a repository to inherit from: "other-repo", "owner/repo", or with a file "repo:path/notifier.yml" (got ${quoteValue(text)})`;
}

/**
 * The candidate closest to `input` when it is plausibly a typo of it, for "did you mean" hints
 * on config keys and values (at least 2 edits allowed).
 *
 * @example closest("exclude_label", ["labels", "exclude_labels"]) // "exclude_labels"
 */
export function closest(input: string, candidates: readonly string[]): string | null {
  return closestWithin(input, candidates, 2);
}
