import { type Grade, type LearningCurve, learningCurve } from "@tunelab/evals";
import { findDataset, findVersionById, latestVersion } from "../datasets/dataset.repository.ts";
import { TEST_SPLIT_NAME } from "../datasets/dataset.schema.ts";
import { TunelabError } from "../errors.ts";
import { runSamples } from "../eval-runs/eval-run.repository.ts";
import { listExperiments } from "../experiments/experiment.repository.ts";
import type { Experiment } from "../experiments/experiment.schema.ts";
import { currentGraderSet } from "../grader-sets/grader-set.repository.ts";
import { getProjectByName } from "../projects/project.repository.ts";
import type { ProjectId } from "../shared/id.ts";
import type { Workspace } from "../storage/workspace.ts";

/** One experiment on a learning curve: its training-set size and primary-metric mean. */
export interface CurveMember {
  experimentId: string;
  name: string;
  dataset: string;
  examples: number;
  score: number;
}

/** Experiments that differ only in their data (same base, provider, method, hyperparameters, seed), fitted. */
export interface ProjectCurve {
  /** What the experiments share, e.g. "local-small · supervised · auto · seed 42". */
  setup: string;
  members: CurveMember[];
  curve: LearningCurve;
}

export interface ProjectCurves {
  project: string;
  primaryMetric: string;
  testSplit: string;
  curves: ProjectCurve[];
  /** Groups with fewer than three distinct training-set sizes (no curve can be fitted), as their setups. */
  tooFew: string[];
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

/**
 * Learning curves of a project: its completed tuned experiments scored on the current test split and grader set,
 * grouped by everything but the data; each group with at least three training-set sizes is fitted (the primary
 * metric per test item, errored items scoring 0, against the dataset version's example count) and projected to
 * `at` (default: twice the largest size), with paired item-bootstrap intervals (evals' learningCurve).
 */
export async function projectCurves(
  ws: Workspace,
  projectName: string,
  options: { at?: readonly number[]; resamples?: number; seed?: number } = {},
): Promise<ProjectCurves> {
  const project = await getProjectByName(ws.db, projectName);
  const dataset = await findDataset(ws.db, project.id as ProjectId, TEST_SPLIT_NAME);
  const split = dataset && (await latestVersion(ws.db, dataset.id));
  const graderSet = await currentGraderSet(ws.db, project.id);
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
  const groups = new Map<string, Experiment[]>();
  for (const e of scored) groups.set(setupKey(e), [...(groups.get(setupKey(e)) ?? []), e]);
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
        return { e, version, byItem };
      }),
    );
    if (new Set(rows.map((r) => r.version?.exampleCount)).size < MIN_SIZES) {
      tooFew.push(setupLabel(first));
      continue;
    }
    const items = [...(rows[0]?.byItem.keys() ?? [])].filter((id) => rows.every((r) => r.byItem.has(id))).sort();
    const series = rows.map((r) => ({ n: r.version?.exampleCount ?? 0, scores: items.map((id) => r.byItem.get(id) ?? 0) }));
    const curve = learningCurve(series, {
      ...(options.at ? { at: options.at } : {}),
      ...(options.resamples ? { resamples: options.resamples } : {}),
      seed: options.seed ?? 0,
    });
    curves.push({
      setup: setupLabel(first),
      members: rows
        .map((r, i) => ({
          experimentId: r.e.id,
          name: r.e.name,
          dataset: r.version?.ref ?? "?",
          examples: r.version?.exampleCount ?? 0,
          score: curve.points[i]?.y ?? 0,
        }))
        .sort((a, b) => a.examples - b.examples),
      curve,
    });
  }
  return { project: project.name, primaryMetric: graderSet.primaryMetric, testSplit: split.ref, curves, tooFew };
}
