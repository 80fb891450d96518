import {
  type CreateExperiment,
  createExperiment,
  type Experiment,
  experimentMetrics,
  getExperiment,
  getProjectByName,
  listExperiments,
  TunelabError,
} from "@tunelab/core";
import { type Command, Option } from "commander";
import { resolveProjectName, withWorkspace } from "../context.ts";
import { EXIT } from "../exit-codes.ts";
import { color, emit, type GlobalOptions, table } from "../output.ts";
import { parseNumberOption } from "../read-input.ts";
import { experimentSummary, hyperText, statusColor } from "../render/experiment.ts";
import { Progress } from "../render/progress.ts";
import { withServices } from "../services.ts";

const auto = (name: string, value: string | undefined): number | "auto" | undefined =>
  value === undefined || value === "auto" ? (value as "auto" | undefined) : parseNumberOption(name, value);

/** Runs experiments to the end with progress, and prints each one's outcome. */
export async function runExperiments(ids: string[], globals: GlobalOptions, concurrency = 2): Promise<Experiment[]> {
  return withServices(
    async (services) => {
      const labels = new Map<string, string>();
      for (const id of ids) labels.set(id, (await getExperiment(services.ws.db, id)).name);
      const progress = new Progress(labels, { json: Boolean(globals.json) });
      const off = services.experiments.subscribe((event) => progress.experiment(event));
      try {
        const results = await Promise.all(ids.map((id) => services.experiments.run(id)));
        return results;
      } finally {
        off();
        progress.stop();
      }
    },
    { concurrency },
  );
}

function hyperOptions(command: Command): Command {
  return command
    .option("--epochs <n|auto>", "n_epochs")
    .option("--batch-size <n|auto>", "batch_size")
    .option("--lr-multiplier <x|auto>", "learning_rate_multiplier")
    .option("--prompt-loss-weight <x|auto>", "loss weight of prompt tokens, 0 to 1 (local engine only; auto: 0.1)")
    .option("--seed <n>", "training seed (default 42)")
    .option("--provider <name>", "local (embedded engine), openai, or one from tunelab.config.json", "local");
}

export function registerExperiments(program: Command, globals: () => GlobalOptions): void {
  const exp = program.command("exp").description("experiments: a dataset version + base model + hyperparameters, trained and scored");

  hyperOptions(
    exp
      .command("create")
      .description("create an experiment and run it (training, then scoring on the test split)")
      .requiredOption("-d, --dataset <ref>", "training data, e.g. train@2")
      .requiredOption("-m, --model <name>", "base model, e.g. local-small")
      .option("-p, --project <name>", "project (default: the only project)")
      .option("--validation <ref>", "validation data version")
      .option("--suffix <text>", "suffix of the tuned model's name")
      .option("--name <text>", "experiment name")
      .option("--notes <text>", "notes")
      .option("--force", "create even if an identical experiment exists")
      .option("--no-run", "only create it; run later with `tunelab exp run ID`"),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  tunelab exp create --dataset train@2 --model local-small --epochs 3\n  tunelab exp create -d train@1 -m local-tiny --lr-multiplier 2 --no-run",
    )
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const created = await withWorkspace(async (ws) => {
        const input: CreateExperiment = {
          project: await resolveProjectName(ws, o.project as string | undefined),
          dataset: o.dataset as string,
          model: o.model as string,
          provider: o.provider as string,
          hyperparameters: {
            ...(o.epochs !== undefined ? { n_epochs: auto("--epochs", o.epochs as string) } : {}),
            ...(o.batchSize !== undefined ? { batch_size: auto("--batch-size", o.batchSize as string) } : {}),
            ...(o.lrMultiplier !== undefined ? { learning_rate_multiplier: auto("--lr-multiplier", o.lrMultiplier as string) } : {}),
            ...(o.promptLossWeight !== undefined ? { prompt_loss_weight: auto("--prompt-loss-weight", o.promptLossWeight as string) } : {}),
          } as CreateExperiment["hyperparameters"],
          ...(o.seed !== undefined ? { seed: parseNumberOption("--seed", o.seed as string) } : {}),
          ...(o.validation ? { validation: o.validation as string } : {}),
          ...(o.suffix ? { suffix: o.suffix as string } : {}),
          ...(o.name ? { name: o.name as string } : {}),
          ...(o.notes ? { notes: o.notes as string } : {}),
          ...(o.force ? { force: true } : {}),
        };
        return createExperiment(ws, input);
      });
      if (!created.created)
        process.stderr.write(
          color.yellow(
            `= an identical experiment exists: ${created.experiment.id} (${created.experiment.status}); --force makes another\n`,
          ),
        );
      const final =
        o.run && created.experiment.status !== "completed"
          ? ((await runExperiments([created.experiment.id], globals()))[0] ?? created.experiment)
          : created.experiment;
      emit(globals(), final, () => experimentSummary(final));
      if (final.status === "failed") process.exitCode = EXIT.checkFailed;
    });

  exp
    .command("run")
    .description("run (or resume) experiments until they finish")
    .argument("<ids...>", "experiment ids")
    .option("--concurrency <n>", "experiments at once", "2")
    .action(async (ids: string[], o: { concurrency: string }) => {
      const results = await runExperiments(ids, globals(), parseNumberOption("--concurrency", o.concurrency) ?? 2);
      emit(globals(), results, () => results.map(experimentSummary).join("\n\n"));
      if (results.some((r) => r.status === "failed")) process.exitCode = EXIT.checkFailed;
    });

  exp
    .command("list")
    .description("experiments of a project")
    .option("-p, --project <name>", "project (default: the only project)")
    .action(async (o: { project?: string }) => {
      await withWorkspace(async (ws) => {
        const project = await getProjectByName(ws.db, await resolveProjectName(ws, o.project));
        const all = await listExperiments(ws.db, project.id);
        emit(globals(), all, () =>
          all.length === 0
            ? "no experiments yet: `tunelab baseline --model local-small` and `tunelab exp create --dataset train@1 --model local-small`"
            : table(
                ["id", "name", "status", "model", "hyperparameters", "tuned model"],
                all.map((e) => [
                  e.id,
                  e.name,
                  statusColor(e.status),
                  e.baseModel,
                  hyperText(e.hyperparameters.resolved ?? e.hyperparameters.requested),
                  e.kind === "baseline" ? "(baseline)" : (e.tunedModel ?? "-"),
                ]),
              ),
        );
      });
    });

  exp
    .command("show")
    .description("one experiment: setup, status, training, scores")
    .argument("<id>")
    .action(async (id: string) => {
      await withWorkspace(async (ws) => {
        const experiment = await getExperiment(ws.db, id);
        const metrics = await experimentMetrics(ws.db, id);
        const last = metrics.at(-1);
        emit(globals(), { ...experiment, metrics }, () =>
          [
            experimentSummary(experiment),
            last
              ? `last step ${last.step}/${last.total_steps ?? "?"}: train loss ${last.train_loss?.toFixed(4) ?? "?"}${last.valid_loss !== null ? `, valid loss ${last.valid_loss.toFixed(4)}` : ""}`
              : "",
          ]
            .filter(Boolean)
            .join("\n"),
        );
      });
    });

  exp
    .command("cancel")
    .description("cancel an experiment (and its provider's fine-tuning job)")
    .argument("<id>")
    .action(async (id: string) => {
      await withServices(
        async (services) => {
          const cancelled = await services.experiments.cancel(id);
          emit(globals(), cancelled, () => experimentSummary(cancelled));
        },
        { runJobs: false },
      );
    });

  exp
    .command("logs")
    .description("training metrics of an experiment")
    .argument("<id>")
    .addOption(new Option("-f, --follow", "keep printing until the experiment finishes (runs it in this process if nobody else does)"))
    .action(async (id: string, o: { follow?: boolean }) => {
      const print = (rows: Awaited<ReturnType<typeof experimentMetrics>>) => {
        for (const m of rows) {
          const line = {
            step: m.step,
            total_steps: m.total_steps,
            train_loss: m.train_loss,
            train_accuracy: m.train_accuracy,
            valid_loss: m.valid_loss,
            valid_accuracy: m.valid_accuracy,
          };
          process.stdout.write(
            globals().json
              ? `${JSON.stringify(line)}\n`
              : `step ${m.step}/${m.total_steps ?? "?"} train_loss=${m.train_loss?.toFixed(4) ?? "-"} train_acc=${m.train_accuracy?.toFixed(3) ?? "-"}${m.valid_loss !== null ? ` valid_loss=${m.valid_loss.toFixed(4)}` : ""}\n`,
          );
        }
      };
      if (!o.follow) {
        await withWorkspace(async (ws) => {
          await getExperiment(ws.db, id);
          print(await experimentMetrics(ws.db, id));
        });
        return;
      }
      await withServices(async (services) => {
        let shown = 0;
        const flush = async () => {
          const rows = await experimentMetrics(services.ws.db, id);
          print(rows.slice(shown));
          shown = rows.length;
        };
        const running = services.experiments.run(id);
        const timer = setInterval(() => void flush(), 500);
        try {
          const final = await running;
          await flush();
          process.stderr.write(`${final.name}: ${statusColor(final.status)}${final.error ? ` — ${final.error}` : ""}\n`);
        } finally {
          clearInterval(timer);
        }
      });
    });

  hyperOptions(
    program
      .command("baseline")
      .description("score a base model as is (no training), so the leaderboard shows what tuning bought")
      .requiredOption("-m, --model <name>", "model to score, e.g. local-small or gpt-4o-mini")
      .option("-p, --project <name>", "project (default: the only project)")
      .option("--name <text>", "experiment name"),
  ).action(async (o: { model: string; project?: string; provider: string; name?: string }) => {
    const created = await withWorkspace(async (ws) =>
      createExperiment(ws, {
        project: await resolveProjectName(ws, o.project),
        model: o.model,
        provider: o.provider,
        method: "none",
        ...(o.name ? { name: o.name } : {}),
      }),
    );
    const final =
      created.experiment.status === "completed"
        ? created.experiment
        : ((await runExperiments([created.experiment.id], globals()))[0] ?? created.experiment);
    emit(globals(), final, () => experimentSummary(final));
    if (final.status === "failed") process.exitCode = EXIT.checkFailed;
  });

  program
    .command("sweep")
    .description("one experiment per point of a grid of datasets and hyperparameters, run with a concurrency limit")
    .requiredOption("-d, --dataset <refs>", "comma-separated dataset versions, e.g. train@1,train@2")
    .requiredOption("-m, --model <name>", "base model")
    .option("-p, --project <name>", "project (default: the only project)")
    .option("--epochs <list>", "e.g. 2,4,8", "auto")
    .option("--lr-multiplier <list>", "e.g. 0.5,1,2", "auto")
    .option("--batch-size <list>", "e.g. 4,8", "auto")
    .option("--prompt-loss-weight <list>", "e.g. 0,0.1 (local engine only)")
    .option("--seed <n>", "training seed")
    .option("--provider <name>", "provider", "local")
    .option("--concurrency <n>", "experiments at once", "2")
    .addHelpText("after", "\nExample:\n  tunelab sweep --dataset train@2 --model local-small --epochs 2,4,8 --lr-multiplier 0.5,1,2")
    .action(async (o: Record<string, string | undefined>) => {
      const list = (name: string, value: string | undefined) => (value ?? "auto").split(",").map((v) => auto(name, v.trim()) ?? "auto");
      const datasets = (o.dataset ?? "").split(",").map((d) => d.trim());
      // Left out of the request unless asked for: other hosts refuse the parameter.
      const promptWeights = o.promptLossWeight === undefined ? [undefined] : list("--prompt-loss-weight", o.promptLossWeight);
      const size =
        datasets.length *
        list("--epochs", o.epochs).length *
        list("--lr-multiplier", o.lrMultiplier).length *
        list("--batch-size", o.batchSize).length *
        promptWeights.length;
      if (size > 200) throw new TunelabError("invalid_argument", `the grid has ${size} points; the limit is 200`);
      const ids = await withWorkspace(async (ws) => {
        const project = await resolveProjectName(ws, o.project);
        const points: string[] = [];
        for (const dataset of datasets)
          for (const n_epochs of list("--epochs", o.epochs))
            for (const learning_rate_multiplier of list("--lr-multiplier", o.lrMultiplier))
              for (const batch_size of list("--batch-size", o.batchSize))
                for (const prompt_loss_weight of promptWeights) {
                  const result = await createExperiment(ws, {
                    project,
                    dataset,
                    model: o.model ?? "",
                    provider: o.provider ?? "local",
                    hyperparameters: {
                      n_epochs,
                      learning_rate_multiplier,
                      batch_size,
                      ...(prompt_loss_weight !== undefined ? { prompt_loss_weight } : {}),
                    } as CreateExperiment["hyperparameters"],
                    ...(o.seed ? { seed: parseNumberOption("--seed", o.seed) } : {}),
                  });
                  points.push(result.experiment.id);
                }
        return points;
      });
      const results = await runExperiments(ids, globals(), parseNumberOption("--concurrency", o.concurrency) ?? 2);
      emit(globals(), results, () =>
        table(
          ["id", "name", "status"],
          results.map((r) => [r.id, r.name, statusColor(r.status)]),
        ),
      );
      if (results.some((r) => r.status === "failed")) process.exitCode = EXIT.checkFailed;
    });
}
