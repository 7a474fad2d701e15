/** Signs and sends webhook deliveries the way GitHub does. */
import { createHmac, randomUUID } from "node:crypto";

export const TEST_SECRET = "e2e-test-secret-3f9a1c";

export function sign(body: string, secret = TEST_SECRET): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export interface SentDelivery {
  id: string;
  status: number;
  text: string;
}

/**
 * POSTs one delivery to the app's webhook path, signed unless `signature` says otherwise.
 *
 * @example
 * await sendDelivery({ baseUrl, event: "issues", payload });
 */
export async function sendDelivery(params: {
  baseUrl: string;
  event: string;
  payload: unknown;
  id?: string;
  secret?: string;
  /** Overrides the computed signature (`null` sends none). */
  signature?: string | null;
  /** Sends this body instead of the JSON of `payload`. */
  rawBody?: string | Buffer;
}): Promise<SentDelivery> {
  const id = params.id ?? randomUUID();
  const body = params.rawBody ?? JSON.stringify(params.payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-github-event": params.event,
    "x-github-delivery": id,
    "user-agent": "GitHub-Hookshot/test",
  };
  const signature =
    params.signature === undefined ? sign(body.toString(), params.secret ?? TEST_SECRET) : params.signature;
  if (signature !== null) headers["x-hub-signature-256"] = signature;
  const response = await fetch(`${params.baseUrl}/api/github/webhooks`, { method: "POST", headers, body });
  return { id, status: response.status, text: await response.text() };
}
