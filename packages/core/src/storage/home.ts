import { join, resolve } from "node:path";
import { type Env, readEnv } from "../env.ts";

/** Where tunelab keeps its database and blobs: `.tunelab/` under the working directory unless TUNELAB_HOME says otherwise. */
export function resolveHome(cwd: string = process.cwd()): string {
  const fromEnv = readEnv().TUNELAB_HOME;
  return fromEnv ? resolve(cwd, fromEnv) : join(cwd, ".tunelab");
}

export function databasePath(home: string): string {
  return join(home, "tunelab.db");
}

/** The blob directory: TUNELAB_BLOB_DIR (relative to the working directory) or `<home>/blobs`. */
export function blobsPath(home: string, env: Env = readEnv()): string {
  const fromEnv = env.TUNELAB_BLOB_DIR;
  return fromEnv ? resolve(fromEnv) : join(home, "blobs");
}

/** Where the workspace's database is: TUNELAB_DATABASE_URL (PostgreSQL) or the SQLite file in the home. */
export function databaseLocation(home: string, env: Env = readEnv()): string {
  return env.TUNELAB_DATABASE_URL ?? databasePath(home);
}
