/**
 * The bench's Slack is the tests' loopback fake (`test/helpers/fake-slack.ts`): it accepts
 * every post with 200 `ok` and records it. The ack measurement watches arrivals through its
 * `answer` hook, which runs the moment a post's body has fully arrived.
 */
import { importHelper } from "./typescript.mjs";

/** @type {{ startFakeSlack: () => Promise<import("../../test/helpers/fake-slack.ts").FakeSlack> }} */
const helper = await importHelper("fake-slack.ts");

export const { startFakeSlack } = helper;
