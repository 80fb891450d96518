import type { Selectable } from "kysely";

export interface ExperimentTable {
  id: string;
  project_id: string;
  name: string;
  /** `tuned` or `baseline`. */
  kind: string;
  dataset_version_id: string | null;
  validation_version_id: string | null;
  base_model: string;
  provider: string;
  method: string;
  hyperparameters_json: string;
  /** How the experiment's eval run samples (`EvalSettings` JSON: trials, temperature). */
  eval_json: string;
  seed: number;
  suffix: string | null;
  notes: string;
  config_hash: string;
  status: string;
  error: string | null;
  provider_file_id: string | null;
  provider_validation_file_id: string | null;
  provider_job_id: string | null;
  tuned_model: string | null;
  /**
   * The manifest blob of the tuned model's files, published for other machines (0009; local engine only). No longer
   * written: published models are in `published_models` (0015), which keeps them when the experiment is deleted.
   */
  tuned_model_blob: string | null;
  /** The manifest blob of the latest training checkpoint of its job on the embedded engine (0009), for takeovers. */
  checkpoint_blob: string | null;
  /** What the provider's job said at level `warn`, a JSON list of messages in the order they came (0010); null: none. */
  warnings_json: string | null;
  /** Where the job stopped early and the step the tuned model keeps, JSON `EarlyStop` (0011); null: it did not. */
  early_stop_json: string | null;
  /** 1 once someone asked for it to run (0012): a `created` experiment is resumed and claimed only then. */
  run_requested: number;
  trained_tokens: number | null;
  training_seconds: number | null;
  test_split_version_id: string | null;
  grader_set_id: string | null;
  eval_run_id: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  /** The process driving the experiment and until when (epoch seconds) its claim holds. */
  lease_owner: string | null;
  lease_expires_at: number | null;
  /** Who created it: a user's name, `TUNELAB_TOKEN`, or the OS user of a local CLI command; null before 0005. */
  created_by: string | null;
}
export type ExperimentRow = Selectable<ExperimentTable>;

export interface ExperimentMetricTable {
  experiment_id: string;
  step: number;
  total_steps: number | null;
  train_loss: number | null;
  train_accuracy: number | null;
  valid_loss: number | null;
  valid_accuracy: number | null;
}
