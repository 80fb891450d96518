import { writeFirst } from "@tunelab/storage";
import type { DB } from "../storage/database.ts";

/** The advisory lock key of the blob store's shared files on PostgreSQL. */
const BLOB_STORE_LOCK = 0x626c6f62; // "blob"

/**
 * Runs `work` in a transaction that holds the workspace's blob-store lock, so the processes that record published
 * files (a tuned model or checkpoint a worker publishes) and those that remove files nothing records any more (a
 * deleted tuned model or experiment) take turns: a remover decides which files are unused from what is recorded and
 * removes them before a publisher can record a manifest naming them, and a publisher checks its files are all stored
 * (putting back any a remover took) before it records them. SQLite: the database's write lock; PostgreSQL: a
 * transaction-scoped advisory lock. `work` must use the transaction it is given, never the workspace's own handle.
 */
export async function inBlobStoreLock<T>(db: DB, work: (trx: DB) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await writeFirst(trx, "published_models", BLOB_STORE_LOCK);
    return work(trx);
  });
}
