/** Reads a running app's SQLite file from the test, read-only, the way an operator would look. */
import Database from "better-sqlite3";

/**
 * The rows `sql` selects from the SQLite store at `dbPath`.
 *
 * @example
 * readRows<{ status: string; n: number }>(dbPath, "SELECT status, count(*) AS n FROM deliveries GROUP BY status");
 */
export function readRows<T>(dbPath: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/**
 * Deliveries by status, e.g. `{ delivered: 998, processing: 2 }`.
 *
 * @example
 * expect(deliveryStatusCounts(dbPath)).toEqual({ delivered: 200 });
 */
export function deliveryStatusCounts(dbPath: string): Record<string, number> {
  const rows = readRows<{ status: string; n: number }>(
    dbPath,
    "SELECT status, count(*) AS n FROM deliveries GROUP BY status ORDER BY status",
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}
