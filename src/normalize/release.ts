/** `release.published` deliveries. */
import type { ReleasePublishedEvent } from "@octokit/webhooks-types";
import type { ActivityEvent } from "./activity-event.js";
import {
  baseEvent,
  excerpt,
  nonEmpty,
  pathSegment,
  readActor,
  readRepository,
  readTitle,
  required,
  type PayloadSource,
} from "./shared-fields.js";
import { child, flag, text, type Untrusted } from "./untrusted.js";

/**
 * A published release as an {@link ActivityEvent}; an unnamed release is titled by its tag.
 *
 * @example
 * normalizeRelease({ payload }).detail // { tagName: "0.0.1", prerelease: false }
 */
export function normalizeRelease(params: {
  payload: Untrusted<ReleasePublishedEvent>;
}): ActivityEvent {
  const { payload } = params;
  const event = "release.published";
  const source: PayloadSource<ReleasePublishedEvent> = { event, payload };
  const repository = readRepository(source);
  const actor = readActor(source);
  const release = required(child(payload, "release"), { event, missing: "release" });
  const tagName = nonEmpty(text(release, "tag_name"));
  const url =
    nonEmpty(text(release, "html_url")) ??
    (tagName === null
      ? `${repository.url}/releases`
      : `${repository.url}/releases/tag/${pathSegment(tagName)}`);
  return {
    ...baseEvent({ kind: "release.published", repository, actor, url }),
    title: readTitle(nonEmpty(text(release, "name")) ?? tagName),
    body: excerpt(text(release, "body")),
    detail: {
      ...(tagName === null ? {} : { tagName }),
      prerelease: flag(release, "prerelease"),
    },
  };
}
