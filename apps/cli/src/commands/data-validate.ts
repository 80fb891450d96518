import { Encoding, validateSource } from "@tunelab/core";
import { type Command, Option } from "commander";
import { EXIT } from "../exit-codes.ts";
import { emit, type GlobalOptions } from "../output.ts";
import { parseNumberOption, readDataFile } from "../read-input.ts";
import { renderReport } from "../render/report.ts";

export const encodingOption = () =>
  new Option("--encoding <name>", "tokenizer for token counts").choices(Encoding.options).default("o200k_base");
export const contextOption = () => new Option("--context <tokens>", "context limit per example (warns above it)").default("16385");

export function registerDataValidate(data: Command, globals: () => GlobalOptions): void {
  data
    .command("validate")
    .description("check a fine-tuning JSONL file the way OpenAI does; writes nothing")
    .argument("<file>", "OpenAI fine-tuning JSONL (chat, DPO or RFT)")
    .addOption(encodingOption())
    .addOption(contextOption())
    .addHelpText("after", "\nExamples:\n  tunelab data validate tickets.jsonl\n  tunelab data validate tickets.jsonl --context 4096 --json")
    .action((file: string, options: { encoding: Encoding; context: string }) => {
      const { path, fileName } = readDataFile(file);
      const contextLimit = parseNumberOption("--context", options.context);
      const { report } = validateSource(
        { path },
        {
          fileName,
          encoding: options.encoding,
          ...(contextLimit === undefined ? {} : { contextLimit }),
        },
      );
      emit(globals(), report, () => renderReport(report));
      if (report.errors > 0) process.exitCode = EXIT.checkFailed;
    });
}
