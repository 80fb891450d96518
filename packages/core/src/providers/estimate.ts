import { TunelabError } from "@tunelab/base";
import { findVersionById } from "../datasets/dataset.repository.ts";
import { loadVersionLines } from "../datasets/version-content.ts";
import { prepareExperiment } from "../experiments/create-experiment.ts";
import { type CreateExperiment, Experiment } from "../experiments/experiment.schema.ts";
import type { RequestedHyperparameters, ResolvedHyperparameters, TrainingMethod } from "../experiments/hyperparameters.ts";
import type { Workspace } from "../storage/workspace.ts";
import { CAPABILITIES, type MappedHyperparameter, mapHyperparameters } from "./capabilities.ts";
import { trainingPrice } from "./pricing.ts";
import { findPrice, providerKind, type TunelabConfig, tunableModels } from "./provider-config.ts";
import { LOCAL_PROVIDER } from "./providers.ts";
import { fireworksJobBody } from "./trainers/fireworks.ts";
import { jobMethod } from "./trainers/openai.ts";
import { togetherJobBody } from "./trainers/together.ts";
import type { JobRequest, ProviderKind } from "./trainers/trainer.ts";

/** What an experiment would send and cost, computed without a network call (`exp create --dry-run`). */
export interface TrainingEstimate {
  provider: string;
  kind: ProviderKind;
  model: string;
  method: TrainingMethod;
  dataset: string;
  /** The hyperparameters set, each with the provider's name and the value sent. */
  mapped: MappedHyperparameter[];
  /** The job request as it would be sent (file ids are filled in at upload). */
  request: Record<string, unknown>;
  epochs: number;
  /** Where the epoch count comes from (`n_epochs`, the provider's default, OpenAI's rule by dataset size, the engine's rule). */
  epochsFrom: string;
  /**
   * The embedded engine's resolved hyperparameters, as its scheduler will resolve them (local experiments whose caller
   * passed the engine's planner): every value, and where each comes from.
   */
  resolved: LocalHyperparameterPlan | null;
  tokensPerEpoch: number;
  /** Tokens the provider bills for training (trains on, for the local engine): tokens per epoch × epochs. */
  billedTokens: number;
  /** US dollars per million training tokens, when a price is known. */
  pricePerMillion: number | null;
  costUsd: number | null;
  priceSource: string | null;
}

const PENDING_FILE = "(uploaded at run time)";

/** What the embedded engine will train with: the values and, per key, where it comes from (`requested`, `auto: …`). */
export interface LocalHyperparameterPlan {
  hyperparameters: ResolvedHyperparameters;
  from: Record<string, string>;
  /** What may go wrong with these settings on this machine (an open-weight base's memory), as the job's warnings say it. */
  warnings?: string[];
}

/**
 * The embedded engine's own resolution (its `planJobHyperparameters`), injected by the apps, which depend on the engine
 * (core reaches it over REST only): the job request as core will send it, the training version's lines parsed, and
 * whether a validation file goes with it.
 */
export type LocalHyperparameterPlanner = (input: {
  request: Record<string, unknown>;
  training: unknown[];
  hasValidation: boolean;
}) => Promise<LocalHyperparameterPlan>;

export interface EstimateOptions {
  /** Resolves a local experiment's hyperparameters as the engine will; without it the epochs are OpenAI's rule. */
  planLocal?: LocalHyperparameterPlanner;
}

/**
 * Checks an experiment as `exp create` would (input, dataset versions, what the provider can train) and estimates its
 * billed training tokens and cost. Reads only the workspace and the config: nothing is uploaded or created.
 */
export async function estimateExperiment(
  ws: Workspace,
  config: TunelabConfig,
  input: CreateExperiment,
  options: EstimateOptions = {},
): Promise<TrainingEstimate> {
  const provider = input.provider ?? "local";
  const kind = providerKind(config, provider);
  if (!kind)
    throw new TunelabError(
      "not_found",
      `unknown provider "${provider}" (known: local, openai, ${Object.keys(config.providers).join(", ") || "none configured"}); add it to tunelab.config.json`,
    );
  const prepared = await prepareExperiment(
    ws,
    { ...input, force: true },
    { kindOf: () => kind, modelsOf: (name) => tunableModels(config, name) },
  );
  if ("existing" in prepared) throw new TunelabError("internal", "a forced experiment cannot match an existing one");
  const row = prepared.row;
  if (row.method === "none" || !row.dataset_version_id)
    throw new TunelabError("invalid_argument", "a dry run estimates training: pass --dataset");
  const method = row.method as TrainingMethod;
  const hyperparameters = Experiment.shape.hyperparameters.parse(JSON.parse(row.hyperparameters_json))
    .requested as RequestedHyperparameters;
  const version = await findVersionById(ws.db, row.dataset_version_id);
  if (!version) throw new TunelabError("not_found", `dataset version ${row.dataset_version_id} is missing`);
  const caps = CAPABILITIES[kind];
  const local = provider === LOCAL_PROVIDER;
  const request: JobRequest = {
    experimentId: row.id,
    baseModel: row.base_model,
    trainingFile: PENDING_FILE,
    validationFile: row.validation_version_id ? PENDING_FILE : null,
    suffix: row.suffix,
    seed: row.seed,
    method,
    hyperparameters,
  };
  const preview = requestPreview(kind, request, config.providers[provider]?.account);
  const resolved =
    local && options.planLocal
      ? await options.planLocal({
          request: preview,
          training: (await loadVersionLines(ws, version)).map((line) => JSON.parse(line) as unknown),
          hasValidation: row.validation_version_id !== null,
        })
      : null;
  const asked = hyperparameters.n_epochs;
  const planned = resolved?.hyperparameters.n_epochs;
  const epochs =
    typeof planned === "number"
      ? planned
      : typeof asked === "number"
        ? asked
        : caps.defaultEpochs === "dataset"
          ? version.stats.epochs
          : caps.defaultEpochs;
  const epochsFrom =
    typeof planned === "number"
      ? resolved?.from.n_epochs === "requested"
        ? "n_epochs"
        : (resolved?.from.n_epochs ?? "the engine's rule")
      : typeof asked === "number"
        ? "n_epochs"
        : caps.defaultEpochs === "dataset"
          ? "auto: OpenAI's rule by dataset size"
          : `auto: the provider's default (${caps.defaultEpochs})`;
  const billedTokens = version.stats.billingTokensPerEpoch * epochs;
  // the embedded engine trains on this machine: nothing is billed
  const found = local ? { price: null, source: "trains on this machine" } : findPrice(config, provider, row.base_model);
  const perMillion = local
    ? 0
    : found?.price
      ? (trainingPrice(found.price, method, hyperparameters.training_type === "full") ?? null)
      : null;
  return {
    provider,
    kind,
    model: row.base_model,
    method,
    dataset: version.ref,
    mapped: mapHyperparameters(kind, hyperparameters),
    request: preview,
    epochs,
    epochsFrom,
    resolved,
    tokensPerEpoch: version.stats.billingTokensPerEpoch,
    billedTokens,
    pricePerMillion: perMillion,
    costUsd: perMillion === null ? null : (billedTokens * perMillion) / 1e6,
    priceSource: found?.source ?? null,
  };
}

/** The job request body a kind's adapter would send (the keys that depend on the run left as placeholders). */
export function requestPreview(kind: ProviderKind, request: JobRequest, account?: string): Record<string, unknown> {
  if (kind === "together") return togetherJobBody(request);
  if (kind === "fireworks") return fireworksJobBody(request, account ?? "ACCOUNT");
  return {
    model: request.baseModel,
    training_file: request.trainingFile,
    seed: request.seed,
    method: jobMethod(request),
  };
}
