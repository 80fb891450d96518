import type { DatasetExampleTable, DatasetTable, DatasetVersionTable } from "../datasets/dataset.table.ts";
import type { ProjectTable } from "../projects/project.table.ts";

/** Every table tunelab stores, as kysely sees them. */
export interface Database {
  projects: ProjectTable;
  datasets: DatasetTable;
  dataset_versions: DatasetVersionTable;
  dataset_examples: DatasetExampleTable;
}
