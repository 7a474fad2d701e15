/**
 * Acknowledgement to Slack at light load: deliveries sent one at a time (at most 20 a second),
 * each with a marker in its issue title that the Slack message shows. The fake Slack's `answer`
 * hook runs when a post has fully arrived; it notes the moment for the marker it carries.
 * Timings are `performance.now()` in this one process (sender and fake Slack both live here).
 */
import { randomUUID } from "node:crypto";
import { issuesOpenedPayload, postDelivery } from "./payload.mjs";
import { sleep } from "./processes.mjs";
import { summarize } from "./stats.mjs";

const MIN_INTERVAL_MS = 50;
const ARRIVAL_TIMEOUT_MS = 10_000;
const MARKER = /ack-[0-9a-f]{8}-\d+/;

/** Watches the fake Slack for posts carrying a marker; `arrival(marker)` resolves with the moment. */
function watchArrivals(slack) {
  const arrived = new Map();
  const waiting = new Map();
  let lastBody = null;
  slack.answer = (post) => {
    const at = performance.now();
    const text = JSON.stringify(post.body);
    const marker = MARKER.exec(text)?.[0];
    if (marker) {
      lastBody = text;
      arrived.set(marker, at);
      waiting.get(marker)?.(at);
    }
    return { status: 200 };
  };
  return {
    lastBody: () => lastBody,
    arrival(marker) {
      if (arrived.has(marker)) return Promise.resolve(arrived.get(marker));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`no Slack post carrying ${marker} within ${ARRIVAL_TIMEOUT_MS} ms`)),
          ARRIVAL_TIMEOUT_MS,
        );
        waiting.set(marker, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });
    },
  };
}

/**
 * @example
 * const figures = await measureAckToSlack({ baseUrl: app.baseUrl, slack, count: 200, warmup: 20 });
 * figures.ackToSlack.p50; figures.direct.p99;
 */
export async function measureAckToSlack({ baseUrl, slack, count, warmup }) {
  slack.reset();
  const watch = watchArrivals(slack);
  const run = randomUUID().slice(0, 8);
  const ackToSlack = [];
  const sentToAck = [];
  const sentToSlack = [];
  try {
    for (let i = 0; i < warmup + count; i += 1) {
      const marker = `ack-${run}-${i}`;
      const body = JSON.stringify(issuesOpenedPayload({ marker }));
      const { status, sentAt, answeredAt } = await postDelivery({
        url: `${baseUrl}/api/github/webhooks`,
        body,
        id: `${marker}-delivery`,
      });
      if (status < 200 || status > 299) throw new Error(`delivery ${marker} answered ${status}`);
      const arrivedAt = await watch.arrival(marker);
      if (i >= warmup) {
        ackToSlack.push(arrivedAt - answeredAt);
        sentToAck.push(answeredAt - sentAt);
        sentToSlack.push(arrivedAt - sentAt);
      }
      await sleep(Math.max(0, MIN_INTERVAL_MS - (performance.now() - sentAt)));
    }

    // Baseline: the message our app posted, POSTed from here straight to the fake Slack.
    const message = watch.lastBody();
    const direct = [];
    for (let i = 0; i < warmup + count; i += 1) {
      const marker = `ack-${run}-${warmup + count + i}`;
      const body = message.replace(MARKER, marker);
      const sentAt = performance.now();
      const response = await fetch(`${slack.url}/services/T0/B0/direct`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      await response.arrayBuffer();
      const arrivedAt = await watch.arrival(marker);
      if (i >= warmup) direct.push(arrivedAt - sentAt);
      await sleep(Math.max(0, MIN_INTERVAL_MS - (performance.now() - sentAt)));
    }
    return {
      ackToSlack: summarize(ackToSlack),
      direct: summarize(direct),
      directBytes: Buffer.byteLength(message),
      sentToAck: summarize(sentToAck),
      sentToSlack: summarize(sentToSlack),
    };
  } finally {
    slack.reset();
  }
}

/** Sent -> 2xx back, one at a time at the same pace, each delivery with a body of its own. */
export async function measureRoundTrip({ baseUrl, count, warmup }) {
  const run = randomUUID().slice(0, 8);
  const times = [];
  for (let i = 0; i < warmup + count; i += 1) {
    const marker = `rt-${run}-${i}`;
    const { status, sentAt, answeredAt } = await postDelivery({
      url: `${baseUrl}/api/github/webhooks`,
      body: JSON.stringify(issuesOpenedPayload({ marker })),
      id: `${marker}-delivery`,
    });
    if (status < 200 || status > 299) throw new Error(`delivery ${marker} answered ${status}`);
    if (i >= warmup) times.push(answeredAt - sentAt);
    await sleep(Math.max(0, MIN_INTERVAL_MS - (performance.now() - sentAt)));
  }
  return summarize(times);
}
