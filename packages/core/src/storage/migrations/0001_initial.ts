import { bigintType } from "@tunelab/storage";
import type { Kysely } from "kysely";

// Frozen: this migration has shipped. Add a new file for any change.
// Portable: the same DDL on SQLite as shipped (sqlite-schema.test.ts); 64-bit integers and doubles on PostgreSQL.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("projects")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("datasets")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("datasets_project_name_unique", ["project_id", "name"])
    .execute();

  await db.schema
    .createTable("dataset_versions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("dataset_id", "text", (c) => c.notNull().references("datasets.id").onDelete("cascade"))
    .addColumn("number", "integer", (c) => c.notNull())
    .addColumn("parent_id", "text", (c) => c.references("dataset_versions.id"))
    .addColumn("content_hash", "text", (c) => c.notNull())
    .addColumn("format", "text", (c) => c.notNull())
    .addColumn("example_count", "integer", (c) => c.notNull())
    .addColumn("byte_size", bigintType(db), (c) => c.notNull())
    .addColumn("message", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("source", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("stats_json", "text", (c) => c.notNull())
    .addColumn("report_json", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("dataset_versions_number_unique", ["dataset_id", "number"])
    .addUniqueConstraint("dataset_versions_content_unique", ["dataset_id", "content_hash"])
    .execute();

  await db.schema
    .createTable("dataset_examples")
    .addColumn("version_id", "text", (c) => c.notNull().references("dataset_versions.id").onDelete("cascade"))
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull())
    .addColumn("input_hash", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("dataset_examples_pk", ["version_id", "position"])
    .execute();
  await db.schema.createIndex("dataset_examples_hash").on("dataset_examples").columns(["version_id", "hash"]).execute();
  await db.schema.createIndex("dataset_examples_input_hash").on("dataset_examples").columns(["version_id", "input_hash"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("dataset_examples").execute();
  await db.schema.dropTable("dataset_versions").execute();
  await db.schema.dropTable("datasets").execute();
  await db.schema.dropTable("projects").execute();
}
