import {
  CAPABILITIES,
  type CreateExperiment,
  type Experiment,
  estimateExperiment,
  loadConfig,
  type MappedHyperparameter,
  mapHyperparameters,
  type ProviderKind,
  providerKind,
  type TrainingEstimate,
} from "@tunelab/core";
import { resolveProjectName, withWorkspace } from "../context.ts";
import { emit, type GlobalOptions } from "../output.ts";
import { type CreateOptions, chosenHyperparameters } from "./experiment-options.ts";
import { checkRunTarget } from "./run-target.ts";

/**
 * `exp create --dry-run`: checks the experiment as `exp create` would (the provider's capability table included) and
 * prints the hyperparameters as the provider will receive them, the job request, and the billed tokens and cost.
 * Reads the workspace and tunelab.config.json only: no upload, no job, no network call.
 */
export async function dryRunCreate(o: CreateOptions, globals: GlobalOptions): Promise<void> {
  const estimate = await withWorkspace(async (ws) => {
    const project = await resolveProjectName(ws, o.project);
    // as `exp create` checks them (the API key aside: a dry run sends nothing)
    await checkRunTarget(ws, o.provider, o.model, false);
    const input: CreateExperiment = {
      project,
      dataset: o.dataset,
      model: o.model,
      provider: o.provider,
      method: o.method,
      hyperparameters: chosenHyperparameters(o),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.validation ? { validation: o.validation } : {}),
      ...(o.suffix ? { suffix: o.suffix } : {}),
    };
    return estimateExperiment(ws, loadConfig(), input);
  });
  emit(globals, { dryRun: true, ...estimate }, () => dryRunText(estimate));
}

const num = (n: number) => n.toLocaleString("en-US");
const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

export function mappingLines(mapped: MappedHyperparameter[]): string[] {
  if (mapped.length === 0) return ["  (none set: the provider's defaults apply)"];
  const width = Math.max(...mapped.map((m) => `${m.ours} ${show(m.value)}`.length));
  return mapped.map(
    (m) => `  ${`${m.ours} ${show(m.value)}`.padEnd(width)}  →  ${m.theirs} ${show(m.sent)}${m.note ? `  (${m.note})` : ""}`,
  );
}

export function dryRunText(e: TrainingEstimate): string {
  const caps = CAPABILITIES[e.kind];
  const cost =
    e.costUsd === null
      ? `cost: unknown (no price for ${e.model} on ${e.provider}; set providers.${e.provider}.pricing in tunelab.config.json)`
      : `cost: ≈ $${e.costUsd.toFixed(4)} at $${e.pricePerMillion} per million training tokens (${e.priceSource}); the provider's invoice is the truth`;
  return [
    "dry run: nothing uploaded, no job created, no network call",
    `provider ${e.provider} (kind ${e.kind}) · base model ${e.model} · method ${e.method} · data ${e.dataset}`,
    `${e.provider} trains: ${caps.methods.join(", ")}${caps.trainingTypes.length ? ` · ${caps.trainingTypes.join("/")}` : ""}`,
    `hyperparameters as ${e.provider} receives them:`,
    ...mappingLines(e.mapped),
    `job request: ${JSON.stringify(e.request)}`,
    `billed tokens: ${num(e.tokensPerEpoch)} per epoch × ${e.epochs} epoch${e.epochs === 1 ? "" : "s"} (${e.epochsFrom}) = ${num(e.billedTokens)}`,
    cost,
  ].join("\n");
}

/** How a hosted provider received (or will receive) an experiment's hyperparameters, for `exp show`. */
export function providerMapping(experiment: Experiment): { provider: string; kind: ProviderKind; mapped: MappedHyperparameter[] } | null {
  if (experiment.provider === "local" || experiment.kind === "baseline") return null;
  const kind = providerKind(loadConfig(), experiment.provider);
  return kind ? { provider: experiment.provider, kind, mapped: mapHyperparameters(kind, experiment.hyperparameters.requested) } : null;
}

export function providerMappingText(mapping: ReturnType<typeof providerMapping>): string {
  if (!mapping) return "";
  return [`hyperparameters as ${mapping.provider} (kind ${mapping.kind}) receives them:`, ...mappingLines(mapping.mapped)].join("\n");
}
