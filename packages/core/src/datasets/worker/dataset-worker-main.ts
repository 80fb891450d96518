import { parentPort, workerData } from "node:worker_threads";
import { answerFromWorker } from "@tunelab/base";
import { isPostgres, openDatabaseAt } from "@tunelab/storage";
import { sql } from "kysely";
import { openBlobs } from "../../storage/home.ts";
import type { Workspace } from "../../storage/workspace.ts";
import { importDatasetHere } from "../import-dataset.ts";
import { setTestSplitHere } from "../set-test-split.ts";
import type { DatasetTask } from "./tasks.ts";

/**
 * Imports and splits use their own connection to the workspace's database (WAL: the main thread keeps reading), with
 * a 64 MiB page cache: a large version's example index inserts into two indexes of random hashes, and the default
 * 2 MiB cache makes that a third slower at a million rows.
 */
async function withWorkspace<T>(task: DatasetTask, work: (ws: Workspace) => Promise<T>): Promise<T> {
  const { home, database } = task;
  const ws: Workspace = { home, database, db: openDatabaseAt(database), blobs: openBlobs(home) };
  if (!isPostgres(ws.db)) await sql`PRAGMA cache_size = -65536`.execute(ws.db);
  try {
    return await work(ws);
  } finally {
    await ws.db.destroy();
    await ws.blobs.close();
  }
}

async function run(task: DatasetTask): Promise<{ result: unknown }> {
  switch (task.kind) {
    case "import":
      return { result: await withWorkspace(task, (ws) => importDatasetHere(ws, task.input)) };
    case "split":
      return { result: await withWorkspace(task, (ws) => setTestSplitHere(ws, task.input)) };
  }
}

await answerFromWorker(parentPort, () => run(workerData as DatasetTask));
