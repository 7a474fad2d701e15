/**
 * `slack-app-manifest.yml` asks for exactly the bot scopes the code needs: every Slack Web API
 * method named in src/ maps to its scope here, and the manifest lists those scopes and no more.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = join(import.meta.dirname, "..", "..");

/** The bot scope each Web API method the app may call needs (Slack's method reference). */
const SCOPE_OF_METHOD: Record<string, string | null> = {
  "chat.postMessage": "chat:write",
  "chat.update": "chat:write",
  "chat.delete": "chat:write",
  "conversations.open": "im:write",
  "users.info": "users:read",
  "auth.test": null,
};

// Web API method families; a method is written as a quoted string ("chat.update") for
// WebClient.apiCall, or called on a client as client.chat.update(...). Only a receiver named
// like a client counts: the app's own `reminders` (issue 15) are arrays and counters too
// (`config.reminders.map(`, `metrics.reminders.inc(`), not Slack's reminders.* methods.
const FAMILIES =
  "admin|apps|assistant|auth|bookmarks|bots|calls|canvases|chat|conversations|dialog|dnd|emoji|files|im|oauth|openid|pins|reactions|reminders|rtm|search|stars|team|usergroups|users|views|workflows";
const QUOTED_METHOD_RE = new RegExp(`["'](?:${FAMILIES})\\.[A-Za-z]+(?:\\.[A-Za-z]+)*["']`, "g");
const CALLED_METHOD_RE = new RegExp(
  `(?:client|Client|web|slack)\\.((?:${FAMILIES})\\.[A-Za-z]+)\\(`,
  "g",
);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Every Web API method named in src/. */
function methodsInSource(): Set<string> {
  const methods = new Set<string>();
  for (const file of sourceFiles(join(ROOT, "src"))) {
    const text = readFileSync(file, "utf8");
    for (const [match] of text.matchAll(QUOTED_METHOD_RE)) methods.add(match.slice(1, -1));
    for (const match of text.matchAll(CALLED_METHOD_RE)) methods.add(match[1]!);
  }
  return methods;
}

interface Manifest {
  display_information?: { name?: string };
  features?: { bot_user?: { display_name?: string } };
  oauth_config?: { scopes?: { bot?: string[]; user?: string[] } };
  settings?: {
    event_subscriptions?: unknown;
    interactivity?: unknown;
    socket_mode_enabled?: boolean;
  };
}

const manifest = parse(readFileSync(join(ROOT, "slack-app-manifest.yml"), "utf8")) as Manifest;

describe("slack-app-manifest.yml", () => {
  it("reads Web API methods called on a client, and not the app's own fields of the same name", () => {
    const called = (text: string) => [...text.matchAll(CALLED_METHOD_RE)].map((match) => match[1]);
    expect(called("await this.#client.chat.update({ channel })")).toEqual(["chat.update"]);
    expect(called("webClient.reminders.add({ text })")).toEqual(["reminders.add"]);
    expect(called("metrics.reminders.inc({ outcome }); config.reminders.map(describe)")).toEqual(
      [],
    );
  });

  it("asks for exactly the bot scopes the Web API methods in src/ need", () => {
    const methods = [...methodsInSource()].sort();
    const unknown = methods.filter((method) => !(method in SCOPE_OF_METHOD));
    // A new method: add its scope (Slack's method page lists it) here and in the manifest.
    expect(unknown).toEqual([]);
    const needed = new Set(
      methods.map((method) => SCOPE_OF_METHOD[method]).filter((s) => s != null),
    );
    expect(methods).toEqual(expect.arrayContaining(["chat.postMessage", "chat.update"]));
    expect([...(manifest.oauth_config?.scopes?.bot ?? [])].sort()).toEqual([...needed].sort());
  });

  it("is the least the notifier needs: chat:write, im:write, users:read", () => {
    expect(manifest.oauth_config?.scopes?.bot).toEqual(["chat:write", "im:write", "users:read"]);
    expect(manifest.oauth_config?.scopes?.user).toBeUndefined();
  });

  it("has a bot user and nothing that lets Slack call the app", () => {
    expect(manifest.display_information?.name).toBe("GitHub Notifier");
    expect(manifest.features?.bot_user?.display_name).toBe("GitHub Notifier");
    expect(manifest.settings?.event_subscriptions).toBeUndefined();
    expect(manifest.settings?.interactivity).toBeUndefined();
    expect(manifest.settings?.socket_mode_enabled).toBe(false);
  });
});
