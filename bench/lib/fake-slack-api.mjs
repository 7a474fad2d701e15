/**
 * The bench's Slack Web API is the tests' loopback fake (`test/helpers/fake-slack-api.ts`), for
 * a bot channel (SLACK_BOT_TOKEN + SLACK_CHANNEL_ID + SLACK_API_URL). The fake records every
 * call once its body has fully arrived (before it answers); the bench notes that moment by
 * watching the record, so the ack measurement times the Web API as it times the webhook.
 */
import { importHelper } from "./typescript.mjs";

/** @type {{ startFakeSlackApi: (params: { token: string }) => Promise<import("../../test/helpers/fake-slack-api.ts").FakeSlackApi> }} */
const helper = await importHelper("fake-slack-api.ts");

/** The bot token the fake accepts (a test value shaped as Slack's, never a real one). */
export const BENCH_BOT_TOKEN = "xoxb-bench-0000000000-not-a-real-token";
/** The bot channel the app posts to. */
export const BENCH_CHANNEL_ID = "C0BENCH01";

/**
 * The fake Web API plus `onCall(listener)`: `listener(call, at)` runs for every call the moment
 * it arrived (`performance.now()`); it returns a function that stops listening.
 *
 * @example
 * const api = await startFakeSlackApi();
 * const stop = api.onCall((call, at) => console.log(call.method, at));
 */
export async function startFakeSlackApi() {
  const api = await helper.startFakeSlackApi({ token: BENCH_BOT_TOKEN });
  const listeners = new Set();
  const push = api.calls.push.bind(api.calls);
  api.calls.push = (...calls) => {
    const at = performance.now();
    for (const call of calls) for (const listener of listeners) listener(call, at);
    return push(...calls);
  };
  return Object.assign(api, {
    token: BENCH_BOT_TOKEN,
    channelId: BENCH_CHANNEL_ID,
    onCall(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  });
}
