import { TunelabError } from "@tunelab/base";
import { compareRuns } from "@tunelab/evals";
import { findVersionById, positionsMissingFrom } from "../datasets/dataset.repository.ts";
import { runShownSamples } from "../eval-runs/eval-run.repository.ts";
import type { EvalRun } from "../eval-runs/eval-run.schema.ts";
import { resolveRunRef, type ScoredRun } from "../eval-runs/run-ref.ts";
import { referenceText } from "../eval-runs/sample-page.ts";
import { testItems, testItemsAt } from "../eval-runs/test-items.ts";
import type { Experiment } from "../experiments/experiment.schema.ts";
import { findGraderSet, primaryMetricOf } from "../grader-sets/grader-set.repository.ts";
import type { Workspace } from "../storage/workspace.ts";
import type { ComparedItem, ComparedSide, Comparison } from "./compare.schema.ts";
import { bothFailed, byItemId, compareBreakdown } from "./compare-breakdown.ts";
import { scoreSides } from "./compare-scores.ts";

/**
 * A vs B on the same test split: per-grader paired deltas, the items that moved, and what differs in their setup.
 * Independent reads run concurrently (on PostgreSQL they overlap on the server); each run's scores come from its score
 * columns (two rows) when it has them, and outputs and whole grades are read only for the items the comparison shows.
 */
export async function compare(ws: Workspace, refA: string, refB: string): Promise<Comparison> {
  const [a, b] = await Promise.all([resolveRunRef(ws, refA), resolveRunRef(ws, refB)]);
  await refuseIncomparable(ws, a.run, b.run);
  const [[sideA, sideB], primaryMetric, dataset] = await Promise.all([
    scoreSides(ws.db, a.run, b.run),
    primaryMetricOf(ws.db, b.run.graderSetId).then((metric) => metric ?? null),
    datasetDiff(ws, a.experiment, b.experiment),
  ]);
  const itemsA = sideA.items;
  const itemsB = sideB.items;
  const graders = compareRuns(itemsA, itemsB);
  // items that moved on the primary metric (on every grader when the runs share no primary metric)
  const primary = primaryMetric ? graders[primaryMetric] : undefined;
  const movedIds = (key: "regressed" | "improved") =>
    [...new Set(primary ? primary[key] : Object.values(graders).flatMap((g) => g[key]))].sort(byItemId);
  const regressed = movedIds("regressed");
  const improved = movedIds("improved");
  const grader = primary ? primary.grader : null;
  const failed = grader === null ? [] : bothFailed(itemsA, itemsB, grader);

  const shown = [...new Set([...regressed, ...improved, ...failed])];
  // the test items shown, parsed alone at the positions their samples recorded (the whole split if one differs); their
  // outputs and whole grades (the last trial's) from their samples: read while the breakdown by tag is computed
  const reads = Promise.all([
    testItemsAt(
      ws,
      a.run.testSplitVersionId,
      shown.flatMap((id) => sideA.positions.get(id) ?? []),
    ),
    runShownSamples(ws.db, a.run.id, shown),
    runShownSamples(ws.db, b.run.id, shown),
  ]);
  reads.catch(() => undefined); // awaited below; not unhandled meanwhile
  await new Promise((resume) => setImmediate(resume)); // the queries go out before the CPU-bound breakdown
  const breakdown = compareBreakdown(itemsA, itemsB, grader, {}, failed);
  const [itemsAt, samplesA, samplesB] = await reads;
  const items = new Map([...itemsAt.values()].map((item) => [item.id, item]));
  if (shown.some((id) => !items.has(id))) for (const item of await testItems(ws, a.run.testSplitVersionId)) items.set(item.id, item);
  const describe = (itemId: string): ComparedItem => {
    const item = items.get(itemId);
    const lastUser = item?.input.messages.findLast((m) => m.role === "user");
    return {
      itemId,
      input: typeof lastUser?.content === "string" ? lastUser.content : JSON.stringify(lastUser?.content ?? ""),
      reference: referenceText(item),
      outputA: samplesA.get(itemId)?.output ?? null,
      outputB: samplesB.get(itemId)?.output ?? null,
      gradesA: samplesA.get(itemId)?.grades ?? {},
      gradesB: samplesB.get(itemId)?.grades ?? {},
    };
  };
  return {
    a: label(a),
    b: label(b),
    primaryMetric,
    graders,
    regressed: regressed.map(describe),
    improved: improved.map(describe),
    byTag: breakdown.byTag,
    bothFailed: breakdown.bothFailed.map(describe),
    hyperparameters: hyperDiff(a.experiment, b.experiment),
    dataset,
  };
}

/**
 * Scores are comparable only on the same test split and grader set: runs scored on different ones are refused, naming
 * both versions (a grader's name can stay while its check changes, so a same-named grader is no proof).
 */
async function refuseIncomparable(ws: Workspace, a: EvalRun, b: EvalRun): Promise<void> {
  const what = (which: string, refA: string, refB: string, fix: string) =>
    new TunelabError(
      "conflict",
      `the two runs were scored on different ${which} (${a.id} on ${refA}, ${b.id} on ${refB}); their scores are not comparable: ${fix}`,
      { details: { a: refA, b: refB } },
    );
  const rescore =
    "compare runs scored on the same ones (`tunelab eval --model MODEL` scores a model on the current test split and graders)";
  if (a.testSplitVersionId !== b.testSplitVersionId) {
    const [va, vb] = await Promise.all([findVersionById(ws.db, a.testSplitVersionId), findVersionById(ws.db, b.testSplitVersionId)]);
    throw what("test split versions", va?.ref ?? a.testSplitVersionId, vb?.ref ?? b.testSplitVersionId, rescore);
  }
  if (a.graderSetId !== b.graderSetId) {
    const [ga, gb] = await Promise.all([findGraderSet(ws.db, a.graderSetId), findGraderSet(ws.db, b.graderSetId)]);
    throw what("grader sets", ga?.ref ?? a.graderSetId, gb?.ref ?? b.graderSetId, rescore);
  }
}

function label({ run, experiment }: ScoredRun): ComparedSide {
  return {
    label: experiment?.name ?? run.model,
    runId: run.id,
    experimentId: experiment?.id ?? null,
    model: run.model,
    method: experiment?.method ?? null,
  };
}

function hyperDiff(a: Experiment | undefined, b: Experiment | undefined) {
  const flat = (e: Experiment | undefined): Record<string, unknown> => ({
    base_model: e?.baseModel ?? null,
    method: e?.method ?? null,
    seed: e?.kind === "baseline" ? null : (e?.seed ?? null),
    ...(e?.hyperparameters.resolved ?? e?.hyperparameters.requested ?? {}),
  });
  const [x, y] = [flat(a), flat(b)];
  return [...new Set([...Object.keys(x), ...Object.keys(y)])]
    .filter((key) => JSON.stringify(x[key]) !== JSON.stringify(y[key]))
    .map((key) => ({ key, a: x[key], b: y[key] }));
}

async function datasetDiff(ws: Workspace, a: Experiment | undefined, b: Experiment | undefined): Promise<Comparison["dataset"]> {
  const [va, vb] = await Promise.all([
    a?.datasetVersionId ? findVersionById(ws.db, a.datasetVersionId) : undefined,
    b?.datasetVersionId ? findVersionById(ws.db, b.datasetVersionId) : undefined,
  ]);
  if (!va && !vb) return null;
  if (!va || !vb) return { a: va?.ref ?? null, b: vb?.ref ?? null, added: vb?.exampleCount ?? 0, removed: va?.exampleCount ?? 0 };
  if (va.id === vb.id) return { a: va.ref, b: vb.ref, added: 0, removed: 0 };
  // counts only (as diffVersions's added and removed), so neither version's examples are read
  const [removed, added] = await Promise.all([positionsMissingFrom(ws.db, va.id, vb.id), positionsMissingFrom(ws.db, vb.id, va.id)]);
  return { a: va.ref, b: vb.ref, added: added.length, removed: removed.length };
}
