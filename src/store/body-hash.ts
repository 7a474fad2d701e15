/**
 * The fingerprint of a delivery's body that both stores keep for replay protection: GitHub signs
 * no timestamp, so the same signed body under a new delivery id is recognised by this alone.
 */
import { createHash } from "node:crypto";

/**
 * Hex SHA-256 of the payload text as stored (the received bytes, decoded as UTF-8).
 *
 * @example
 * bodySha256('{"action":"opened"}') // => "6f1e…" (64 hex digits)
 */
export function bodySha256(payload: string): string {
  return createHash("sha256").update(payload, "utf8").digest("hex");
}
