import { TunelabError } from "@tunelab/base";
import { compareRuns, type Grade, type ScoredItem } from "@tunelab/evals";
import { findVersionById } from "../datasets/dataset.repository.ts";
import { diffVersions } from "../datasets/diff-versions.ts";
import { getEvalRun, runOutputs, runScores } from "../eval-runs/eval-run.repository.ts";
import type { EvalRun } from "../eval-runs/eval-run.schema.ts";
import { testItems, testItemsAt } from "../eval-runs/test-items.ts";
import { findExperiment } from "../experiments/experiment.repository.ts";
import type { Experiment } from "../experiments/experiment.schema.ts";
import { primaryMetricOf } from "../grader-sets/grader-set.repository.ts";
import type { Workspace } from "../storage/workspace.ts";
import type { ComparedItem, ComparedSide, Comparison } from "./compare.schema.ts";
import { byItemId, compareBreakdown } from "./compare-breakdown.ts";

/**
 * A vs B on the same test split: per-grader paired deltas, the items that moved, and what differs in their setup.
 * Independent reads run concurrently (on PostgreSQL they overlap on the server), and outputs are read only for the
 * items the comparison shows.
 */
export async function compare(ws: Workspace, refA: string, refB: string): Promise<Comparison> {
  const [a, b] = await Promise.all([resolve(ws, refA), resolve(ws, refB)]);
  if (a.run.testSplitVersionId !== b.run.testSplitVersionId) {
    throw new TunelabError("conflict", "the two runs were scored on different test split versions; compare runs on the same test split");
  }
  const [scoresA, scoresB, primaryMetric, dataset] = await Promise.all([
    runScores(ws.db, a.run.id),
    runScores(ws.db, b.run.id),
    primaryMetricOf(ws.db, b.run.graderSetId).then((metric) => metric ?? null),
    datasetDiff(ws, a.experiment, b.experiment),
  ]);
  const scored = (rows: typeof scoresA): ScoredItem[] =>
    rows.map((row) => ({
      item_id: row.item_id,
      trial: row.trial,
      tags: JSON.parse(row.tags_json) as string[],
      grades: JSON.parse(row.grades_json) as Record<string, Grade>,
    }));
  const itemsA = scored(scoresA);
  const itemsB = scored(scoresB);
  const graders = compareRuns(itemsA, itemsB);
  // items that moved on the primary metric (on every grader when the runs share no primary metric)
  const primary = primaryMetric ? graders[primaryMetric] : undefined;
  const movedIds = (key: "regressed" | "improved") =>
    [...new Set(primary ? primary[key] : Object.values(graders).flatMap((g) => g[key]))].sort(byItemId);
  const regressed = movedIds("regressed");
  const improved = movedIds("improved");
  const breakdown = compareBreakdown(itemsA, itemsB, primary ? primary.grader : null);

  const shown = [...new Set([...regressed, ...improved, ...breakdown.bothFailed])];
  // the test items shown, parsed alone at the positions their samples recorded (the whole split if one differs)
  const positionOf = new Map(scoresA.map((row) => [row.item_id, row.position]));
  const [itemsAt, outputsA, outputsB] = await Promise.all([
    testItemsAt(
      ws,
      a.run.testSplitVersionId,
      shown.flatMap((id) => positionOf.get(id) ?? []),
    ),
    runOutputs(ws.db, a.run.id, shown),
    runOutputs(ws.db, b.run.id, shown),
  ]);
  const items = new Map([...itemsAt.values()].map((item) => [item.id, item]));
  if (shown.some((id) => !items.has(id))) for (const item of await testItems(ws, a.run.testSplitVersionId)) items.set(item.id, item);
  // the last trial's grades, as the outputs
  const gradesA = new Map(itemsA.map((item) => [item.item_id, item.grades]));
  const gradesB = new Map(itemsB.map((item) => [item.item_id, item.grades]));
  const describe = (itemId: string): ComparedItem => {
    const item = items.get(itemId);
    const lastUser = item?.input.messages.findLast((m) => m.role === "user");
    return {
      itemId,
      input: typeof lastUser?.content === "string" ? lastUser.content : JSON.stringify(lastUser?.content ?? ""),
      reference: item?.reference ?? null,
      outputA: outputsA.get(itemId) ?? null,
      outputB: outputsB.get(itemId) ?? null,
      gradesA: gradesA.get(itemId) ?? {},
      gradesB: gradesB.get(itemId) ?? {},
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

interface Resolved {
  run: EvalRun;
  experiment: Experiment | undefined;
}

async function resolve(ws: Workspace, ref: string): Promise<Resolved> {
  const experiment = await findExperiment(ws.db, ref);
  if (experiment) {
    if (!experiment.evalRunId) throw new TunelabError("conflict", `experiment ${ref} has no eval run yet (status ${experiment.status})`);
    return { run: await getEvalRun(ws.db, experiment.evalRunId), experiment };
  }
  const run = await getEvalRun(ws.db, ref).catch(() => {
    throw new TunelabError("not_found", `"${ref}" is neither an experiment nor an eval run`);
  });
  return { run, experiment: run.experimentId ? await findExperiment(ws.db, run.experimentId) : undefined };
}

function label({ run, experiment }: Resolved): ComparedSide {
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
  const [va, vb] = [
    a?.datasetVersionId ? await findVersionById(ws.db, a.datasetVersionId) : undefined,
    b?.datasetVersionId ? await findVersionById(ws.db, b.datasetVersionId) : undefined,
  ];
  if (!va && !vb) return null;
  if (!va || !vb) return { a: va?.ref ?? null, b: vb?.ref ?? null, added: vb?.exampleCount ?? 0, removed: va?.exampleCount ?? 0 };
  if (va.id === vb.id) return { a: va.ref, b: vb.ref, added: 0, removed: 0 };
  const diff = await diffVersions(ws, va, vb);
  return { a: va.ref, b: vb.ref, added: diff.added.length, removed: diff.removed.length };
}
