import { createDataFractions, type DataFraction } from "../datasets/data-fractions.ts";
import type { Workspace } from "../storage/workspace.ts";
import { type PreparedExperiment, type PrepareOptions, prepareExperiment, storePrepared } from "./create-experiment.ts";
import type { CreatedExperiment } from "./created-experiment.schema.ts";
import type { CreateExperiment } from "./experiment.schema.ts";
import { parseSweep, SweepRequest, sweepPoints } from "./sweep-grid.ts";

export interface SweepOptions {
  createdBy?: string;
  /** How the embedded engine trains the sweep's model (see `PrepareOptions.localModelKind`). */
  localModelKind?: PrepareOptions["localModelKind"];
  /** Refuses an unknown provider or local model (see `PrepareOptions.assertKnownModel`). */
  assertKnownModel?: PrepareOptions["assertKnownModel"];
  /** Told about each data fraction as it is stored (or found stored) before the experiments are created. */
  onDataFraction?: (fraction: DataFraction) => void;
}

/**
 * Creates one experiment per point. The request (its size included, data fractions counted) is checked before
 * anything is stored; with data fractions, the subsets are stored next (each once: storing one again is a no-op);
 * then every point is checked (datasets, formats, hyperparameters), so a bad point stores no experiment. Points
 * identical to an existing experiment (or to another point) are returned, not doubled.
 */
export async function createSweep(ws: Workspace, input: SweepRequest, options: SweepOptions = {}): Promise<CreatedExperiment[]> {
  const s = parseSweep(SweepRequest, input);
  let datasets = s.datasets;
  const prepareOptions: PrepareOptions = {
    ...(options.createdBy === undefined ? {} : { createdBy: options.createdBy }),
    ...(options.localModelKind ? { localModelKind: options.localModelKind } : {}),
    ...(options.assertKnownModel ? { assertKnownModel: options.assertKnownModel } : {}),
  };
  if (s.dataFractions) {
    // a point the model cannot train is refused before the subsets are stored
    for (const point of sweepPoints(s)) await prepareExperiment(ws, pointInput(s, point.dataset, point.hyperparameters), prepareOptions);
    const subsets: DataFraction[] = [];
    for (const dataset of s.datasets)
      for (const subset of await createDataFractions(ws, {
        project: s.project,
        dataset,
        fractions: s.dataFractions,
        seed: s.fractionSeed,
      })) {
        options.onDataFraction?.(subset);
        subsets.push(subset);
      }
    datasets = subsets.map((f) => f.version.ref);
  }
  const prepared: PreparedExperiment[] = [];
  for (const point of sweepPoints({ ...s, datasets }))
    prepared.push(await prepareExperiment(ws, pointInput(s, point.dataset, point.hyperparameters), prepareOptions));
  const byHash = new Map<string, CreatedExperiment>();
  const out: CreatedExperiment[] = [];
  for (const p of prepared) {
    const hash = "existing" in p ? p.existing.configHash : p.row.config_hash;
    const seen = byHash.get(hash);
    const result = seen ? { experiment: seen.experiment, created: false } : await storePrepared(ws, p);
    byHash.set(hash, result);
    out.push(result);
  }
  return out;
}

/** The experiment one point of a sweep creates. */
function pointInput(s: SweepRequest, dataset: string, hyperparameters: unknown): CreateExperiment {
  return {
    project: s.project,
    dataset,
    ...(s.validation ? { validation: s.validation } : {}),
    model: s.model,
    provider: s.provider,
    method: s.method,
    hyperparameters: hyperparameters as CreateExperiment["hyperparameters"],
    ...(s.seed === undefined ? {} : { seed: s.seed }),
  };
}
