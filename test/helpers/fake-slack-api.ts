/**
 * A loopback stand-in for Slack's Web API: answers `chat.postMessage`, `chat.update`,
 * `conversations.open` and `users.info` as Slack documents them (POST with a form-urlencoded or
 * JSON body, `Authorization: Bearer <token>`, HTTP 200 with `ok: false` for errors), keeps the
 * messages per channel with their threads and edits, and can answer an error or a 429 once.
 * End-to-end tests point SLACK_API_URL at it; the client's tests use it to prove both sides agree.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** The Web API methods the fake answers. */
export type FakeSlackMethod =
  "chat.postMessage" | "chat.update" | "conversations.open" | "users.info";

/** A Slack user `users.info` and `conversations.open` know. */
export interface FakeSlackUser {
  /** `U…` or `W…`. */
  id: string;
  /** The handle `users.info` answers. */
  name: string;
  /** A deactivated account. */
  deleted?: boolean;
  /** A bot user. */
  isBot?: boolean;
}

/** One version of a message's content. */
export interface FakeMessageContent {
  text: string;
  /** The blocks as sent (parsed from JSON); empty when none were sent. */
  blocks: unknown[];
}

/** A message the fake holds, as posted and then edited. */
export interface FakeMessage extends FakeMessageContent {
  /** The channel id it lives in (`C…`, `G…`, or the `D…` of a DM). */
  channel: string;
  /** Its id, unique and increasing across the fake, e.g. `1700000000.000100`. */
  ts: string;
  /** The parent's ts for a thread reply, null for a top-level message (named as Slack names it). */
  thread_ts: string | null;
  /** A thread reply also shown in the channel. */
  reply_broadcast: boolean;
  /** How many times `chat.update` changed it. */
  updates: number;
  /** Earlier versions, oldest first (the current one is `text` and `blocks`). */
  history: FakeMessageContent[];
}

/** One request the fake received, answered or not. */
export interface FakeSlackCall {
  /** The method from the path, e.g. `chat.postMessage` (whatever the path said, even unknown). */
  method: string;
  /** The arguments as Slack reads them: form fields or JSON; `blocks` parsed when sent as JSON text. */
  body: Record<string, unknown>;
  /** The HTTP status answered. */
  status: number;
  /** Slack's `error` when the answer was `ok: false` (or a failNext status), else null. */
  error: string | null;
  /** When the request had fully arrived, `performance.now()` of this process (ms). */
  at: number;
}

/**
 * What the next call of a method is answered with instead of doing it: `status` an HTTP status
 * (429 answers `ratelimited`; 5xx a plain-text body), `retryAfter` a Retry-After header in
 * seconds, `error` Slack's `ok: false` error (HTTP 200 unless `status` says otherwise).
 */
export interface FakeSlackAnswer {
  status?: number;
  retryAfter?: number;
  error?: string;
}

export interface FakeSlackApi {
  /** The Web API base, ending with `/`: `http://127.0.0.1:<port>/api/`, for SLACK_API_URL. */
  url: string;
  /** Every request, in order. */
  calls: FakeSlackCall[];
  /** The messages of a channel (top-level and replies), in posting order, deleted ones left out. */
  messages(channelId: string): FakeMessage[];
  /** Deletes a message, as a person in Slack could: updating it then answers `message_not_found`. */
  deleteMessage(channel: string, ts: string): void;
  /** Answers the next call of `method` with `answer` instead of doing it; calls queue up. */
  failNext(method: FakeSlackMethod, answer: FakeSlackAnswer): void;
  /** From now on the bot is not a member of the channel: posts and updates there answer `not_in_channel`. */
  notInChannel(channelId: string): void;
  /** The DM channel id `conversations.open` gave (or would give) the user. */
  dmChannelOf(userId: string): string;
  close(): Promise<void>;
}

const FIRST_TS_MICROS = 1_700_000_000_000_100n;
const TS_STEP_MICROS = 100n;

/**
 * Starts the fake on 127.0.0.1 and a free port. `users` are the Slack users it knows (for
 * `users.info` and `conversations.open`), each an id (an active person named as the id in lower
 * case) or a full {@link FakeSlackUser}; when none are given, `conversations.open` accepts any
 * `U…`/`W…` id. `channels`, when given, are the only channel ids that exist (besides opened
 * DMs): others answer `channel_not_found`; without it any `C…`, `G…` or `D…` id exists.
 *
 * @example
 * const slack = await startFakeSlackApi({ token: "xoxb-test", users: [{ id: "U0REVIEW", name: "reviewer" }] });
 * const env = { SLACK_BOT_TOKEN: "xoxb-test", SLACK_API_URL: slack.url, SLACK_CHANNEL_ID: "C0ENG" };
 * // ... run the app ...
 * expect(slack.messages("C0ENG")).toHaveLength(1);
 * await slack.close();
 */
export async function startFakeSlackApi(params: {
  token: string;
  users?: (FakeSlackUser | string)[];
  channels?: string[];
}): Promise<FakeSlackApi> {
  const { token } = params;
  const users = new Map(
    (params.users ?? []).map((user): [string, FakeSlackUser] =>
      typeof user === "string" ? [user, { id: user, name: user.toLowerCase() }] : [user.id, user],
    ),
  );
  const knownChannels = params.channels === undefined ? null : new Set(params.channels);
  const notMember = new Set<string>();
  const dms = new Map<string, string>();
  /** Every message ever posted, by `channel ts`, including deleted ones. */
  const byKey = new Map<string, FakeMessage>();
  const deleted = new Set<string>();
  const posted: FakeMessage[] = [];
  const failures = new Map<string, FakeSlackAnswer[]>();
  const calls: FakeSlackCall[] = [];
  const sockets = new Set<Socket>();
  let lastTs = FIRST_TS_MICROS - TS_STEP_MICROS;

  const key = (channel: string, ts: string) => `${channel} ${ts}`;
  const nextTs = (): string => {
    lastTs += TS_STEP_MICROS;
    const text = lastTs.toString();
    return `${text.slice(0, -6)}.${text.slice(-6)}`;
  };
  const dmChannelOf = (userId: string): string => {
    let channel = dms.get(userId);
    if (channel === undefined) {
      channel = `D${String(dms.size + 1).padStart(8, "0")}`;
      dms.set(userId, channel);
    }
    return channel;
  };
  const openedDms = () => new Set(dms.values());

  /** Slack's error for posting to or editing in `channel`, or null when the bot may. */
  function channelError(channel: unknown): string | null {
    if (typeof channel !== "string" || !/^[CGD][A-Z0-9]+$/.test(channel)) {
      return "channel_not_found";
    }
    if (knownChannels !== null && !knownChannels.has(channel) && !openedDms().has(channel)) {
      return "channel_not_found";
    }
    if (notMember.has(channel)) return "not_in_channel";
    return null;
  }

  type Answer = { status: number; body: unknown; headers?: Record<string, string> };
  const slackError = (error: string, extra: Record<string, unknown> = {}): Answer => ({
    status: 200,
    body: { ok: false, error, ...extra },
  });

  const methods: Record<FakeSlackMethod, (body: Record<string, unknown>) => Answer> = {
    "chat.postMessage"(body) {
      const { channel } = body;
      const refused = channelError(channel);
      if (refused !== null) return slackError(refused);
      const content = contentOf(body);
      if (content.text === "" && content.blocks.length === 0) return slackError("no_text");
      let threadTs: string | null = null;
      if (body.thread_ts !== undefined && body.thread_ts !== "") {
        const parentKey = key(channel as string, String(body.thread_ts));
        const parent = byKey.get(parentKey);
        if (parent === undefined || deleted.has(parentKey)) return slackError("thread_not_found");
        // A reply to a reply joins the same thread, as in Slack.
        threadTs = parent.thread_ts ?? parent.ts;
      }
      const message: FakeMessage = {
        channel: channel as string,
        ts: nextTs(),
        ...content,
        thread_ts: threadTs,
        reply_broadcast: threadTs !== null && isTrue(body.reply_broadcast),
        updates: 0,
        history: [],
      };
      byKey.set(key(message.channel, message.ts), message);
      posted.push(message);
      return ok({ channel: message.channel, ts: message.ts, message: slackMessage(message) });
    },
    "chat.update"(body) {
      const { channel, ts } = body;
      const refused = channelError(channel);
      if (refused !== null) return slackError(refused);
      const messageKey = key(channel as string, String(ts));
      const message = byKey.get(messageKey);
      if (message === undefined || deleted.has(messageKey)) return slackError("message_not_found");
      const content = contentOf(body);
      if (content.text === "" && content.blocks.length === 0) return slackError("no_text");
      message.history.push({ text: message.text, blocks: message.blocks });
      message.text = content.text;
      // As in Slack, an update without blocks keeps the message's blocks.
      if (body.blocks !== undefined) message.blocks = content.blocks;
      message.updates += 1;
      return ok({
        channel: message.channel,
        ts: message.ts,
        text: message.text,
        message: slackMessage(message),
      });
    },
    "conversations.open"(body) {
      const ids =
        typeof body.users === "string" ? body.users.split(",").map((id) => id.trim()) : [];
      if (ids.length === 0 || ids[0] === "") return slackError("users_list_not_supplied");
      if (ids.length > 1) return slackError("not_supported");
      const user = ids[0] as string;
      if (!/^[UW][A-Z0-9]+$/.test(user)) return slackError("user_not_found");
      const known = users.get(user);
      if (users.size > 0 && known === undefined) return slackError("user_not_found");
      if (known?.deleted === true) return slackError("user_disabled");
      return ok({ channel: { id: dmChannelOf(user) } });
    },
    "users.info"(body) {
      const user = users.get(String(body.user));
      if (user === undefined) return slackError("user_not_found");
      return ok({
        user: {
          id: user.id,
          name: user.name,
          real_name: user.name,
          deleted: user.deleted === true,
          is_bot: user.isBot === true,
          profile: { display_name: user.name },
        },
      });
    },
  };

  function answer(req: IncomingMessage, body: Record<string, unknown>, method: string): Answer {
    if (req.method !== "POST") return { status: 405, body: "method not allowed" };
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const sent = bearer ?? (typeof body.token === "string" ? body.token : undefined);
    if (sent === undefined) return slackError("not_authed");
    if (sent !== token) return slackError("invalid_auth");
    if (!(method in methods)) return slackError("unknown_method");
    const failure = failures.get(method)?.shift();
    if (failure !== undefined) return failed(failure);
    return methods[method as FakeSlackMethod](body);
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const method = /^\/api\/([A-Za-z.]+)(?:\?|$)/.exec(req.url ?? "")?.[1] ?? req.url ?? "/";
      const body = parseBody(req.headers["content-type"], Buffer.concat(chunks).toString("utf8"));
      const reply = answer(req, body, method);
      const error =
        typeof reply.body === "object" && reply.body !== null && "error" in reply.body
          ? String((reply.body as { error: unknown }).error)
          : reply.status === 200
            ? null
            : `HTTP ${reply.status}`;
      const { token: _token, ...recorded } = body;
      calls.push({ method, body: recorded, status: reply.status, error, at: performance.now() });
      const text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
      const contentType =
        typeof reply.body === "string" ? "text/plain" : "application/json; charset=utf-8";
      res.writeHead(reply.status, {
        "content-type": contentType,
        "content-length": Buffer.byteLength(text),
        ...reply.headers,
      });
      res.end(text);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    messages: (channelId) =>
      posted.filter(
        (message) =>
          message.channel === channelId && !deleted.has(key(message.channel, message.ts)),
      ),
    deleteMessage(channel, ts) {
      if (!byKey.has(key(channel, ts))) {
        throw new Error(`fake Slack API: no message ${ts} in ${channel} to delete`);
      }
      deleted.add(key(channel, ts));
    },
    failNext(method, failure) {
      const queue = failures.get(method) ?? [];
      queue.push(failure);
      failures.set(method, queue);
    },
    notInChannel(channelId) {
      notMember.add(channelId);
    },
    dmChannelOf,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function ok(fields: Record<string, unknown>): { status: number; body: unknown } {
  return { status: 200, body: { ok: true, ...fields } };
}

/** A failNext answer: Slack's 429, a 5xx or other status, or an `ok: false` error. */
function failed(failure: FakeSlackAnswer): {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
} {
  const status = failure.status ?? 200;
  const headers =
    failure.retryAfter === undefined ? undefined : { "retry-after": String(failure.retryAfter) };
  const error = failure.error ?? (status === 429 ? "ratelimited" : null);
  const body =
    error !== null ? { ok: false, error } : status >= 500 ? "upstream connect error" : "";
  return { status, body, ...(headers ? { headers } : {}) };
}

/** A body as Slack reads it: JSON or form fields; `blocks` sent as JSON text parsed. */
function parseBody(contentType: string | undefined, text: string): Record<string, unknown> {
  let body: Record<string, unknown> = {};
  if (contentType?.startsWith("application/json")) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === "object" && parsed !== null) body = parsed as Record<string, unknown>;
    } catch {
      body = {};
    }
  } else {
    body = Object.fromEntries(new URLSearchParams(text));
  }
  if (typeof body.blocks === "string") {
    try {
      body.blocks = JSON.parse(body.blocks) as unknown;
    } catch {
      // Left as text: contentOf treats it as no blocks.
    }
  }
  return body;
}

function contentOf(body: Record<string, unknown>): FakeMessageContent {
  return {
    text: typeof body.text === "string" ? body.text : "",
    blocks: Array.isArray(body.blocks) ? (body.blocks as unknown[]) : [],
  };
}

/** `true`, `"true"` or `"1"`, as Slack reads a boolean argument. */
function isTrue(value: unknown): boolean {
  return value === true || value === "true" || value === "1";
}

/** The `message` object of Slack's answer. */
function slackMessage(message: FakeMessage): Record<string, unknown> {
  return {
    type: "message",
    text: message.text,
    blocks: message.blocks,
    ts: message.ts,
    bot_id: "B0FAKE",
    ...(message.thread_ts === null ? {} : { thread_ts: message.thread_ts }),
  };
}
