// testItemCount gives a test split's item count from the version's stored example count, without reading the split:
// it must equal testItems' length.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getVersionByRef } from "../datasets/dataset.repository.ts";
import { setTestSplit } from "../datasets/set-test-split.ts";
import { getProjectByName } from "../projects/project.repository.ts";
import { closeWorkspace, openWorkspace, type Workspace } from "../storage/workspace.ts";
import { testItemCount, testItems } from "./test-items.ts";

let home: string;
let ws: Workspace;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "tunelab-test-item-count-"));
  ws = await openWorkspace(home);
}, 60_000);

afterAll(async () => {
  await closeWorkspace(ws);
  rmSync(home, { recursive: true, force: true });
});

describe("testItemCount", () => {
  it("is the number of items testItems gives, and not_found for a missing version", async () => {
    const lines = Array.from({ length: 37 }, (_, i) =>
      JSON.stringify({
        messages: [
          { role: "user", content: `ticket ${i}: 日本語 🚀\\n line` },
          { role: "assistant", content: `answer ${i}` },
        ],
      }),
    );
    const result = await setTestSplit(ws, { project: "count", text: `${lines.join("\n")}\n`, fileName: "test.jsonl" });
    if (result.status === "invalid") throw new Error(JSON.stringify(result.report.issues.slice(0, 3)));
    const project = await getProjectByName(ws.db, "count");
    const versionId = (await getVersionByRef(ws.db, project.id as never, "test@1")).id;
    expect(await testItemCount(ws, versionId)).toBe(37);
    expect(await testItemCount(ws, versionId)).toBe((await testItems(ws, versionId)).length);
    await expect(testItemCount(ws, "missing")).rejects.toMatchObject({ code: "not_found" });

    // a new version of the split has its own count
    const more = await setTestSplit(ws, {
      project: "count",
      text: `${[...lines, ...lines.map((l) => l.replace("ticket", "case"))].join("\n")}\n`,
      fileName: "test.jsonl",
    });
    if (more.status === "invalid") throw new Error(JSON.stringify(more.report.issues.slice(0, 3)));
    const second = (await getVersionByRef(ws.db, project.id as never, "test@2")).id;
    expect(await testItemCount(ws, second)).toBe(74);
    expect(await testItemCount(ws, versionId)).toBe(37);
  });

  it("does not read the split: the count is stored with the version", async () => {
    const lines = Array.from({ length: 12 }, (_, i) =>
      JSON.stringify({
        messages: [
          { role: "user", content: `q${i}` },
          { role: "assistant", content: `a${i}` },
        ],
      }),
    );
    const result = await setTestSplit(ws, { project: "unread", text: `${lines.join("\n")}\n`, fileName: "test.jsonl" });
    if (result.status === "invalid") throw new Error(JSON.stringify(result.report.issues.slice(0, 3)));
    const project = await getProjectByName(ws.db, "unread");
    const version = await getVersionByRef(ws.db, project.id as never, "test@1");
    await ws.blobs.remove(version.contentHash);
    await expect(testItems(ws, version.id)).rejects.toThrow();
    expect(await testItemCount(ws, version.id)).toBe(12);
  });
});
