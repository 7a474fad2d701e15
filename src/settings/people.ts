/**
 * The operator's people file (`SLACK_PEOPLE_FILE`): which GitHub login is which Slack user, and
 * who wants a direct message for what. Only the operator writes it, since the Slack workspace is
 * the operator's: no repository can make the app mention or message someone. Read once at
 * start-up and validated whole; every error names the file and the line.
 *
 * ```yaml
 * octocat: U0123ABCD
 * hubot: { slack: W0456EFGH, dm: [review_requested, assigned] }
 * mona: { slack: U0789IJKL, remind: "weekdays at 09:00", timezone: Europe/Berlin }
 * ```
 */
import { readFileSync } from "node:fs";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from "yaml";
import { timezoneProblem } from "../repo-config/config-values.js";
import { parseSchedule, type Schedule } from "../shared/schedule.js";
import { SettingsError } from "./settings-error.js";

/** The events a person may ask a direct message for: each is about them (see {@link Person.dm}). */
export const DM_KINDS = ["review_requested", "assigned", "review_submitted"] as const;

/** One of {@link DM_KINDS}. */
export type DmKind = (typeof DM_KINDS)[number];

/** One entry of the people file. */
export interface Person {
  /** The GitHub login as the file writes it; matched case-insensitively. */
  login: string;
  /** The Slack user id (`U…` or `W…`) mentions and direct messages go to. */
  slackId: string;
  /**
   * The events that also send this person a direct message: `review_requested` when their
   * review is requested, `assigned` when they are assigned, `review_submitted` when their pull
   * request is reviewed. Empty: mentions only.
   */
  dm: DmKind[];
  /**
   * When this person gets a direct message listing the pull requests waiting for their review
   * (issue 15): `remind: "weekdays at 09:00"`, read in `timezone` (default UTC). Null: never.
   */
  remind: PersonalReminder | null;
}

/** A person's own reminder schedule, and the IANA zone its times are read in. */
export interface PersonalReminder {
  schedule: Schedule;
  timezone: string;
}

/** The people file, read. */
export interface PeopleDirectory {
  /** The entry for a GitHub login, whatever its case; undefined when the login is not listed. */
  lookup(login: string): Person | undefined;
  /** Every entry, in file order. */
  all(): Person[];
}

/** No people file: nobody is mentioned or messaged. */
export const NO_PEOPLE: PeopleDirectory = Object.freeze({
  lookup: () => undefined,
  all: () => [],
});

const VARIABLE = "SLACK_PEOPLE_FILE";
const SLACK_USER_ID_RE = /^[UW][A-Z0-9]{2,}$/;
// GitHub logins: letters, digits and single inner hyphens, at most 39 characters.
const LOGIN_RE = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const ENTRY_KEYS = ["slack", "dm", "remind", "timezone"] as const;
const DEFAULT_TIMEZONE = "UTC";
/** Problems listed in one error; the rest are counted. */
const MAX_PROBLEMS = 20;

interface Problem {
  line: number;
  message: string;
}

/**
 * Parses a people file's text. Throws one {@link SettingsError} on `SLACK_PEOPLE_FILE` listing
 * every problem as `<file>:<line>: …`, first line first. An empty file lists nobody.
 *
 * @example
 * const people = parsePeople({ text: "octocat: U0123ABCD\nHubot: { slack: W0456EFGH, dm: [assigned] }\n", file: "people.yml" });
 * people.lookup("hubot") // { login: "Hubot", slackId: "W0456EFGH", dm: ["assigned"], remind: null }
 * parsePeople({ text: "octocat: bob\n", file: "people.yml" })
 * // throws SettingsError: people.yml:1: octocat: "bob" is not a Slack user id …
 */
export function parsePeople(params: { text: string; file: string }): PeopleDirectory {
  const { text, file } = params;
  const lineCounter = new LineCounter();
  // failsafe: every scalar is a string, so `0123:` stays the login "0123" and `yes` stays "yes".
  const doc = parseDocument(text, {
    lineCounter,
    schema: "failsafe",
    uniqueKeys: false,
    prettyErrors: false,
  });
  const lineOf = (node: Node | null | undefined, fallback = 1): number =>
    node?.range ? lineCounter.linePos(node.range[0]).line : fallback;

  const yamlProblems = doc.errors.map((error) => ({
    line: lineCounter.linePos(error.pos[0]).line,
    message: `not valid YAML: ${error.message.split("\n")[0]}`,
  }));
  if (yamlProblems.length > 0) fail({ file, problems: yamlProblems });

  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === "")) return directoryOf([]);
  if (!isMap(root)) {
    fail({
      file,
      problems: [
        {
          line: lineOf(root),
          message:
            "the file must map GitHub logins to Slack user ids, one `login: U0123ABCD` a line",
        },
      ],
    });
  }

  const problems: Problem[] = [];
  const people: Person[] = [];
  const lines = new Map<string, { login: string; line: number }>();
  for (const pair of root.items) {
    const entry = readEntry({ pair, lineOf, problems });
    if (entry === null) continue;
    const { person, line } = entry;
    const key = person.login.toLowerCase();
    const first = lines.get(key);
    if (first !== undefined) {
      problems.push({
        line,
        message: `${person.login} is listed twice (also as ${first.login} on line ${first.line}; logins ignore case): keep one`,
      });
      continue;
    }
    lines.set(key, { login: person.login, line });
    people.push(person);
  }
  if (problems.length > 0) fail({ file, problems });
  return directoryOf(people);
}

/**
 * Reads and parses the people file at `path` (see {@link parsePeople}).
 *
 * @example
 * const people = readPeopleFile("/etc/notifier/people.yml");
 */
export function readPeopleFile(path: string): PeopleDirectory {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new SettingsError(
      VARIABLE,
      `${VARIABLE} names "${path}", which cannot be read: ${(error as Error).message}`,
    );
  }
  return parsePeople({ text, file: path });
}

function directoryOf(people: Person[]): PeopleDirectory {
  const byLogin = new Map(people.map((person) => [person.login.toLowerCase(), person]));
  return {
    lookup: (login) => byLogin.get(login.toLowerCase()),
    all: () => [...people],
  };
}

/** One `login: …` pair as a person, or null after pushing what is wrong with it. */
function readEntry(params: {
  pair: Pair;
  lineOf: (node: Node | null | undefined, fallback?: number) => number;
  problems: Problem[];
}): { person: Person; line: number } | null {
  const { pair, lineOf, problems } = params;
  const key = pair.key as Node | null;
  const value = pair.value as Node | null;
  const line = lineOf(key ?? value);
  if (!isScalar(key) || typeof key.value !== "string" || key.value === "") {
    problems.push({ line, message: "each entry must start with a GitHub login, like `octocat:`" });
    return null;
  }
  const login = key.value;
  if (!LOGIN_RE.test(login)) {
    problems.push({
      line,
      message: `"${cut(login)}" is not a GitHub login (letters, digits and single hyphens, at most 39 characters)`,
    });
    return null;
  }

  if (isScalar(value) || value === null) {
    const slackId = readSlackId({ login, node: value, line: lineOf(value, line), problems });
    return slackId === null ? null : { person: { login, slackId, dm: [], remind: null }, line };
  }
  if (!isMap(value)) {
    problems.push({
      line: lineOf(value, line),
      message: `${login}: write a Slack user id (\`${login}: U0123ABCD\`) or { slack: U0123ABCD, dm: [${DM_KINDS.join(", ")}] }`,
    });
    return null;
  }

  let slackId: string | null = null;
  let dm: DmKind[] = [];
  let slackSeen = false;
  let remind: { text: string; line: number } | null = null;
  let timezone: { text: string; line: number } | null = null;
  let ok = true;
  const seen = new Set<string>();
  for (const field of value.items) {
    const fieldKey = field.key as Node | null;
    const fieldValue = field.value as Node | null;
    const fieldLine = lineOf(fieldKey ?? fieldValue);
    const name = isScalar(fieldKey) ? String(fieldKey.value) : "";
    if (seen.has(name)) {
      problems.push({ line: fieldLine, message: `${login}: "${cut(name)}" is given twice` });
      ok = false;
      continue;
    }
    seen.add(name);
    if (name === "slack") {
      slackSeen = true;
      slackId = readSlackId({
        login,
        node: fieldValue,
        line: lineOf(fieldValue, fieldLine),
        problems,
      });
      ok &&= slackId !== null;
    } else if (name === "dm") {
      const kinds = readDmKinds({ login, node: fieldValue, line: fieldLine, lineOf, problems });
      if (kinds === null) ok = false;
      else dm = kinds;
    } else if (name === "remind" || name === "timezone") {
      const line = lineOf(fieldValue, fieldLine);
      const text =
        isScalar(fieldValue) && typeof fieldValue.value === "string" ? fieldValue.value.trim() : "";
      if (name === "remind") remind = { text, line };
      else timezone = { text, line };
    } else {
      problems.push({
        line: fieldLine,
        message: `${login}: unknown key "${cut(name)}" (an entry has ${ENTRY_KEYS.slice(0, -1).join(", ")} and ${ENTRY_KEYS.at(-1)})`,
      });
      ok = false;
    }
  }
  if (!slackSeen) {
    problems.push({ line, message: `${login}: no \`slack:\` user id (like slack: U0123ABCD)` });
    return null;
  }
  const reminder = readReminder({ login, remind, timezone, problems });
  if (reminder === undefined) ok = false;
  return ok && slackId !== null && reminder !== undefined
    ? { person: { login, slackId, dm, remind: reminder }, line }
    : null;
}

/**
 * An entry's `remind` and `timezone` as a reminder, null when it has none, or undefined after
 * pushing what is wrong: `timezone` alone is a mistake, since it only says how to read `remind`.
 */
function readReminder(params: {
  login: string;
  remind: { text: string; line: number } | null;
  timezone: { text: string; line: number } | null;
  problems: Problem[];
}): PersonalReminder | null | undefined {
  const { login, remind, timezone, problems } = params;
  if (remind === null) {
    if (timezone === null) return null;
    problems.push({
      line: timezone.line,
      message: `${login}: timezone without remind: timezone is the zone of remind's time; add remind, like remind: "weekdays at 09:00", or remove timezone`,
    });
    return undefined;
  }
  let ok = true;
  const parsed = parseSchedule(remind.text);
  if (!parsed.ok) {
    problems.push({ line: remind.line, message: `${login}: remind ${parsed.problem}` });
    ok = false;
  }
  const zoneProblem = timezone === null ? null : timezoneProblem(cut(timezone.text));
  if (timezone !== null && zoneProblem !== null) {
    problems.push({ line: timezone.line, message: `${login}: timezone ${zoneProblem}` });
    ok = false;
  }
  if (!ok || !parsed.ok) return undefined;
  return { schedule: parsed.schedule, timezone: timezone?.text ?? DEFAULT_TIMEZONE };
}

function readSlackId(params: {
  login: string;
  node: Node | null;
  line: number;
  problems: Problem[];
}): string | null {
  const { login, node, line, problems } = params;
  const text = isScalar(node) && typeof node.value === "string" ? node.value.trim() : null;
  if (text === null || text === "") {
    problems.push({
      line,
      message: `${login}: no Slack user id; write one like ${login}: U0123ABCD`,
    });
    return null;
  }
  if (!SLACK_USER_ID_RE.test(text)) {
    problems.push({
      line,
      message: `${login}: "${cut(text)}" is not a Slack user id (U or W, then capital letters and digits, like U0123ABCD; Slack shows it in the person's profile under ⋮ → Copy member ID)`,
    });
    return null;
  }
  return text;
}

function readDmKinds(params: {
  login: string;
  node: Node | null;
  line: number;
  lineOf: (node: Node | null | undefined, fallback?: number) => number;
  problems: Problem[];
}): DmKind[] | null {
  const { login, node, line, lineOf, problems } = params;
  if (!isSeq(node)) {
    problems.push({
      line,
      message: `${login}: dm must be a list of events, like dm: [${DM_KINDS.join(", ")}]`,
    });
    return null;
  }
  const kinds: DmKind[] = [];
  let ok = true;
  for (const item of node.items as (Node | null)[]) {
    const kind = isScalar(item) ? String(item.value) : null;
    if (kind === null || !(DM_KINDS as readonly string[]).includes(kind)) {
      problems.push({
        line: lineOf(item, line),
        message: `${login}: dm lists ${kind === null ? "something that is not an event name" : `"${cut(kind)}"`}, which is not one of ${DM_KINDS.join(", ")}`,
      });
      ok = false;
      continue;
    }
    if (!kinds.includes(kind as DmKind)) kinds.push(kind as DmKind);
  }
  return ok ? kinds : null;
}

function fail(params: { file: string; problems: Problem[] }): never {
  const sorted = [...params.problems].sort((a, b) => a.line - b.line);
  const shown = sorted.slice(0, MAX_PROBLEMS).map((p) => `${params.file}:${p.line}: ${p.message}`);
  if (sorted.length > MAX_PROBLEMS) {
    shown.push(`${params.file}: … and ${sorted.length - MAX_PROBLEMS} more problems`);
  }
  throw new SettingsError(VARIABLE, shown.join("\n"));
}

/** A value from the file, cut short for a message. */
function cut(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
