/**
 * Kills an app process at a moment it holds claimed work in a PostgreSQL store, so a test can
 * prove the work is taken over when the leases run out, and reads back what it held.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { AppProcess } from "./app-process.js";
import type { TestSchema } from "./test-postgres.js";

export interface HeldClaim {
  /** A routing lease on a delivery, or a sending lease on a (delivery, channel) notification. */
  kind: "delivery" | "notification";
  deliveryId: string;
  /** Epoch ms at which another instance may take the claim over. */
  leaseUntil: number;
}

export interface KillReport {
  killedAt: number;
  /** Freezes (SIGSTOP) it took to catch the process holding a claim. */
  probes: number;
  /** Claims the process held when it died, read back after its death. */
  held: HeldClaim[];
}

/**
 * The claims the worker of process `pid` holds now.
 *
 * @example
 * const held = await heldClaims({ schema, pid: app.child.pid! });
 */
export async function heldClaims(params: {
  schema: TestSchema;
  pid: number;
}): Promise<HeldClaim[]> {
  const rows = await params.schema.query<{
    kind: HeldClaim["kind"];
    delivery_id: string;
    lease_until: string;
  }>(
    `SELECT 'delivery' AS kind, id AS delivery_id, lease_until FROM deliveries
      WHERE status = 'processing' AND lease_owner LIKE $1
    UNION ALL
    SELECT 'notification', delivery_id, lease_until FROM notifications
      WHERE status = 'sending' AND lease_owner LIKE $1`,
    // A worker's owner id is `<pid>-<random>`.
    [`${params.pid}-%`],
  );
  return rows.map((row) => ({
    kind: row.kind,
    deliveryId: row.delivery_id,
    leaseUntil: Number(row.lease_until),
  }));
}

/**
 * SIGKILLs `app` while it holds claimed work (of kind `holding`, default any): freezes it
 * (SIGSTOP) so its claims cannot change while they are read, kills it if it holds such a
 * claim, else lets it run a few ms and looks again.
 *
 * @throws when the process held no such claim in `maxProbes` looks (it had no work to die in).
 * @example
 * const killed = await killHoldingClaims({ app, schema, holding: "notification" });
 * // killed.held: what the survivor must take over once each leaseUntil has passed
 */
export async function killHoldingClaims(params: {
  app: AppProcess;
  schema: TestSchema;
  holding?: HeldClaim["kind"] | "any";
  maxProbes?: number;
}): Promise<KillReport> {
  const { app, schema } = params;
  const holding = params.holding ?? "any";
  const maxProbes = params.maxProbes ?? 500;
  const pid = app.child.pid;
  if (pid === undefined) throw new Error("the app process has no pid: it never started");
  for (let probes = 1; probes <= maxProbes; probes++) {
    app.child.kill("SIGSTOP");
    const held = await heldClaims({ schema, pid });
    if (held.some((claim) => holding === "any" || claim.kind === holding)) {
      await app.kill("SIGKILL");
      // Read again: a commit in flight at the freeze may have landed since.
      return { killedAt: Date.now(), probes, held: await heldClaims({ schema, pid }) };
    }
    app.child.kill("SIGCONT");
    await sleep(5 + Math.random() * 20);
  }
  throw new Error(
    `app (pid ${pid}) held no ${holding === "any" ? "" : `${holding} `}claim in ${maxProbes} looks: it had no such work to be killed in`,
  );
}
