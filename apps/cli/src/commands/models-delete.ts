import { createInterface } from "node:readline/promises";
import { type LocalEngine, listExperiments, listProjects, TunelabError, type Workspace } from "@tunelab/core";
import type { Command } from "commander";
import { color, emit, type GlobalOptions } from "../output.ts";
import { withServices } from "../services.ts";

/** OpenAI's error body, as the engine answers it. */
interface OpenAIErrorBody {
  error?: { message?: string; type?: string; param?: string | null; code?: string | null };
}

/** The experiments (of every project) whose tuned model this is: they keep their record when it is deleted. */
async function experimentsWith(ws: Workspace, model: string): Promise<{ id: string; name: string; project: string }[]> {
  const found: { id: string; name: string; project: string }[] = [];
  for (const project of await listProjects(ws.db))
    for (const e of await listExperiments(ws.db, project.id))
      if (e.tunedModel === model) found.push({ id: e.id, name: e.name, project: project.name });
  return found;
}

/** Asks on the terminal (stderr, so stdout stays the command's output); true for y or yes. */
async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/** The engine's OpenAI error as tunelab's: its message, status, type and code (model_not_found) kept in the details. */
function engineError(model: string, status: number, body: OpenAIErrorBody): TunelabError {
  const e = body.error ?? {};
  const message = `${e.message ?? `the engine answered ${status}`}${e.code ? ` (${e.code})` : ""}`;
  const hint = status === 404 ? "; tuned models are in the `tuned model` column of `tunelab exp list`" : "";
  return new TunelabError(status === 404 ? "not_found" : status === 400 ? "invalid_argument" : "internal", `${message}${hint}`, {
    details: { model, status, type: e.type ?? null, param: e.param ?? null, code: e.code ?? null },
  });
}

/**
 * The checkpoints the engine still serves of a tuned model (`MODEL:ckpt-step-N`, from its GET /v1/models): deleting the
 * model does not delete them (they are models of their own, and keep the weights they share with it).
 */
async function checkpointsOf(local: LocalEngine, model: string): Promise<string[]> {
  const answer = await local.fetch(new Request("http://tunelab.local/v1/models"));
  if (!answer.ok) return [];
  const { data } = (await answer.json()) as { data: { id: string }[] };
  return data.map((m) => m.id).filter((id) => id.startsWith(`${model}:ckpt-step-`));
}

/** What happens to the experiments that trained the model: the engine deletes the model only. */
const KEPT =
  "they keep their record, metrics, eval runs and leaderboard place; the model itself is gone, so it can no longer be evaluated, exported or served";

export function registerModelsDelete(models: Command, globals: () => GlobalOptions): void {
  models
    .command("delete")
    .description(
      "delete a tuned model from the local engine (DELETE /v1/models/ID): its weights, and in a team workspace its published copy, so no machine serves it any more",
    )
    .argument("<model>", "a tuned model id (ft:…), as `tunelab exp list` shows it")
    .option("-y, --yes", "delete without asking (required when stdin is not a terminal, e.g. in CI)")
    .addHelpText(
      "after",
      [
        "",
        "Experiments that trained the model are not deleted: they keep their record, metrics, eval runs and leaderboard",
        "place (`tunelab exp delete ID` deletes those). Base models cannot be deleted (`tunelab models remove NAME`",
        "unregisters an open-weight one).",
        "",
        "Example:",
        "  tunelab models delete ft:local-tiny:tickets::abc12345 --yes",
      ].join("\n"),
    )
    .action(async (model: string, options: { yes?: boolean }) => {
      // checked before anything is opened: with no terminal to ask on, deleting needs --yes
      if (!options.yes && !process.stdin.isTTY)
        throw new TunelabError(
          "invalid_argument",
          `not deleting ${model}: stdin is not a terminal, so there is no one to ask; pass --yes to delete it`,
        );
      await withServices(
        async (services) => {
          const local = services.local;
          if (!local) throw new TunelabError("internal", "the embedded engine is not running in this process");
          const url = `http://tunelab.local/v1/models/${encodeURIComponent(model)}`;
          if (!options.yes) {
            // an unknown id is refused before asking
            const found = await local.fetch(new Request(url));
            if (!found.ok) throw engineError(model, found.status, (await found.json()) as OpenAIErrorBody);
            const users = await experimentsWith(services.ws, model);
            const note = users.length ? ` (trained by ${users.map((e) => e.id).join(", ")}; ${KEPT})` : "";
            if (!(await confirm(`delete tuned model ${model}${note}?`))) {
              emit(globals(), { id: model, object: "model", deleted: false }, () => `kept ${model}: nothing was deleted`);
              return;
            }
          }
          const answer = await local.fetch(new Request(url, { method: "DELETE" }));
          const body = (await answer.json()) as OpenAIErrorBody & { id?: string; object?: string; deleted?: boolean };
          if (!answer.ok) throw engineError(model, answer.status, body);
          const experiments = await experimentsWith(services.ws, model);
          const checkpoints = await checkpointsOf(local, model);
          emit(globals(), { ...body, experiments, checkpoints }, () =>
            [
              color.green(`✔ deleted ${color.bold(model)}`),
              ...(experiments.length
                ? [`  experiments that trained it: ${experiments.map((e) => `${e.name} ${color.dim(e.id)}`).join(", ")}`, `  ${KEPT}`]
                : []),
              ...(checkpoints.length
                ? [
                    `  its training checkpoints are models of their own and stay: ${checkpoints.join(", ")} (\`tunelab models delete ID\` each)`,
                  ]
                : []),
            ].join("\n"),
          );
        },
        { runJobs: false },
      );
    });
}
