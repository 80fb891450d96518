import { join, resolve } from "node:path";
import { readEnv } from "../env.ts";

/** Where tunelab keeps its database and blobs: `.tunelab/` under the working directory unless TUNELAB_HOME says otherwise. */
export function resolveHome(cwd: string = process.cwd()): string {
  const fromEnv = readEnv().TUNELAB_HOME;
  return fromEnv ? resolve(cwd, fromEnv) : join(cwd, ".tunelab");
}

export function databasePath(home: string): string {
  return join(home, "tunelab.db");
}

export function blobsPath(home: string): string {
  return join(home, "blobs");
}
