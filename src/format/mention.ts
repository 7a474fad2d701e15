/**
 * Real Slack mentions (`<@U…>`) for GitHub logins the operator mapped to Slack users. The only
 * place a mention is built: the id comes from the operator's people file through
 * {@link FormatOptions.slackIdOf}, never from a payload, and must look like a Slack user id.
 */

/** How formatting may name people; without it every login is plain text. */
export interface FormatOptions {
  /** Slack user id for a GitHub login, from the operator's people file; `null` when unmapped. */
  slackIdOf?: (login: string) => string | null;
}

/** A Slack user id: `U…` or `W…` (Enterprise Grid), upper-case letters and digits. */
const SLACK_USER_ID = /^[UW][A-Z0-9]{1,30}$/;

/**
 * Whether `id` is a Slack user id, safe to put inside `<@…>`.
 *
 * @example
 * isSlackUserId("U0123ABCD") // true
 * isSlackUserId("U1|x> <!channel") // false
 */
export function isSlackUserId(id: unknown): id is string {
  return typeof id === "string" && SLACK_USER_ID.test(id);
}

/**
 * `<@U…>` for `login` when the operator mapped it to a valid Slack user id, else `null`.
 *
 * @example
 * slackMention({ login: "octocat", options: { slackIdOf: () => "U0123ABCD" } }) // "<@U0123ABCD>"
 * slackMention({ login: "octocat" }) // null
 */
export function slackMention(params: {
  login: string | null | undefined;
  options?: FormatOptions | undefined;
}): string | null {
  const { login, options } = params;
  if (login === null || login === undefined || options?.slackIdOf === undefined) return null;
  const id = options.slackIdOf(login);
  return isSlackUserId(id) ? `<@${id}>` : null;
}
