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
import { safeUrl } from "../shared/slack-text.js";

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
    // The first the message can link: one format would drop must not hide the next.
    [text(status, "target_url"), text(status, "environment_url")].find(
      (candidate) => safeUrl(candidate) !== null,
    ) ?? `${repository.url}/deployments`;
  return {
    ...baseEvent({ kind, repository, actor, url }),
    body: excerpt(text(status, "description")),
    detail: {
      ...(environment === null ? {} : { environment: readTitle(environment) }),
      deploymentState: state,
    },
  };
}
