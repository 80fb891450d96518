// Response shapes. Types only: these imports are erased, no Node code reaches the browser bundle.
export type {
  BaseModelInfo,
  ComparedItem,
  Comparison,
  DatasetVersion,
  EvalRun,
  Experiment,
  ExperimentStatus,
  GraderSet,
  ItemTrials,
  Leaderboard,
  LeaderboardRow,
  RunAggregates,
  TrainingSetup,
  ValidationIssue,
  VersionDiff,
} from "@tunelab/core";
export type { Grade, GraderComparison, GraderConfig, GraderSummary, RunProgress } from "@tunelab/evals";

export interface Project {
  id: string;
  name: string;
  description: string;
  createdAt: string;
  datasets: number;
}

export interface DatasetWithVersions {
  id: string;
  name: string;
  role: "train" | "test";
  createdAt: string;
  versions: import("@tunelab/core").DatasetVersion[];
}

/** One row of `GET /api/experiments/{id}/metrics` (the experiment_metrics table). */
export interface MetricRow {
  step: number;
  total_steps: number | null;
  train_loss: number | null;
  train_accuracy: number | null;
  valid_loss: number | null;
  valid_accuracy: number | null;
}

export type SampleStatus = "passed" | "failed" | "errored";

export interface SampleRow {
  itemId: string;
  /** Trial index (0-based) in a run with several trials per item. */
  trial: number;
  position: number;
  status: SampleStatus;
  output: string | null;
  error: { type?: string; message?: string } | null;
  grades: Record<string, import("@tunelab/evals").Grade>;
  tags: string[];
}

export interface SamplePage {
  total: number;
  offset: number;
  limit: number;
  data: SampleRow[];
}

export interface GraderTestResult {
  score: number;
  passed: boolean;
  status: SampleStatus;
  errors: Record<string, boolean>;
  rendered: Record<string, unknown>;
  reason?: string;
  error?: { type: string; message: string };
  subScores?: Record<string, number>;
  /** The item the grader saw: a test-split line built as the eval runner builds it. */
  item?: Record<string, unknown>;
}
