import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  addGraders,
  type CreateExperiment,
  compare,
  createExperiment,
  diffVersions,
  gradersFromJson,
  importDataset,
  leaderboard,
  resolveHome,
  setTestSplit,
  TunelabError,
} from "@tunelab/core";
import { type Command, Option } from "commander";
import { withWorkspace } from "../context.ts";
import { positiveInteger } from "../option-parsers.ts";
import { color, emit, type GlobalOptions } from "../output.ts";
import { renderComparison } from "../render/comparison.ts";
import { renderReport } from "../render/report.ts";
import { runExperiments } from "../run-experiments.ts";
import { concurrencyOption } from "./experiment-options.ts";

const EXAMPLES = fileURLToPath(new URL("../../../../examples/ticket-routing/", import.meta.url));

/** The offline walk-through: data → graders → baseline + experiments on the embedded engine → leaderboard → compare. */
export function registerDemo(program: Command, globals: () => GlobalOptions): void {
  program
    .command("demo")
    .description("offline walk-through on the bundled ticket-routing example, on the embedded engine")
    .option("-p, --project <name>", "project to fill", "ticket-router")
    .option("-m, --model <name>", "base model", "local-small")
    .addOption(
      new Option("--epochs <n>", "fixed epochs instead of the engine's auto rule (a quick, weaker demo; the second set uses 3x)").argParser(
        positiveInteger,
      ),
    )
    .addOption(concurrencyOption(1))
    .action(async (o: { project: string; model: string; epochs?: number; concurrency: number }) => {
      const quiet = Boolean(globals().json);
      const say = (line = "") => {
        if (!quiet) process.stdout.write(`${line}\n`);
      };
      const file = (name: string) => {
        try {
          return { text: readFileSync(`${EXAMPLES}${name}`, "utf8"), fileName: `examples/ticket-routing/${name}` };
        } catch (error) {
          throw new TunelabError("io_error", `example file missing: ${EXAMPLES}${name}`, { cause: error });
        }
      };
      const { epochs } = o;
      // two hyperparameter sets: the engine's auto rule and a halved learning rate (or E and 3E epochs when --epochs is given)
      const setA: CreateExperiment["hyperparameters"] = epochs ? { n_epochs: epochs } : {};
      const setB: CreateExperiment["hyperparameters"] = epochs ? { n_epochs: epochs * 3 } : { learning_rate_multiplier: 0.5 };
      const label = (h: CreateExperiment["hyperparameters"]) =>
        h?.n_epochs ? `${h.n_epochs} epochs` : h?.learning_rate_multiplier ? `lr x${h.learning_rate_multiplier}` : "auto";
      const project = o.project;

      const ids = await withWorkspace(async (ws) => {
        say(color.bold(`tunelab demo · project ${project} · ${o.model} on the embedded engine · home ${resolveHome()}\n`));
        say(color.bold("1. The frozen test split every experiment is scored on"));
        const split = await setTestSplit(ws, { project, ...file("test.jsonl"), message: "fixed test tickets" });
        if (split.status === "invalid") throw new TunelabError("validation_failed", renderReport(split.report));
        say(
          `${split.status === "created" ? "✔ stored" : "= already stored as"} ${color.bold(split.test.ref)} (${split.test.exampleCount} items)\n`,
        );

        const versions = [];
        for (const [step, name, message] of [
          ["2", "train-v1.jsonl", "first 120 labelled tickets"],
          ["3", "train-v2.jsonl", "grown to 480 tickets"],
        ] as const) {
          say(
            color.bold(
              `${step}. Import ${name} as the next version of dataset "train" (validated as OpenAI does, checked for test leakage)`,
            ),
          );
          const result = await importDataset(ws, { project, dataset: "train", message, ...file(name) });
          if (result.status === "invalid") throw new TunelabError("validation_failed", renderReport(result.report));
          say(
            `${result.status === "created" ? "✔ stored" : "= unchanged, already"} ${color.bold(result.version.ref)}: ${result.report.examples} examples, ${result.report.warnings} warning(s)`,
          );
          versions.push(result.version);
        }
        const [v1, v2] = versions;
        if (v1 && v2) {
          const diff = await diffVersions(ws, v1, v2);
          say(`  ${diff.from} → ${diff.to}: +${diff.added.length} −${diff.removed.length} examples\n`);
        }

        say(color.bold("4. Graders: OpenAI grader JSON plus a custom grader module"));
        const json = JSON.parse(file("graders.json").text) as unknown;
        const fromJson = gradersFromJson(json, "graders.json");
        const custom = gradersFromJson(
          { type: "custom", name: "priority_distance", path: `${EXAMPLES}priority-grader.ts` },
          "priority-grader.ts",
        );
        const graders = await addGraders(ws, project, [...fromJson.graders, ...custom.graders], fromJson.primaryMetric);
        say(
          `${graders.created ? "✔" : "="} ${graders.graderSet.ref}: ${graders.graderSet.graders.map((g) => g.name).join(", ")} · primary metric ${color.bold(graders.graderSet.primaryMetric)}\n`,
        );

        const plan: CreateExperiment[] = [
          { project, model: o.model, method: "none", name: `baseline ${o.model}` },
          { project, dataset: "train@1", model: o.model, hyperparameters: setA, name: `train@1 ${o.model} ${label(setA)}` },
          { project, dataset: "train@2", model: o.model, hyperparameters: setA, name: `train@2 ${o.model} ${label(setA)}` },
          { project, dataset: "train@2", model: o.model, hyperparameters: setB, name: `train@2 ${o.model} ${label(setB)}` },
        ];
        say(
          color.bold(
            `5. A baseline and ${plan.length - 1} experiments: train@1 and train@2 with ${label(setA)} hyperparameters, then train@2 with ${label(setB)}`,
          ),
        );
        const created = [];
        for (const input of plan) created.push((await createExperiment(ws, input)).experiment);
        return created.map((e) => e.id);
      });

      const results = await runExperiments(ids, globals(), o.concurrency);
      const failed = results.filter((r) => r.status !== "completed");
      if (failed.length)
        throw new TunelabError(
          "internal",
          `experiments did not complete: ${failed.map((f) => `${f.name} (${f.status}${f.error ? `: ${f.error}` : ""})`).join("; ")}`,
        );

      await withWorkspace(async (ws) => {
        const board = await leaderboard(ws, { project });
        say(color.bold("\n6. The leaderboard"));
        for (const row of board.rows) {
          const ci = row.interval ? ` [${row.interval.low.toFixed(3)}, ${row.interval.high.toFixed(3)}]` : "";
          say(
            `  ${String(row.rank ?? "-").padStart(2)}. ${row.name.padEnd(34)} ${board.primaryMetric} ${row.score?.toFixed(3) ?? "-"}${color.dim(ci)}  exact ${row.graders.exact?.mean?.toFixed(3) ?? "-"}`,
          );
        }
        const best = board.rows[0];
        const baseline = board.rows.find((r) => r.kind === "baseline");
        let comparison = null;
        if (best && baseline && best.experimentId !== baseline.experimentId) {
          comparison = await compare(ws, baseline.experimentId, best.experimentId);
          say(color.bold(`\n7. What tuning bought: ${baseline.name} → ${best.name}`));
          say(renderComparison(comparison, 3));
        }
        say(color.bold("\nNext"));
        say("  tunelab serve                      open the web leaderboard at http://127.0.0.1:8787");
        say("  tunelab leaderboard                the table above, any time");
        say(`  tunelab eval --model ${best?.tunedModel ?? "MODEL"} --baseline best --max-drop 0.02   the CI gate`);
        emit(globals(), { project, leaderboard: board, comparison }, () => "");
      });
    });
}
