import { join } from "node:path";
import { applyMigrations, BlobStore, openDatabase } from "@tunelab/storage";
import type { Kysely } from "kysely";
import * as m0001 from "./migrations/0001_engine.ts";
import * as m0002 from "./migrations/0002_base_models.ts";
import * as m0003 from "./migrations/0003_file_expiry.ts";
import * as m0004 from "./migrations/0004_file_deleted.ts";
import type { EngineDatabase } from "./schema.ts";

export type EngineDB = Kysely<EngineDatabase>;

/** The engine's own durable state: `engine.db` + file blobs + model directories under one root. */
export interface EngineStore {
  root: string;
  db: EngineDB;
  blobs: BlobStore;
  modelsDir: string;
}

export async function openEngineStore(root: string): Promise<EngineStore> {
  const db = openDatabase<EngineDatabase>(join(root, "engine.db"));
  await applyMigrations(db, { "0001_engine": m0001, "0002_base_models": m0002, "0003_file_expiry": m0003, "0004_file_deleted": m0004 });
  return { root, db, blobs: new BlobStore(join(root, "files")), modelsDir: join(root, "models") };
}
