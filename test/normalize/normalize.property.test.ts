import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ACTIVITY_KINDS } from "../../src/normalize/activity-event.js";
import { deliveryMeta, MalformedPayloadError, normalize } from "../../src/normalize/normalize.js";
import { mutatedExample } from "./mutate-payload.js";

const MALFORMED_MESSAGE = /^[a-z_]+(\.[a-z_]+)? payload (has no [a-z_.]+|is not a JSON object)$/;

describe("normalize over mutated example payloads", () => {
  it("returns an event or null, or throws MalformedPayloadError naming what is missing", () => {
    fc.assert(
      fc.property(mutatedExample(), ({ source, payload }) => {
        let result: ReturnType<typeof normalize>;
        try {
          result = normalize(source.event, payload);
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedPayloadError);
          expect((error as Error).message).toMatch(MALFORMED_MESSAGE);
          return;
        }
        if (result === null) return;
        expect(ACTIVITY_KINDS).toContain(result.kind);
        for (const value of [
          result.repository.fullName,
          result.repository.url,
          result.actor.login,
          result.actor.url,
          result.url,
          ...result.labels,
        ]) {
          expect(typeof value).toBe("string");
          expect(value.trim()).not.toBe("");
        }
        expect([...(result.title ?? "")].length).toBeLessThanOrEqual(1001);
        expect([...(result.body ?? "")].length).toBeLessThanOrEqual(501);
        expect(result.number === null || Number.isSafeInteger(result.number)).toBe(true);
        expect(typeof result.draft).toBe("boolean");
        expect(typeof result.actor.isBot).toBe("boolean");
        const { item } = result;
        if (item !== null) {
          expect(Number.isSafeInteger(item.number) && item.number > 0).toBe(true);
          expect(["open", "draft", "merged", "closed"]).toContain(item.state);
          expect(item.author === null || typeof item.author === "string").toBe(true);
          for (const list of [
            item.labels,
            item.requestedReviewers,
            item.requestedTeams,
            item.assignees,
          ]) {
            expect(list.length).toBeLessThanOrEqual(50);
            for (const name of list) expect(name.trim()).not.toBe("");
          }
        }
        const { detail } = result;
        for (const number of detail.pullRequestNumbers ?? []) {
          expect(Number.isSafeInteger(number) && number > 0).toBe(true);
        }
        expect((detail.pullRequestNumbers ?? []).length).toBeLessThanOrEqual(20);
        expect((detail.commits ?? []).length).toBeLessThanOrEqual(5);
        for (const commit of detail.commits ?? []) {
          expect([...commit.message].length).toBeLessThanOrEqual(1001);
          expect(commit.message).not.toMatch(/[\r\n]/);
        }
        if (detail.severity !== undefined) {
          expect(["low", "medium", "high", "critical"]).toContain(detail.severity);
        }
        for (const value of [
          detail.workflowName,
          detail.environment,
          detail.packageName,
          detail.ruleId,
          detail.secretType,
          detail.appName,
          detail.category,
        ]) {
          if (value !== undefined) expect(value.trim()).not.toBe("");
        }
      }),
      { numRuns: 1200 },
    );
  });

  it("is pure: leaves the payload alone and gives the same answer twice", () => {
    fc.assert(
      fc.property(mutatedExample(3), ({ source, payload }) => {
        const before = structuredClone(payload);
        const outcome = () => {
          try {
            return normalize(source.event, payload);
          } catch (error) {
            return (error as Error).message;
          }
        };
        expect(outcome()).toEqual(outcome());
        expect(payload).toEqual(before);
      }),
      { numRuns: 150 },
    );
  });
});

describe("deliveryMeta", () => {
  it("reads action, installation and repository from a real delivery", () => {
    fc.assert(
      fc.property(mutatedExample(0), ({ source, payload }) => {
        expect(deliveryMeta(source.event, payload)).toEqual({
          action: source.action === "" ? null : source.action,
          installationId: (source.payload.installation as { id: number }).id,
          repository: (source.payload.repository as { full_name: string }).full_name,
        });
      }),
    );
  });

  it.each([
    [null, { action: null, installationId: null, repository: null }],
    [[{ action: "opened" }], { action: null, installationId: null, repository: null }],
    [
      { action: 5, installation: { id: "1" }, repository: { full_name: ["x"] } },
      { action: null, installationId: null, repository: null },
    ],
    [
      { action: "x", installation: { id: 1.5 }, repository: "acme/api" },
      { action: "x", installationId: null, repository: null },
    ],
    [
      { action: "created", installation: { id: 42 }, repository: { full_name: "acme/api" } },
      { action: "created", installationId: 42, repository: "acme/api" },
    ],
  ])("deliveryMeta(%j) is %j", (payload, meta) => {
    expect(deliveryMeta("issues", payload)).toEqual(meta);
  });

  it("never throws, whatever JSON it is given", () => {
    fc.assert(
      fc.property(fc.string(), fc.jsonValue(), (event, payload) => {
        const meta = deliveryMeta(event, payload);
        expect(meta.action === null || typeof meta.action === "string").toBe(true);
        expect(meta.installationId === null || Number.isSafeInteger(meta.installationId)).toBe(
          true,
        );
        expect(meta.repository === null || typeof meta.repository === "string").toBe(true);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(mutatedExample(), ({ source, payload }) => {
        expect(() => deliveryMeta(source.event, payload)).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });
});
