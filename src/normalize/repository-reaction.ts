/** Events about the repository itself rather than an issue in it: stars, watchers and forks. */
import type { ForkEvent, StarCreatedEvent, WatchStartedEvent } from "@octokit/webhooks-types";
import type { ActivityEvent } from "./activity-event.js";
import {
  baseEvent,
  nonEmpty,
  readActor,
  readRepository,
  required,
  type PayloadSource,
} from "./shared-fields.js";
import { child, text, type Untrusted } from "./untrusted.js";

/**
 * `star.created` or `watch.started` as an {@link ActivityEvent} pointing at the repository;
 * `repository.stars` carries the count after the star.
 *
 * @example
 * normalizeStarOrWatch({ kind: "star.created", payload }).repository.stars // 1
 */
export function normalizeStarOrWatch(params: {
  kind: "star.created" | "watch.started";
  payload: Untrusted<StarCreatedEvent | WatchStartedEvent>;
}): ActivityEvent {
  const source: PayloadSource<StarCreatedEvent | WatchStartedEvent> = {
    event: params.kind,
    payload: params.payload,
  };
  const repository = readRepository(source);
  const actor = readActor(source);
  return baseEvent({ kind: params.kind, repository, actor, url: repository.url });
}

/**
 * A `fork` delivery as an {@link ActivityEvent} pointing at the new fork.
 *
 * @example
 * normalizeFork({ payload }).detail.forkFullName // "Octocoders/Hello-World"
 */
export function normalizeFork(params: { payload: Untrusted<ForkEvent> }): ActivityEvent {
  const event = "fork";
  const source: PayloadSource<ForkEvent> = { event, payload: params.payload };
  const repository = readRepository(source);
  const actor = readActor(source);
  const forkee = required(child(params.payload, "forkee"), { event, missing: "forkee" });
  const ownerLogin = nonEmpty(text(child(forkee, "owner"), "login"));
  const name = nonEmpty(text(forkee, "name"));
  const forkFullName =
    nonEmpty(text(forkee, "full_name")) ??
    (ownerLogin !== null && name !== null ? `${ownerLogin}/${name}` : null);
  const forkUrl =
    nonEmpty(text(forkee, "html_url")) ??
    (forkFullName === null ? null : `https://github.com/${forkFullName}`);
  return {
    ...baseEvent({ kind: "fork", repository, actor, url: forkUrl }),
    detail: {
      ...(forkFullName === null ? {} : { forkFullName }),
      ...(forkUrl === null ? {} : { forkUrl }),
    },
  };
}
