import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chat, jsonl, tempWorkspace } from "../test-support/temp-workspace.ts";
import { setTestSplit } from "./set-test-split.ts";
import { loadVersionLines } from "./version-content.ts";

type TempWorkspace = Awaited<ReturnType<typeof tempWorkspace>>;
let ws: TempWorkspace;
beforeEach(async () => {
  ws = await tempWorkspace();
});
afterEach(async () => {
  await ws.dispose();
});

/** A routed ticket with `tags` next to its messages, as examples/ticket-routing/test.jsonl has. */
const tagged = (i: number) =>
  JSON.stringify({ ...(JSON.parse(chat(`my invoice ${i} is wrong`, '{"category":"billing"}')) as object), tags: ["billing"] });

describe("test items with fields next to their messages", () => {
  it("keep them as item fields in the test split, while the rest of the file is supervised data that ignores them", async () => {
    const file = jsonl(Array.from({ length: 100 }, (_, i) => tagged(i)));
    const result = await setTestSplit(ws, { project: "p", text: file, fileName: "all.jsonl", testFraction: 0.2, seed: 1 });
    if (result.status === "invalid" || !result.train || result.train.status === "invalid") throw new Error("unexpected");
    expect(result.test.format).toBe("supervised");
    expect(result.report).toMatchObject({ errors: 0, warnings: 0 });
    expect((await loadVersionLines(ws, result.test)).every((line) => line.includes('"tags":["billing"]'))).toBe(true);
    // training ignores them, and says so
    expect(result.train.version.format).toBe("supervised");
    expect(result.train.report.issueCounts.unrecognized_key).toBe(result.train.version.exampleCount);
  });
});
