/**
 * A loopback stand-in for a smee.io channel: an event stream that pushes deliveries the way
 * smee does (`data:` lines holding the headers and the parsed body).
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeSmee {
  /** The channel URL to give the app as WEBHOOK_PROXY_URL. */
  url: string;
  /** Resolves once a client is listening on the stream. */
  connected(): Promise<void>;
  push(delivery: { headers: Record<string, string>; body: unknown }): void;
  close(): Promise<void>;
}

export async function startFakeSmee(): Promise<FakeSmee> {
  const clients = new Set<ServerResponse>();
  let onConnect: (() => void) | null = null;
  const server = createServer((req, res) => {
    if (req.method !== "GET" || req.url !== "/channel-e2e") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    res.write("event: ready\ndata: {}\n\n");
    clients.add(res);
    req.on("close", () => clients.delete(res));
    onConnect?.();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/channel-e2e`,
    connected: () =>
      new Promise<void>((resolve) => {
        if (clients.size > 0) return resolve();
        onConnect = resolve;
      }),
    push({ headers, body }) {
      const data = JSON.stringify({ ...headers, body, query: {}, timestamp: Date.now() });
      for (const client of clients) client.write(`id: ${Date.now()}\ndata: ${data}\n\n`);
    },
    async close() {
      for (const client of clients) client.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
