import { TunelabError } from "@tunelab/base";
import { z } from "zod";
import { getProjectByName } from "../projects/project.repository.ts";
import { PageFields } from "../shared/page.ts";
import type { Workspace } from "../storage/workspace.ts";
import { pageExperiments } from "./experiment.repository.ts";
import { Experiment } from "./experiment.schema.ts";

/** Which page of a project's experiments (creation order) to list: as the leaderboard pages its rows. */
export const ExperimentListQuery = z.object({
  project: z.string(),
  /** Experiments of the page, after `offset` experiments in creation order. */
  ...PageFields,
});
export type ExperimentListQuery = z.input<typeof ExperimentListQuery>;

/** One page of a project's experiments, oldest first, and how many it has in all. */
export const ExperimentPage = z.object({
  /** `limit` experiments from `offset` (0-based), in creation order. */
  experiments: z.array(Experiment),
  /** The project's experiments (all pages): `total - offset - experiments.length` more follow this page. */
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
});
export type ExperimentPage = z.infer<typeof ExperimentPage>;

/**
 * A page of the project's experiments (at most 1,000 unless asked for up to 10,000), paged in the database so a
 * project with thousands of sweep experiments is not read whole. A bad `limit` or `offset` is an invalid_argument
 * error naming the field.
 */
export async function listExperimentPage(ws: Workspace, query: ExperimentListQuery): Promise<ExperimentPage> {
  const parsed = ExperimentListQuery.safeParse(query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TunelabError("invalid_argument", `${issue?.path.join(".") || "experiment list query"}: ${issue?.message}`, {
      details: parsed.error.issues,
    });
  }
  const { project: name, limit, offset } = parsed.data;
  const project = await getProjectByName(ws.db, name);
  const { experiments, total } = await pageExperiments(ws.db, project.id, { limit, offset });
  return { experiments, total, offset, limit };
}
