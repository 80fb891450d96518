import { TunelabError } from "@tunelab/base";
import { mulberry32 } from "@tunelab/evals";
import { MIN_TRAINING_EXAMPLES } from "@tunelab/formats";
import { z } from "zod";
import { getProjectByName } from "../projects/project.repository.ts";
import type { ProjectId } from "../shared/id.ts";
import type { Workspace } from "../storage/workspace.ts";
import { getVersionByRef } from "./dataset.repository.ts";
import type { DatasetVersion } from "./dataset.schema.ts";
import { importDataset } from "./import-dataset.ts";
import { loadVersionLines } from "./version-content.ts";

/** Fractions of a dataset version, each in (0, 1]; 1 is the version itself. */
export const DataFractions = z
  .array(z.number().gt(0, "a fraction must be > 0").max(1, "a fraction must be at most 1"))
  .min(1)
  .max(20)
  .refine((f) => new Set(f).size === f.length, "each fraction once");

export interface DataFraction {
  fraction: number;
  version: DatasetVersion;
  /** `created` or `unchanged` (the same subset was stored before), or `source` for fraction 1. */
  status: "created" | "unchanged" | "source";
}

/** `train@2` at 0.25 → the dataset `train-v2-25pct` (fractions below 1% keep their decimals: `train-v2-0.5pct`). */
export function fractionDatasetName(version: DatasetVersion, fraction: number): string {
  const pct = Number((fraction * 100).toPrecision(6));
  return `${version.name}-v${version.number}-${pct}pct`;
}

/**
 * Nested subsets of a dataset version for a learning curve: one seeded shuffle of its examples, and the fraction f
 * keeps the first round(f·N) of them (at least 1), in their original order, so a smaller fraction is always inside
 * a larger one. Each is validated and stored as a version of its own dataset (fractionDatasetName), the message
 * naming the source, fraction and seed; storing the same subset again is a no-op. A fraction smaller than a training
 * job needs is an error naming it, before anything is stored; a subset the validator refuses is one too (the
 * smaller fractions stored before it stay).
 */
export async function createDataFractions(
  ws: Workspace,
  input: { project: string; dataset: string; fractions: readonly number[]; seed: number },
): Promise<DataFraction[]> {
  const fractions = DataFractions.parse(input.fractions);
  const project = await getProjectByName(ws.db, input.project);
  const source = await getVersionByRef(ws.db, project.id as ProjectId, input.dataset);
  const lines = await loadVersionLines(ws, source);
  const order = lines.map((_, i) => i);
  const rng = mulberry32(input.seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const sizes = new Map(fractions.map((f) => [f, Math.max(1, Math.round(f * lines.length))]));
  for (const [fraction, keep] of sizes)
    if (keep < MIN_TRAINING_EXAMPLES)
      throw new TunelabError(
        "invalid_argument",
        `the ${fraction} fraction of ${source.ref} would keep ${keep} of its ${lines.length} examples; a training job needs at least ${MIN_TRAINING_EXAMPLES}`,
      );
  const out: DataFraction[] = [];
  for (const fraction of [...fractions].sort((a, b) => a - b)) {
    if (fraction === 1) {
      out.push({ fraction, version: source, status: "source" });
      continue;
    }
    const keep = sizes.get(fraction) as number;
    const chosen = order.slice(0, keep).sort((a, b) => a - b);
    const result = await importDataset(ws, {
      project: project.name,
      dataset: fractionDatasetName(source, fraction),
      fileName: `${source.ref} × ${fraction}`,
      message: `${keep} of the ${lines.length} examples of ${source.ref} (fraction ${fraction}, seed ${input.seed}; nested with the other fractions of this seed)`,
      text: `${chosen.map((i) => lines[i]).join("\n")}\n`,
    });
    if (result.status === "invalid") {
      const first = result.report.issues.find((i) => i.severity === "error");
      throw new TunelabError(
        "invalid_argument",
        `the ${fraction} fraction of ${source.ref} (${keep} examples) is not valid training data: ${first ? `${first.code}: ${first.message}` : "see `tunelab data validate FILE`"}`,
      );
    }
    out.push({ fraction, version: result.version, status: result.status });
  }
  return out;
}
