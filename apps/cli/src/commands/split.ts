import { type Encoding, localCreator, setTestSplit } from "@tunelab/core";
import { type Command, Option } from "commander";
import { resolveProjectName, withWorkspace } from "../context.ts";
import { EXIT } from "../exit-codes.ts";
import { nonNegativeInteger, openFraction } from "../option-parsers.ts";
import { color, count, emit, type GlobalOptions } from "../output.ts";
import { readDataFile } from "../read-input.ts";
import { renderIssues, renderReport } from "../render/report.ts";
import { encodingOption } from "./data-options.ts";

export function registerSplit(program: Command, globals: () => GlobalOptions): void {
  program
    .command("split")
    .description("set the project's frozen test split (test@N): a whole file, or a deterministic fraction of one")
    .argument("<file>", "JSONL whose items every experiment is scored on")
    .option("-p, --project <name>", "project (created if new; default: the only project)")
    .addOption(
      new Option(
        "--test-fraction <f>",
        "carve this fraction (between 0 and 1, exclusive) as the test split; the rest is imported as training data",
      ).argParser(openFraction),
    )
    .addOption(new Option("--seed <n>", "seed of the carve (same seed, same split)").argParser(nonNegativeInteger).default(0))
    .option("-d, --dataset <name>", "where the rest of a carved file goes", "train")
    .option("-m, --message <text>", "note for the new version")
    .addOption(encodingOption())
    .addHelpText(
      "after",
      "\nExamples:\n  tunelab split test.jsonl --project ticket-router\n  tunelab split all.jsonl --project ticket-router --test-fraction 0.1 --seed 7",
    )
    .action(
      async (
        file: string,
        options: { project?: string; testFraction?: number; seed: number; dataset: string; message?: string; encoding: Encoding },
      ) => {
        const { path, fileName } = readDataFile(file);
        await withWorkspace(async (ws) => {
          const result = await setTestSplit(ws, {
            project: options.project ?? (await resolveProjectName(ws, undefined)),
            path,
            fileName,
            seed: options.seed,
            encoding: options.encoding,
            ...(options.testFraction === undefined ? {} : { testFraction: options.testFraction, trainDataset: options.dataset }),
            ...(options.message === undefined ? {} : { message: options.message }),
            createdBy: localCreator(),
          });
          emit(globals(), result, () => {
            if (result.status === "invalid") return renderReport(result.report);
            const head =
              result.status === "created"
                ? color.green(`✔ test split ${color.bold(result.test.ref)}: ${count(result.test.exampleCount, "item")}, frozen`)
                : color.yellow(`= unchanged: the test split is already ${color.bold(result.test.ref)}`);
            const train =
              result.train && result.train.status !== "invalid"
                ? `\nrest of the file: ${result.train.status === "created" ? "stored" : "already"} ${color.bold(result.train.version.ref)} (${count(result.train.version.exampleCount, "example")})`
                : "";
            const leaks = result.report.issues.filter((issue) => issue.code === "training_leakage");
            return `${head}${train}${leaks.length > 0 ? `\n\n${renderIssues(leaks)}` : ""}`;
          });
          if (result.status === "invalid") process.exitCode = EXIT.checkFailed;
        });
      },
    );
}
