import { bigintType, doubleType } from "@tunelab/storage";
import type { Kysely } from "kysely";

// Frozen: add a new migration for any change.
// Portable: the same DDL on SQLite as shipped (sqlite-schema.test.ts); 64-bit integers and doubles on PostgreSQL.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("grader_sets")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("content_hash", "text", (c) => c.notNull())
    .addColumn("graders_json", "text", (c) => c.notNull())
    .addColumn("primary_metric", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("grader_sets_version_unique", ["project_id", "version"])
    .addUniqueConstraint("grader_sets_hash_unique", ["project_id", "content_hash"])
    .execute();

  await db.schema
    .createTable("experiments")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("dataset_version_id", "text", (c) => c.references("dataset_versions.id"))
    .addColumn("validation_version_id", "text", (c) => c.references("dataset_versions.id"))
    .addColumn("base_model", "text", (c) => c.notNull())
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("method", "text", (c) => c.notNull())
    .addColumn("hyperparameters_json", "text", (c) => c.notNull())
    .addColumn("seed", "integer", (c) => c.notNull())
    .addColumn("suffix", "text")
    .addColumn("notes", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("config_hash", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("provider_file_id", "text")
    .addColumn("provider_validation_file_id", "text")
    .addColumn("provider_job_id", "text")
    .addColumn("tuned_model", "text")
    .addColumn("trained_tokens", bigintType(db))
    .addColumn("training_seconds", doubleType(db))
    .addColumn("test_split_version_id", "text", (c) => c.references("dataset_versions.id"))
    .addColumn("grader_set_id", "text", (c) => c.references("grader_sets.id"))
    .addColumn("eval_run_id", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("finished_at", "text")
    .addColumn("lease_owner", "text")
    .addColumn("lease_expires_at", bigintType(db))
    .execute();
  await db.schema.createIndex("experiments_project_status").on("experiments").columns(["project_id", "status"]).execute();
  await db.schema.createIndex("experiments_config_hash").on("experiments").columns(["project_id", "config_hash"]).execute();

  await db.schema
    .createTable("experiment_metrics")
    .addColumn("experiment_id", "text", (c) => c.notNull().references("experiments.id").onDelete("cascade"))
    .addColumn("step", "integer", (c) => c.notNull())
    .addColumn("total_steps", "integer")
    .addColumn("train_loss", doubleType(db))
    .addColumn("train_accuracy", doubleType(db))
    .addColumn("valid_loss", doubleType(db))
    .addColumn("valid_accuracy", doubleType(db))
    .addPrimaryKeyConstraint("experiment_metrics_pk", ["experiment_id", "step"])
    .execute();

  await db.schema
    .createTable("eval_runs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("experiment_id", "text", (c) => c.references("experiments.id").onDelete("set null"))
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("test_split_version_id", "text", (c) => c.notNull().references("dataset_versions.id"))
    .addColumn("grader_set_id", "text", (c) => c.notNull().references("grader_sets.id"))
    .addColumn("sampling_json", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("total", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("passed", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("failed", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("errored", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("primary_score", doubleType(db))
    .addColumn("primary_low", doubleType(db))
    .addColumn("primary_high", doubleType(db))
    .addColumn("aggregates_json", "text")
    .addColumn("graders_json", "text")
    .addColumn("usage_json", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("finished_at", "text")
    .execute();
  await db.schema
    .createIndex("eval_runs_board")
    .on("eval_runs")
    .columns(["project_id", "test_split_version_id", "grader_set_id", "status"])
    .execute();
  await db.schema.createIndex("eval_runs_experiment").on("eval_runs").column("experiment_id").execute();

  await db.schema
    .createTable("eval_samples")
    .addColumn("run_id", "text", (c) => c.notNull().references("eval_runs.id").onDelete("cascade"))
    .addColumn("item_id", "text", (c) => c.notNull())
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("output_text", "text")
    .addColumn("error", "text")
    .addColumn("grades_json", "text", (c) => c.notNull())
    .addColumn("tags_json", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("prompt_tokens", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("completion_tokens", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("eval_samples_pk", ["run_id", "item_id"])
    .execute();
  await db.schema.createIndex("eval_samples_status").on("eval_samples").columns(["run_id", "status", "position"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["eval_samples", "eval_runs", "experiment_metrics", "experiments", "grader_sets"]) {
    await db.schema.dropTable(table).execute();
  }
}
