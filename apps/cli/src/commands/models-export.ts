import { resolve } from "node:path";
import { findExperiment, TunelabError } from "@tunelab/core";
import { type Engine, EXPORT_FORMATS, type ExportFormat, exportTunedModel, findModel, findRegisteredBase } from "@tunelab/engine";
import { type Command, Option } from "commander";
import { withWorkspace } from "../context.ts";
import { color, emit, type GlobalOptions } from "../output.ts";

/** A tuned model id (`ft:…`), or an experiment id whose tuned model to take. */
async function tunedModelId(given: string): Promise<string> {
  if (given.startsWith("ft:")) return given;
  return withWorkspace(async (ws) => {
    const experiment = await findExperiment(ws.db, given);
    if (!experiment) throw new TunelabError("not_found", `${given} is neither a tuned model id (ft:…) nor an experiment id`);
    if (!experiment.tunedModel)
      throw new TunelabError("invalid_argument", `experiment ${given} has no tuned model (status ${experiment.status})`);
    return experiment.tunedModel;
  });
}

const DTYPES = ["f32", "bf16"] as const;

export function registerModelsExport(
  models: Command,
  globals: () => GlobalOptions,
  withEngine: <T>(run: (engine: Engine) => Promise<T>) => Promise<T>,
): void {
  models
    .command("export")
    .description("write a tuned open-weight model as a PEFT adapter or a merged Hugging Face checkpoint")
    .argument("<model>", "a tuned model id (ft:…) or an experiment id")
    .addOption(new Option("--format <format>", "what to write").choices(EXPORT_FORMATS).makeOptionMandatory())
    .requiredOption("-o, --output <dir>", "a new directory to write")
    .addOption(
      new Option("--dtype <dtype>", "merged weights: f32 (exactly what tunelab serves) or bf16 (half the size)")
        .choices(DTYPES)
        .default("f32"),
    )
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  tunelab models export ft:smollm2:tunelab::abc12345 --format peft -o ./adapter",
        "  tunelab models export EXPERIMENT_ID --format merged --dtype bf16 -o ./merged",
        "",
        "Then: vllm serve BASE --enable-lora --lora-modules mine=./adapter, or",
        "python convert_lora_to_gguf.py ./adapter --base BASE_DIR (llama.cpp), or",
        "python convert_hf_to_gguf.py ./merged (llama.cpp / Ollama).",
      ].join("\n"),
    )
    .action(async (given: string, options: { format: ExportFormat; output: string; dtype: (typeof DTYPES)[number] }) => {
      const id = await tunedModelId(given);
      await withEngine(async (engine) => {
        const row = await findModel(engine.store, id);
        if (!row) throw new TunelabError("not_found", `no tuned model ${id} in the local engine`);
        const base = await findRegisteredBase(engine.store, row.base_model);
        const source = base?.source.startsWith("hf:") ? base.source.slice(3).split("@")[0] : undefined;
        const result = exportTunedModel({
          modelDir: row.dir,
          format: options.format,
          outDir: resolve(options.output),
          ...(source ? { baseModelNameOrPath: source } : base ? { baseModelNameOrPath: base.dir } : {}),
          dtype: options.dtype,
        });
        emit(globals(), { model: id, format: options.format, ...result }, () =>
          [color.green(`✔ ${id} exported as ${options.format} to ${result.outDir}`), ...result.files.map((f) => `  ${f}`)].join("\n"),
        );
      });
    });
}
