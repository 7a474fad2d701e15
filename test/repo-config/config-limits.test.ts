/**
 * The attacks a hostile repository config can make on a shared process, each performed:
 * oversized files, too many routes, backtracking patterns, globs full of stars, floods of
 * errors. Each is refused at validation with a message naming the limit, or runs fast.
 */
import { describe, expect, it } from "vitest";
import { MAX_EXTENDS_DEPTH } from "../../src/repo-config/config-extends.js";
import { formatConfigError, quoteValue } from "../../src/repo-config/config-error.js";
import { CONFIG_LIMITS } from "../../src/repo-config/config-limits.js";
import type { NotifierConfig } from "../../src/repo-config/config-schema.js";
import { parseConfig, type ParseConfigParams } from "../../src/repo-config/parse-config.js";
import { route } from "../../src/route/route.js";
import { EVENTS } from "../route/example-events.js";

const SOURCE = ".github/notifier.yml";

function parse(text: string, options: Partial<ParseConfigParams> = {}) {
  return parseConfig({ text, source: SOURCE, knownChannels: ["default", "eng"], ...options });
}

function messages(text: string, options: Partial<ParseConfigParams> = {}): string[] {
  const result = parse(text, options);
  if (result.ok) throw new Error(`expected errors, got ${JSON.stringify(result.config)}`);
  return result.errors.map(formatConfigError);
}

function timed<T>(run: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = run();
  return { value, ms: performance.now() - start };
}

const routesText = (count: number, route = '  - on: ["*"]\n') => `routes:\n${route.repeat(count)}`;

describe("config size limits", () => {
  it("refuses a 1 MB file before parsing it, naming the limit, in under 100 ms", () => {
    const text = `channel: eng\n${Array.from({ length: 90_000 }, (_, i) => `k${i}: 1`).join("\n")}\n`;
    expect(text.length).toBeGreaterThan(850_000);
    const { value, ms } = timed(() => messages(text));
    expect(value).toEqual([
      `\`${SOURCE}\`: the file is ${Math.ceil(Buffer.byteLength(text) / 1024)} KiB; a config file may be at most 64 KiB (65536 bytes)`,
    ]);
    expect(ms).toBeLessThan(100);
  });

  it("validates a file just under the size limit with thousands of unknown keys in well under a second, listing 100 errors", () => {
    let text = "";
    for (let i = 0; text.length < CONFIG_LIMITS.fileBytes - 20; i++) text += `k${i}: 1\n`;
    const { value, ms } = timed(() => messages(text));
    expect(ms).toBeLessThan(1000);
    expect(value).toHaveLength(CONFIG_LIMITS.errors + 1);
    expect(value[0]).toMatch(/^`\.github\/notifier\.yml` line 1: `k0` is not a known key/);
    expect(value.at(-1)).toMatch(
      /^`\.github\/notifier\.yml`: … and \d{4} more problems \(only the first 100 are listed\)/,
    );
  });

  it("refuses a 10,000-route file (by its size) and a 201-route file (by the route limit)", () => {
    expect(messages(routesText(10_000))[0]).toMatch(/a config file may be at most 64 KiB/);
    expect(messages(routesText(201))).toEqual([
      `\`${SOURCE}\` line 1: \`routes\` has 201 routes; a config may have at most 200`,
    ]);
    expect(parse(routesText(200)).ok).toBe(true);
  });

  it("refuses long lists, long text and long globs, naming each limit", () => {
    const many = Array.from({ length: 101 }, (_, i) => `l${i}`).join(", ");
    const text = [
      `channel: ${"c".repeat(300)}`,
      "routes:",
      `  - on: [issues.opened]`,
      `    labels: [${many}]`,
      `    branches: ["${"b".repeat(101)}"]`,
      `    authors: ["${"*a".repeat(9)}"]`,
      "",
    ].join("\n");
    expect(messages(text)).toEqual([
      `\`${SOURCE}\` line 1: \`channel\` is too long: at most 256 characters (got ${quoteValue("c".repeat(300))})`,
      `\`${SOURCE}\` line 4: \`routes[0].labels\` has 101 entries; a list may have at most 100`,
      `\`${SOURCE}\` line 5: \`routes[0].branches[0]\` is too long: at most 100 characters (got ${quoteValue("b".repeat(101))})`,
      `\`${SOURCE}\` line 6: \`routes[0].authors[0]\` has 9 wildcards; a glob may have at most 8 \`*\` or \`?\` (got "${"*a".repeat(9)}")`,
    ]);
  });

  it("quotes values cut to 60 characters, saying how long they were", () => {
    expect(quoteValue("x".repeat(61))).toBe(`"${"x".repeat(60)}…" (61 characters)`);
    expect(quoteValue("Europe/Paris")).toBe('"Europe/Paris"');
    const text = `quiet_hours: { from: "${"9".repeat(200)}", to: "07:00" }\n`;
    expect(messages(text)[0]).toBe(
      `\`${SOURCE}\` line 1: \`quiet_hours.from\` must be a time of day as HH:MM on a 24-hour clock, like "07:30" or "22:00" (got "${"9".repeat(60)}…" (200 characters))`,
    );
  });

  it("refuses a title pattern RE2 cannot run, or past its limit, quoting it", () => {
    const text = [
      "routes:",
      "  - on: [issues.opened]",
      '    title: "^(?!wip)"',
      "  - on: [issues.opened]",
      `    title: "${"a".repeat(257)}"`,
      "",
    ].join("\n");
    expect(messages(text)).toEqual([
      `\`${SOURCE}\` line 3: \`routes[0].title\` uses lookaround like (?=...), (?!...), (?<=...) or (?<!...), which RE2 syntax does not support (got "^(?!wip)"); see the README's "Pattern syntax"`,
      `\`${SOURCE}\` line 5: \`routes[1].title\` is too long: at most 256 characters (got ${quoteValue("a".repeat(257))})`,
    ]);
  });

  it("agrees with the _extends depth enforced where configs are fetched", () => {
    expect(CONFIG_LIMITS.extendsDepth).toBe(MAX_EXTENDS_DEPTH);
  });
});

describe("channels a repository may use", () => {
  const text = "channel: secret\nroutes:\n  - on: [issues.opened]\n    channel: ops\n";
  const options = {
    knownChannels: ["default", "eng", "secret", "ops"],
    mayUse: (channel: string) => channel === "default" || channel === "eng",
  };

  it("lists only the usable channels, the same way for reserved and unknown names", () => {
    expect(messages(text, options)).toEqual([
      `\`${SOURCE}\` line 1: \`channel\` names "secret", which is not a channel you may use (channels for this repository: default, eng)`,
      `\`${SOURCE}\` line 4: \`routes[0].channel\` names "ops", which is not a channel you may use (channels for this repository: default, eng)`,
    ]);
    const unknown = messages("channel: nope\n", options);
    expect(unknown).toEqual([
      `\`${SOURCE}\` line 1: \`channel\` names "nope", which is not a channel you may use (channels for this repository: default, eng)`,
    ]);
  });
});

describe("routing under hostile configs", () => {
  it('answers a route titled "^(a+)+$" against an issue titled 40 a\'s and "!" at once', () => {
    const event = { ...EVENTS.issueOpened(), title: `${"a".repeat(40)}!` };
    const config: NotifierConfig = { routes: [{ on: ["issues.*"], title: "^(a+)+$" }] };
    const { value, ms } = timed(() => route(event, config));
    expect(value).toEqual({ kind: "skip", reason: "no route matched issues.opened" });
    expect(ms).toBeLessThan(100);
  });

  it("answers a dozen-* ignore.authors glob against a 10,000-character login at once", () => {
    const base = EVENTS.issueOpened();
    const event = { ...base, actor: { ...base.actor, login: "a".repeat(10_000) } };
    const config: NotifierConfig = { ignore: { authors: [`${"*a".repeat(12)}b`] } };
    const { value, ms } = timed(() => route(event, config));
    expect(value.kind).toBe("send");
    expect(ms).toBeLessThan(100);
  });

  it("compiles a 200-route config once, then routes each event in a few ms", () => {
    const filters =
      '    labels: ["priority:*", "b?g"]\n    authors: ["*[bot]", "Coder*"]\n    branches: ["release/**", "main"]\n';
    const text =
      routesText(10, `  - on: ["issues.*"]\n${filters}    title: "(?i)spelling|urgent"\n`) +
      `  - on: ["pull_request.*", "issues.*"]\n${filters}`.repeat(190);
    const parsed = parse(text);
    if (!parsed.ok) throw new Error(parsed.errors.map(formatConfigError).join("\n"));
    expect(parsed.config.routes).toHaveLength(200);
    const event = EVENTS.issueOpened();
    const first = timed(() => route(event, parsed.config));
    expect(first.value).toMatchObject({ kind: "send", channels: ["default"] });
    const again = Array.from({ length: 20 }, () => timed(() => route(event, parsed.config)).ms);
    // Generous: the old code recompiled every glob on every event.
    expect(Math.min(...again)).toBeLessThan(10);
  });

  it("routes a 10,000-route config built in code without recompiling per event", () => {
    const config: NotifierConfig = {
      routes: Array.from({ length: 10_000 }, (_, i) => ({
        on: ["issues.*"],
        authors: [`user${i}-*`, "*[bot]"],
      })),
    };
    const event = EVENTS.issueOpened();
    route(event, config);
    const { value, ms } = timed(() => route(event, config));
    expect(value).toEqual({ kind: "skip", reason: "no route matched issues.opened" });
    expect(ms).toBeLessThan(200);
  });
});

describe("title pattern budget", () => {
  it("refuses a file whose title patterns together compile past the budget, naming the route", () => {
    const heavy = '  - on: [issues.opened]\n    title: "(?i)\\\\pL{0,100}x"\n';
    const result = messages(routesText(20, heavy));
    expect(result).toHaveLength(1);
    expect(result[0]).toMatch(
      /^`\.github\/notifier\.yml` line \d+: `routes\[\d+\]\.title` brings the title patterns of this file to \d+ RE2 instructions; together they may compile to at most 2000/,
    );
    expect(parse(routesText(2, heavy)).ok).toBe(true);
  });
});
