import { TunelabError } from "@tunelab/base";
import { bindGrader, type GraderContext } from "@tunelab/evals";
import { currentTestSplit } from "../datasets/dataset.repository.ts";
import type { EvaluationSetup } from "../experiments/run-experiment.ts";
import type { Workspace } from "../storage/workspace.ts";
import { currentGraderSet } from "./grader-set.repository.ts";

/** The project's current test split and grader set, bound for grading (model graders use `context.client`). */
export async function evaluationSetup(ws: Workspace, projectId: string, context: GraderContext = {}): Promise<EvaluationSetup> {
  const { split, graderSet } = await scoringSetup(ws, projectId);
  return {
    testSplitVersionId: split.id,
    graderSetId: graderSet.id,
    primaryMetric: graderSet.primaryMetric,
    graders: graderSet.graders.map((config) => bindGrader(config, context)),
  };
}

/**
 * The project's current test split and grader set, unbound; errors, each naming the command that fixes it, when either
 * is missing. Checked before work is started, so that nothing trains for minutes to fail when it comes to scoring.
 */
export async function scoringSetup(ws: Workspace, projectId: string) {
  const split = await currentTestSplit(ws.db, projectId);
  if (!split) throw new TunelabError("invalid_argument", "the project has no test split yet: `tunelab split FILE --project P`");
  const graderSet = await currentGraderSet(ws.db, projectId);
  if (!graderSet) throw new TunelabError("invalid_argument", "the project has no graders yet: `tunelab graders add FILE`");
  return { split, graderSet };
}
