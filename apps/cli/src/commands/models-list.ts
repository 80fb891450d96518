import { join } from "node:path";
import {
  LOCAL_BASE_URL,
  LOCAL_PROVIDER,
  listExperiments,
  listProjects,
  openRuntime,
  resolveHome,
  TunelabError,
  type Workspace,
} from "@tunelab/core";
import {
  asLocalEngine,
  builtInModels,
  createEngine,
  type Engine,
  findModel,
  listRegisteredBases,
  type RegisteredBase,
  type TunedModelKind,
  tunedModelKind,
} from "@tunelab/engine";
import type { Command } from "commander";
import { withWorkspace } from "../context.ts";
import { color, count, emit, formatNumber, type GlobalOptions, table } from "../output.ts";

const GIB = 1024 ** 3;
const CHECKPOINT = /^(.*):ckpt-step-(\d+)$/;

/** A registered base as `models list --json` has always shown it (models.ts's describe). */
type DescribedBase = { name: string; parameters: number; architecture: string; dtype: string; contextLength: number; source: string } & {
  memory: { inferenceBytes: number };
};

/** A tuned model (or, with --checkpoints, a checkpoint) of the local engine. */
export interface ListedTunedModel {
  id: string;
  /** The model it was tuned from: a base (`local-*` or registered) or, when continued, another tuned model. */
  base: string;
  /** lora: a LoRA adapter on an open-weight base; full: an open-weight base fully tuned; from-scratch: a local-* size. */
  kind: TunedModelKind | null;
  /** The experiment that trained it, when one did (in any project of this workspace). */
  experiment: { id: string; name: string; project: string } | null;
  jobId: string | null;
  createdAt: string;
  /** For a checkpoint: the tuned model it is a step of, and the step. */
  checkpoint?: { of: string; step: number };
}

export interface ModelsListOptions {
  bases?: boolean;
  tuned?: boolean;
  checkpoints?: boolean;
}

/** Which experiment trained each model: by its tuned model id, else (checkpoints) by the local engine's job id. */
async function experimentIndex(ws: Workspace) {
  const byModel = new Map<string, ListedTunedModel["experiment"]>();
  const byJob = new Map<string, ListedTunedModel["experiment"]>();
  for (const project of await listProjects(ws.db))
    for (const e of await listExperiments(ws.db, project.id)) {
      const named = { id: e.id, name: e.name, project: project.name };
      if (e.tunedModel) byModel.set(e.tunedModel, named);
      if (e.provider === LOCAL_PROVIDER && e.providerJobId) byJob.set(e.providerJobId, named);
    }
  return { byModel, byJob };
}

/**
 * The engine's tuned models as its GET /v1/models lists them (so, in a team, without those withdrawn elsewhere), with
 * what their rows and directories record.
 */
async function tunedModels(engine: Engine, ws: Workspace, checkpoints: boolean): Promise<{ models: ListedTunedModel[]; hidden: number }> {
  const local = asLocalEngine(engine);
  // the runtime wires the team's withdrawn-model check into the engine's listing; this command runs no work
  const runtime = openRuntime({ ws, local, runsWork: false });
  try {
    const answer = await local.fetch(new Request(`${LOCAL_BASE_URL}/models`));
    if (!answer.ok) throw new TunelabError("internal", `the engine's model list answered ${answer.status}`);
    const { data } = (await answer.json()) as { data: Array<{ id: string; created: number }> };
    const experiments = await experimentIndex(ws);
    const models: ListedTunedModel[] = [];
    let hidden = 0;
    for (const { id, created } of data.filter((m) => m.id.startsWith("ft:"))) {
      const match = CHECKPOINT.exec(id);
      if (match && !checkpoints) {
        hidden++;
        continue;
      }
      const row = await findModel(engine.store, id);
      if (!row) continue; // deleted meanwhile
      models.push({
        id,
        base: row.base_model,
        kind: tunedModelKind(row.dir) ?? null,
        experiment: experiments.byModel.get(id) ?? (row.job_id ? experiments.byJob.get(row.job_id) : undefined) ?? null,
        jobId: row.job_id,
        createdAt: new Date(created * 1000).toISOString(),
        ...(match ? { checkpoint: { of: match[1] ?? "", step: Number(match[2]) } } : {}),
      });
    }
    // checkpoints right after their model (by step), models oldest first as the engine lists them
    const order = (m: ListedTunedModel) => m.checkpoint?.of ?? m.id;
    const first = new Map<string, number>();
    models.forEach((m, i) => {
      if (!first.has(order(m))) first.set(order(m), i);
    });
    models.sort(
      (a, b) =>
        (first.get(order(a)) ?? 0) - (first.get(order(b)) ?? 0) ||
        (a.checkpoint ? 1 : 0) - (b.checkpoint ? 1 : 0) ||
        (a.checkpoint?.step ?? 0) - (b.checkpoint?.step ?? 0),
    );
    return { models, hidden };
  } finally {
    await runtime.close();
  }
}

const KIND_LABEL: Record<TunedModelKind, string> = { lora: "LoRA adapter", full: "full fine-tune", "from-scratch": "from scratch" };

/** The three sections as text, each with what to do when it is empty. */
function render(
  bases: DescribedBase[] | undefined,
  sizes: ReturnType<typeof localSizes> | undefined,
  tuned: { models: ListedTunedModel[]; hidden: number } | undefined,
  checkpoints: boolean,
): string {
  const sections: string[] = [];
  if (bases)
    sections.push(
      [
        color.bold("Registered open-weight bases"),
        bases.length === 0
          ? "  no open-weight models registered: `tunelab models add hf:HuggingFaceTB/SmolLM2-135M-Instruct` (or a local folder)"
          : table(
              ["name", "architecture", "params", "dtype", "context", "memory", "source"],
              bases.map((r) => [
                color.bold(r.name),
                r.architecture,
                `${formatNumber(r.parameters / 1e6, 1)}M`,
                r.dtype,
                formatNumber(r.contextLength),
                `${(r.memory.inferenceBytes / GIB).toFixed(2)} GiB`,
                r.source,
              ]),
            ),
      ].join("\n"),
    );
  if (sizes)
    sections.push(
      [
        color.bold("Local sizes (trained from scratch)"),
        sizes.length === 0
          ? "  none built in"
          : table(
              ["name", "params", "context"],
              sizes.map((s) => [color.bold(s.name), `${formatNumber(s.parameters / 1e6, 1)}M`, formatNumber(s.contextLength)]),
            ),
      ].join("\n"),
    );
  if (tuned) {
    const lines = [color.bold(checkpoints ? "Tuned models and checkpoints" : "Tuned models")];
    if (tuned.models.length === 0)
      lines.push(
        `  no tuned models yet: \`tunelab exp create -d DATASET@VERSION -m ${bases?.[0]?.name ?? "local-small"}\` trains one (\`tunelab demo\` for a quick example)`,
      );
    else
      lines.push(
        table(
          ["id", "base", "kind", "experiment", "created"],
          tuned.models.map((m) => [
            m.checkpoint ? `  ${m.id}` : color.bold(m.id),
            m.base,
            m.kind ? KIND_LABEL[m.kind] : "?",
            m.experiment ? `${m.experiment.name} ${color.dim(m.experiment.id)}` : "-",
            m.createdAt.replace("T", " ").slice(0, 16),
          ]),
        ),
      );
    if (tuned.hidden > 0) lines.push(color.dim(`  and ${count(tuned.hidden, "checkpoint")} (--checkpoints lists them)`));
    sections.push(lines.join("\n"));
  }
  return sections.join("\n\n");
}

function localSizes() {
  return builtInModels().map((m) => ({
    name: m.id,
    architecture: m.architecture,
    parameters: m.parameters,
    contextLength: m.contextLength,
  }));
}

/**
 * `models list`: registered open-weight bases (as before: `describe`'s fields), the built-in local-* sizes and the tuned
 * models of the local engine. --json: `{ bases, localSizes, tuned }`, each key only for the sections asked for.
 */
export function registerModelsList(models: Command, globals: () => GlobalOptions, describe: (row: RegisteredBase) => DescribedBase): void {
  models
    .command("list")
    .description("the models you can use on the local engine: registered open-weight bases, local-* sizes, tuned models")
    .option("--bases", "only the base models (registered open-weight and local-* sizes)")
    .option("--tuned", "only the tuned models (ft:…)")
    .option("--checkpoints", "also the tuned models' training checkpoints (ft:…:ckpt-step-N)")
    .addHelpText(
      "after",
      [
        "",
        "Sections: registered open-weight bases (`tunelab models add SOURCE`), the local-* sizes the engine trains from scratch,",
        "and the engine's tuned models with the model each was tuned from, how (LoRA adapter, full fine-tune, from",
        "scratch) and the experiment that trained it. --json: {bases, localSizes, tuned}; with --bases or --tuned only",
        "those keys.",
      ].join("\n"),
    )
    .action(async (options: ModelsListOptions) => {
      const showBases = options.bases === true || options.tuned !== true;
      const showTuned = options.tuned === true || options.bases !== true || options.checkpoints === true;
      const checkpoints = options.checkpoints === true;
      await withWorkspace(async (ws) => {
        const engine = await createEngine({ root: join(resolveHome(), "engine"), runJobs: false });
        try {
          const bases = showBases ? (await listRegisteredBases(engine.store)).map(describe) : undefined;
          const sizes = showBases ? localSizes() : undefined;
          const tuned = showTuned ? await tunedModels(engine, ws, checkpoints) : undefined;
          emit(
            globals(),
            {
              ...(bases ? { bases } : {}),
              ...(sizes ? { localSizes: sizes } : {}),
              ...(tuned ? { tuned: tuned.models } : {}),
            },
            () => render(bases, sizes, tuned, checkpoints),
          );
        } finally {
          await engine.close();
        }
      });
    });
}
