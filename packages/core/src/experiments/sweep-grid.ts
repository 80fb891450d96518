import { TunelabError } from "@tunelab/base";
import { z } from "zod";
import { DataFractions } from "../datasets/data-fractions.ts";
import { DatasetRef } from "../datasets/dataset.schema.ts";
import { CreateExperiment } from "./experiment.schema.ts";
import { type HyperparameterName, RequestedHyperparameters, TRAINING_METHODS } from "./hyperparameters.ts";

/** The most experiments one sweep may create. */
export const MAX_SWEEP_POINTS = 200;

/** The seed of the data fractions' shuffle when none is given. */
export const DEFAULT_FRACTION_SEED = 42;

/** Every hyperparameter can be an axis of the grid: a list of values, each as one experiment would take it. */
export const SWEEP_AXES = Object.keys(RequestedHyperparameters.shape) as HyperparameterName[];

type Shape = typeof RequestedHyperparameters.shape;
/** The schema of one value of a hyperparameter: its field without the default/optional wrapper. */
type ValueOf<K extends HyperparameterName> = ReturnType<Shape[K]["unwrap"]>;
const axes = Object.fromEntries(
  SWEEP_AXES.map((key) => [key, z.array(RequestedHyperparameters.shape[key].unwrap()).min(1).optional()]),
) as { [K in HyperparameterName]: z.ZodOptional<z.ZodArray<ValueOf<K>>> };

/** What the size of a grid depends on. */
export type GridShape = { datasets: ReadonlyArray<unknown>; dataFractions?: ReadonlyArray<unknown> | undefined } & {
  [K in HyperparameterName]?: ReadonlyArray<unknown> | undefined;
};

/**
 * A grid: every dataset (or, with `dataFractions`, every nested subset of every dataset, for a learning curve) × every
 * listed value of every axis. Axes left out keep the experiment's default (`auto` for OpenAI's three, absent for the
 * extensions, which hosted providers refuse). The project is not part of it (the API has it in the path);
 * `SweepRequest` adds it.
 */
export const SweepGrid = z.strictObject({
  datasets: z.array(DatasetRef).min(1),
  validation: CreateExperiment.shape.validation,
  model: CreateExperiment.shape.model,
  provider: CreateExperiment.shape.provider,
  method: z.enum(TRAINING_METHODS).default("supervised"),
  seed: CreateExperiment.shape.seed.unwrap().optional(),
  /** Train on nested subsets of each dataset, e.g. [0.25, 0.5, 1], each stored as a dataset version (see `tunelab curve`). */
  dataFractions: DataFractions.optional(),
  /** The seed of the subsets' shuffle (same seed, same subsets). */
  fractionSeed: z.number().int().min(0).max(2_147_483_647).default(DEFAULT_FRACTION_SEED),
  ...axes,
});

/** The grid-size limit, as a refinement of any schema of a grid (refinements go last: zod cannot omit from them). */
export function limitSweep<T extends z.ZodType<GridShape>>(schema: T) {
  return schema.refine((s) => sweepSize(s) <= MAX_SWEEP_POINTS, {
    error: (issue) => {
      const grid = issue.input as GridShape;
      return `a sweep may have at most ${MAX_SWEEP_POINTS} points; this grid has ${sweepSize(grid)} (${sweepFactors(grid)}): shorten a list or split the sweep`;
    },
  });
}

export const SweepRequest = limitSweep(SweepGrid.extend({ project: CreateExperiment.shape.project }));
export type SweepRequest = z.input<typeof SweepRequest>;

/** Parses a sweep with `schema`, or throws `invalid_argument` naming the first issue's path (`lora_dropout.1: …`). */
export function parseSweep<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new TunelabError("invalid_argument", `${issue?.path.join(".") || "sweep"}: ${issue?.message}`, { details: parsed.error.issues });
}

const CheckedGrid = limitSweep(SweepGrid);

/** Checks a grid (its size included) as `createSweep` will, so that a caller can refuse it before opening anything. */
export const checkSweepGrid = (grid: z.input<typeof SweepGrid>): z.output<typeof SweepGrid> => parseSweep(CheckedGrid, grid);

/** How many experiments a grid makes: datasets × fractions × the length of every axis. */
export function sweepSize(s: GridShape): number {
  let n = s.datasets.length * (s.dataFractions?.length ?? 1);
  for (const key of SWEEP_AXES) n *= s[key]?.length ?? 1;
  return n;
}

/** What the size multiplies: `datasets 1 × n_epochs 10 × batch_size 10 × learning_rate_multiplier 3` (lists of one left out). */
export function sweepFactors(s: GridShape): string {
  const factors: Array<[string, number]> = [["datasets", s.datasets.length]];
  if (s.dataFractions) factors.push(["dataFractions", s.dataFractions.length]);
  for (const key of SWEEP_AXES) factors.push([key, s[key]?.length ?? 1]);
  const shown = factors.filter(([name, n]) => n > 1 || name === "datasets");
  return shown.map(([name, n]) => `${name} ${n}`).join(" × ");
}

export interface SweepPoint {
  dataset: string;
  hyperparameters: Record<string, unknown>;
}

/**
 * The grid's points in a stable order (datasets outermost, then the axes in declaration order). `datasets` are the
 * versions trained on: with data fractions, the subsets (as `createSweep` stores them), not their sources.
 */
export function sweepPoints(
  s: { datasets: readonly string[] } & { [K in HyperparameterName]?: ReadonlyArray<unknown> | undefined },
): SweepPoint[] {
  let points: SweepPoint[] = s.datasets.map((dataset) => ({ dataset, hyperparameters: {} }));
  for (const key of SWEEP_AXES) {
    const list = s[key];
    if (!list) continue;
    points = points.flatMap((p) => list.map((v) => ({ dataset: p.dataset, hyperparameters: { ...p.hyperparameters, [key]: v } })));
  }
  return points;
}
