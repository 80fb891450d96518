import {
  CAPABILITIES,
  type CreateExperiment,
  type Experiment,
  estimateExperiment,
  LOCAL_PROVIDER,
  type LocalHyperparameterPlan,
  type LocalHyperparameterPlanner,
  loadConfig,
  type MappedHyperparameter,
  mapHyperparameters,
  type ProviderKind,
  providerKind,
  type TrainingEstimate,
} from "@tunelab/core";
import { type Engine, planJobHyperparameters } from "@tunelab/engine";
import { resolveProjectName, withWorkspace } from "../context.ts";
import { emit, type GlobalOptions } from "../output.ts";
import { withEngine } from "./engine-access.ts";
import { type CreateOptions, chosenHyperparameters } from "./experiment-options.ts";
import { checkRunTarget } from "./run-target.ts";

/**
 * `exp create --dry-run`: checks the experiment as `exp create` would (the provider's capability table included) and
 * prints the hyperparameters as the provider will receive them, the job request, and the billed tokens and cost.
 * Reads the workspace and tunelab.config.json only (and, for the embedded engine, its models and `auto` rules, to show
 * the hyperparameters it will resolve): no upload, no job, no network call.
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
    // the embedded engine's own rules, as its scheduler will resolve them (core reaches the engine over REST only)
    if (o.provider === LOCAL_PROVIDER)
      return withEngine((engine) => estimateExperiment(ws, loadConfig(), input, { planLocal: (request) => planLocally(engine, request) }));
    return estimateExperiment(ws, loadConfig(), input);
  });
  emit(globals, { dryRun: true, ...estimate }, () => dryRunText(estimate));
}

/** The engine's plan as core takes it (plain records). */
async function planLocally(engine: Engine, request: Parameters<LocalHyperparameterPlanner>[0]): Promise<LocalHyperparameterPlan> {
  const plan = await planJobHyperparameters(engine.store, request);
  return { hyperparameters: { ...plan.hyperparameters }, from: { ...plan.from }, warnings: [...plan.warnings] };
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
    e.provider === LOCAL_PROVIDER
      ? "cost: $0 (the local engine trains on this machine)"
      : e.costUsd === null
        ? `cost: unknown (no price for ${e.model} on ${e.provider}; set providers.${e.provider}.pricing in tunelab.config.json)`
        : `cost: ≈ $${e.costUsd.toFixed(4)} at $${e.pricePerMillion} per million training tokens (${e.priceSource}); the provider's invoice is the truth`;
  const stopsEarly = typeof e.resolved?.hyperparameters.early_stopping_patience === "number";
  const tokens = `${num(e.tokensPerEpoch)} per epoch × ${e.epochs} epoch${e.epochs === 1 ? "" : "s"} (${e.epochsFrom}) = ${num(e.billedTokens)}`;
  return [
    "dry run: nothing uploaded, no job created, no network call",
    `provider ${e.provider} (kind ${e.kind}) · base model ${e.model} · method ${e.method} · data ${e.dataset}`,
    `${e.provider} trains: ${caps.methods.join(", ")}${caps.trainingTypes.length ? ` · ${caps.trainingTypes.join("/")}` : ""}`,
    ...(e.resolved
      ? [
          `hyperparameters the ${e.provider} engine will train with:`,
          ...planLines(e.resolved),
          ...(e.resolved.warnings ?? []).map((w) => `warning: ${w}`),
        ]
      : [`hyperparameters as ${e.provider} receives them:`, ...mappingLines(e.mapped)]),
    `job request: ${JSON.stringify(e.request)}`,
    e.provider === LOCAL_PROVIDER
      ? `tokens trained: ${stopsEarly ? "at most " : ""}${tokens}${stopsEarly ? " (early stopping may end it sooner)" : ""}`
      : `billed tokens: ${tokens}`,
    cost,
  ].join("\n");
}

/** The engine's resolved hyperparameters, one a line, with where each comes from; early stopping shown when off too. */
export function planLines(plan: LocalHyperparameterPlan): string[] {
  const rows = Object.entries(plan.hyperparameters).map(([key, value]) => [`${key} ${show(value)}`, plan.from[key] ?? ""] as const);
  const stopping = plan.from.early_stopping_patience;
  if (plan.hyperparameters.early_stopping_patience === undefined && stopping) rows.push(["early_stopping_patience off", stopping]);
  const width = Math.max(...rows.map(([value]) => value.length));
  return rows.map(([value, from]) => `  ${value.padEnd(width)}  ${from}`);
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
