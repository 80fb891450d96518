import type { Selectable } from "kysely";

export interface GraderSetTable {
  id: string;
  project_id: string;
  version: number;
  content_hash: string;
  graders_json: string;
  primary_metric: string;
  created_at: string;
  /** Made current last = highest (migration 0013): the current set. */
  current_seq: number;
}
export type GraderSetRow = Selectable<GraderSetTable>;
