/** What the receiver records about any delivery before it is understood. */
import type { InstallationLite, Repository } from "@octokit/webhooks-types";
import { child, count, text, untrusted } from "./untrusted.js";

export interface DeliveryMeta {
  /** `action`, for families that have one. */
  action: string | null;
  /** The GitHub App installation the delivery came through. */
  installationId: number | null;
  /** `owner/name` */
  repository: string | null;
}

/**
 * A tolerant look at a delivery: whatever of action, installation and repository it carries.
 * Never throws, whatever JSON value `payload` is. `eventName` is taken for symmetry with
 * {@link normalize} and for families whose fields live elsewhere.
 *
 * @example
 * deliveryMeta("issues", payload) // { action: "opened", installationId: 1, repository: "acme/api" }
 * deliveryMeta("ping", null) // { action: null, installationId: null, repository: null }
 */
export function deliveryMeta(eventName: string, payload: unknown): DeliveryMeta {
  const body = untrusted<{
    action?: string;
    installation?: InstallationLite;
    repository?: Repository;
  }>(payload);
  const installationId = count(child(body, "installation"), "id");
  return {
    action: text(body, "action"),
    installationId:
      installationId !== null && Number.isSafeInteger(installationId) ? installationId : null,
    repository: text(child(body, "repository"), "full_name"),
  };
}
