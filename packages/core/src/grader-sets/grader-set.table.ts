import type { Selectable } from "kysely";

export interface GraderSetTable {
  id: string;
  project_id: string;
  version: number;
  content_hash: string;
  graders_json: string;
  primary_metric: string;
  created_at: string;
}
export type GraderSetRow = Selectable<GraderSetTable>;
