import {
  type CreateExperiment,
  createExperiment,
  type DeletedExperiment,
  deleteExperiments,
  EventLog,
  type Experiment,
  ExperimentListQuery,
  experimentMetrics,
  FINISHED_EXPERIMENT,
  getExperiment,
  getProjectByName,
  listExperimentPage,
  loadConfig,
  localCreator,
  providerKind,
  scoringSetup,
  trainingSetup,
  tunableModels,
} from "@tunelab/core";
import { asLocalEngine } from "@tunelab/engine";
import { type Command, Option } from "commander";
import { resolveProjectName, withWorkspace } from "../context.ts";
import { EXIT } from "../exit-codes.ts";
import { checkedBy, nonNegativeInteger, positiveInteger } from "../option-parsers.ts";
import { color, emit, type GlobalOptions, table } from "../output.ts";
import { experimentSummary, hyperText, statusColor } from "../render/experiment.ts";
import { experimentScores, scoresText } from "../render/scores.ts";
import { noStepsReason, stepLine, summaryLine } from "../render/training-log.ts";
import { setupText } from "../render/training-setup.ts";
import { runExperiments } from "../run-experiments.ts";
import { withServices } from "../services.ts";
import { engineModelKinds, withEngine } from "./engine-access.ts";
import { chosenEvaluation, evalOptions } from "./eval-options.ts";
import { dryRunCreate, providerMapping, providerMappingText } from "./experiment-dry-run.ts";
import {
  type CreateOptions,
  chosenHyperparameters,
  concurrencyOption,
  hyperparameterOptions,
  methodOption,
  type RunOptions,
  runOptions,
} from "./experiment-options.ts";
import { checkRunTarget } from "./run-target.ts";

export function registerExperiments(program: Command, globals: () => GlobalOptions): void {
  const exp = program.command("exp").description("experiments: a dataset version + base model + hyperparameters, trained and scored");

  evalOptions(
    runOptions(
      hyperparameterOptions(
        exp
          .command("create")
          .description("create an experiment and run it (training, then scoring on the test split)")
          .requiredOption("-d, --dataset <ref>", "training data, e.g. train@2 (preference pairs for --method dpo)")
          .requiredOption("-m, --model <name>", "base model: local-tiny|local-small|local-base, or one from `tunelab models list`")
          .option("-p, --project <name>", "project (default: the only project)")
          .addOption(methodOption())
          .option("--validation <ref>", "validation data version")
          .option("--suffix <text>", "suffix of the tuned model's name")
          .option("--name <text>", "experiment name")
          .option("--notes <text>", "notes")
          .option("--force", "create even if an identical experiment exists")
          .option("--no-run", "only create it; run later with `tunelab exp run ID`")
          .option(
            "--dry-run",
            "check it, print the hyperparameters as the provider takes them and the estimated billed tokens and cost; creates, uploads and sends nothing",
          ),
      ),
    ),
  )
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  tunelab exp create --dataset train@2 --model local-small --epochs 3",
        "  tunelab exp create -d train@1 -m local-tiny --lr-multiplier 2 --no-run",
        "  tunelab exp create -d train@2 -m SmolLM2-135M-Instruct --lora-rank 8 --lora-alpha 16 --lora-targets q_proj,v_proj",
        "  tunelab exp create -d prefs@1 -m SmolLM2-135M-Instruct --method dpo --beta 0.2",
        "  tunelab exp create -d train@2 -m local-small --trials 5",
        "",
        "LoRA flags apply to open-weight bases (`tunelab models add hf:ORG/NAME`); local-* sizes train in full.",
        "DPO trains on OpenAI's preference JSONL ({input, preferred_output, non_preferred_output}).",
      ].join("\n"),
    )
    .action(async (o: CreateOptions) => {
      if (o.dryRun) return dryRunCreate(o, globals());
      const created = await withWorkspace(async (ws) => {
        const project = await resolveProjectName(ws, o.project);
        // a provider or base model that does not exist is refused before anything is stored or uploaded
        await checkRunTarget(ws, o.provider, o.model, o.run);
        // what it will be scored on must exist before it trains (created with --no-run, it may come later)
        if (o.run) await scoringSetup(ws, (await getProjectByName(ws.db, project)).id);
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
          ...(o.name ? { name: o.name } : {}),
          ...(o.notes ? { notes: o.notes } : {}),
          ...(o.force ? { force: true } : {}),
        };
        const evaluation = chosenEvaluation(o);
        if (evaluation) input.evaluation = evaluation;
        // what the provider cannot train (its capability table) is refused here, before anything is stored
        const config = loadConfig();
        return createExperiment(ws, input, {
          kindOf: (name) => providerKind(config, name),
          modelsOf: (name) => tunableModels(config, name),
          localModelKind: engineModelKinds(),
          createdBy: localCreator(),
        });
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
    .addOption(concurrencyOption(2))
    .action(async (ids: string[], o: { concurrency: number }) => {
      // run resumes unfinished experiments; one that had already ended is shown as it is, saying how to run it again
      const ended = await withWorkspace(async (ws) => {
        const before = await Promise.all(ids.map((id) => getExperiment(ws.db, id)));
        return before.filter((e) => FINISHED_EXPERIMENT.has(e.status));
      });
      const results = await runExperiments(ids, globals(), o.concurrency);
      for (const e of ended)
        process.stderr.write(
          `${e.id} had already ${e.status === "cancelled" ? "been cancelled" : e.status}; exp run resumes unfinished experiments only. To run the same setup again: tunelab exp create with the same flags${e.status === "cancelled" ? "" : " and --force"}\n`,
        );
      emit(globals(), results, () => results.map(experimentSummary).join("\n\n"));
      if (results.some((r) => r.status === "failed")) process.exitCode = EXIT.checkFailed;
    });

  exp
    .command("list")
    .description("experiments of a project, oldest first, a page at a time")
    .option("-p, --project <name>", "project (default: the only project)")
    .addOption(
      new Option("--limit <n>", "experiments to show (at most 10000)")
        .argParser(checkedBy(positiveInteger, ExperimentListQuery.shape.limit))
        .default(1_000),
    )
    .addOption(
      new Option("--offset <n>", "experiments to skip first, oldest first (the next page: --offset 1000)")
        .argParser(nonNegativeInteger)
        .default(0),
    )
    .addHelpText(
      "after",
      [
        "",
        "With --json the output is a JSON array of this page's experiments; when more follow, stderr says which rows",
        "these are and the --offset of the next page (rows 1-1000 of 1500; 500 more: --offset 1000 (--limit 1000)).",
        "Ask for pages until one holds fewer than --limit experiments.",
      ].join("\n"),
    )
    .action(async (o: { project?: string; limit: number; offset: number }) => {
      await withWorkspace(async (ws) => {
        const project = await resolveProjectName(ws, o.project);
        const page = await listExperimentPage(ws, { project, limit: o.limit, offset: o.offset });
        const all = page.experiments;
        const note = pageNote(page);
        // the JSON stays an array of experiments; the page's place goes to stderr, so stdout stays one JSON value
        if (globals().json && note) process.stderr.write(`${note}\n`);
        emit(globals(), all, () =>
          all.length === 0 && page.total > 0
            ? `no experiments from --offset ${page.offset}: this project has ${page.total}; \`tunelab exp list --offset 0\` shows the first`
            : all.length === 0
              ? "no experiments yet: `tunelab baseline --model local-small` and `tunelab exp create --dataset train@1 --model local-small`"
              : table(
                  ["id", "name", "status", "model", "method", "hyperparameters", "tuned model"],
                  all.map((e) => [
                    e.id,
                    e.name,
                    statusColor(e.status),
                    e.baseModel,
                    e.method,
                    hyperText(e.hyperparameters.resolved ?? e.hyperparameters.requested),
                    e.kind === "baseline" ? "(baseline)" : (e.tunedModel ?? "-"),
                  ]),
                ) + (note ? color.dim(`\n${note}`) : ""),
        );
      });
    });

  exp
    .command("show")
    .description("one experiment: setup (base model, method, LoRA settings, trainable parameters), status, training, scores")
    .argument("<id>")
    .action(async (id: string) => {
      const { experiment, metrics, scores } = await withWorkspace(async (ws) => {
        const experiment = await getExperiment(ws.db, id);
        return { experiment, metrics: await experimentMetrics(ws.db, id), scores: await experimentScores(ws, experiment) };
      });
      const setup = await withEngine((engine) => trainingSetup(experiment, asLocalEngine(engine).catalog));
      const last = metrics.at(-1);
      const mapping = providerMapping(experiment);
      emit(globals(), { ...experiment, setup, providerMapping: mapping, scores, metrics }, () =>
        [
          experimentSummary(experiment),
          setupText(setup),
          providerMappingText(mapping),
          scoresText(scores, experiment.status),
          last
            ? `last step ${last.step}/${last.total_steps ?? "?"}: train loss ${last.train_loss?.toFixed(4) ?? "?"}${last.valid_loss !== null ? `, valid loss ${last.valid_loss.toFixed(4)}` : ""}`
            : "",
        ]
          .filter(Boolean)
          .join("\n"),
      );
    });

  exp
    .command("cancel")
    .description("cancel experiments (and their providers' fine-tuning jobs): one, or every one a sweep printed")
    .argument("<ids...>", "experiment ids; those that had already ended are left as they are and named on stderr")
    .action(async (ids: string[]) => {
      await withServices(
        async (services) => {
          // every id must name an experiment before any is cancelled: a typo cancels nothing
          const before = await Promise.all(ids.map((id) => getExperiment(services.ws.db, id)));
          const results: Experiment[] = [];
          for (const experiment of before) {
            if (FINISHED_EXPERIMENT.has(experiment.status)) {
              process.stderr.write(
                `${experiment.id} had already ${experiment.status === "cancelled" ? "been cancelled" : experiment.status}; left as it is\n`,
              );
              results.push(experiment);
              continue;
            }
            results.push(await services.experiments.cancel(experiment.id));
          }
          // one id: the experiment as before; several: an array, in the order given
          if (ids.length === 1 && results[0]) {
            const only = results[0];
            emit(globals(), only, () => experimentSummary(only));
          } else emit(globals(), results, () => results.map(experimentSummary).join("\n\n"));
        },
        { runJobs: false },
      );
    });

  exp
    .command("delete")
    .description(
      "delete finished experiments with their training metrics and eval runs (they leave `exp list` and the leaderboard); the tuned model stays with its provider",
    )
    .argument("<ids...>", "experiment ids; every one must have finished (or never started) before any is deleted")
    .action(async (ids: string[]) => {
      const deleted = await withWorkspace(async (ws) => {
        // one transaction: an unknown id, or one still running (cancel it first), deletes nothing
        const events = new EventLog(ws.db);
        try {
          return await deleteExperiments(ws, ids, { onEvent: (event) => events.publish(event) });
        } finally {
          await events.close(); // a `tunelab serve` page hears of it, as of a status change, and refreshes
        }
      });
      const line = (d: DeletedExperiment) =>
        `deleted ${d.id}${d.tunedModel ? `; its tuned model ${d.tunedModel} stays with its provider (the local engine's: \`tunelab models delete ${d.tunedModel}\`; a hosted provider's: DELETE /v1/models/${d.tunedModel} there)` : ""}`;
      // one id: the object; several: an array, in the order given (as exp cancel)
      if (ids.length === 1 && deleted[0]) {
        const only = deleted[0];
        emit(globals(), only, () => line(only));
      } else emit(globals(), deleted, () => deleted.map(line).join("\n"));
    });

  exp
    .command("logs")
    .description("training metrics of an experiment, step by step, then a one-line summary")
    .argument("<id>")
    .addOption(new Option("-n, --tail <n>", "only the last N steps").argParser(nonNegativeInteger))
    .addOption(new Option("-f, --follow", "keep printing until the experiment finishes (runs it in this process if nobody else does)"))
    .action(async (id: string, o: { follow?: boolean; tail?: number }) => {
      const json = Boolean(globals().json);
      const { tail } = o;
      const print = (rows: Awaited<ReturnType<typeof experimentMetrics>>) => {
        for (const m of rows) process.stdout.write(`${stepLine(m, json)}\n`);
      };
      const finish = (experiment: Experiment, rows: Awaited<ReturnType<typeof experimentMetrics>>, shown: number) => {
        // the summary and the reason for no steps go to stderr with --json, so stdout stays one JSON object a line
        const say = (text: string) => (json ? process.stderr : process.stdout).write(`${text}\n`);
        say(rows.length === 0 ? noStepsReason(experiment) : summaryLine(rows, shown));
      };
      if (!o.follow) {
        await withWorkspace(async (ws) => {
          const experiment = await getExperiment(ws.db, id);
          const rows = await experimentMetrics(ws.db, id);
          const shown = tail === undefined ? rows : rows.slice(rows.length - Math.min(tail, rows.length));
          print(shown);
          finish(experiment, rows, shown.length);
        });
        return;
      }
      await withServices(async (services) => {
        const all = await experimentMetrics(services.ws.db, id);
        let shown = tail === undefined ? 0 : Math.max(0, all.length - tail);
        let printed = 0;
        const flush = async () => {
          const rows = await experimentMetrics(services.ws.db, id);
          print(rows.slice(shown));
          printed += Math.max(0, rows.length - shown);
          shown = rows.length;
          return rows;
        };
        const running = services.experiments.run(id);
        const timer = setInterval(() => void flush(), 500);
        try {
          const final = await running;
          finish(final, await flush(), printed);
          process.stderr.write(`${final.name}: ${statusColor(final.status)}${final.error ? ` — ${final.error}` : ""}\n`);
        } finally {
          clearInterval(timer);
        }
      });
    });

  evalOptions(
    runOptions(
      program
        .command("baseline")
        .description("score a base model as is (no training), so the leaderboard shows what tuning bought")
        .requiredOption("-m, --model <name>", "model to score, e.g. local-small or gpt-4o-mini")
        .option("-p, --project <name>", "project (default: the only project)")
        .option("--name <text>", "experiment name"),
    ),
  ).action(async (o: RunOptions & { model: string; project?: string; name?: string; trials?: number; temperature?: number }) => {
    const created = await withWorkspace(async (ws) => {
      const project = await resolveProjectName(ws, o.project);
      await checkRunTarget(ws, o.provider, o.model);
      await scoringSetup(ws, (await getProjectByName(ws.db, project)).id);
      const evaluation = chosenEvaluation(o);
      return createExperiment(
        ws,
        {
          project,
          model: o.model,
          provider: o.provider,
          method: "none",
          ...(o.name ? { name: o.name } : {}),
          ...(evaluation ? { evaluation } : {}),
        },
        { createdBy: localCreator() },
      );
    });
    const final =
      created.experiment.status === "completed"
        ? created.experiment
        : ((await runExperiments([created.experiment.id], globals()))[0] ?? created.experiment);
    emit(globals(), final, () => experimentSummary(final));
    if (final.status === "failed") process.exitCode = EXIT.checkFailed;
  });
}

/**
 * When the project has experiments outside this page: which rows these are and how to see the rest, as the
 * leaderboard says it (`rows 1-1000 of 1500; 500 more: --offset 1000 (--limit 1000)`); "" when the page holds them all.
 */
function pageNote(page: { total: number; offset: number; limit: number; experiments: readonly unknown[] }): string {
  const shown = page.experiments.length;
  const after = page.total - page.offset - shown;
  if (shown === 0 || (page.offset === 0 && after <= 0)) return "";
  const more = after > 0 ? `; ${after} more: --offset ${page.offset + shown} (--limit ${page.limit})` : "";
  return `rows ${page.offset + 1}-${page.offset + shown} of ${page.total}${more}`;
}
