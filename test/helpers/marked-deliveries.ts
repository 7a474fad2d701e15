/**
 * Real example payloads made unique per delivery: a marker in the sender's login (and in the
 * title of issues and pull requests) that the Slack text carries back, so every post can be
 * mapped to the delivery it announces. Only kinds the default routes send are used.
 */
import { randomUUID } from "node:crypto";
import type {
  IssuesOpenedEvent,
  PullRequestOpenedEvent,
  StarCreatedEvent,
} from "@octokit/webhooks-types";
import { examplesFor } from "./examples.js";
import type { SlackPost } from "./fake-slack.js";

export type MarkedEvent = "issues" | "pull_request" | "star";

export interface MarkedDelivery {
  /** `X-GitHub-Delivery`. */
  id: string;
  /** Appears in the Slack text of this delivery's post and nowhere else. */
  marker: string;
  event: MarkedEvent;
  payload: object;
}

const MARKER = /\bsx\d{6}x\b/g;

type Maker = (marker: string) => { event: MarkedEvent; payload: object };

function makers(): Maker[] {
  // Narrowed to the payload types: mapping over the helper's intersection types is more than
  // the compiler can represent.
  const issues: IssuesOpenedEvent[] = examplesFor("issues", "opened");
  const pullRequests: PullRequestOpenedEvent[] = examplesFor("pull_request", "opened");
  const stars: StarCreatedEvent[] = examplesFor("star", "created");
  // Every example of each kind in turn, so the run covers all their shapes.
  return [
    ...issues.map((template): Maker => (marker) => {
      const payload = structuredClone(template);
      payload.issue.title = `Scale-out check ${marker}`;
      payload.sender.login = marker;
      return { event: "issues", payload };
    }),
    ...pullRequests.map((template): Maker => (marker) => {
      const payload = structuredClone(template);
      payload.pull_request.title = `Scale-out check ${marker}`;
      payload.sender.login = marker;
      return { event: "pull_request", payload };
    }),
    ...stars.map((template): Maker => (marker) => {
      const payload = structuredClone(template);
      payload.sender.login = marker;
      return { event: "star", payload };
    }),
  ];
}

/**
 * `count` deliveries, each with its own id and marker, cycling through the example payloads
 * of `issues.opened`, `pull_request.opened` and `star.created`.
 *
 * @example
 * const [first] = markedDeliveries(1);
 * await sendDelivery({ baseUrl, event: first.event, payload: first.payload, id: first.id });
 */
export function markedDeliveries(count: number): MarkedDelivery[] {
  const available = makers();
  return Array.from({ length: count }, (_, index) => {
    const make = available[index % available.length];
    if (!make)
      throw new Error(
        "@octokit/webhooks-examples has no issues.opened, pull_request.opened or star.created payload",
      );
    const marker = `sx${String(index).padStart(6, "0")}x`;
    return { id: randomUUID(), marker, ...make(marker) };
  });
}

/**
 * The marker a post carries, or `null` when it carries none or several (a summary would).
 *
 * @example
 * markerOf({ path: "/", at: 0, body: { text: "sx000042x starred Codertocat/Hello-World" } }) // "sx000042x"
 */
export function markerOf(post: SlackPost): string | null {
  const found = new Set(post.body.text?.match(MARKER) ?? []);
  const [only] = found;
  return found.size === 1 && only !== undefined ? only : null;
}
