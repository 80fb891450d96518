import type { DatasetExampleTable, DatasetTable, DatasetVersionTable } from "../datasets/dataset.table.ts";
import type { DatasetImageTable } from "../datasets/images/dataset-image.table.ts";
import type { EvalRunScoresTable, EvalRunTable, EvalSampleTable } from "../eval-runs/eval-run.table.ts";
import type { EventTable } from "../events/event.table.ts";
import type { ExperimentMetricTable, ExperimentTable } from "../experiments/experiment.table.ts";
import type { PublishedModelTable } from "../experiments/published-model.table.ts";
import type { WithdrawnModelTable } from "../experiments/withdrawn-model.table.ts";
import type { GraderSetTable } from "../grader-sets/grader-set.table.ts";
import type { ProjectTable } from "../projects/project.table.ts";
import type { UserTable } from "../users/user.table.ts";

/** Every table tunelab stores, as kysely sees them. */
export interface Database {
  projects: ProjectTable;
  datasets: DatasetTable;
  dataset_versions: DatasetVersionTable;
  dataset_examples: DatasetExampleTable;
  dataset_images: DatasetImageTable;
  grader_sets: GraderSetTable;
  experiments: ExperimentTable;
  experiment_metrics: ExperimentMetricTable;
  published_models: PublishedModelTable;
  withdrawn_models: WithdrawnModelTable;
  eval_runs: EvalRunTable;
  eval_samples: EvalSampleTable;
  eval_run_scores: EvalRunScoresTable;
  events: EventTable;
  users: UserTable;
}
