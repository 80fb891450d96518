// The stats `data validate` and `data import` print: OpenAI's data-preparation figures are labelled as OpenAI's, since the
// embedded engine resolves its own epochs (25 on the demo's data, not OpenAI's 3) and costs nothing.
import { validateSource } from "@tunelab/core";
import { describe, expect, it } from "vitest";
import { renderStats } from "./report.ts";

const line = (i: number) =>
  JSON.stringify({
    messages: [
      { role: "user", content: `ticket ${i}: my invoice is wrong` },
      { role: "assistant", content: '{"category":"billing"}' },
    ],
  });

describe("renderStats", () => {
  it("says the default epochs and billed tokens are OpenAI's, and where the local engine's plan is", () => {
    const text = Array.from({ length: 20 }, (_, i) => line(i)).join("\n");
    const { report } = validateSource({ text }, { fileName: "t.jsonl" });
    const printed = renderStats(report.stats);
    expect(printed).toMatch(/^on OpenAI: default epochs \d+ → about [\d,]+ billed training tokens/m);
    expect(printed).toContain("the local engine: exp create --dry-run");
  });
});
