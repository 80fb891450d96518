import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chat, jsonl, tempWorkspace } from "../test-support/temp-workspace.ts";
import { importDataset } from "./import-dataset.ts";
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

const tickets = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => chat(`my invoice ${from + i} is wrong`, '{"category":"billing"}'));

describe("a new test split checked against the training versions stored before it", () => {
  it("names each training version that holds its items, how many and on which lines", async () => {
    const train60 = tickets(0, 60);
    await importDataset(ws, { project: "p4", dataset: "train", text: jsonl(train60), fileName: "train60.jsonl" });
    await importDataset(ws, { project: "p4", dataset: "other", text: jsonl(tickets(100, 120)), fileName: "clean.jsonl" });
    // near duplicates only: the same words, other punctuation and case
    const near = [chat("My invoice 3 is WRONG!", '{"category":"billing"}'), ...tickets(200, 211)];
    await importDataset(ws, { project: "p4", dataset: "train", text: jsonl(near), fileName: "near.jsonl" });

    const result = await setTestSplit(ws, { project: "p4", text: jsonl(train60.slice(0, 20)), fileName: "t20.jsonl" });
    if (result.status === "invalid") throw new Error("unexpected");
    expect(result.test).toMatchObject({ ref: "test@1", exampleCount: 20 });
    expect(result.trainingLeakage.map((l) => [l.version, l.examples, l.exact.length, l.near.length])).toEqual([
      ["train@1", 60, 20, 0],
      ["train@2", 12, 0, 1],
    ]);
    expect(result.trainingLeakage[0]?.exact.slice(0, 3)).toEqual([
      { line: 1, testItem: 1 },
      { line: 2, testItem: 2 },
      { line: 3, testItem: 3 },
    ]);
    expect(result.trainingLeakage[1]?.near).toEqual([{ line: 1, testItem: 4, similarity: 1 }]);

    const warnings = result.report.issues.filter((i) => i.code === "training_leakage");
    expect(warnings.map((w) => [w.severity, w.message])).toEqual([
      [
        "warning",
        "train@1: 20 of its 60 examples are items of test@1 (lines 1, 2, 3, 4, 5, …); experiments on train@1 train on items they are scored on; importing its lines again stores a version without the exact ones (`tunelab data export train@1 -o FILE`, then `tunelab data import FILE -d train`)",
      ],
      ["warning", "train@2: 1 is a near duplicate of test items (line 1); experiments on train@2 train on items they are scored on"],
    ]);
    expect(result.report).toMatchObject({ warnings: 2, issueCounts: { training_leakage: 2 } });

    // as the warning says: the same lines imported again leave the test items out
    const again = await importDataset(ws, { project: "p4", dataset: "train", text: jsonl(train60), fileName: "train60.jsonl" });
    if (again.status === "invalid") throw new Error("unexpected");
    expect(again.version).toMatchObject({ ref: "train@3", exampleCount: 40 });
  });

  it("reports nothing when no training version holds a test item", async () => {
    await importDataset(ws, { project: "p", dataset: "train", text: jsonl(tickets(0, 30)), fileName: "train.jsonl" });
    const result = await setTestSplit(ws, { project: "p", text: jsonl(tickets(500, 510)), fileName: "test.jsonl" });
    if (result.status === "invalid") throw new Error("unexpected");
    expect(result.trainingLeakage).toEqual([]);
    expect(result.report.issueCounts.training_leakage).toBeUndefined();
  });
});

describe("setting a file that is an earlier test split", () => {
  it("is refused, naming both splits, and stores nothing (the current split stays current)", async () => {
    const first = await setTestSplit(ws, { project: "p", text: jsonl(tickets(0, 10)), fileName: "t1.jsonl" });
    const second = await setTestSplit(ws, { project: "p", text: jsonl(tickets(0, 12)), fileName: "t2.jsonl" });
    if (first.status === "invalid" || second.status === "invalid") throw new Error("unexpected");
    expect([first.test.ref, second.test.ref]).toEqual(["test@1", "test@2"]);
    const back = setTestSplit(ws, { project: "p", text: jsonl(tickets(0, 10)), fileName: "t1-again.jsonl" });
    await expect(back).rejects.toThrow(
      /t1-again\.jsonl holds the same items as test@1, an earlier test split; the current split is test@2/,
    );
    // the current split is still test@2, and setting it again is "unchanged"
    const current = await setTestSplit(ws, { project: "p", text: jsonl(tickets(0, 12)), fileName: "t2.jsonl" });
    expect(current).toMatchObject({ status: "unchanged", test: { ref: "test@2" } });
  });
});
