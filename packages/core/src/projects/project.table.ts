import type { Selectable } from "kysely";

export interface ProjectTable {
  id: string;
  name: string;
  description: string;
  created_at: string;
}
export type ProjectRow = Selectable<ProjectTable>;
