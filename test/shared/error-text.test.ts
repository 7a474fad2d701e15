import { describe, expect, it } from "vitest";
import { answerText, describeError } from "../../src/shared/error-text.js";

describe("describeError", () => {
  it("joins an error and its causes, adding a code the message lacks", () => {
    const cause = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    expect(describeError(new TypeError("fetch failed", { cause }))).toBe(
      "fetch failed: socket hang up (ECONNRESET)",
    );
  });

  it("does not repeat a code the message already names, nor a message twice", () => {
    const inner = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
      code: "ECONNREFUSED",
    });
    const outer = new Error("connect ECONNREFUSED 127.0.0.1:1", { cause: inner });
    expect(describeError(outer)).toBe("connect ECONNREFUSED 127.0.0.1:1");
  });

  it("reads a thrown non-error and stops after four levels", () => {
    expect(describeError("plain text")).toBe("plain text");
    let error: Error = new Error("level 5");
    for (let level = 4; level >= 1; level -= 1)
      error = new Error(`level ${level}`, { cause: error });
    expect(describeError(error)).toBe("level 1: level 2: level 3: level 4");
    expect(describeError(new Error(""))).toBe("unknown error");
  });
});

describe("answerText", () => {
  it("folds white space and cuts to the limit with an ellipsis", () => {
    expect(answerText("invalid_payload\n\n  (see docs)", 200)).toBe("invalid_payload (see docs)");
    expect(answerText("abcdef", 3)).toBe("abc…");
    expect(answerText("  \n ", 10)).toBe("");
  });
});
