/** `deployment_status` deliveries: a deployment that succeeded or failed, and where it went. */
import type { DeploymentStatusCreatedEvent } from "@octokit/webhooks-types";
import type { ActivityEvent } from "./activity-event.js";
import {
  baseEvent,
  excerpt,
  nonEmpty,
  readActor,
  readRepository,
  readTitle,
  required,
  type PayloadSource,
} from "./shared-fields.js";
import { child, text, type Untrusted } from "./untrusted.js";

/** States of a deployment status that are announced, and the kind each becomes. */
const STATE_KINDS: ReadonlyMap<string, "deployment_status.success" | "deployment_status.failure"> =
  new Map([
    ["success", "deployment_status.success"],
    ["failure", "deployment_status.failure"],
    ["error", "deployment_status.failure"],
  ]);

/**
 * A created deployment status in state `success`, `failure` or `error` as an
 * {@link ActivityEvent} linking to the deployment's target (`target_url`, else
 * `environment_url`, else the repository's deployments page: the first the message can link);
 * `null` for other states (`pending`, `queued`, `in_progress`, `inactive`).
 *
 * @example
 * normalizeDeploymentStatus({ payload })?.detail // { environment: "production", deploymentState: "success" }
 */
export function normalizeDeploymentStatus(params: {
  payload: Untrusted<DeploymentStatusCreatedEvent>;
}): ActivityEvent | null {
  const { payload } = params;
  const event = "deployment_status.created";
  const status = required(child(payload, "deployment_status"), {
    event,
    missing: "deployment_status",
  });
  const state = nonEmpty(text(status, "state"));
  const kind = state === null ? undefined : STATE_KINDS.get(state);
  if (state === null || kind === undefined) return null;
  const source: PayloadSource<DeploymentStatusCreatedEvent> = { event, payload };
  const repository = readRepository(source);
  const actor = readActor(source);
  const environment =
    nonEmpty(text(child(payload, "deployment"), "environment")) ??
    nonEmpty(text(status, "environment"));
  const url =
    [text(status, "target_url"), text(status, "environment_url")].find(linkable) ??
    `${repository.url}/deployments`;
  return {
    ...baseEvent({ kind, repository, actor, url }),
    body: excerpt(text(status, "description")),
    detail: {
      ...(environment === null ? {} : { environment: readTitle(environment) }),
      deploymentState: state,
    },
  };
}

/** Longest link a message keeps, as Slack text (format's `safeUrl` drops a longer one). */
const MAX_LINK_LENGTH = 500;

/**
 * Whether format's `safeUrl` will link `url`: an http(s) URL at most {@link MAX_LINK_LENGTH}
 * long once `|<>"'` and spaces are percent-encoded and `&` written `&amp;`. Normalize cannot
 * import format (format reads normalize's types), so this mirrors it; a test pins the two
 * together. A target the message would drop must not hide the next one.
 */
function linkable(url: string | null): url is string {
  if (url === null || nonEmpty(url) === null || url.length > MAX_LINK_LENGTH * 4) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return false;
  const encoded = parsed.href.replace(/[|<>"'`\s]/g, (character) => encodeURIComponent(character));
  const ampersands = encoded.length - encoded.replaceAll("&", "").length;
  return encoded.length + 4 * ampersands <= MAX_LINK_LENGTH;
}
