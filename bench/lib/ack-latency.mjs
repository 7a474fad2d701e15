/**
 * Acknowledgement to Slack at light load: deliveries sent one at a time (at most 20 a second),
 * each with a marker in its issue title that the Slack message shows. The fake Slack (webhook)
 * or fake Web API (bot channel) notes the moment a post carrying the marker has fully arrived.
 * Timings are `performance.now()` in this one process (sender and fake Slack both live here).
 */
import { randomUUID } from "node:crypto";
import { issuesOpenedPayload, postDelivery } from "./payload.mjs";
import { sleep } from "./processes.mjs";
import { summarize } from "./stats.mjs";

const MIN_INTERVAL_MS = 50;
const ARRIVAL_TIMEOUT_MS = 10_000;
const MARKER = /ack-[0-9a-f]{8}-\d+/;

/**
 * Arrivals at a fake Slack: `note(body, at)` is called for each post or call that fully arrived;
 * `arrival(marker)` resolves with the moment the first one carrying `marker` did.
 */
function arrivals() {
  const arrived = new Map();
  const waiting = new Map();
  let lastBody = null;
  return {
    note(body, at) {
      const text = JSON.stringify(body);
      const marker = MARKER.exec(text)?.[0];
      if (!marker || arrived.has(marker)) return;
      lastBody = body;
      arrived.set(marker, at);
      waiting.get(marker)?.(at);
    },
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

/** The webhook fake: its `answer` hook runs when a post has fully arrived. */
function watchWebhook(slack) {
  const watch = arrivals();
  slack.answer = (post) => {
    watch.note(post.body, performance.now());
    return { status: 200 };
  };
  return {
    ...watch,
    stop: () => slack.reset(),
    /** The message our app posted, POSTed from here straight to the fake. */
    direct: (body) =>
      fetch(`${slack.url}/services/T0/B0/direct`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
  };
}

/** The Web API fake: every call is noted when its body has fully arrived. */
function watchWebApi(api) {
  const watch = arrivals();
  const stop = api.onCall((call, at) => {
    if (call.method === "chat.postMessage") watch.note(call.body, at);
  });
  return {
    ...watch,
    stop,
    /** The `chat.postMessage` our app made, made from here straight to the fake. */
    direct: (body) =>
      fetch(`${api.url}chat.postMessage`, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          authorization: `Bearer ${api.token}`,
        },
        body: JSON.stringify(body),
      }),
  };
}

/**
 * Acknowledgement to Slack, one delivery at a time. `slack` is the webhook fake, or `api` the
 * Web API fake for a bot channel (then each delivery opens an issue of its own, so each is a
 * new thread's parent, as `issues.opened` is on GitHub).
 *
 * @example
 * const figures = await measureAckToSlack({ baseUrl: app.baseUrl, slack, count: 200, warmup: 20 });
 * figures.ackToSlack.p50; figures.direct.p99;
 */
export async function measureAckToSlack({ baseUrl, slack, api, count, warmup }) {
  slack?.reset();
  const watch = api ? watchWebApi(api) : watchWebhook(slack);
  const run = randomUUID().slice(0, 8);
  const ackToSlack = [];
  const sentToAck = [];
  const sentToSlack = [];
  try {
    for (let i = 0; i < warmup + count; i += 1) {
      const marker = `ack-${run}-${i}`;
      const payload = issuesOpenedPayload({ marker });
      if (api) payload.issue.number = 100_000 + i;
      const body = JSON.stringify(payload);
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

    // Baseline: the message our app posted, sent from here straight to the fake Slack.
    const message = JSON.stringify(watch.lastBody());
    const direct = [];
    for (let i = 0; i < warmup + count; i += 1) {
      const marker = `ack-${run}-${warmup + count + i}`;
      const body = JSON.parse(message.replace(MARKER, marker));
      const sentAt = performance.now();
      const response = await watch.direct(body);
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
    watch.stop();
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
