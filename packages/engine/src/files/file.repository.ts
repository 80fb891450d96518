import { nowSeconds, openaiId } from "../ids.ts";
import type { FileTable } from "../storage/schema.ts";
import type { EngineStore } from "../storage/store.ts";

export type FileRow = FileTable;

/** OpenAI's file object. */
export function toFileObject(row: FileRow) {
  return {
    id: row.id,
    object: "file" as const,
    bytes: row.bytes,
    created_at: row.created_at,
    filename: row.filename,
    purpose: row.purpose,
    status: "processed" as const,
    status_details: null,
    expires_at: row.expires_at,
  };
}

export async function insertFile(
  store: EngineStore,
  input: { filename: string; purpose: string; data: Uint8Array; expiresAfterSeconds?: number },
): Promise<FileRow> {
  const { hash } = store.blobs.put(input.data);
  const createdAt = nowSeconds();
  const row: FileRow = {
    id: openaiId("file"),
    filename: input.filename,
    purpose: input.purpose,
    bytes: input.data.byteLength,
    sha256: hash,
    created_at: createdAt,
    expires_at: input.expiresAfterSeconds === undefined ? null : createdAt + input.expiresAfterSeconds,
    deleted_at: null,
  };
  await store.db.insertInto("files").values(row).execute();
  return row;
}

/** Files neither deleted nor expired: an expired file is gone, as a deleted one. */
const live = (store: EngineStore) => {
  const now = nowSeconds();
  return store.db
    .selectFrom("files")
    .selectAll()
    .where("deleted_at", "is", null)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]));
};

export async function findFile(store: EngineStore, id: string): Promise<FileRow | undefined> {
  return live(store).where("id", "=", id).executeTakeFirst();
}

/** A page of files; undefined when `after` names no file that ever was. */
export async function listFiles(store: EngineStore, options: { purpose?: string; after?: string; limit: number; order: "asc" | "desc" }) {
  let query = live(store);
  if (options.purpose) query = query.where("purpose", "=", options.purpose);
  if (options.after) {
    // a file deleted or expired since the page naming it was listed still marks its place
    const cursor = await store.db.selectFrom("files").select(["id", "created_at"]).where("id", "=", options.after).executeTakeFirst();
    if (!cursor) return undefined;
    query = query.where((eb) =>
      options.order === "desc"
        ? eb.or([eb("created_at", "<", cursor.created_at), eb.and([eb("created_at", "=", cursor.created_at), eb("id", "<", cursor.id)])])
        : eb.or([eb("created_at", ">", cursor.created_at), eb.and([eb("created_at", "=", cursor.created_at), eb("id", ">", cursor.id)])]),
    );
  }
  const rows = await query
    .orderBy("created_at", options.order)
    .orderBy("id", options.order)
    .limit(options.limit + 1)
    .execute();
  return { rows: rows.slice(0, options.limit), hasMore: rows.length > options.limit };
}

/**
 * Deletes a file: its record stays only as a list cursor (`deleted_at`); the content stays while another file not deleted
 * shares it or a job refers to this file.
 */
export async function deleteFile(store: EngineStore, row: FileRow): Promise<void> {
  await store.db.updateTable("files").set({ deleted_at: nowSeconds() }).where("id", "=", row.id).execute();
  const sharing = await store.db
    .selectFrom("files")
    .select("id")
    .where("sha256", "=", row.sha256)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  const usedBy = await store.db
    .selectFrom("jobs")
    .select("id")
    .where((eb) => eb.or([eb("training_file", "=", row.id), eb("validation_file", "=", row.id)]))
    .executeTakeFirst();
  if (!sharing && !usedBy) store.blobs.remove(row.sha256);
}

export function readFileContent(store: EngineStore, row: FileRow): Buffer {
  return store.blobs.read(row.sha256);
}
