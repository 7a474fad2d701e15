/** Slack's size limits for the parts of a message we build; a message past any of them is rejected. */
export const SLACK_LIMITS = {
  /** `text` of a section block. */
  sectionText: 3000,
  /** Any `plain_text` object, such as a header. */
  plainText: 150,
  /** Each element of a context block. */
  contextText: 2000,
  /** Elements in one context block. */
  contextElements: 10,
  /** The message's top-level fallback `text`. */
  fallbackText: 4000,
  /** Blocks in one message. */
  blocks: 50,
} as const;
