import { describe, expect, it } from "vitest";
import { closestName, didYouMean } from "./did-you-mean.ts";

describe("did you mean", () => {
  it("suggests the closest known name for a typo: a letter too many, a swap, a wrong letter", () => {
    expect(closestName("local-tinyy", ["local-tiny", "local-small", "local-base"])).toBe("local-tiny");
    expect(closestName("opneai", ["local", "openai", "together"])).toBe("openai");
    expect(closestName("local-smal", ["local-tiny", "local-small"])).toBe("local-small");
    expect(closestName("Local-Base", ["local-tiny", "local-base"])).toBe("local-base");
  });

  it("suggests nothing when no name is close", () => {
    expect(closestName("nomodel2", ["local-tiny", "local-small", "local-base"])).toBeUndefined();
    expect(closestName("x", [])).toBeUndefined();
    expect(didYouMean("exp_nope", ["exp_7k2m9q", "run_abc123"])).toBe("");
    expect(didYouMean("opneai", ["local", "openai"])).toBe(" (did you mean openai?)");
  });
});
