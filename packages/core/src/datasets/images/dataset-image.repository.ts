import type { Kysely } from "kysely";
import type { Database } from "../../storage/schema.ts";
import type { StoredImage } from "./fetch-images.ts";

export async function insertVersionImages(db: Kysely<Database>, versionId: string, images: readonly StoredImage[]): Promise<void> {
  if (images.length === 0) return;
  const rows = images.map((i) => ({
    version_id: versionId,
    url: i.url,
    content_hash: i.contentHash,
    mime_type: i.mimeType,
    byte_size: i.byteSize,
  }));
  // a few hundred rows per statement keeps under SQLite's and PostgreSQL's bound-parameter limits
  for (let at = 0; at < rows.length; at += 500) {
    await db
      .insertInto("dataset_images")
      .values(rows.slice(at, at + 500))
      .execute();
  }
}

/** Whether a version has any http(s) image stored with it (cheaper than listing them). */
export async function versionHasImages(db: Kysely<Database>, versionId: string): Promise<boolean> {
  const row = await db.selectFrom("dataset_images").select("url").where("version_id", "=", versionId).limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function listVersionImages(db: Kysely<Database>, versionId: string): Promise<StoredImage[]> {
  const rows = await db
    .selectFrom("dataset_images")
    .select(["url", "content_hash", "mime_type", "byte_size"])
    .where("version_id", "=", versionId)
    .orderBy("url")
    .execute();
  return rows.map((r) => ({ url: r.url, contentHash: r.content_hash, mimeType: r.mime_type, byteSize: Number(r.byte_size) }));
}
