import type { Kysely } from "kysely";

// Frozen: add a new migration for any change.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("files")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("filename", "text", (c) => c.notNull())
    .addColumn("purpose", "text", (c) => c.notNull())
    .addColumn("bytes", "integer", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("created_at", "integer", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("jobs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("training_file", "text", (c) => c.notNull())
    .addColumn("validation_file", "text")
    .addColumn("suffix", "text")
    .addColumn("seed", "integer", (c) => c.notNull())
    .addColumn("metadata_json", "text")
    .addColumn("requested_json", "text", (c) => c.notNull())
    .addColumn("hyperparameters_json", "text")
    .addColumn("error_json", "text")
    .addColumn("fine_tuned_model", "text")
    .addColumn("trained_tokens", "integer")
    .addColumn("result_file", "text")
    .addColumn("estimated_finish", "integer")
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addColumn("finished_at", "integer")
    .addColumn("lease_owner", "text")
    .addColumn("lease_expires_at", "integer")
    .execute();
  await db.schema.createIndex("jobs_status").on("jobs").column("status").execute();

  await db.schema
    .createTable("job_events")
    .addColumn("seq", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("id", "text", (c) => c.notNull().unique())
    .addColumn("job_id", "text", (c) => c.notNull().references("jobs.id").onDelete("cascade"))
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("level", "text", (c) => c.notNull())
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("data_json", "text")
    .addColumn("created_at", "integer", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("job_events_job").on("job_events").columns(["job_id", "seq"]).execute();

  await db.schema
    .createTable("checkpoints")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("job_id", "text", (c) => c.notNull().references("jobs.id").onDelete("cascade"))
    .addColumn("step", "integer", (c) => c.notNull())
    .addColumn("model_id", "text", (c) => c.notNull())
    .addColumn("dir", "text", (c) => c.notNull())
    .addColumn("metrics_json", "text", (c) => c.notNull())
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addUniqueConstraint("checkpoints_job_step", ["job_id", "step"])
    .execute();

  await db.schema
    .createTable("models")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("base_model", "text", (c) => c.notNull())
    .addColumn("job_id", "text")
    .addColumn("dir", "text", (c) => c.notNull())
    .addColumn("created_at", "integer", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["models", "checkpoints", "job_events", "jobs", "files"]) await db.schema.dropTable(table).execute();
}
