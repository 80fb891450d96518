import { getVersionByRef } from "../datasets/dataset.repository.ts";
import { insertEvalRun } from "../eval-runs/eval-run.repository.ts";
import { currentGraderSet } from "../grader-sets/grader-set.repository.ts";
import { getProjectByName } from "../projects/project.repository.ts";
import type { Workspace } from "../storage/workspace.ts";

/** A standalone eval run of model `m` (one trial, greedy) on a project's test@1 and current graders; its id. */
export async function insertStandaloneRun(ws: Workspace, project: string, total: number): Promise<string> {
  const { id: projectId } = await getProjectByName(ws.db, project);
  const run = await insertEvalRun(ws.db, {
    projectId,
    experimentId: null,
    model: "m",
    provider: "local",
    testSplitVersionId: (await getVersionByRef(ws.db, projectId as never, "test@1")).id,
    graderSetId: (await currentGraderSet(ws.db, projectId))?.id as string,
    samplingParams: { temperature: 0 },
    trials: 1,
    total,
  });
  return run.id;
}
