// A dataset version named by the user (data show, data diff, data export, exp create) is NAME or NAME@N; anything else
// is refused naming what was expected, instead of being read as another version (train@1@2 was train@1).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getProjectByName } from "../projects/project.repository.ts";
import { chat, jsonl, tempWorkspace } from "../test-support/temp-workspace.ts";
import { getVersionByRef } from "./dataset.repository.ts";
import { importDataset } from "./import-dataset.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
  const lines = Array.from({ length: 12 }, (_, i) => chat(`my invoice ${i} is wrong`, '{"category":"billing"}'));
  expect((await importDataset(ws, { project: "p", dataset: "train", text: jsonl(lines), fileName: "train.jsonl" })).status).toBe("created");
});
afterEach(async () => ws.dispose());

describe("getVersionByRef", () => {
  it("refuses a malformed ref naming what is expected, and reads NAME and NAME@N", async () => {
    const project = await getProjectByName(ws.db, "p");
    for (const ref of ["train@1@2", "train@x", "train@", "@1", "train@0"]) {
      const refused = getVersionByRef(ws.db, project.id, ref);
      await expect(refused, ref).rejects.toMatchObject({ code: "invalid_argument" });
      await expect(refused, ref).rejects.toThrow(`"${ref}" is no dataset version: expected NAME or NAME@N, e.g. train@2`);
    }
    expect((await getVersionByRef(ws.db, project.id, "train@1")).ref).toBe("train@1");
    expect((await getVersionByRef(ws.db, project.id, "train")).ref).toBe("train@1");
  });
});
