import { sha256, TunelabError } from "@tunelab/base";
import { type LocalModelKind, modelKindProblem } from "@tunelab/contracts";
import { canonicalJson, FORMAT_DESCRIPTIONS, MIN_TRAINING_EXAMPLES } from "@tunelab/formats";
import { getVersionByRef } from "../datasets/dataset.repository.ts";
import type { DatasetVersion } from "../datasets/dataset.schema.ts";
import { EvalSettings, evalIdentity, isDefaultEvalSettings } from "../eval-runs/eval-settings.ts";
import { getProjectByName } from "../projects/project.repository.ts";
import { assertCapable } from "../providers/capabilities.ts";
import type { KnownModelCheck } from "../providers/known-model.ts";
import { LOCAL_PROVIDER } from "../providers/providers.ts";
import type { ProviderKind } from "../providers/trainers/trainer.ts";
import { newId } from "../shared/id.ts";
import { nowIso } from "../shared/time.ts";
import type { Workspace } from "../storage/workspace.ts";
import type { CreatedExperiment } from "./created-experiment.schema.ts";
import { findByConfigHash, insertExperiment } from "./experiment.repository.ts";
import { CreateExperiment, type Experiment } from "./experiment.schema.ts";
import type { ExperimentTable } from "./experiment.table.ts";
import { inapplicableHyperparameter, normalizeHyperparameters, shortHyperparameters, type TrainingMethod } from "./hyperparameters.ts";

/** An experiment checked and ready to store, or the identical one that exists. */
export type PreparedExperiment = { existing: Experiment } | { row: ExperimentTable };

/**
 * Creates an experiment: dataset version + base model + provider + method + hyperparameters + seed. The config hash
 * covers the dataset's content hash, so re-creating the same experiment returns the existing one unless forced.
 */
export async function createExperiment(ws: Workspace, input: CreateExperiment, options: PrepareOptions = {}): Promise<CreatedExperiment> {
  return storePrepared(ws, await prepareExperiment(ws, input, options));
}

export interface PrepareOptions {
  /** The training API of a provider (from tunelab.config.json): what it cannot train is refused here. */
  kindOf?: (provider: string) => ProviderKind | undefined;
  /** The base models a provider is configured to tune (tunelab.config.json `models`); others are refused here. */
  modelsOf?: (provider: string) => string[] | undefined;
  /** Who creates it: a user's name, or the OS user of a CLI command (recorded on the experiment). */
  createdBy?: string | undefined;
  /**
   * How the embedded engine trains a model (`localModelKind` over the runtime's engine): for the `local` provider, the
   * hyperparameters that do not apply to the base's kind (LoRA's on a `local-*` size, prompt_loss_weight on an
   * open-weight base) are refused here, before anything is stored, instead of by the engine when the job starts.
   */
  localModelKind?: (model: string) => Promise<LocalModelKind | undefined>;
  /** Refuses an unknown provider, and a model the embedded engine does not have (the runtime's `assertKnownModel`). */
  assertKnownModel?: KnownModelCheck | undefined;
}

export async function storePrepared(ws: Workspace, prepared: PreparedExperiment): Promise<CreatedExperiment> {
  if ("existing" in prepared) return { experiment: prepared.existing, created: false };
  return { experiment: await insertExperiment(ws.db, prepared.row), created: true };
}

/**
 * Checks an experiment without storing it: the input, the dataset versions (their format must suit the method: DPO
 * trains on OpenAI's preference JSONL, supervised on chat examples), and which hyperparameters apply. Errors name the
 * field; nothing reaches a provider before this passes.
 */
export async function prepareExperiment(ws: Workspace, input: CreateExperiment, options: PrepareOptions = {}): Promise<PreparedExperiment> {
  const parsed = CreateExperiment.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TunelabError("invalid_argument", `${issue?.path.join(".") || "experiment"}: ${issue?.message}`, {
      details: parsed.error.issues,
    });
  }
  const request = parsed.data;
  const project = await getProjectByName(ws.db, request.project);
  await options.assertKnownModel?.(request.provider, request.model);
  const method = request.method;
  const baseline = method === "none";
  if (!baseline && !request.dataset) throw new TunelabError("invalid_argument", "a tuned experiment needs --dataset NAME@N");
  const hyperparameters = baseline ? null : normalizeHyperparameters(request.hyperparameters);
  if (!baseline && hyperparameters) {
    const why = inapplicableHyperparameter(method, hyperparameters);
    if (why) throw new TunelabError("invalid_argument", why);
    const kind = options.kindOf?.(request.provider);
    if (kind) assertCapable(request.provider, kind, method, hyperparameters);
    const models = options.modelsOf?.(request.provider);
    if (models && !models.includes(request.model))
      throw new TunelabError(
        "invalid_argument",
        `model: provider ${request.provider} is configured to tune ${models.join(", ")}, not ${request.model} (providers.${request.provider}.models in tunelab.config.json)`,
        { details: { field: "model", provider: request.provider } },
      );
    // the engine is asked only when a kind-specific hyperparameter is set
    const kindSpecific =
      modelKindProblem(request.model, "open-weight", hyperparameters) ?? modelKindProblem(request.model, "from-scratch", hyperparameters);
    const localKind = request.provider === LOCAL_PROVIDER && kindSpecific ? await options.localModelKind?.(request.model) : undefined;
    const kindProblem = localKind ? modelKindProblem(request.model, localKind, hyperparameters) : undefined;
    if (kindProblem)
      throw new TunelabError("invalid_argument", `${kindProblem.param}: ${kindProblem.message}`, {
        details: { field: kindProblem.param, model: request.model, kind: localKind },
      });
  }
  const dataset = request.dataset && !baseline ? await getVersionByRef(ws.db, project.id, request.dataset) : undefined;
  const validation = request.validation && !baseline ? await getVersionByRef(ws.db, project.id, request.validation) : undefined;
  if (dataset && dataset.name === "test") throw new TunelabError("invalid_argument", "the test split cannot be training data");
  if (dataset && dataset.exampleCount < MIN_TRAINING_EXAMPLES) {
    throw new TunelabError(
      "validation_failed",
      `${dataset.ref} has ${dataset.exampleCount} examples; a training job needs at least ${MIN_TRAINING_EXAMPLES}`,
    );
  }
  if (!baseline) {
    const patience = hyperparameters?.early_stopping_patience;
    // early stopping watches the validation loss: without validation data it could never stop, yet made a new config
    if (!validation && typeof patience === "number" && patience > 0)
      throw new TunelabError(
        "invalid_argument",
        `hyperparameters.early_stopping_patience: early stopping watches the validation loss, so it needs validation data (--validation NAME@N); pass it, or leave early_stopping_patience out`,
        { details: { field: "hyperparameters.early_stopping_patience" } },
      );
    if (dataset) assertFormatSuits(method, dataset, "dataset");
    if (validation) assertFormatSuits(method, validation, "validation");
  }

  const evaluation = EvalSettings.parse(request.evaluation ?? {});
  const configHash = sha256(
    canonicalJson({
      dataset: dataset?.contentHash ?? null,
      validation: validation?.contentHash ?? null,
      model: request.model,
      provider: request.provider,
      method,
      hyperparameters,
      seed: baseline ? null : request.seed,
      // default settings stay out of the hash, so experiments created before trials keep their identity; so do the
      // grader deadline and attempts: they say how long to wait for a grader model, not what is measured
      ...(isDefaultEvalSettings(evaluation) ? {} : { evaluation: evalIdentity(evaluation) }),
    }),
  );
  if (!request.force) {
    const existing = await findByConfigHash(ws.db, project.id, configHash);
    if (existing) return { existing };
  }
  const now = nowIso();
  const row: ExperimentTable = {
    id: newId("exp"),
    project_id: project.id,
    name: request.name ?? experimentName(request.model, method, hyperparameters ?? {}, dataset),
    kind: baseline ? "baseline" : "tuned",
    dataset_version_id: dataset?.id ?? null,
    validation_version_id: validation?.id ?? null,
    base_model: request.model,
    provider: request.provider,
    method,
    hyperparameters_json: JSON.stringify({ requested: hyperparameters ?? {}, resolved: null }),
    eval_json: JSON.stringify(evaluation),
    seed: request.seed,
    suffix: request.suffix ?? null,
    notes: request.notes ?? "",
    config_hash: configHash,
    status: "created",
    error: null,
    provider_file_id: null,
    provider_validation_file_id: null,
    provider_job_id: null,
    tuned_model: baseline ? request.model : null,
    tuned_model_blob: null,
    checkpoint_blob: null,
    warnings_json: null,
    early_stop_json: null,
    run_requested: 0,
    trained_tokens: baseline ? 0 : null,
    training_seconds: baseline ? 0 : null,
    test_split_version_id: null,
    grader_set_id: null,
    eval_run_id: null,
    created_at: now,
    updated_at: now,
    finished_at: null,
    lease_owner: null,
    lease_expires_at: null,
    created_by: options.createdBy ?? null,
  };
  return { row };
}

/** DPO trains on preference pairs, supervised fine-tuning on chat examples: a mismatch is refused before any upload. */
function assertFormatSuits(method: TrainingMethod, version: DatasetVersion, field: "dataset" | "validation"): void {
  const wanted = method === "dpo" ? "preference" : "supervised";
  if (method === "supervised" ? version.format !== "preference" : version.format === "preference") return;
  const fix =
    method === "dpo"
      ? `import preference pairs as a dataset (lines of {"input", "preferred_output", "non_preferred_output"}) and pass that version, or use --method supervised`
      : `pass a chat dataset version, or use --method dpo to train on preference pairs`;
  throw new TunelabError(
    "invalid_argument",
    `${field} ${version.ref} is ${version.format} data (${FORMAT_DESCRIPTIONS[version.format]}); method ${method} needs ${wanted} data (${FORMAT_DESCRIPTIONS[wanted]}): ${fix}`,
    { details: { field, ref: version.ref, format: version.format, method } },
  );
}

/** `train@2 tiny-qwen2 dpo ep=3 beta=0.2 r=8`: dataset, base model, the method when not supervised, what was set. */
export function experimentName(
  model: string,
  method: Experiment["method"],
  hyperparameters: Record<string, unknown>,
  dataset: Pick<DatasetVersion, "ref"> | undefined,
): string {
  if (!dataset || method === "none") return `baseline ${model}`;
  const set = shortHyperparameters(hyperparameters);
  return [dataset.ref, model, method === "supervised" ? "" : method, set].filter(Boolean).join(" ");
}
