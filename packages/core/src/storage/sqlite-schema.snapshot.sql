-- dataset_examples_hash
CREATE INDEX "dataset_examples_hash" on "dataset_examples" ("version_id", "hash");

-- dataset_examples_input_hash
CREATE INDEX "dataset_examples_input_hash" on "dataset_examples" ("version_id", "input_hash");

-- eval_runs_board
CREATE INDEX "eval_runs_board" on "eval_runs" ("project_id", "test_split_version_id", "grader_set_id", "status");

-- eval_runs_experiment
CREATE INDEX "eval_runs_experiment" on "eval_runs" ("experiment_id");

-- eval_samples_status
CREATE INDEX "eval_samples_status" on "eval_samples" ("run_id", "status", "position");

-- events_created_at
CREATE INDEX "events_created_at" on "events" ("created_at");

-- experiments_config_hash
CREATE INDEX "experiments_config_hash" on "experiments" ("project_id", "config_hash");

-- experiments_project_status
CREATE INDEX "experiments_project_status" on "experiments" ("project_id", "status");

-- dataset_examples
CREATE TABLE "dataset_examples" ("version_id" text not null references "dataset_versions" ("id") on delete cascade, "position" integer not null, "hash" text not null, "input_hash" text not null, constraint "dataset_examples_pk" primary key ("version_id", "position"));

-- dataset_images
CREATE TABLE "dataset_images" ("version_id" text not null references "dataset_versions" ("id") on delete cascade, "url" text not null, "content_hash" text not null, "mime_type" text not null, "byte_size" integer not null, constraint "dataset_images_pk" primary key ("version_id", "url"));

-- dataset_versions
CREATE TABLE "dataset_versions" ("id" text primary key, "dataset_id" text not null references "datasets" ("id") on delete cascade, "number" integer not null, "parent_id" text references "dataset_versions" ("id"), "content_hash" text not null, "format" text not null, "example_count" integer not null, "byte_size" integer not null, "message" text default '' not null, "source" text default '' not null, "stats_json" text not null, "report_json" text not null, "created_at" text not null, "created_by" text, constraint "dataset_versions_number_unique" unique ("dataset_id", "number"), constraint "dataset_versions_content_unique" unique ("dataset_id", "content_hash"));

-- datasets
CREATE TABLE "datasets" ("id" text primary key, "project_id" text not null references "projects" ("id") on delete cascade, "name" text not null, "role" text not null, "created_at" text not null, constraint "datasets_project_name_unique" unique ("project_id", "name"));

-- eval_run_scores
CREATE TABLE "eval_run_scores" ("run_id" text primary key references "eval_runs" ("id") on delete cascade, "format" integer not null, "samples" integer not null, "items_json" text not null, "graders_json" text not null, "scores" blob not null, "flags" blob not null);

-- eval_runs
CREATE TABLE "eval_runs" ("id" text primary key, "project_id" text not null references "projects" ("id") on delete cascade, "experiment_id" text references "experiments" ("id") on delete set null, "model" text not null, "provider" text not null, "test_split_version_id" text not null references "dataset_versions" ("id"), "grader_set_id" text not null references "grader_sets" ("id"), "sampling_json" text not null, "status" text not null, "error" text, "total" integer default 0 not null, "passed" integer default 0 not null, "failed" integer default 0 not null, "errored" integer default 0 not null, "primary_score" real, "primary_low" real, "primary_high" real, "aggregates_json" text, "graders_json" text, "usage_json" text, "created_at" text not null, "finished_at" text, "trials" integer default 1 not null, "lease_owner" text, "lease_expires_at" integer, "sampling_notes_json" text, "grader_timeout_ms" integer, "grader_attempts" integer);

-- eval_samples
CREATE TABLE "eval_samples" ("run_id" text not null references "eval_runs" ("id") on delete cascade, "item_id" text not null, "trial" integer default 0 not null, "position" integer not null, "status" text not null, "output_text" text, "error" text, "grades_json" text not null, "tags_json" text default '[]' not null, "prompt_tokens" integer default 0 not null, "completion_tokens" integer default 0 not null, "created_at" text not null, "output_tools_json" text, "reasoning_text" text, constraint "eval_samples_next_pk" primary key ("run_id", "item_id", "trial"));

-- events
CREATE TABLE "events" ("id" integer primary key autoincrement, "type" text not null, "payload_json" text not null, "created_at" text not null);

-- experiment_metrics
CREATE TABLE "experiment_metrics" ("experiment_id" text not null references "experiments" ("id") on delete cascade, "step" integer not null, "total_steps" integer, "train_loss" real, "train_accuracy" real, "valid_loss" real, "valid_accuracy" real, constraint "experiment_metrics_pk" primary key ("experiment_id", "step"));

-- experiments
CREATE TABLE "experiments" ("id" text primary key, "project_id" text not null references "projects" ("id") on delete cascade, "name" text not null, "kind" text not null, "dataset_version_id" text references "dataset_versions" ("id"), "validation_version_id" text references "dataset_versions" ("id"), "base_model" text not null, "provider" text not null, "method" text not null, "hyperparameters_json" text not null, "seed" integer not null, "suffix" text, "notes" text default '' not null, "config_hash" text not null, "status" text not null, "error" text, "provider_file_id" text, "provider_validation_file_id" text, "provider_job_id" text, "tuned_model" text, "trained_tokens" integer, "training_seconds" real, "test_split_version_id" text references "dataset_versions" ("id"), "grader_set_id" text references "grader_sets" ("id"), "eval_run_id" text, "created_at" text not null, "updated_at" text not null, "finished_at" text, "lease_owner" text, "lease_expires_at" integer, "eval_json" text default '{"trials":1}' not null, "created_by" text, "tuned_model_blob" text, "checkpoint_blob" text, "warnings_json" text, "early_stop_json" text, "run_requested" integer default 0 not null);

-- grader_sets
CREATE TABLE "grader_sets" ("id" text primary key, "project_id" text not null references "projects" ("id") on delete cascade, "version" integer not null, "content_hash" text not null, "graders_json" text not null, "primary_metric" text not null, "created_at" text not null, "current_seq" integer default 0 not null, constraint "grader_sets_version_unique" unique ("project_id", "version"), constraint "grader_sets_hash_unique" unique ("project_id", "content_hash"));

-- kysely_migration
CREATE TABLE "kysely_migration" ("name" varchar(255) not null primary key, "timestamp" varchar(255) not null);

-- kysely_migration_lock
CREATE TABLE "kysely_migration_lock" ("id" varchar(255) not null primary key, "is_locked" integer default 0 not null);

-- projects
CREATE TABLE "projects" ("id" text primary key, "name" text not null unique, "description" text default '' not null, "created_at" text not null);

-- published_models
CREATE TABLE "published_models" ("model" text primary key, "manifest_blob" text not null, "created_at" text not null);

-- users
CREATE TABLE "users" ("id" text primary key, "name" text not null unique, "role" text not null, "token_hash" text not null unique, "session_hash" text not null unique, "created_at" text not null, "last_used_at" text);

-- withdrawn_models
CREATE TABLE "withdrawn_models" ("model" text primary key, "withdrawn_at" text not null);
