/** What the formatter hands to the Slack edge: Block Kit blocks and the plain-text fallback. */
import type { KnownBlock } from "@slack/types";

export interface SlackMessage {
  /** Plain-text fallback, shown in notifications and by clients without Block Kit. */
  text: string;
  blocks: KnownBlock[];
}
