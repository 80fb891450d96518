import { type Encoding, validateSource } from "@tunelab/core";
import type { Command } from "commander";
import { EXIT } from "../exit-codes.ts";
import { emit, type GlobalOptions } from "../output.ts";
import { readDataFile } from "../read-input.ts";
import { renderReport } from "../render/report.ts";
import { contextOption, encodingOption } from "./data-options.ts";

export function registerDataValidate(data: Command, globals: () => GlobalOptions): void {
  data
    .command("validate")
    .description("check a fine-tuning JSONL file the way OpenAI does; writes nothing")
    .argument("<file>", "OpenAI fine-tuning JSONL (chat, DPO or RFT)")
    .addOption(encodingOption())
    .addOption(contextOption())
    .addHelpText("after", "\nExamples:\n  tunelab data validate tickets.jsonl\n  tunelab data validate tickets.jsonl --context 4096 --json")
    .action((file: string, options: { encoding: Encoding; context: number }) => {
      const { path, fileName } = readDataFile(file);
      const { report } = validateSource({ path }, { fileName, encoding: options.encoding, contextLimit: options.context });
      emit(globals(), report, () => renderReport(report));
      if (report.errors > 0) process.exitCode = EXIT.checkFailed;
    });
}
