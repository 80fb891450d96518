import { describe, expect, it } from "vitest";
import { formatHubRef, isCommitHash, parseHubRef } from "./ref.ts";

describe("parseHubRef", () => {
  it("reads ORG/NAME with main as the default revision", () => {
    expect(parseHubRef("hf:HuggingFaceTB/SmolLM2-135M-Instruct")).toEqual({
      repo: "HuggingFaceTB/SmolLM2-135M-Instruct",
      revision: "main",
    });
  });

  it("reads a branch, a tag, a PR ref and a commit hash", () => {
    expect(parseHubRef("hf:Qwen/Qwen2.5-0.5B-Instruct@v1.0")).toEqual({ repo: "Qwen/Qwen2.5-0.5B-Instruct", revision: "v1.0" });
    expect(parseHubRef("hf:org/name@refs/pr/12").revision).toBe("refs/pr/12");
    const commit = "a".repeat(40);
    expect(parseHubRef(`hf:org/name@${commit}`).revision).toBe(commit);
    expect(isCommitHash(commit)).toBe(true);
    expect(isCommitHash("main")).toBe(false);
  });

  it("round-trips through formatHubRef", () => {
    expect(formatHubRef(parseHubRef("hf:a_b/c.d-e"))).toBe("hf:a_b/c.d-e@main");
  });

  it.each([
    ["HuggingFaceTB/SmolLM2-135M", 'does not start with "hf:"'],
    ["hf:gpt2", "ORG/NAME"],
    ["hf:a/b/c", "ORG/NAME"],
    ["hf:/name", "must both be present"],
    ["hf:org/", "must both be present"],
    ["hf:org/na me", 'name "na me"'],
    ["hf:-org/name", 'organisation "-org"'],
    ["hf:org/a--b", "'--'"],
    ["hf:org/name.git", ".git"],
    [`hf:org/${"x".repeat(97)}`, "96 characters"],
    ["hf:org/name@", "revision after '@' is empty"],
    ["hf:org/name@a b", "not allowed in a git ref"],
    ["hf:org/name@../../etc", "'..' segment"],
    ["hf:org/name@/main", "empty path segment"],
  ])("refuses %s naming the problem", (text, why) => {
    expect(() => parseHubRef(text)).toThrow(why);
    expect(() => parseHubRef(text)).toThrow(/expected hf:ORG\/NAME\[@REVISION\]/);
  });
});
