import type { Kysely } from "kysely";

// Frozen: add a new migration for any change.
// Portable: kysely's schema builder and types every dialect has (text, integer: an image is at most 10 MB).
// Images of a dataset version fetched at import from http(s) URLs: each URL once per version, its bytes a blob
// (content-addressed), so experiments never fetch again (the local engine gets them inlined as data: URLs).

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("dataset_images")
    .addColumn("version_id", "text", (c) => c.notNull().references("dataset_versions.id").onDelete("cascade"))
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("content_hash", "text", (c) => c.notNull())
    .addColumn("mime_type", "text", (c) => c.notNull())
    .addColumn("byte_size", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("dataset_images_pk", ["version_id", "url"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("dataset_images").execute();
}
