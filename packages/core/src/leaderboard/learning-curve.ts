import { TunelabError } from "@tunelab/base";
import { type Grade, learningCurve } from "@tunelab/evals";
import { currentTestSplit, findVersionById } from "../datasets/dataset.repository.ts";
import { runSamples } from "../eval-runs/eval-run.repository.ts";
import { listExperiments } from "../experiments/experiment.repository.ts";
import type { Experiment } from "../experiments/experiment.schema.ts";
import { currentGraderSet } from "../grader-sets/grader-set.repository.ts";
import { getProjectByName } from "../projects/project.repository.ts";
import { LOCAL_PROVIDER } from "../providers/providers.ts";
import type { Workspace } from "../storage/workspace.ts";
import { boardGraderSet } from "./board-graders.ts";
import { boardSplitVersion } from "./board-split.ts";
import type { CurveAxis, ProjectCurve, ProjectCurves } from "./learning-curve.schema.ts";

/** What an experiment's trained tokens count, by its provider (the local engine reports its loss-bearing tokens). */
export function trainedTokensCount(provider: string): string {
  return provider === LOCAL_PROVIDER
    ? "assistant (loss-bearing) tokens × epochs"
    : "tokens billed by the provider, every message's tokens × epochs";
}

const MIN_SIZES = 3;

function setupKey(e: Experiment): string {
  return JSON.stringify([e.baseModel, e.provider, e.method, e.hyperparameters.requested, e.seed, e.validationVersionId]);
}

function setupLabel(e: Experiment): string {
  const hp = Object.entries(e.hyperparameters.requested)
    .filter(([, v]) => v !== "auto")
    .map(([k, v]) => `${k} ${JSON.stringify(v)}`);
  return [e.baseModel, e.method, hp.length ? hp.join(", ") : "auto", `seed ${e.seed}`].join(" · ");
}

/** The x axis's name, saying what it counts. */
export function curveXLabel(x: CurveAxis, provider: string): string {
  return x === "examples" ? "training examples" : `trained tokens: ${trainedTokensCount(provider)}`;
}

/**
 * Learning curves of a project: its completed tuned experiments scored on one test split and grader set (the current
 * ones, or the versions `split` and `graders` name, as a leaderboard's: `test@1` or `1`; not_found names the project's),
 * grouped by everything but the data; each group with at least three training-set sizes is fitted (the primary
 * metric per test item, errored items scoring 0, against `x`: the dataset version's example count, or the trained
 * tokens the provider reported) and projected to `at` (in the same unit; default: twice the largest size), with
 * paired item-bootstrap intervals (evals' learningCurve).
 */
export async function projectCurves(
  ws: Workspace,
  projectName: string,
  options: { x?: CurveAxis; at?: readonly number[]; resamples?: number; seed?: number; split?: string; graders?: string } = {},
): Promise<ProjectCurves> {
  const x = options.x ?? "examples";
  const project = await getProjectByName(ws.db, projectName);
  const [split, graderSet] = await Promise.all([
    options.split !== undefined ? boardSplitVersion(ws.db, project, options.split) : currentTestSplit(ws.db, project.id),
    options.graders !== undefined ? boardGraderSet(ws.db, project, options.graders) : currentGraderSet(ws.db, project.id),
  ]);
  if (!split || !graderSet)
    throw new TunelabError("invalid_argument", "the project needs a test split and graders before a learning curve can be drawn");
  const scored = (await listExperiments(ws.db, project.id)).filter(
    (e) =>
      e.kind === "tuned" &&
      e.status === "completed" &&
      e.evalRunId !== null &&
      e.datasetVersionId !== null &&
      e.testSplitVersionId === split.id &&
      e.graderSetId === graderSet.id,
  );
  // on the tokens axis, an experiment whose provider reported no trained tokens has no x: named, not plotted at 0
  const noTokens = x === "tokens" ? scored.filter((e) => !(e.trainedTokens && e.trainedTokens > 0)).map((e) => e.name) : [];
  const plotted = x === "tokens" ? scored.filter((e) => e.trainedTokens && e.trainedTokens > 0) : scored;
  const groups = new Map<string, Experiment[]>();
  for (const e of plotted) groups.set(setupKey(e), [...(groups.get(setupKey(e)) ?? []), e]);
  const curves: ProjectCurve[] = [];
  const tooFew: string[] = [];
  for (const members of groups.values()) {
    const first = members[0] as Experiment;
    const rows = await Promise.all(
      members.map(async (e) => {
        const version = await findVersionById(ws.db, e.datasetVersionId as string);
        const samples = await runSamples(ws.db, e.evalRunId as string);
        const byItem = new Map(
          samples.map((s) => [s.item_id, (JSON.parse(s.grades_json) as Record<string, Grade>)[graderSet.primaryMetric]?.score ?? 0]),
        );
        const n = x === "tokens" ? (e.trainedTokens ?? 0) : (version?.exampleCount ?? 0);
        return { e, version, byItem, n };
      }),
    );
    if (new Set(rows.map((r) => r.n)).size < MIN_SIZES) {
      tooFew.push(setupLabel(first));
      continue;
    }
    const items = [...(rows[0]?.byItem.keys() ?? [])].filter((id) => rows.every((r) => r.byItem.has(id))).sort();
    const series = rows.map((r) => ({ n: r.n, scores: items.map((id) => r.byItem.get(id) ?? 0) }));
    const curve = learningCurve(series, {
      ...(options.at ? { at: options.at } : {}),
      ...(options.resamples ? { resamples: options.resamples } : {}),
      seed: options.seed ?? 0,
    });
    curves.push({
      setup: setupLabel(first),
      xLabel: curveXLabel(x, first.provider),
      members: rows
        .map((r, i) => ({
          experimentId: r.e.id,
          name: r.e.name,
          dataset: r.version?.ref ?? "?",
          examples: r.version?.exampleCount ?? 0,
          trainedTokens: r.e.trainedTokens,
          n: r.n,
          score: curve.points[i]?.y ?? 0,
        }))
        .sort((a, b) => a.n - b.n || a.examples - b.examples),
      curve,
    });
  }
  return {
    project: project.name,
    primaryMetric: graderSet.primaryMetric,
    testSplit: split.ref,
    graderSet: graderSet.ref,
    x,
    curves,
    tooFew,
    noTokens,
  };
}
