/**
 * New security alerts: Dependabot (a vulnerable dependency), code scanning (a rule a tool found
 * broken) and secret scanning (a committed secret), each with its severity where it has one.
 */
import type {
  CodeScanningAlertCreatedEvent,
  DependabotAlertCreatedEvent,
  Repository,
  SecretScanningAlertCreatedEvent,
  User,
} from "@octokit/webhooks-types";
import {
  ALERT_SEVERITIES,
  type ActivityActor,
  type ActivityEvent,
  type ActivityRepository,
  type AlertSeverity,
} from "./activity-event.js";
import {
  baseEvent,
  issueNumber,
  nonEmpty,
  readActor,
  readRepository,
  readTitle,
  required,
  type PayloadSource,
} from "./shared-fields.js";
import { child, count, text, type Untrusted } from "./untrusted.js";

/** Longest package, ecosystem, rule, tool or secret type name kept. */
const NAME_MAX_LENGTH = 200;
/** Longest manifest path kept. */
const PATH_MAX_LENGTH = 1000;

/**
 * Who a security alert is from when its payload names no sender (GitHub's schema makes `sender`
 * optional for secret scanning alerts): GitHub, as the examples' alerts say.
 */
const GITHUB_ACTOR: ActivityActor = {
  login: "github",
  url: "https://github.com/github",
  isBot: false,
};

/** Code scanning's rule severities, as security severities. */
const RULE_SEVERITIES: ReadonlyMap<string, AlertSeverity> = new Map([
  ["error", "high"],
  ["warning", "medium"],
  ["note", "low"],
]);

/** A code scanning rule as payloads show it; `security_severity_level` is newer than the types. */
interface CodeScanningRule {
  id: string;
  name?: string;
  description: string;
  severity: string | null;
  security_severity_level?: string | null;
}

/**
 * A new Dependabot alert: the advisory's summary as its title, its severity, and the package.
 *
 * @example
 * normalizeDependabotAlert({ payload }).detail // { severity: "medium", packageName: "semver", ecosystem: "npm", ... }
 */
export function normalizeDependabotAlert(params: {
  payload: Untrusted<DependabotAlertCreatedEvent>;
}): ActivityEvent {
  const { payload } = params;
  const kind = "dependabot_alert.created";
  const { repository, actor, alert, number, url } = readAlert({
    event: kind,
    payload,
    page: "dependabot",
  });
  const advisory = child(alert, "security_advisory");
  const vulnerability = child(alert, "security_vulnerability");
  const dependency = child(alert, "dependency");
  const pkg = child(dependency, "package") ?? child(vulnerability, "package");
  const severity =
    alertSeverity(text(advisory, "severity")) ?? alertSeverity(text(vulnerability, "severity"));
  const packageName = name(text(pkg, "name"), NAME_MAX_LENGTH);
  const ecosystem = name(text(pkg, "ecosystem"), NAME_MAX_LENGTH);
  const manifestPath = name(text(dependency, "manifest_path"), PATH_MAX_LENGTH);
  const summary = nonEmpty(text(advisory, "summary"));
  return {
    ...baseEvent({ kind, repository, actor, url }),
    title: summary === null ? null : readTitle(summary),
    number,
    detail: {
      ...(severity === null ? {} : { severity }),
      ...(packageName === null ? {} : { packageName }),
      ...(ecosystem === null ? {} : { ecosystem }),
      ...(manifestPath === null ? {} : { manifestPath }),
    },
  };
}

/**
 * A new code scanning alert: the rule's description as its title, its security severity level
 * (else its severity, mapped), the rule's id and the tool.
 *
 * @example
 * normalizeCodeScanningAlert({ payload }).detail // { severity: "high", ruleId: "java/sql-injection", toolName: "CodeQL" }
 */
export function normalizeCodeScanningAlert(params: {
  payload: Untrusted<CodeScanningAlertCreatedEvent>;
}): ActivityEvent {
  const { payload } = params;
  const kind = "code_scanning_alert.created";
  const { repository, actor, alert, number, url } = readAlert({
    event: kind,
    payload,
    page: "code-scanning",
  });
  const rule = child(alert as Untrusted<{ rule: CodeScanningRule }>, "rule");
  const ruleSeverity = text(rule, "severity");
  const severity =
    alertSeverity(text(rule, "security_severity_level")) ??
    (ruleSeverity === null ? null : (RULE_SEVERITIES.get(ruleSeverity.toLowerCase()) ?? null));
  const ruleId = name(text(rule, "id"), NAME_MAX_LENGTH);
  const toolName = name(text(child(alert, "tool"), "name"), NAME_MAX_LENGTH);
  const title =
    nonEmpty(text(rule, "description")) ?? nonEmpty(text(rule, "name")) ?? ruleId ?? null;
  return {
    ...baseEvent({ kind, repository, actor, url }),
    title: title === null ? null : readTitle(title),
    number,
    detail: {
      ...(severity === null ? {} : { severity }),
      ...(ruleId === null ? {} : { ruleId }),
      ...(toolName === null ? {} : { toolName }),
    },
  };
}

/**
 * A new secret scanning alert: the kind of secret as its title. Secret scanning alerts carry no
 * severity.
 *
 * @example
 * normalizeSecretScanningAlert({ payload }).detail // { secretType: "GitHub Personal Access Token" }
 */
export function normalizeSecretScanningAlert(params: {
  payload: Untrusted<SecretScanningAlertCreatedEvent>;
}): ActivityEvent {
  const { payload } = params;
  const kind = "secret_scanning_alert.created";
  const { repository, actor, alert, number, url } = readAlert({
    event: kind,
    payload,
    page: "secret-scanning",
  });
  const secretType =
    name(text(alert, "secret_type_display_name"), NAME_MAX_LENGTH) ??
    name(text(alert, "secret_type"), NAME_MAX_LENGTH);
  return {
    ...baseEvent({ kind, repository, actor, url }),
    title: secretType,
    number,
    detail: secretType === null ? {} : { secretType },
  };
}

/** What every alert has: repository, sender (else GitHub), the alert, its number and page. */
function readAlert<A extends { number: number; html_url: string }>(params: {
  event: string;
  payload: Untrusted<{ alert: A; repository: Repository; sender?: User }>;
  /** The alert list's path segment under `/security/`. */
  page: "dependabot" | "code-scanning" | "secret-scanning";
}): {
  repository: ActivityRepository;
  actor: ActivityActor;
  alert: Untrusted<A>;
  number: number | null;
  url: string;
} {
  const { event, payload, page } = params;
  const source = { event, payload } as PayloadSource<DependabotAlertCreatedEvent>;
  const repository = readRepository(source);
  const actor = child(source.payload, "sender") === null ? GITHUB_ACTOR : readActor(source);
  const alert = required(child(payload, "alert"), { event, missing: "alert" });
  const number = issueNumber(count(alert, "number"));
  const list = `${repository.url}/security/${page}`;
  return {
    repository,
    actor,
    alert,
    number,
    url: nonEmpty(text(alert, "html_url")) ?? (number === null ? list : `${list}/${number}`),
  };
}

/** A severity GitHub gave, as one of {@link ALERT_SEVERITIES}; advisories' `moderate` is medium. */
function alertSeverity(value: string | null): AlertSeverity | null {
  const lower = value?.toLowerCase() ?? null;
  if (lower === "moderate") return "medium";
  return ALERT_SEVERITIES.find((severity) => severity === lower) ?? null;
}

/** `value` unless blank or longer than `max`. */
function name(value: string | null, max: number): string | null {
  const kept = nonEmpty(value);
  return kept === null || kept.length > max ? null : kept;
}
