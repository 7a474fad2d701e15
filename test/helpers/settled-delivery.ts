/**
 * Sends one signed delivery to a running app and waits until the app has finished with it:
 * the delivery routed (`delivered`, `skipped` or `dead`) and each of its notifications `sent`
 * or `dead`. For end-to-end tests that send events one after another, in order.
 */
import { randomUUID } from "node:crypto";
import { expect, vi } from "vitest";
import type { AppProcess } from "./app-process.js";
import { readRows } from "./sqlite-rows.js";
import { sendDelivery } from "./webhook.js";

export interface SettledDelivery {
  id: string;
  status: string;
  /** Why it was skipped, when it was. */
  reason: string | null;
}

/**
 * @example
 * const { id, status } = await deliverSettled({ app, dbPath, event: "pull_request", payload });
 */
export async function deliverSettled(params: {
  app: AppProcess;
  /** The app's SQLite file, read directly. */
  dbPath: string;
  event: string;
  payload: unknown;
  timeoutMs?: number;
}): Promise<SettledDelivery> {
  const { dbPath } = params;
  const id = randomUUID();
  const sent = await sendDelivery({
    baseUrl: params.app.baseUrl,
    event: params.event,
    payload: params.payload,
    id,
  });
  expect(sent.status).toBe(200);
  return vi.waitFor(
    () => {
      const [delivery] = readRows<{ status: string; reason: string | null }>(
        dbPath,
        `SELECT status, reason FROM deliveries WHERE id = ?`,
        id,
      );
      expect(delivery?.status).toMatch(/^(delivered|skipped|dead)$/);
      const [waiting] = readRows<{ n: number }>(
        dbPath,
        `SELECT count(*) AS n FROM notifications WHERE delivery_id = ? AND status NOT IN ('sent', 'dead')`,
        id,
      );
      expect(waiting?.n).toBe(0);
      return { id, status: delivery!.status, reason: delivery!.reason };
    },
    { timeout: params.timeoutMs ?? 15_000, interval: 50 },
  );
}
