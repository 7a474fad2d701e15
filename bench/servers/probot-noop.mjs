/**
 * Baseline (b): a Probot 14 app whose handler does nothing, served the way our app serves it
 * (`createNodeMiddleware` on node:http): signature check, JSON parse, event dispatch, answer.
 */
import { createServer } from "node:http";
import { Probot, createNodeMiddleware } from "probot";

const probot = new Probot({
  appId: 1,
  privateKey: process.env.PRIVATE_KEY,
  secret: process.env.WEBHOOK_SECRET,
  logLevel: "warn",
  logFormat: "json",
});
const middleware = await createNodeMiddleware(
  (app) => {
    app.onAny(async () => {});
  },
  { probot },
);
const server = createServer((req, res) => {
  void middleware(req, res, () => {
    if (!res.headersSent) res.writeHead(404).end();
  });
});
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
