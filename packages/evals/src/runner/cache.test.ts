import { describe, expect, it } from "vitest";
import { canonicalJson, completionCacheKey } from "./cache.ts";
import { isDeterministic } from "./sampler.ts";

describe("completionCacheKey", () => {
  const body = { model: "m", messages: [{ role: "user", content: "hi" }], temperature: 0, tools: [{ type: "function" }] };

  it("does not depend on key order or undefined fields", () => {
    expect(completionCacheKey(body)).toBe(
      completionCacheKey({
        tools: [{ type: "function" }],
        temperature: 0,
        seed: undefined,
        messages: [{ content: "hi", role: "user" }],
        model: "m",
      }),
    );
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe('{"a":[1,{"c":3,"d":2}],"b":1}');
  });

  it("changes with the model, messages, tools or any sampling parameter", () => {
    const key = completionCacheKey(body);
    expect(completionCacheKey({ ...body, model: "n" })).not.toBe(key);
    expect(completionCacheKey({ ...body, messages: [{ role: "user", content: "hi!" }] })).not.toBe(key);
    expect(completionCacheKey({ ...body, tools: [] })).not.toBe(key);
    expect(completionCacheKey({ ...body, max_tokens: 5 })).not.toBe(key);
    expect(completionCacheKey({ ...body, reasoning_effort: "low" })).not.toBe(key);
    expect(completionCacheKey({ ...body, reasoning_effort: "low" })).not.toBe(completionCacheKey({ ...body, reasoning_effort: "high" }));
  });
});

describe("isDeterministic", () => {
  it("is true for temperature 0 or a seed only", () => {
    expect(isDeterministic({ temperature: 0 })).toBe(true);
    expect(isDeterministic({ temperature: 0.7, seed: 1 })).toBe(true);
    expect(isDeterministic({ temperature: 0.7 })).toBe(false);
    expect(isDeterministic({})).toBe(false);
    expect(isDeterministic(undefined)).toBe(false);
  });
});
