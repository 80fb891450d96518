// testItems reads a test split's canonical JSONL asynchronously and parses it in slices: it must give exactly the items
// the whole-file parse gives (order, positions, multi-byte text), and report a missing blob as not_found.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toEvalItem } from "@tunelab/evals";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findVersionById, getVersionByRef } from "../datasets/dataset.repository.ts";
import { setTestSplit } from "../datasets/set-test-split.ts";
import { loadVersionLines } from "../datasets/version-content.ts";
import { getProjectByName } from "../projects/project.repository.ts";
import { closeWorkspace, type Workspace } from "../storage/workspace.ts";
import { openTestWorkspace } from "../test-support/test-database.ts";
import { testItems, testItemsAt } from "./test-items.ts";

let home: string;
let ws: Workspace;
let versionId: string;
const ITEMS = 2_345; // more than two slices

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "tunelab-test-items-"));
  ws = await openTestWorkspace(home);
  const words = ["billing", "café", "naïve résumé", "日本語のチケット", "emoji 🚀 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "plain"];
  const lines = Array.from({ length: ITEMS }, (_, i) =>
    JSON.stringify({
      messages: [
        { role: "user", content: `ticket ${i}: ${words[i % words.length]}` },
        { role: "assistant", content: words[(i * 7) % words.length] },
      ],
      metadata: { tags: i % 3 === 0 ? [`tag-${i % 4}`] : [] },
    }),
  );
  const result = await setTestSplit(ws, { project: "items", text: `${lines.join("\n")}\n`, fileName: "test.jsonl" });
  if (result.status === "invalid") throw new Error(JSON.stringify(result.report.issues.slice(0, 3)));
  const project = await getProjectByName(ws.db, "items");
  versionId = (await getVersionByRef(ws.db, project.id as never, "test@1")).id;
}, 60_000);

afterAll(async () => {
  await closeWorkspace(ws);
  rmSync(home, { recursive: true, force: true });
});

describe("testItems", () => {
  it("gives the items of the whole-file parse, in order, multi-byte text intact", async () => {
    const version = await findVersionById(ws.db, versionId);
    if (!version) throw new Error("no version");
    const expected = (await loadVersionLines(ws, version)).map((line, i) => toEvalItem(JSON.parse(line) as Record<string, unknown>, i));
    const items = await testItems(ws, versionId);
    expect(items).toHaveLength(ITEMS);
    expect(items).toEqual(expected);
    expect(items.some((item) => JSON.stringify(item).includes("🚀"))).toBe(true);
  });

  it("testItemsAt parses only the lines at the positions asked for, as the whole-file parse gives them", async () => {
    const all = await testItems(ws, versionId);
    const positions = [0, 3, 4, 1_000, ITEMS - 1, ITEMS + 5];
    const some = await testItemsAt(ws, versionId, positions);
    expect([...some.keys()].sort((x, y) => x - y)).toEqual([0, 3, 4, 1_000, ITEMS - 1]);
    for (const [position, item] of some) expect(item).toEqual(all[position]);
    expect((await testItemsAt(ws, versionId, [])).size).toBe(0);
    await expect(testItemsAt(ws, "ver_missing", [1])).rejects.toMatchObject({ code: "not_found" });
  });

  it("reports a missing version and a missing file as not_found", async () => {
    await expect(testItems(ws, "ver_missing")).rejects.toMatchObject({ code: "not_found" });
    const version = await findVersionById(ws.db, versionId);
    if (!version) throw new Error("no version");
    rmSync(ws.blobs.pathOf(version.contentHash));
    await expect(testItems(ws, versionId)).rejects.toMatchObject({ code: "not_found", message: expect.stringContaining("missing") });
  });
});
