/** Baseline (a): the least a webhook receiver can do on node:http, read the body and answer 200. */
import { createServer } from "node:http";

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    res
      .writeHead(200, { "content-type": "text/plain", "content-length": "2" })
      .end(body.length > 0 ? "ok" : "no");
  });
});
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
