import { z } from "zod";
import { TunelabError } from "../errors.ts";
import type { Workspace } from "../storage/workspace.ts";
import { type CreatedExperiment, type PreparedExperiment, prepareExperiment, storePrepared } from "./create-experiment.ts";
import { CreateExperiment } from "./experiment.schema.ts";
import { type HyperparameterName, RequestedHyperparameters, TRAINING_METHODS } from "./hyperparameters.ts";

/** The most experiments one sweep may create. */
export const MAX_SWEEP_POINTS = 200;

/** Every hyperparameter can be an axis of the grid: a list of values, each as one experiment would take it. */
export const SWEEP_AXES = Object.keys(RequestedHyperparameters.shape) as HyperparameterName[];

type Shape = typeof RequestedHyperparameters.shape;
/** The schema of one value of a hyperparameter: its field without the default/optional wrapper. */
type ValueOf<K extends HyperparameterName> = ReturnType<Shape[K]["unwrap"]>;
const axes = Object.fromEntries(
  SWEEP_AXES.map((key) => [key, z.array(RequestedHyperparameters.shape[key].unwrap()).min(1).optional()]),
) as { [K in HyperparameterName]: z.ZodOptional<z.ZodArray<ValueOf<K>>> };

type Grid = { datasets: ReadonlyArray<unknown> } & { [K in HyperparameterName]?: ReadonlyArray<unknown> | undefined };

/**
 * A grid: every dataset × every listed value of every axis. Axes left out keep the experiment's default (`auto` for
 * OpenAI's three, absent for the extensions, which hosted providers refuse). The project is not part of it (the API
 * has it in the path); `SweepRequest` adds it.
 */
export const SweepGrid = z.strictObject({
  datasets: z.array(z.string().min(1)).min(1),
  validation: CreateExperiment.shape.validation,
  model: CreateExperiment.shape.model,
  provider: CreateExperiment.shape.provider,
  method: z.enum(TRAINING_METHODS).default("supervised"),
  seed: CreateExperiment.shape.seed.unwrap().optional(),
  ...axes,
});

/** The grid-size limit, as a refinement of any schema of a grid (refinements go last: zod cannot omit from them). */
export function limitSweep<T extends z.ZodType<Grid>>(schema: T) {
  return schema.refine((s) => sweepSize(s) <= MAX_SWEEP_POINTS, {
    error: (issue) => `a sweep may have at most ${MAX_SWEEP_POINTS} points; this grid has ${sweepSize(issue.input as Grid)}`,
  });
}

export const SweepRequest = limitSweep(SweepGrid.extend({ project: CreateExperiment.shape.project }));
export type SweepRequest = z.input<typeof SweepRequest>;

export function sweepSize(s: Grid): number {
  let n = s.datasets.length;
  for (const key of SWEEP_AXES) n *= s[key]?.length ?? 1;
  return n;
}

/** The grid's points in a stable order (datasets outermost, then the axes in declaration order). */
export function sweepPoints(s: z.output<typeof SweepRequest>): Array<{ dataset: string; hyperparameters: Record<string, unknown> }> {
  let points: Array<{ dataset: string; hyperparameters: Record<string, unknown> }> = s.datasets.map((dataset) => ({
    dataset,
    hyperparameters: {},
  }));
  for (const key of SWEEP_AXES) {
    const list = s[key] as ReadonlyArray<unknown> | undefined;
    if (!list) continue;
    points = points.flatMap((p) => list.map((v) => ({ dataset: p.dataset, hyperparameters: { ...p.hyperparameters, [key]: v } })));
  }
  return points;
}

/**
 * Creates one experiment per point. Every point is checked first (datasets, formats, hyperparameters), so a bad grid
 * stores nothing; points identical to an existing experiment (or to another point) are returned, not doubled.
 */
export async function createSweep(ws: Workspace, input: SweepRequest, options: { createdBy?: string } = {}): Promise<CreatedExperiment[]> {
  const parsed = SweepRequest.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TunelabError("invalid_argument", `${issue?.path.join(".") || "sweep"}: ${issue?.message}`, { details: parsed.error.issues });
  }
  const s = parsed.data;
  const prepared: PreparedExperiment[] = [];
  for (const point of sweepPoints(s))
    prepared.push(
      await prepareExperiment(
        ws,
        {
          project: s.project,
          dataset: point.dataset,
          ...(s.validation ? { validation: s.validation } : {}),
          model: s.model,
          provider: s.provider,
          method: s.method,
          hyperparameters: point.hyperparameters as CreateExperiment["hyperparameters"],
          ...(s.seed === undefined ? {} : { seed: s.seed }),
        },
        options,
      ),
    );
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
