import { applyMigrations, type Migrations } from "@tunelab/storage";
import type { Kysely } from "kysely";
import * as m0001 from "./migrations/0001_initial.ts";
import * as m0002 from "./migrations/0002_experiments.ts";
import * as m0003 from "./migrations/0003_events.ts";
import * as m0004 from "./migrations/0004_trials.ts";
import * as m0005 from "./migrations/0005_users.ts";
import * as m0006 from "./migrations/0006_eval_run_leases.ts";
import * as m0007 from "./migrations/0007_dataset_images.ts";
import * as m0008 from "./migrations/0008_eval_run_scores.ts";
import * as m0009 from "./migrations/0009_tuned_model_blobs.ts";
import * as m0010 from "./migrations/0010_experiment_warnings.ts";
import * as m0011 from "./migrations/0011_experiment_early_stop.ts";
import * as m0012 from "./migrations/0012_experiment_run_requested.ts";
import * as m0013 from "./migrations/0013_grader_set_current_seq.ts";
import * as m0014 from "./migrations/0014_cosine_embedding_pinned.ts";
import * as m0015 from "./migrations/0015_published_models.ts";
import * as m0016 from "./migrations/0016_eval_run_sampling_notes.ts";
import * as m0017 from "./migrations/0017_withdrawn_models.ts";
import * as m0018 from "./migrations/0018_eval_run_grader_deadline.ts";
import * as m0019 from "./migrations/0019_eval_sample_calls_reasoning.ts";

/** The workspace's frozen migrations, in order. Never edit one that has shipped: add a new file. */
const MIGRATIONS: Migrations = {
  "0001_initial": m0001,
  "0002_experiments": m0002,
  "0003_events": m0003,
  "0004_trials": m0004,
  "0005_users": m0005,
  "0006_eval_run_leases": m0006,
  "0007_dataset_images": m0007,
  "0008_eval_run_scores": m0008,
  "0009_tuned_model_blobs": m0009,
  "0010_experiment_warnings": m0010,
  "0011_experiment_early_stop": m0011,
  "0012_experiment_run_requested": m0012,
  "0013_grader_set_current_seq": m0013,
  "0014_cosine_embedding_pinned": m0014,
  "0015_published_models": m0015,
  "0016_eval_run_sampling_notes": m0016,
  "0017_withdrawn_models": m0017,
  "0018_eval_run_grader_deadline": m0018,
  "0019_eval_sample_calls_reasoning": m0019,
};

/** Brings a workspace database to the latest schema (or to the given migrations, for migration tests). */
export async function migrateToLatest<Schema>(db: Kysely<Schema>, migrations: Migrations = MIGRATIONS): Promise<void> {
  await applyMigrations(db, migrations);
}
