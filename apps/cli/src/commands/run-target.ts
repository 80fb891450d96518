import {
  type EvalRun,
  findEvalRun,
  findExperiment,
  findGraderSet,
  findVersionById,
  getProjectByName,
  isTunelabError,
  knownModelCheck,
  LOCAL_BASE_URL,
  LOCAL_PROVIDER,
  type LocalEngine,
  listExperiments,
  loadConfig,
  Providers,
  scoringSetup,
  TunelabError,
  type Workspace,
} from "@tunelab/core";
import { asLocalEngine } from "@tunelab/engine";
import { didYouMean } from "../did-you-mean.ts";
import { withEngine } from "./engine-access.ts";

/**
 * Checks of what a command will train or score, made before it stores, uploads or scores anything, so that a typo
 * fails at once with what is known (and the closest name) instead of after the work: the provider, its API key, and
 * for the embedded engine the model (core's knownModelCheck decides), and the baseline of an eval.
 */

const SHOWN = 8;

/**
 * The provider and, on the embedded engine, the model, as core's `knownModelCheck` decides (the check the API makes),
 * its refusal worded for the command line: the option, what is known, and the closest name to a typo.
 */
export async function checkKnownModel(
  ws: Workspace,
  providers: readonly string[],
  local: LocalEngine | undefined,
  provider: string,
  model: string,
): Promise<void> {
  try {
    await knownModelCheck(ws.db, () => [...providers], local)(provider, model);
  } catch (error) {
    const field = isTunelabError(error) ? (error.details as { field?: unknown } | undefined)?.field : undefined;
    if (field === "provider")
      throw new TunelabError(
        "invalid_argument",
        `--provider ${provider}: no such provider${didYouMean(provider, providers)}; known: ${providers.join(", ")} (add others to tunelab.config.json)`,
        { cause: error, details: { field: "provider", known: providers } },
      );
    if (field === "model" && local) throw await unknownLocalModel(local, model, error);
    throw error;
  }
}

/** A model the embedded engine does not have: its base models and tuned models, and the closest of them. */
async function unknownLocalModel(local: LocalEngine, model: string, cause: unknown): Promise<TunelabError> {
  const bases = (await local.baseModels()).map((b) => b.id);
  const tuned = await tunedModels(local);
  const list = (names: string[]) =>
    names.length <= SHOWN ? names.join(", ") : `${names.slice(0, SHOWN).join(", ")} … ${names.length - SHOWN} more`;
  return new TunelabError(
    "invalid_argument",
    `--model ${model}: the local engine has no such model${didYouMean(model, [...bases, ...tuned])}; base models: ${list(bases)}; tuned models: ${tuned.length === 0 ? "none yet" : list(tuned)} (\`tunelab models list\` shows them all; \`tunelab models add hf:ORG/NAME\` registers an open-weight base)`,
    { cause, details: { field: "model", baseModels: bases } },
  );
}

/** The tuned models the engine has, newest first (its `GET /v1/models`). */
async function tunedModels(local: LocalEngine): Promise<string[]> {
  const response = await local.fetch(new Request(`${LOCAL_BASE_URL}/models`));
  const body = (await response.json()) as { data?: Array<{ id?: unknown }> };
  const ids = (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === "string" && id.startsWith("ft:"));
  return ids.reverse();
}

/**
 * `exp create`, `baseline`, `sweep`: the provider (and, when `needsKey`, its API key in the environment: not for a dry
 * run, which sends nothing, nor for an experiment only stored, which may run where the key is), and on the embedded
 * engine the model (the engine opened for this check only).
 */
export async function checkRunTarget(ws: Workspace, provider: string, model: string, needsKey = true): Promise<void> {
  const providers = new Providers({ config: loadConfig() });
  if (provider === LOCAL_PROVIDER)
    await withEngine((engine) => checkKnownModel(ws, providers.names(), asLocalEngine(engine), provider, model));
  else {
    await checkKnownModel(ws, providers.names(), undefined, provider, model);
    if (needsKey) providers.client(provider); // refuses a provider whose API key is not in the environment
  }
}

/**
 * `eval --baseline`: `best`, an experiment id with an eval run, or an eval run id, as the regression gate takes them;
 * checked before the eval scores anything.
 */
export async function checkBaseline(ws: Workspace, project: string, ref: string): Promise<void> {
  if (ref === "best") return;
  const experiment = await findExperiment(ws.db, ref);
  if (experiment) {
    if (!experiment.evalRunId)
      throw new TunelabError("conflict", `--baseline ${ref}: experiment "${experiment.name}" has no eval run yet (${experiment.status})`);
    const run = await findEvalRun(ws.db, experiment.evalRunId);
    if (run) await checkComparable(ws, project, ref, run);
    return;
  }
  const run = await findEvalRun(ws.db, ref);
  if (run) return checkComparable(ws, project, ref, run);
  const scored = (await listExperiments(ws.db, (await getProjectByName(ws.db, project)).id)).filter((e) => e.evalRunId);
  const ids = scored.map((e) => e.id);
  const shown = scored
    .slice(0, SHOWN)
    .map((e) => `${e.id} (${e.name})`)
    .join(", ");
  throw new TunelabError(
    "not_found",
    `--baseline ${ref}: no experiment or eval run has this id${didYouMean(ref, ids)}; give best (the leaderboard's top), an eval run id, or an experiment id${scored.length === 0 ? "" : ` of ${project}: ${shown}${scored.length > SHOWN ? ` … ${scored.length - SHOWN} more` : ""}`} (\`tunelab leaderboard\` lists them)`,
    { details: { field: "baseline" } },
  );
}

/**
 * The new run is scored on the project's current test split and grader set: a baseline scored on others cannot be
 * compared with it (the gate would refuse after every item was scored), so it is refused first, naming both.
 */
async function checkComparable(ws: Workspace, project: string, ref: string, run: EvalRun): Promise<void> {
  const { split, graderSet } = await scoringSetup(ws, (await getProjectByName(ws.db, project)).id);
  const [runSplit, runGraders] = await Promise.all([findVersionById(ws.db, run.testSplitVersionId), findGraderSet(ws.db, run.graderSetId)]);
  const differs = [
    ...(run.testSplitVersionId === split.id ? [] : [`test split ${runSplit?.ref ?? run.testSplitVersionId} (current: ${split.ref})`]),
    ...(run.graderSetId === graderSet.id ? [] : [`grader set ${runGraders?.ref ?? run.graderSetId} (current: ${graderSet.ref})`]),
  ];
  if (differs.length === 0) return;
  throw new TunelabError(
    "conflict",
    `--baseline ${ref}: its eval run ${run.id} was scored on ${differs.join(" and ")}, and this eval is scored on the current ones, so the two cannot be compared; give best (the top of the current leaderboard) or a baseline scored on ${split.ref} with ${graderSet.ref}`,
    { details: { field: "baseline" } },
  );
}
