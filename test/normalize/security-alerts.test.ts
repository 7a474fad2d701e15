import { describe, expect, it } from "vitest";
import { normalize } from "../../src/normalize/normalize.js";
import { secretScanningAlertCreated } from "../fixtures/fixtures.js";
import { exampleOf } from "../helpers/examples.js";

function dependabot(change: Record<string, unknown>) {
  const payload = exampleOf("dependabot_alert", "created");
  return { ...payload, alert: { ...payload.alert, ...change } };
}

function codeScanning(rule: Record<string, unknown>) {
  const payload = exampleOf("code_scanning_alert", "created");
  return { ...payload, alert: { ...payload.alert, rule: { ...payload.alert.rule, ...rule } } };
}

describe("dependabot_alert", () => {
  it("a new alert, in full: the advisory, severity and package", () => {
    const event = normalize("dependabot_alert", exampleOf("dependabot_alert", "created"));
    expect(event).toMatchObject({
      kind: "dependabot_alert.created",
      title: "semver vulnerable to Regular Expression Denial of Service",
      number: 20,
      url: "https://github.com/wolfy1339/pika-pack/security/dependabot/20",
      headBranch: null,
      body: null,
      item: null,
      actor: { login: "github" },
    });
    expect(event?.detail).toEqual({
      severity: "medium",
      packageName: "semver",
      ecosystem: "npm",
      manifestPath: "package-lock.json",
    });
  });

  it.each([
    [{ severity: "critical" }, undefined, "critical"],
    [{ severity: "HIGH" }, undefined, "high"],
    [{ severity: "moderate" }, undefined, "medium"],
    [{ severity: "severe" }, { severity: "low" }, "low"],
    [null, { severity: "high" }, "high"],
    [{ severity: "<!channel>" }, { severity: 3 }, undefined],
  ])("advisory %j, vulnerability %j -> severity %s", (advisory, vulnerability, severity) => {
    const payload = exampleOf("dependabot_alert", "created");
    const alert = {
      ...payload.alert,
      security_advisory:
        advisory === null ? null : { ...payload.alert.security_advisory, ...advisory },
      security_vulnerability: { ...payload.alert.security_vulnerability, ...vulnerability },
    };
    expect(normalize("dependabot_alert", { ...payload, alert })?.detail.severity).toBe(severity);
  });

  it("takes the vulnerability's package when the dependency names none", () => {
    const event = normalize("dependabot_alert", dependabot({ dependency: null }));
    expect(event?.detail).toEqual({ severity: "medium", packageName: "semver", ecosystem: "npm" });
  });

  it("is not announced when fixed, and is malformed without its alert", () => {
    expect(normalize("dependabot_alert", exampleOf("dependabot_alert", "fixed"))).toBeNull();
    const { alert: _, ...empty } = exampleOf("dependabot_alert", "created");
    expect(() => normalize("dependabot_alert", empty)).toThrow(
      "dependabot_alert.created payload has no alert",
    );
  });
});

describe("code_scanning_alert", () => {
  it("a new alert, in full: the rule, its severity and the tool", () => {
    const event = normalize("code_scanning_alert", exampleOf("code_scanning_alert", "created"));
    expect(event).toMatchObject({
      kind: "code_scanning_alert.created",
      title: "Query built from user-controlled sources",
      number: 10,
      url: "https://github.com/Codertocat/Hello-World/security/code-scanning/10",
      item: null,
    });
    expect(event?.detail).toEqual({
      severity: "high",
      ruleId: "java/sql-injection",
      toolName: "CodeQL",
    });
  });

  it.each([
    [{ security_severity_level: "critical", severity: "note" }, "critical"],
    [{ security_severity_level: "medium", severity: "error" }, "medium"],
    [{ security_severity_level: null, severity: "error" }, "high"],
    [{ severity: "warning" }, "medium"],
    [{ severity: "note" }, "low"],
    [{ severity: "none" }, undefined],
    [{ security_severity_level: "extreme", severity: null }, undefined],
  ])("rule %j -> severity %s", (rule, severity) => {
    expect(normalize("code_scanning_alert", codeScanning(rule))?.detail.severity).toBe(severity);
  });

  it("an undescribed rule is titled by its name, else its id", () => {
    expect(normalize("code_scanning_alert", codeScanning({ description: "" }))?.title).toBe(
      "java/sql-injection",
    );
    expect(
      normalize("code_scanning_alert", codeScanning({ description: "", name: "SQL injection" }))
        ?.title,
    ).toBe("SQL injection");
  });

  it.each(["reopened", "fixed", "closed_by_user"] as const)("%s is not announced", (action) => {
    expect(normalize("code_scanning_alert", exampleOf("code_scanning_alert", action))).toBeNull();
  });
});

describe("secret_scanning_alert", () => {
  it("a new alert, in full: the secret's type, no severity", () => {
    const event = normalize("secret_scanning_alert", secretScanningAlertCreated());
    expect(event).toMatchObject({
      kind: "secret_scanning_alert.created",
      title: "GitHub Personal Access Token",
      number: 42,
      url: "https://github.com/Codertocat/Hello-World/security/secret-scanning/42",
      item: null,
      actor: { login: "github", isBot: false },
    });
    expect(event?.detail).toEqual({ secretType: "GitHub Personal Access Token" });
  });

  it("GitHub's schema makes the sender optional: without one, the alert is from GitHub", () => {
    const { sender: _, ...payload } = secretScanningAlertCreated();
    expect(normalize("secret_scanning_alert", payload)?.actor).toEqual({
      login: "github",
      url: "https://github.com/github",
      isBot: false,
    });
    expect(() => normalize("secret_scanning_alert", { ...payload, sender: { login: "" } })).toThrow(
      "secret_scanning_alert.created payload has no sender.login",
    );
  });

  it("falls back to the raw secret type and the alert list's page", () => {
    const payload = secretScanningAlertCreated();
    const alert = {
      ...(payload.alert as object),
      secret_type_display_name: null,
      html_url: null,
      number: null,
    };
    const event = normalize("secret_scanning_alert", { ...payload, alert });
    expect(event?.detail).toEqual({ secretType: "github_personal_access_token" });
    expect(event?.number).toBeNull();
    expect(event?.url).toBe("https://github.com/Codertocat/Hello-World/security/secret-scanning");
  });

  it.each(["resolved", "reopened"])("%s is not announced", (action) => {
    expect(
      normalize("secret_scanning_alert", { ...secretScanningAlertCreated(), action }),
    ).toBeNull();
  });
});
