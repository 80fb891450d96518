import type { ColumnType, Generated, Insertable, Selectable } from "kysely";

export interface EvalRunTable {
  id: string;
  project_id: string;
  experiment_id: string | null;
  model: string;
  provider: string;
  test_split_version_id: string;
  grader_set_id: string;
  sampling_json: string;
  /** Completions per item (1 unless the run was created with more trials). */
  trials: Generated<number>;
  status: string;
  error: string | null;
  total: number;
  passed: number;
  failed: number;
  errored: number;
  primary_score: number | null;
  primary_low: number | null;
  primary_high: number | null;
  aggregates_json: string | null;
  /** Per grader `{mean, passRate, errored, n}` only: what the leaderboard reads (the full aggregates are larger). */
  graders_json: string | null;
  usage_json: string | null;
  /** Sampling the model refused and the run left out: a JSON array of sentences (null: none). */
  sampling_notes_json: ColumnType<string | null, string | null | undefined, string | null>;
  /** Each model grader request's deadline, ms, and requests per grade, as started (null: before 0018, 60 s and 3). */
  grader_timeout_ms: ColumnType<number | null, number | null | undefined, number | null>;
  grader_attempts: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: string;
  finished_at: string | null;
  /** The `tunelab worker` running a standalone run, and until when (unix seconds) unless renewed. */
  lease_owner: ColumnType<string | null, string | null | undefined, string | null>;
  lease_expires_at: ColumnType<number | null, number | null | undefined, number | null>;
}
export type EvalRunRow = Selectable<EvalRunTable>;
export type NewEvalRunRow = Insertable<EvalRunTable>;

export interface EvalSampleTable {
  run_id: string;
  item_id: string;
  /** Trial index, 0-based (always 0 in a single-trial run). */
  trial: Generated<number>;
  position: number;
  status: string;
  output_text: string | null;
  /** The tool calls the model made, a JSON array in OpenAI's shape; null when it made none (or before 0019). */
  output_tools_json: ColumnType<string | null, string | null | undefined, string | null>;
  /** The reasoning the model returned beside its answer; null when none (or before 0019). */
  reasoning_text: ColumnType<string | null, string | null | undefined, string | null>;
  error: string | null;
  grades_json: string;
  tags_json: string;
  prompt_tokens: number;
  completion_tokens: number;
  created_at: string;
}
export type EvalSampleRow = Selectable<EvalSampleTable>;
export type NewEvalSampleRow = Insertable<EvalSampleTable>;

/**
 * A completed run's scores in columns (score-columns.ts), written when the run is finalized: what a comparison reads
 * instead of parsing every sample's grades. Runs finalized before it existed have none (compare falls back to their
 * samples and stores one).
 */
export interface EvalRunScoresTable {
  run_id: string;
  /** The layout's version (`SCORE_COLUMNS_FORMAT`); a reader that does not know it reads the samples instead. */
  format: number;
  /** Samples (item × trial) in the run, in the order `runScores` reads them (position, trial). */
  samples: number;
  /** Per sample: item id, position, trial, tags (`ScoreColumnsItems`). */
  items_json: string;
  /** Grader names, in the order of the columns of `scores` and `flags`. */
  graders_json: string;
  /** Per grader, per sample: the score, float64 little-endian (grader-major). */
  scores: Uint8Array;
  /** Per grader, per sample: one byte of `SCORE_FLAG` bits (grader-major). */
  flags: Uint8Array;
}
export type EvalRunScoresRow = Selectable<EvalRunScoresTable>;
