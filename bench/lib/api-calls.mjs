/**
 * GitHub API calls per 1,000 events: one priming event fills the app's caches (installation
 * token, the repository's config), then `events` deliveries for the same repository, each with a
 * body of its own, are sent 10 at a time; the fake GitHub counts the calls they caused, by route.
 * The measurement ends once the fake Slack has every post.
 */
import { randomUUID } from "node:crypto";
import { issuesOpenedPayload, postDelivery } from "./payload.mjs";

const IN_FLIGHT = 10;

/** Calls per route between two `github.counts()` snapshots. */
function difference(after, before) {
  const calls = {};
  for (const [route, n] of Object.entries(after)) {
    const more = n - (before[route] ?? 0);
    if (more > 0) calls[route] = more;
  }
  return calls;
}

const total = (calls) => Object.values(calls).reduce((sum, n) => sum + n, 0);

/**
 * @example
 * const figures = await measureApiCalls({ baseUrl: app.baseUrl, slack, github, events: 1000 });
 * figures.perThousand; // 0
 */
export async function measureApiCalls({ baseUrl, slack, github, events }) {
  slack.reset();
  const run = randomUUID().slice(0, 8);
  const url = `${baseUrl}/api/github/webhooks`;
  const send = async (marker) => {
    const body = JSON.stringify(issuesOpenedPayload({ marker }));
    const { status } = await postDelivery({ url, body, id: `${marker}-delivery` });
    if (status < 200 || status > 299) throw new Error(`delivery ${marker} answered ${status}`);
  };

  await send(`api-${run}-prime`);
  await slack.waitForAccepted(1, 30_000);
  const primed = github.counts();

  let next = 0;
  const worker = async () => {
    while (next < events) {
      const i = next;
      next += 1;
      await send(`api-${run}-${i}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  await slack.waitForAccepted(1 + events, 60_000 + 50 * events);
  const calls = difference(github.counts(), primed);
  return {
    events,
    primingCalls: primed,
    calls,
    perThousand: (1000 * total(calls)) / events,
    posted: slack.accepted().length,
  };
}
