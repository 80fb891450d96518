import {
  createDataFractions,
  createSweep,
  DataFractions,
  getProjectByName,
  localCreator,
  type SweepRequest,
  scoringSetup,
  type TrainingMethod,
  TunelabError,
} from "@tunelab/core";
import type { Command } from "commander";
import { resolveProjectName, withWorkspace } from "../context.ts";
import { EXIT } from "../exit-codes.ts";
import { emit, type GlobalOptions, table } from "../output.ts";
import { parseNumberOption } from "../read-input.ts";
import { statusColor } from "../render/experiment.ts";
import { chosenHyperparameters, methodOption, runOptions, sweepOptions } from "./experiment-options.ts";
import { runExperiments } from "./run-experiments.ts";

export function registerSweep(program: Command, globals: () => GlobalOptions): void {
  runOptions(
    sweepOptions(
      program
        .command("sweep")
        .description("one experiment per point of a grid of datasets and hyperparameters, run with a concurrency limit")
        .requiredOption("-d, --dataset <refs>", "comma-separated dataset versions, e.g. train@1,train@2")
        .requiredOption("-m, --model <name>", "base model")
        .option("-p, --project <name>", "project (default: the only project)")
        .addOption(methodOption())
        .option("--validation <ref>", "validation data version, for every point")
        .option("--concurrency <n>", "experiments at once", "2")
        .option(
          "--data-fractions <list>",
          "for a learning curve: nested subsets of each dataset, e.g. 0.25,0.5,1 (stored as versions of DATASET-vN-25pct, …; see tunelab curve)",
        )
        .option("--fraction-seed <n>", "seed of the subsets' shuffle", "42"),
    ),
  )
    .addHelpText(
      "after",
      [
        "",
        "Every hyperparameter flag takes a comma list; the grid is every combination (at most 200 points).",
        "",
        "Examples:",
        "  tunelab sweep --dataset train@2 --model local-small --epochs 2,4,8 --lr-multiplier 0.5,1,2",
        "  tunelab sweep -d train@2 -m SmolLM2-135M-Instruct --lora-rank 4,8,16 --lora-targets q_proj,v_proj --lora-targets all-linear",
        "  tunelab sweep -d prefs@1 -m SmolLM2-135M-Instruct --method dpo --beta 0.05,0.1,0.5",
        "  tunelab sweep -d train@2 -m local-small --data-fractions 0.125,0.25,0.5,1   # then: tunelab curve",
      ].join("\n"),
    )
    .action(async (o: Record<string, unknown>) => {
      const ids = await withWorkspace(async (ws) => {
        const project = await resolveProjectName(ws, o.project as string | undefined);
        await scoringSetup(ws, (await getProjectByName(ws.db, project)).id); // before anything trains
        let datasets = String(o.dataset)
          .split(",")
          .map((d) => d.trim())
          .filter(Boolean);
        if (o.dataFractions !== undefined) {
          const parsed = DataFractions.safeParse(String(o.dataFractions).split(",").map(Number));
          if (!parsed.success)
            throw new TunelabError(
              "invalid_argument",
              `--data-fractions: "${String(o.dataFractions)}": ${parsed.error.issues[0]?.message ?? "invalid"}; expected fractions in (0, 1], e.g. 0.25,0.5,1`,
            );
          const seed = parseNumberOption("--fraction-seed", o.fractionSeed as string) ?? 42;
          const subsets = [];
          for (const dataset of datasets)
            subsets.push(...(await createDataFractions(ws, { project, dataset, fractions: parsed.data, seed })));
          for (const f of subsets)
            if (f.status !== "source")
              process.stderr.write(
                `${f.status === "created" ? "stored" : "reusing"} ${f.version.ref}: ${f.version.exampleCount} examples (${f.fraction} of the data)\n`,
              );
          datasets = subsets.map((f) => f.version.ref);
        }
        const request: SweepRequest = {
          project,
          datasets,
          model: o.model as string,
          provider: o.provider as string,
          method: o.method as TrainingMethod,
          ...(o.validation ? { validation: o.validation as string } : {}),
          ...(o.seed !== undefined ? { seed: parseNumberOption("--seed", o.seed as string) } : {}),
          ...(chosenHyperparameters(o) as Partial<SweepRequest>),
        };
        return (await createSweep(ws, request, { createdBy: localCreator() })).map((r) => r.experiment.id);
      });
      const results = await runExperiments([...new Set(ids)], globals(), parseNumberOption("--concurrency", o.concurrency as string) ?? 2);
      emit(globals(), results, () =>
        table(
          ["id", "name", "method", "status"],
          results.map((r) => [r.id, r.name, r.method, statusColor(r.status)]),
        ),
      );
      if (results.some((r) => r.status === "failed")) process.exitCode = EXIT.checkFailed;
    });
}
