import { readdirSync } from "node:fs";
import { runningWorkerTasks as runningDatasetWorkers } from "@tunelab/base";
import { OFF_THREAD_BYTES } from "@tunelab/formats";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getProjectByName } from "../projects/project.repository.ts";
import { blobsPath } from "../storage/home.ts";
import { chat, jsonl, tempWorkspace } from "../test-support/temp-workspace.ts";
import { getVersionByRef } from "./dataset.repository.ts";
import { diffVersions } from "./diff-versions.ts";
import { importDataset, importDatasetHere } from "./import-dataset.ts";
import { setTestSplit } from "./set-test-split.ts";
import { loadVersionText } from "./version-content.ts";

type TempWorkspace = Awaited<ReturnType<typeof tempWorkspace>>;
let ws: TempWorkspace;
beforeEach(async () => {
  ws = await tempWorkspace();
});
afterEach(async () => {
  await ws.dispose();
});

const tickets = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => chat(`my invoice ${from + i} is wrong`, '{"category":"billing"}'));

async function rowCounts() {
  const count = async (table: "projects" | "datasets" | "dataset_versions" | "dataset_examples") =>
    Number(
      (
        await ws.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    projects: await count("projects"),
    datasets: await count("datasets"),
    versions: await count("dataset_versions"),
    examples: await count("dataset_examples"),
  };
}

function blobFiles(): string[] {
  try {
    return readdirSync(blobsPath(ws.home), { recursive: true }).map(String);
  } catch {
    return [];
  }
}

describe("importing a dataset", () => {
  it("writes nothing at all for a file with an error", async () => {
    await importDataset(ws, { project: "p", dataset: "train", text: jsonl(tickets(0, 12)), fileName: "ok.jsonl" });
    const before = { rows: await rowCounts(), blobs: blobFiles() };
    const bad = jsonl([...tickets(100, 120), '{"messages": [{"role": "user"}]}']);
    const result = await importDataset(ws, { project: "p", dataset: "train", text: bad, fileName: "bad.jsonl" });
    expect(result.status).toBe("invalid");
    const fresh = await importDataset(ws, { project: "new-project", dataset: "train", text: bad, fileName: "bad.jsonl" });
    expect(fresh.status).toBe("invalid");
    expect({ rows: await rowCounts(), blobs: blobFiles() }).toEqual(before);
  });

  it("versions content: identical content (any key order) is detected, new content becomes the next version", async () => {
    const v1 = await importDataset(ws, {
      project: "p",
      dataset: "train",
      text: jsonl(tickets(0, 12)),
      fileName: "a.jsonl",
      message: "first",
    });
    expect(v1).toMatchObject({ status: "created", version: { ref: "train@1", exampleCount: 12, parentId: null } });

    const reordered = jsonl(
      tickets(0, 12).map((line) => {
        const { messages } = JSON.parse(line) as { messages: Array<{ role: string; content: string }> };
        return JSON.stringify({ messages: messages.map((m) => ({ content: m.content, role: m.role })) }, null, 0);
      }),
    );
    const again = await importDataset(ws, { project: "p", dataset: "train", text: reordered, fileName: "b.jsonl" });
    expect(again).toMatchObject({ status: "unchanged", version: { ref: "train@1" } });

    const v2 = await importDataset(ws, {
      project: "p",
      dataset: "train",
      text: jsonl([...tickets(2, 12), ...tickets(50, 55)]),
      fileName: "c.jsonl",
    });
    expect(v2.status).toBe("created");
    if (v2.status === "invalid" || v1.status === "invalid") throw new Error("unreachable");
    expect(v2.version).toMatchObject({ ref: "train@2", parentId: v1.version.id, exampleCount: 15 });

    const diff = await diffVersions(ws, v1.version, v2.version);
    expect(diff.removed.map((e) => e.line)).toEqual([1, 2]);
    expect(diff.added.map((e) => e.line)).toEqual([11, 12, 13, 14, 15]);
    expect(diff.unchanged).toBe(10);
  });

  it("exports the canonical form byte for byte, and re-importing the export changes nothing", async () => {
    const first = await importDataset(ws, { project: "p", dataset: "train", text: jsonl(tickets(0, 12)), fileName: "a.jsonl" });
    if (first.status === "invalid") throw new Error("unexpected");
    const project = await getProjectByName(ws.db, "p");
    const exported = await loadVersionText(ws, await getVersionByRef(ws.db, project.id, "train@1"));
    expect(exported).toBe(jsonl(tickets(0, 12).map((l) => JSON.stringify(sortDeep(JSON.parse(l))))));
    const again = await importDataset(ws, { project: "p", dataset: "train", text: exported, fileName: "export.jsonl" });
    expect(again).toMatchObject({ status: "unchanged", version: { ref: "train@1" } });
  });
});

describe("test split and leakage", () => {
  it("excludes training examples whose input is a test item and warns about near duplicates", async () => {
    const test = jsonl([
      chat("the printer on floor 3 is on fire", '{"category":"technical"}'),
      chat("refund my order 77 please", '{"category":"refund"}'),
    ]);
    const split = await setTestSplit(ws, { project: "p", text: test, fileName: "test.jsonl" });
    expect(split).toMatchObject({ status: "created", test: { ref: "test@1", exampleCount: 2 } });

    const train = jsonl([
      ...tickets(0, 10),
      chat("the printer on floor 3 is on fire", '{"category":"facilities"}'), // same input, other label: still a leak
      chat("Refund my order 77, please!", '{"category":"refund"}'), // near duplicate
    ]);
    const result = await importDataset(ws, { project: "p", dataset: "train", text: train, fileName: "train.jsonl" });
    if (result.status === "invalid") throw new Error("unexpected");
    expect(result.leakage?.exact).toEqual([{ line: 11, testItem: 1 }]);
    expect(result.leakage?.near).toEqual([{ line: 12, testItem: 2, similarity: 1 }]);
    expect(result.version.exampleCount).toBe(11);
    expect(await loadVersionText(ws, result.version)).not.toContain("on fire");
    expect(result.report.issues.map((i) => [i.code, i.line])).toEqual([
      ["test_leakage_exact", 11],
      ["test_leakage_near", 12],
    ]);
  });

  it("stores nothing when too few examples are left once the test items are excluded, and says how many were excluded", async () => {
    const toy = jsonl(tickets(0, 5));
    await setTestSplit(ws, { project: "toy", text: toy, fileName: "toy.jsonl" });
    const before = { rows: await rowCounts(), blobs: blobFiles() };
    const leaked = await importDataset(ws, { project: "toy", dataset: "train2", text: toy, fileName: "toy.jsonl" });
    expect(leaked.status).toBe("invalid");
    expect(leaked.report).toMatchObject({ examples: 0, errors: 1 });
    const errors = leaked.report.issues.filter((i) => i.severity === "error");
    expect(errors).toEqual([
      expect.objectContaining({
        code: "too_few_examples",
        message: "0 examples left after excluding 5 test-split items of test@1 (lines 1, 2, 3, 4, 5); a fine-tuning job needs at least 10",
      }),
    ]);
    // no warning left that counted the examples before the exclusion
    expect(leaked.report.issues.filter((i) => i.code === "too_few_examples")).toHaveLength(1);
    expect(leaked.report.issueCounts).toMatchObject({ too_few_examples: 1, test_leakage_exact: 5 });

    // 11 examples, 2 of them test items: 9 would be stored; the validator alone saw 11 and did not warn
    const eleven = jsonl([...tickets(100, 109), ...tickets(0, 2)]);
    const partly = await importDataset(ws, { project: "toy", dataset: "train", text: eleven, fileName: "eleven.jsonl" });
    expect(partly.status).toBe("invalid");
    expect(partly.report.issues.find((i) => i.severity === "error")?.message).toMatch(
      /^9 examples left after excluding 2 test-split items of test@1 \(lines 10, 11\)/,
    );
    expect({ rows: await rowCounts(), blobs: blobFiles() }).toEqual(before);

    // enough left: stored, and the report counts what was stored
    const twelve = jsonl([...tickets(100, 110), ...tickets(0, 2)]);
    const stored = await importDataset(ws, { project: "toy", dataset: "train", text: twelve, fileName: "twelve.jsonl" });
    if (stored.status === "invalid") throw new Error("unexpected");
    expect(stored.version.exampleCount).toBe(10);
    expect(stored.report).toMatchObject({ examples: 10, errors: 0 });
    expect(stored.report.stats.examples).toBe(10);
  });

  it("carves a deterministic test split that stays stable as the file grows", async () => {
    const small = tickets(0, 200);
    const grown = [...small, ...tickets(200, 400)];
    const first = await setTestSplit(ws, { project: "a", text: jsonl(small), fileName: "s", testFraction: 0.2, seed: 7 });
    const second = await setTestSplit(ws, { project: "b", text: jsonl(grown), fileName: "g", testFraction: 0.2, seed: 7 });
    if (first.status === "invalid" || second.status === "invalid") throw new Error("unexpected");
    const firstItems = (await loadVersionText(ws, first.test)).trim().split("\n");
    const secondItems = new Set((await loadVersionText(ws, second.test)).trim().split("\n"));
    expect(firstItems.length).toBeGreaterThan(20);
    expect(firstItems.length).toBeLessThan(60);
    for (const item of firstItems) expect(secondItems.has(item)).toBe(true);
    // the rest went to train@1, and nothing of the test split is in it
    if (!first.train || first.train.status === "invalid") throw new Error("expected a training version");
    expect(first.train.version.exampleCount + first.test.exampleCount).toBe(200);
    expect(first.train.leakage?.exact).toEqual([]);
    // another seed gives another split
    const other = await setTestSplit(ws, { project: "c", text: jsonl(small), fileName: "s", testFraction: 0.2, seed: 8 });
    if (other.status === "invalid") throw new Error("unexpected");
    expect(await loadVersionText(ws, other.test)).not.toBe(await loadVersionText(ws, first.test));
  });

  it("refuses to name a training dataset 'test'", async () => {
    await expect(importDataset(ws, { project: "p", dataset: "test", text: jsonl(tickets(0, 10)), fileName: "x" })).rejects.toThrow(
      /test split/,
    );
  });
});

describe("large files: validated, checked and stored in a worker thread", () => {
  const testSplit = jsonl([
    chat("my invoice 5 is wrong", '{"category":"billing"}'),
    chat("my invoice 77 is wrong please", '{"category":"billing"}'),
  ]);
  const big = jsonl(tickets(0, 2_000));

  it("gives the same version, report and leakage as an import on this thread", async () => {
    expect(Buffer.byteLength(big)).toBeGreaterThan(OFF_THREAD_BYTES);
    for (const project of ["off", "here"]) await setTestSplit(ws, { project, text: testSplit, fileName: "test.jsonl" });
    const pending = importDataset(ws, { project: "off", dataset: "train", bytes: Buffer.from(big), fileName: "big.jsonl" });
    expect(runningDatasetWorkers()).toBe(1);
    const off = await pending;
    expect(runningDatasetWorkers()).toBe(0);
    const here = await importDatasetHere(ws, { project: "here", dataset: "train", text: big, fileName: "big.jsonl" });
    if (off.status === "invalid" || here.status === "invalid") throw new Error("unexpected");
    expect(off.leakage).toMatchObject({ exact: [{ line: 6, testItem: 1 }], near: [{ line: 78, testItem: 2 }] });
    expect(off.version).toMatchObject({ ref: "train@1", exampleCount: 1_999, contentHash: here.version.contentHash });
    expect(off.report).toEqual(here.report);
    expect(off.leakage).toEqual(here.leakage);
    expect(await loadVersionText(ws, off.version)).toBe(await loadVersionText(ws, here.version));
    expect((await importDataset(ws, { project: "off", dataset: "train", text: big, fileName: "again.jsonl" })).status).toBe("unchanged");
  });

  it("writes nothing for a large file with bytes that are not UTF-8", async () => {
    await importDataset(ws, { project: "p", dataset: "train", text: jsonl(tickets(0, 12)), fileName: "ok.jsonl" });
    const before = { rows: await rowCounts(), blobs: blobFiles() };
    const bytes = Buffer.from(big);
    bytes[bytes.indexOf("my invoice 1500 is wrong") + 3] = 0xff;
    const result = await importDataset(ws, { project: "p", dataset: "train", bytes, fileName: "latin.jsonl" });
    expect(result.status).toBe("invalid");
    expect(result.report.issues).toEqual([expect.objectContaining({ code: "invalid_utf8", line: 1_501 })]);
    expect({ rows: await rowCounts(), blobs: blobFiles() }).toEqual(before);
  });

  it("throws the worker's TunelabError with its code", async () => {
    const split = setTestSplit(ws, { project: "p", text: big, fileName: "big.jsonl", testFraction: 1e-9 });
    await expect(split).rejects.toMatchObject({
      name: "TunelabError",
      code: "invalid_argument",
      message: expect.stringContaining("selects none"),
    });
  });
});

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortDeep((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
