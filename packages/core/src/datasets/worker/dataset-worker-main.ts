import { parentPort, workerData } from "node:worker_threads";
import { sql } from "kysely";
import { isTunelabError } from "../../errors.ts";
import { BlobStore } from "../../storage/blobs.ts";
import { openDatabase } from "../../storage/database.ts";
import { blobsPath, databasePath } from "../../storage/home.ts";
import type { Workspace } from "../../storage/workspace.ts";
import { importDatasetHere } from "../import-dataset.ts";
import { setTestSplitHere } from "../set-test-split.ts";
import { validateToCanonical } from "../validate-data-file.ts";
import type { WorkerReply } from "./run-task.ts";
import type { DatasetTask } from "./tasks.ts";

/**
 * Imports and splits use their own connection to the workspace's database (WAL: the main thread keeps reading), with
 * a 64 MiB page cache: a large version's example index inserts into two indexes of random hashes, and the default
 * 2 MiB cache makes that a third slower at a million rows.
 */
async function withWorkspace<T>(home: string, work: (ws: Workspace) => Promise<T>): Promise<T> {
  const ws: Workspace = { home, db: openDatabase(databasePath(home)), blobs: new BlobStore(blobsPath(home)) };
  await sql`PRAGMA cache_size = -65536`.execute(ws.db);
  try {
    return await work(ws);
  } finally {
    await ws.db.destroy();
  }
}

async function run(task: DatasetTask): Promise<{ result: unknown; transfer: ArrayBuffer[] }> {
  switch (task.kind) {
    case "import":
      return { result: await withWorkspace(task.home, (ws) => importDatasetHere(ws, task.input)), transfer: [] };
    case "split":
      return { result: await withWorkspace(task.home, (ws) => setTestSplitHere(ws, task.input)), transfer: [] };
    case "validate": {
      const result = validateToCanonical(task.source, task.options);
      return { result, transfer: [result.canonical.buffer as ArrayBuffer] };
    }
  }
}

const port = parentPort;
if (!port) throw new Error("dataset-worker-main runs in a worker thread");
try {
  const { result, transfer } = await run(workerData as DatasetTask);
  port.postMessage({ ok: true, result } satisfies WorkerReply, transfer);
} catch (error) {
  const reply: WorkerReply = isTunelabError(error)
    ? { ok: false, error: { message: error.message, code: error.code, details: error.details } }
    : { ok: false, error: { message: (error as Error).message ?? String(error) } };
  port.postMessage(reply);
}
