/**
 * A notified event whose payload lacks something every message needs (the repository, the
 * sender, the issue...). Retrying cannot fix it, so the worker records it and moves on.
 *
 * @example
 * throw new MalformedPayloadError({ event: "issues.opened", missing: "repository" });
 * // message: "issues.opened payload has no repository"
 * new MalformedPayloadError({ event: "fork", missing: "body", problem: "is not a JSON object" });
 */
export class MalformedPayloadError extends Error {
  override readonly name = "MalformedPayloadError";
  /** `event.action` as GitHub names it, e.g. `pull_request.closed`. */
  readonly event: string;
  /** The missing or unusable field, as a path: `repository`, `review.state`. */
  readonly missing: string;

  /** `problem` replaces the default "has no {missing}" when that would read badly. */
  constructor(params: { event: string; missing: string; problem?: string }) {
    super(`${params.event} payload ${params.problem ?? `has no ${params.missing}`}`);
    this.event = params.event;
    this.missing = params.missing;
  }
}
