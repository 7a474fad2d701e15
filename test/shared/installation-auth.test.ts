/**
 * One Octokit per installation, shared by config reads and the config check: a second caller
 * gets the same one, a failed authentication is not kept, and the oldest is dropped past the bound.
 */
import { describe, expect, it } from "vitest";
import {
  createInstallationAuth,
  type InstallationOctokit,
} from "../../src/shared/installation-auth.js";

function countingProbot(params: { failFor?: number } = {}) {
  const calls: number[] = [];
  return {
    calls,
    probot: {
      auth: async (installationId?: number) => {
        calls.push(installationId ?? 0);
        if (installationId === params.failFor) throw new Error(`no installation ${installationId}`);
        return { installationId } as unknown as InstallationOctokit;
      },
    },
  };
}

describe("createInstallationAuth", () => {
  it("authenticates each installation once, and again only after a failure", async () => {
    const { probot, calls } = countingProbot({ failFor: 9 });
    const auth = createInstallationAuth({ probot });
    const [a, b] = await Promise.all([auth(1), auth(1)]);
    expect(a).toBe(b);
    await expect(auth(9)).rejects.toThrow("no installation 9");
    await expect(auth(9)).rejects.toThrow("no installation 9");
    expect(calls).toEqual([1, 9, 9]);
  });

  it("keeps at most `max` installations, dropping the oldest", async () => {
    const { probot, calls } = countingProbot();
    const auth = createInstallationAuth({ probot, max: 2 });
    await auth(1);
    await auth(2);
    await auth(3); // drops 1
    await auth(2);
    await auth(1);
    expect(calls).toEqual([1, 2, 3, 1]);
  });
});
