import type { Selectable } from "kysely";

export interface DatasetTable {
  id: string;
  project_id: string;
  name: string;
  /** `train` for training data, `test` for the project's test split. */
  role: string;
  created_at: string;
}
export type DatasetRow = Selectable<DatasetTable>;

export interface DatasetVersionTable {
  id: string;
  dataset_id: string;
  number: number;
  parent_id: string | null;
  content_hash: string;
  format: string;
  example_count: number;
  byte_size: number;
  message: string;
  source: string;
  stats_json: string;
  report_json: string;
  created_at: string;
  /** Who created it (see `ExperimentTable.created_by`); null before 0005. */
  created_by: string | null;
}
export type DatasetVersionRow = Selectable<DatasetVersionTable>;

export interface DatasetExampleTable {
  version_id: string;
  /** 0-based position in the canonical file. */
  position: number;
  hash: string;
  input_hash: string;
}
export type DatasetExampleRow = Selectable<DatasetExampleTable>;
