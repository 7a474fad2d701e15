/**
 * The three kinds of glob repository config uses, each with the matching rules its
 * values need. All compile through picomatch.
 */
import picomatch from "picomatch";
import { ACTIVITY_KINDS, type ActivityKind } from "../normalize/activity-event.js";

/** A compiled glob. */
export type GlobMatcher = (value: string) => boolean;

// Logins (`dependabot[bot]`) and labels (`area/api`, `priority:*`) are names, not paths:
// `*` and `?` are the only wildcards, `[bot]` is literal, `*` crosses `/`, and case does
// not matter because GitHub compares both case-insensitively.
const NAME_OPTIONS: picomatch.PicomatchOptions = {
  literalBrackets: true,
  nobrace: true,
  noextglob: true,
  nonegate: true,
  bash: true,
  dot: true,
  nocase: true,
};

// Event kinds and branches are path-like: `pull_request.*`, `release/*`, `release/**`.
const PATH_OPTIONS: picomatch.PicomatchOptions = { nonegate: true };

/**
 * Compiles a glob over GitHub logins or label names.
 *
 * @example nameGlob("*[bot]")("Dependabot[bot]") // true
 */
export function nameGlob(glob: string): GlobMatcher {
  return picomatch(glob, NAME_OPTIONS);
}

/**
 * Compiles a glob over branch names (`*` stays within one `/` segment, `**` crosses them).
 *
 * @example branchGlob("release/*")("release/1.2") // true
 */
export function branchGlob(glob: string): GlobMatcher {
  return picomatch(glob, PATH_OPTIONS);
}

/**
 * Compiles an `on` glob over activity kinds.
 *
 * @example kindGlob("pull_request.*")("pull_request.merged") // true
 */
export function kindGlob(glob: string): GlobMatcher {
  return picomatch(glob, PATH_OPTIONS);
}

/**
 * The activity kinds an `on` glob selects, in their canonical order.
 *
 * @example kindsMatching("pull_request_review.*") // ["pull_request_review.approved", ...]
 */
export function kindsMatching(glob: string): ActivityKind[] {
  const matches = kindGlob(glob);
  return ACTIVITY_KINDS.filter((kind) => matches(kind));
}

/** Whether any of `globs` (compiled with `compile`) matches `value`; returns the first that does. */
export function firstMatch(params: {
  globs: readonly string[];
  value: string;
  compile: (glob: string) => GlobMatcher;
}): string | null {
  for (const glob of params.globs) {
    if (params.compile(glob)(params.value)) return glob;
  }
  return null;
}

/**
 * Checks that a glob compiles, returning picomatch's complaint when it does not.
 * picomatch reads almost anything as a pattern, so this mostly catches oversized input.
 */
export function globProblem(params: {
  glob: string;
  compile: (glob: string) => GlobMatcher;
}): string | null {
  try {
    params.compile(params.glob);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
