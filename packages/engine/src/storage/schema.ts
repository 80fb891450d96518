import type { Generated } from "kysely";

export interface FileTable {
  id: string;
  filename: string;
  purpose: string;
  bytes: number;
  sha256: string;
  created_at: number;
  /** When the file stops existing (OpenAI's `expires_after`); null: never. */
  expires_at: number | null;
  /** When it was deleted (its record stays as a list cursor); null: not deleted. */
  deleted_at: number | null;
}

export interface JobTable {
  id: string;
  model: string;
  status: string;
  training_file: string;
  validation_file: string | null;
  suffix: string | null;
  seed: number;
  metadata_json: string | null;
  /** The create request as received (method and hyperparameters, possibly "auto"). */
  requested_json: string;
  /** Resolved hyperparameters, once known. */
  hyperparameters_json: string | null;
  error_json: string | null;
  fine_tuned_model: string | null;
  trained_tokens: number | null;
  result_file: string | null;
  estimated_finish: number | null;
  created_at: number;
  finished_at: number | null;
  /** The process training the job, and until when its claim holds (renewed while it trains). */
  lease_owner: string | null;
  lease_expires_at: number | null;
}

export interface JobEventTable {
  seq: Generated<number>;
  id: string;
  job_id: string;
  type: string;
  level: string;
  message: string;
  data_json: string | null;
  created_at: number;
}

export interface CheckpointTable {
  id: string;
  job_id: string;
  step: number;
  model_id: string;
  dir: string;
  metrics_json: string;
  created_at: number;
}

export interface ModelTable {
  id: string;
  base_model: string;
  job_id: string | null;
  dir: string;
  created_at: number;
}

/** A registered open-weight base model: a Hugging Face directory referenced in place (never copied). */
export interface BaseModelTable {
  id: string;
  /** What the user registered: a path or `hf:ORG/NAME@REVISION`. */
  source: string;
  dir: string;
  architecture: string;
  parameters: number;
  dtype: string;
  context_length: number;
  /** sha256 over the files' sha256 digests: the identity of the weights and tokenizer. */
  fingerprint: string;
  /** [{name, bytes, sha256}] */
  files_json: string;
  config_json: string;
  created_at: number;
}

export interface EngineDatabase {
  base_models: BaseModelTable;
  files: FileTable;
  jobs: JobTable;
  job_events: JobEventTable;
  checkpoints: CheckpointTable;
  models: ModelTable;
}
