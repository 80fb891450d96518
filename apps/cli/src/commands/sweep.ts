import {
  checkSweepGrid,
  createSweep,
  DataFractions,
  DEFAULT_FRACTION_SEED,
  getProjectByName,
  leaderboard,
  localCreator,
  MAX_SWEEP_POINTS,
  SweepGrid,
  scoringSetup,
  type TrainingMethod,
} from "@tunelab/core";
import { type Command, Option } from "commander";
import { resolveProjectName, withWorkspace } from "../context.ts";
import { EXIT } from "../exit-codes.ts";
import { checkedBy, finiteNumber, listOf } from "../option-parsers.ts";
import { count, emit, type GlobalOptions } from "../output.ts";
import { type ExperimentScores, experimentScores } from "../render/scores.ts";
import { sweepSummary } from "../render/sweep-summary.ts";
import { runExperiments } from "../run-experiments.ts";
import { engineModelKinds } from "./engine-access.ts";
import { chosenAxes, concurrencyOption, methodOption, type RunOptions, runOptions, sweepOptions } from "./experiment-options.ts";
import { checkRunTarget } from "./run-target.ts";

/** `tunelab sweep`'s options as parsed (its hyperparameter flags, each a list, are read with `chosenAxes`). */
interface SweepCliOptions extends RunOptions {
  dataset: string[];
  model: string;
  project?: string;
  method: TrainingMethod;
  validation?: string;
  concurrency: number;
  dataFractions?: number[];
  fractionSeed: number;
}

const datasetList = checkedBy(
  (text) =>
    text
      .split(",")
      .map((d) => d.trim())
      .filter(Boolean),
  SweepGrid.shape.datasets,
);

export function registerSweep(program: Command, globals: () => GlobalOptions): void {
  runOptions(
    sweepOptions(
      program
        .command("sweep")
        .description("one experiment per point of a grid of datasets and hyperparameters, run with a concurrency limit")
        .addOption(
          new Option("-d, --dataset <refs>", "comma-separated dataset versions, e.g. train@1,train@2")
            .argParser(datasetList)
            .makeOptionMandatory(),
        )
        .requiredOption("-m, --model <name>", "base model")
        .option("-p, --project <name>", "project (default: the only project)")
        .addOption(methodOption())
        .option("--validation <ref>", "validation data version, for every point")
        .addOption(concurrencyOption(2))
        .addOption(
          new Option(
            "--data-fractions <list>",
            "for a learning curve: nested subsets of each dataset, e.g. 0.25,0.5,1 (stored as versions of DATASET-vN-25pct, …; see tunelab curve)",
          ).argParser(checkedBy(listOf(finiteNumber), DataFractions)),
        )
        .addOption(
          new Option("--fraction-seed <n>", "seed of the subsets' shuffle")
            .argParser(checkedBy(finiteNumber, SweepGrid.shape.fractionSeed))
            .default(DEFAULT_FRACTION_SEED),
        ),
    ),
  )
    .addHelpText(
      "after",
      [
        "",
        `Every hyperparameter flag takes a comma list; the grid is every combination (at most ${MAX_SWEEP_POINTS} points, data fractions counted).`,
        "",
        "Examples:",
        "  tunelab sweep --dataset train@2 --model local-small --epochs 2,4,8 --lr-multiplier 0.5,1,2",
        "  tunelab sweep -d train@2 -m SmolLM2-135M-Instruct --lora-rank 4,8,16 --lora-targets q_proj,v_proj --lora-targets all-linear",
        "  tunelab sweep -d prefs@1 -m SmolLM2-135M-Instruct --method dpo --beta 0.05,0.1,0.5",
        "  tunelab sweep -d train@2 -m local-small --data-fractions 0.125,0.25,0.5,1   # then: tunelab curve",
      ].join("\n"),
    )
    .action(async (o: SweepCliOptions) => {
      // the grid as a whole (its size, data fractions counted) is checked before the workspace is opened
      const grid = checkSweepGrid({
        datasets: o.dataset,
        model: o.model,
        provider: o.provider,
        method: o.method,
        ...(o.validation ? { validation: o.validation } : {}),
        ...(o.seed === undefined ? {} : { seed: o.seed }),
        ...(o.dataFractions ? { dataFractions: o.dataFractions, fractionSeed: o.fractionSeed } : {}),
        ...chosenAxes(o),
      });
      const { ids, project } = await withWorkspace(async (ws) => {
        const project = await resolveProjectName(ws, o.project);
        await checkRunTarget(ws, o.provider, o.model);
        await scoringSetup(ws, (await getProjectByName(ws.db, project)).id); // before anything is stored or trains
        const created = await createSweep(
          ws,
          { ...grid, project },
          {
            createdBy: localCreator(),
            localModelKind: engineModelKinds(),
            onDataFraction: (f) => {
              if (f.status !== "source")
                process.stderr.write(
                  `${f.status === "created" ? "stored" : "reusing"} ${f.version.ref}: ${count(f.version.exampleCount, "example")} (${f.fraction} of the data)\n`,
                );
            },
          },
        );
        return { ids: created.map((r) => r.experiment.id), project };
      });
      const results = await runExperiments([...new Set(ids)], globals(), o.concurrency);
      // ranked as the leaderboard ranks them (the primary metric with its interval), failed points named
      const summary = globals().json
        ? undefined
        : await withWorkspace(async (ws) => {
            const board = await leaderboard(ws, { project, limit: 10_000 });
            // points reused from before the test split or graders changed keep their score, shown with its versions
            const offBoard = new Map<string, ExperimentScores>();
            for (const e of results) {
              if (board.rows.some((r) => r.experimentId === e.id)) continue;
              const scores = await experimentScores(ws, e);
              if (scores) offBoard.set(e.id, scores);
            }
            return sweepSummary(results, board, offBoard);
          });
      emit(globals(), results, () => summary ?? "");
      if (results.some((r) => r.status === "failed")) process.exitCode = EXIT.checkFailed;
    });
}
