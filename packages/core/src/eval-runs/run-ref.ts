import { TunelabError } from "@tunelab/base";
import { findExperiment } from "../experiments/experiment.repository.ts";
import type { Experiment } from "../experiments/experiment.schema.ts";
import type { Workspace } from "../storage/workspace.ts";
import { findCurrentEvalRun, getEvalRun } from "./eval-run.repository.ts";
import type { EvalRun } from "./eval-run.schema.ts";

/** An eval run and the experiment it scored (none for a standalone run). */
export interface ScoredRun {
  run: EvalRun;
  experiment: Experiment | undefined;
}

/** The eval run an experiment id points to (its current one), or the eval run of that id. */
export async function resolveRunRef(ws: Workspace, ref: string): Promise<ScoredRun> {
  // the experiment and the run it points to, read at once (one round trip on PostgreSQL)
  const [experiment, current] = await Promise.all([findExperiment(ws.db, ref), findCurrentEvalRun(ws.db, ref)]);
  if (experiment) {
    if (!experiment.evalRunId) throw new TunelabError("conflict", `experiment ${ref} has no eval run yet (status ${experiment.status})`);
    // a new run between the two reads: the experiment's
    const run = current?.id === experiment.evalRunId ? current : await getEvalRun(ws.db, experiment.evalRunId);
    return { run, experiment };
  }
  const run = await getEvalRun(ws.db, ref).catch(() => {
    throw new TunelabError("not_found", `"${ref}" is neither an experiment nor an eval run`);
  });
  return { run, experiment: run.experimentId ? await findExperiment(ws.db, run.experimentId) : undefined };
}
