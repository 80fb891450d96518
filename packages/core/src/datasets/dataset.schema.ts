import { TunelabError } from "@tunelab/base";
import { DatasetFormat, DatasetStats, ValidationReport } from "@tunelab/formats";
import { z } from "zod";
import { ResourceName } from "../projects/project.schema.ts";
import { DatasetId, DatasetVersionId, ProjectId } from "../shared/id.ts";

export const DatasetRole = z.enum(["train", "test"]);
export type DatasetRole = z.infer<typeof DatasetRole>;

/** The name of every project's test split. */
export const TEST_SPLIT_NAME = "test";

export const Dataset = z.object({
  id: DatasetId,
  projectId: ProjectId,
  name: ResourceName,
  role: DatasetRole,
  createdAt: z.string(),
});
export type Dataset = z.infer<typeof Dataset>;

export const DatasetVersion = z.object({
  id: DatasetVersionId,
  datasetId: DatasetId,
  name: z.string(),
  number: z.number().int().positive(),
  /** `train@3` */
  ref: z.string(),
  parentId: DatasetVersionId.nullable(),
  contentHash: z.string(),
  format: DatasetFormat,
  exampleCount: z.number().int(),
  byteSize: z.number().int(),
  message: z.string(),
  source: z.string(),
  stats: DatasetStats,
  report: ValidationReport,
  createdAt: z.string(),
  /** Who created it (a user's name, `TUNELAB_TOKEN`, or the OS user of a CLI command); null if not recorded. */
  createdBy: z.string().nullable(),
});
export type DatasetVersion = z.infer<typeof DatasetVersion>;

/** `NAME@N`, or `NAME` for the latest version. */
export const DatasetRef = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}(@[1-9][0-9]*)?$/, "expected NAME or NAME@N, e.g. train@2");

/** `train@2` → train, 2; `train` → the latest. A malformed ref (`train@1@2`, `train@x`) is refused, not read as another. */
export function parseDatasetRef(ref: string): { name: string; number?: number } {
  const checked = DatasetRef.safeParse(ref);
  if (!checked.success)
    throw new TunelabError("invalid_argument", `"${ref.slice(0, 80)}" is no dataset version: expected NAME or NAME@N, e.g. train@2`, {
      details: { ref: ref.slice(0, 80) },
    });
  const [name = "", number] = ref.split("@");
  return number === undefined ? { name } : { name, number: Number(number) };
}
