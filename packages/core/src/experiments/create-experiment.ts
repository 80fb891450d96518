import { canonicalJson } from "../datasets/canonical.ts";
import { getVersionByRef } from "../datasets/dataset.repository.ts";
import type { DatasetVersion } from "../datasets/dataset.schema.ts";
import { MIN_TRAINING_EXAMPLES } from "../datasets/validation/validate-file.ts";
import { TunelabError } from "../errors.ts";
import { getProjectByName } from "../projects/project.repository.ts";
import { sha256 } from "../shared/hash.ts";
import { newId } from "../shared/id.ts";
import { nowIso } from "../shared/time.ts";
import type { Workspace } from "../storage/workspace.ts";
import { findByConfigHash, insertExperiment } from "./experiment.repository.ts";
import { CreateExperiment, type Experiment } from "./experiment.schema.ts";

export interface CreatedExperiment {
  experiment: Experiment;
  /** False when an identical experiment (same config hash) already existed and was returned instead. */
  created: boolean;
}

/**
 * Creates an experiment: dataset version + base model + provider + method + hyperparameters + seed. The config hash
 * covers the dataset's content hash, so re-creating the same experiment returns the existing one unless forced.
 */
export async function createExperiment(ws: Workspace, input: CreateExperiment): Promise<CreatedExperiment> {
  const parsed = CreateExperiment.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TunelabError("invalid_argument", `${issue?.path.join(".") || "experiment"}: ${issue?.message}`, {
      details: parsed.error.issues,
    });
  }
  const request = parsed.data;
  const project = await getProjectByName(ws.db, request.project);
  const baseline = request.method === "none";
  if (!baseline && !request.dataset) throw new TunelabError("invalid_argument", "a tuned experiment needs --dataset NAME@N");
  const dataset = request.dataset && !baseline ? await getVersionByRef(ws.db, project.id, request.dataset) : undefined;
  const validation = request.validation && !baseline ? await getVersionByRef(ws.db, project.id, request.validation) : undefined;
  if (dataset && dataset.name === "test") throw new TunelabError("invalid_argument", "the test split cannot be training data");
  if (dataset && dataset.exampleCount < MIN_TRAINING_EXAMPLES) {
    throw new TunelabError(
      "validation_failed",
      `${dataset.ref} has ${dataset.exampleCount} examples; a training job needs at least ${MIN_TRAINING_EXAMPLES}`,
    );
  }

  const configHash = sha256(
    canonicalJson({
      dataset: dataset?.contentHash ?? null,
      validation: validation?.contentHash ?? null,
      model: request.model,
      provider: request.provider,
      method: request.method,
      hyperparameters: baseline ? null : request.hyperparameters,
      seed: baseline ? null : request.seed,
    }),
  );
  if (!request.force) {
    const existing = await findByConfigHash(ws.db, project.id, configHash);
    if (existing) return { experiment: existing, created: false };
  }
  const now = nowIso();
  const experiment = await insertExperiment(ws.db, {
    id: newId("exp"),
    project_id: project.id,
    name: request.name ?? defaultName(request, dataset),
    kind: baseline ? "baseline" : "tuned",
    dataset_version_id: dataset?.id ?? null,
    validation_version_id: validation?.id ?? null,
    base_model: request.model,
    provider: request.provider,
    method: request.method,
    hyperparameters_json: JSON.stringify({ requested: baseline ? {} : request.hyperparameters, resolved: null }),
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
  });
  return { experiment, created: true };
}

function defaultName(
  request: { model: string; method: string; hyperparameters: Record<string, unknown> },
  dataset: DatasetVersion | undefined,
): string {
  if (!dataset) return `baseline ${request.model}`;
  const h = request.hyperparameters;
  const short = (key: string, label: string) => (h[key] === "auto" || h[key] === undefined ? "" : ` ${label}=${String(h[key])}`);
  return `${dataset.ref} ${request.model}${short("n_epochs", "ep")}${short("learning_rate_multiplier", "lr")}${short("batch_size", "bs")}${short("prompt_loss_weight", "plw")}`;
}
