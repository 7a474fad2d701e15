/** A loopback port nobody listens on now, for an app that must come back on the same address after a restart. */
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";

/**
 * Asks the OS for a free port on 127.0.0.1 and releases it at once.
 *
 * @example
 * const port = await freePort();
 * await startApp({ env: { PORT: String(port), ... } });
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
