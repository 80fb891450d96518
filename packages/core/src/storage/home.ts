import { join, resolve } from "node:path";
import { type Blobs, DirectoryBlobs, parseS3Url, S3Blobs } from "@tunelab/storage";
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

/**
 * The workspace's blobs: the bucket TUNELAB_BLOB_URL names (endpoint and region as the AWS SDKs read them, credentials
 * from the SDK's default chain), with the blob directory as its local cache; unset, the blob directory itself.
 */
export function openBlobs(home: string, env: Env = readEnv()): Blobs {
  const cache = blobsPath(home, env);
  const bucket = env.TUNELAB_BLOB_URL === undefined ? undefined : parseS3Url(env.TUNELAB_BLOB_URL);
  if (!bucket) return new DirectoryBlobs(cache);
  return new S3Blobs({
    ...bucket,
    cache,
    endpoint: env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
  });
}

/** Where the workspace's database is: TUNELAB_DATABASE_URL (PostgreSQL) or the SQLite file in the home. */
export function databaseLocation(home: string, env: Env = readEnv()): string {
  return env.TUNELAB_DATABASE_URL ?? databasePath(home);
}
