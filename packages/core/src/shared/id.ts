import { randomBytes } from "node:crypto";
import { z } from "zod";

/** Random, sortable-enough ids with a readable prefix (`proj_…`, `dsv_…`). */
export function newId<P extends string>(prefix: P): `${P}_${string}` {
  const time = Date.now().toString(36).padStart(9, "0");
  return `${prefix}_${time}${randomBytes(6).toString("hex")}`;
}

export const ProjectId = z.string().startsWith("proj_").brand<"ProjectId">();
export type ProjectId = z.infer<typeof ProjectId>;
export const DatasetId = z.string().startsWith("ds_").brand<"DatasetId">();
export type DatasetId = z.infer<typeof DatasetId>;
export const DatasetVersionId = z.string().startsWith("dsv_").brand<"DatasetVersionId">();
export type DatasetVersionId = z.infer<typeof DatasetVersionId>;
