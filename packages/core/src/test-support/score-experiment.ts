import type { Grade, ItemRecord } from "@tunelab/evals";
import { insertEvalRun, insertSample } from "../eval-runs/eval-run.repository.ts";
import { finalizeEvalRun } from "../eval-runs/execute-eval-run.ts";
import { getExperiment, updateExperiment } from "../experiments/experiment.repository.ts";
import { scoringSetup } from "../grader-sets/evaluation-setup.ts";
import type { Workspace } from "../storage/workspace.ts";

/** One stored sample of a seeded run: an item's grades (one trial of it when `trial` is given). */
export interface SeededSample {
  itemId: string;
  grades: Record<string, Grade>;
  tags?: string[];
  trial?: number;
  output?: string;
}

export interface ScoreOptions {
  /** The run's model (default: the experiment's base model). */
  model?: string;
  trials?: number;
  samplingParams?: Record<string, unknown>;
  /** Stored on the experiment as its job would report them. */
  trainedTokens?: number | null;
}

/**
 * Test seeding without sampling: stores an eval run of an experiment on its project's current test split and grader
 * set with the given samples (an item passes when every grade passed), computes the run's aggregates as the eval
 * runner does (`finalizeEvalRun`), and marks the experiment completed with that run. Returns the run id.
 */
export async function scoreExperiment(
  ws: Workspace,
  experimentId: string,
  samples: readonly SeededSample[],
  options: ScoreOptions = {},
): Promise<string> {
  const experiment = await getExperiment(ws.db, experimentId);
  const { split, graderSet } = await scoringSetup(ws, experiment.projectId);
  const model = options.model ?? experiment.baseModel;
  const trials = options.trials ?? 1;
  const positions = new Map<string, number>();
  for (const s of samples) if (!positions.has(s.itemId)) positions.set(s.itemId, positions.size);
  const run = await insertEvalRun(ws.db, {
    projectId: experiment.projectId,
    experimentId,
    model,
    provider: experiment.provider,
    testSplitVersionId: split.id,
    graderSetId: graderSet.id,
    samplingParams: options.samplingParams ?? {},
    trials,
    total: positions.size * trials,
  });
  for (const s of samples) {
    const grades = Object.values(s.grades);
    const record: ItemRecord = {
      item_id: s.itemId,
      ...(s.trial === undefined ? {} : { trial: s.trial }),
      tags: s.tags ?? [],
      status: grades.some((g) => g.error) ? "errored" : grades.every((g) => g.passed) ? "passed" : "failed",
      sample: { output_text: s.output ?? "" },
      grades: s.grades,
      model,
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cached_tokens: 0 },
      cached: false,
      attempts: 1,
      finish_reason: "stop",
      latency_ms: 0,
    };
    await insertSample(ws.db, run.id, positions.get(s.itemId) ?? 0, record);
  }
  await finalizeEvalRun(ws, run.id, graderSet.primaryMetric);
  await updateExperiment(ws.db, experimentId, {
    status: "completed",
    eval_run_id: run.id,
    test_split_version_id: split.id,
    grader_set_id: graderSet.id,
    ...(options.trainedTokens === undefined ? {} : { trained_tokens: options.trainedTokens }),
  });
  return run.id;
}

/**
 * Samples whose pass rate on `grader` follows a known value: item i (`item-${i}`) passes when its fixed difficulty
 * `(i · 0.618034) mod 1` is below `passRate`, so a run's mean is `passRate` up to 1/items and harder items fail first.
 */
export function samplesAtPassRate(items: number, passRate: number, grader = "exact"): SeededSample[] {
  return Array.from({ length: items }, (_, i) => {
    const pass = (i * 0.618034) % 1 < passRate;
    return { itemId: `item-${i}`, grades: { [grader]: { score: pass ? 1 : 0, passed: pass } } };
  });
}
