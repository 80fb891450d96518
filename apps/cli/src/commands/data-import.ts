import { type Encoding, importDataset, localCreator } from "@tunelab/core";
import type { Command } from "commander";
import { resolveProjectName, withWorkspace } from "../context.ts";
import { EXIT } from "../exit-codes.ts";
import { color, emit, type GlobalOptions } from "../output.ts";
import { readDataFile } from "../read-input.ts";
import { renderReport } from "../render/report.ts";
import { contextOption, encodingOption } from "./data-options.ts";

export function registerDataImport(data: Command, globals: () => GlobalOptions): void {
  data
    .command("import")
    .alias("add") // as `graders add` and `models add` are named
    .description("validate a training file and store it as the next version of a dataset")
    .argument("<file>", "OpenAI fine-tuning JSONL")
    .option("-p, --project <name>", "project (created if new; default: the only project)")
    .requiredOption("-d, --dataset <name>", "dataset name, e.g. train")
    .option("-m, --message <text>", "what changed in this version")
    .addOption(encodingOption())
    .addOption(contextOption())
    .addHelpText("after", "\nExamples:\n  tunelab data import tickets.jsonl --project ticket-router --dataset train -m 'first 120 tickets'")
    .action(async (file: string, options: { project?: string; dataset: string; message?: string; encoding: Encoding; context: number }) => {
      const { path, fileName } = readDataFile(file);
      await withWorkspace(async (ws) => {
        const project = options.project ?? (await resolveProjectName(ws, undefined));
        const result = await importDataset(ws, {
          project,
          dataset: options.dataset,
          path,
          fileName,
          encoding: options.encoding,
          ...(options.message === undefined ? {} : { message: options.message }),
          contextLimit: options.context,
          createdBy: localCreator(),
        });
        emit(globals(), result, () => {
          if (result.status === "invalid") return renderReport(result.report);
          const head =
            result.status === "created"
              ? color.green(
                  `✔ stored ${color.bold(result.version.ref)} in project ${project}${result.projectCreated ? " (new project)" : ""}`,
                )
              : color.yellow(`= unchanged: this content is already ${color.bold(result.version.ref)}`);
          const excluded = result.leakage?.exact.length ?? 0;
          const leak = result.leakage
            ? `\nleakage vs ${result.leakage.testSplit}: ${excluded} exact duplicate${excluded === 1 ? "" : "s"} of test items excluded, ${result.leakage.near.length} near duplicate${result.leakage.near.length === 1 ? "" : "s"} kept`
            : "";
          return `${head}${leak}\n\n${renderReport(result.report)}`;
        });
        if (result.status === "invalid") process.exitCode = EXIT.checkFailed;
      });
    });
}
