import { BlobStore } from "@tunelab/storage";
import { type DB, openDatabase } from "./database.ts";
import { blobsPath, databasePath, resolveHome } from "./home.ts";
import { migrateToLatest } from "./migrate.ts";

/** An opened tunelab home: the database (migrated) and the blob store beside it. */
export interface Workspace {
  home: string;
  db: DB;
  blobs: BlobStore;
}

export async function openWorkspace(home: string = resolveHome()): Promise<Workspace> {
  const db = openDatabase(databasePath(home));
  await migrateToLatest(db);
  return { home, db, blobs: new BlobStore(blobsPath(home)) };
}

export async function closeWorkspace(workspace: Workspace): Promise<void> {
  await workspace.db.destroy();
}
