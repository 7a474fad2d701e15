import { describe, expect, it } from "vitest";
import { safeUrl } from "../../src/format/escape.js";
import { normalize } from "../../src/normalize/normalize.js";
import { exampleOf } from "../helpers/examples.js";

/** The first deployment status example (production, success), with the status changed. */
function status(change: Record<string, unknown>): Record<string, unknown> {
  const payload = exampleOf("deployment_status", "created");
  return { ...payload, deployment_status: { ...payload.deployment_status, ...change } };
}

describe("deployment_status", () => {
  it.each([
    ["success", "deployment_status.success"],
    ["failure", "deployment_status.failure"],
    ["error", "deployment_status.failure"],
    ["pending", null],
    ["queued", null],
    ["in_progress", null],
    ["inactive", null],
    ["constructor", null],
    [null, null],
  ])("state %j -> %s", (state, kind) => {
    expect(normalize("deployment_status", status({ state }))?.kind ?? null).toBe(kind);
  });

  it("a success, in full: environment and state", () => {
    const event = normalize("deployment_status", status({ description: "Deployed v1.2" }));
    expect(event).toMatchObject({
      kind: "deployment_status.success",
      title: null,
      number: null,
      headBranch: null,
      baseBranch: null,
      body: "Deployed v1.2",
      item: null,
      actor: { login: "Codertocat" },
    });
    expect(event?.detail).toEqual({ environment: "production", deploymentState: "success" });
  });

  it("links target_url, else environment_url, else the repository's deployments page", () => {
    const link = (change: Record<string, unknown>) =>
      normalize("deployment_status", status(change))?.url;
    expect(link({ target_url: "https://ci.test/run/1", environment_url: "https://app.test" })).toBe(
      "https://ci.test/run/1",
    );
    expect(link({ target_url: "", environment_url: "https://app.test" })).toBe("https://app.test");
    expect(link({ target_url: "", environment_url: "" })).toBe(
      "https://github.com/Codertocat/Hello-World/deployments",
    );
    expect(link({ target_url: null, environment_url: 7 })).toBe(
      "https://github.com/Codertocat/Hello-World/deployments",
    );
  });

  it("links the first of them that can be linked: a URL that is not http(s), not a URL or too long is passed over", () => {
    const link = (change: Record<string, unknown>) =>
      normalize("deployment_status", status(change))?.url;
    const page = "https://github.com/Codertocat/Hello-World/deployments";
    const unusable = [
      "javascript:alert(1)",
      "ftp://files.test/build",
      "not a url",
      `https://app.test/${"x".repeat(600)}`,
      // Within 500 characters as written, past it once its 100 `&` are escaped for Slack.
      `https://app.test/?${"&".repeat(100)}${"x".repeat(300)}`,
    ];
    for (const bad of unusable) {
      expect(safeUrl(bad)).toBeNull();
      expect(link({ target_url: bad, environment_url: "https://app.test" })).toBe(
        "https://app.test",
      );
      expect(link({ target_url: bad, environment_url: bad })).toBe(page);
      expect(link({ target_url: "https://ci.test/run/1", environment_url: bad })).toBe(
        "https://ci.test/run/1",
      );
    }
    // What is linked is what the message can link.
    const edge = `https://app.test/?${"&".repeat(10)}${"x".repeat(400)}`;
    expect(safeUrl(edge)).not.toBeNull();
    expect(link({ target_url: edge })).toBe(edge);
  });

  it("falls back to the status's environment, and goes without one", () => {
    const payload = status({ environment: "staging" });
    expect(
      normalize("deployment_status", { ...payload, deployment: { environment: " " } })?.detail,
    ).toEqual({ environment: "staging", deploymentState: "success" });
    expect(
      normalize("deployment_status", {
        ...status({ environment: null }),
        deployment: null,
      })?.detail,
    ).toEqual({ deploymentState: "success" });
  });

  it("without deployment_status is malformed", () => {
    const payload: Record<string, unknown> = { ...exampleOf("deployment_status", "created") };
    delete payload.deployment_status;
    expect(() => normalize("deployment_status", payload)).toThrow(
      "deployment_status.created payload has no deployment_status",
    );
  });
});
