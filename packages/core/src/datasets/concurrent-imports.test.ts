// Several processes importing into one dataset at the same moment (a team's server and CLIs on one PostgreSQL): every
// import gets its own next version number, none fails on a duplicate number, and identical content imported twice at
// once is stored once. PostgreSQL only: SQLite's driver is synchronous, so connections in one process cannot take
// turns (one blocks the event loop in its busy wait while the other holds the lock).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getProjectByName } from "../projects/project.repository.ts";
import { closeWorkspace, openWorkspace, type Workspace } from "../storage/workspace.ts";
import { chat, jsonl, tempWorkspace } from "../test-support/temp-workspace.ts";
import { testPostgresServer } from "../test-support/test-database.ts";
import { getVersionByRef, listVersions } from "./dataset.repository.ts";
import { importDataset } from "./import-dataset.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
const others: Workspace[] = [];
beforeAll(async () => {
  ws = await tempWorkspace();
  // each "process" has its own connections to the same database (and the same blob directory)
  for (let i = 0; i < 3; i++) others.push(await openWorkspace(ws.home, ws.database));
});
afterAll(async () => {
  for (const other of others) await closeWorkspace(other);
  await ws.dispose();
});

const file = (tag: string) => jsonl(Array.from({ length: 10 }, (_, i) => chat(`${tag} question ${i}`, `answer ${i}`)));

describe.skipIf(testPostgresServer() === undefined)("imports into one dataset at the same moment", () => {
  it("number the versions one after another, and store identical content once", async () => {
    const writers = [ws, ...others];
    const results = await Promise.all(
      writers.map((writer, i) => importDataset(writer, { project: "p", dataset: "train", text: file(`writer ${i}`), fileName: "t.jsonl" })),
    );
    expect(results.map((r) => r.status)).toEqual(["created", "created", "created", "created"]);
    const datasetId = (await getVersionByRef(ws.db, (await getProjectByName(ws.db, "p")).id, "train@1")).datasetId;
    const versions = await listVersions(ws.db, datasetId);
    expect(versions.map((v) => v.number).sort()).toEqual([1, 2, 3, 4]);

    const same = await Promise.all(
      writers.map((writer) => importDataset(writer, { project: "p", dataset: "train", text: file("same"), fileName: "t.jsonl" })),
    );
    expect(same.map((r) => r.status).sort()).toEqual(["created", "unchanged", "unchanged", "unchanged"]);
    expect(await listVersions(ws.db, datasetId)).toHaveLength(5);
  });
});
