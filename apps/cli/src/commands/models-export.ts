import { resolve } from "node:path";
import { findExperiment, TunelabError } from "@tunelab/core";
import {
  checkUnchanged,
  type Engine,
  EXPORT_DTYPES,
  EXPORT_FORMATS,
  type ExportDtype,
  type ExportFormat,
  type ExportProgress,
  exportBaseModelOffThread,
  exportDtypeProblem,
  exportTunedModelOffThread,
  findModel,
  findRegisteredBase,
  tunedModelBase,
} from "@tunelab/engine";
import { type Command, Option } from "commander";
import { withWorkspace } from "../context.ts";
import { color, emit, type GlobalOptions } from "../output.ts";
import { checkNewDirectory } from "../output-path.ts";
import { ExportProgressView } from "../render/export-progress.ts";

/** A tuned model id (`ft:…`), or an experiment id whose tuned model to take; undefined when it is neither. */
async function tunedModelId(given: string): Promise<string | undefined> {
  if (given.startsWith("ft:")) return given;
  return withWorkspace(async (ws) => {
    const experiment = await findExperiment(ws.db, given);
    if (!experiment) return undefined;
    if (!experiment.tunedModel)
      throw new TunelabError("invalid_argument", `experiment ${given} has no tuned model (status ${experiment.status})`);
    return experiment.tunedModel;
  });
}

const DTYPES = [...new Set(Object.values(EXPORT_DTYPES).flat())] as ExportDtype[];

export function registerModelsExport(
  models: Command,
  globals: () => GlobalOptions,
  withEngine: <T>(run: (engine: Engine) => Promise<T>) => Promise<T>,
): void {
  models
    .command("export")
    .description(
      "write a tuned open-weight model as a PEFT adapter, a merged Hugging Face checkpoint, a GGUF file or a GGUF LoRA adapter; or a registered base model as a GGUF file",
    )
    .argument("<model>", "a tuned model id (ft:…), an experiment id, or a registered base model's name (--format gguf)")
    .addOption(new Option("--format <format>", "what to write").choices(EXPORT_FORMATS).makeOptionMandatory())
    .requiredOption("-o, --output <dir>", "a new directory to write")
    .addOption(
      new Option(
        "--dtype <dtype>",
        "merged: f32 (exactly what tunelab serves, default), bf16 (half the size) or f16 (half the size, for GPUs without bf16); gguf: q8_0 (default, a quarter of f32), f16, f32 or q4_k_m (llama.cpp's Q4_K_M mix, 4-6 bits a weight, about 0.57 of q8_0)",
      ).choices(DTYPES),
    )
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  tunelab models export ft:smollm2:tunelab::abc12345 --format peft -o ./adapter",
        "  tunelab models export EXPERIMENT_ID --format merged --dtype bf16 -o ./merged",
        "  tunelab models export EXPERIMENT_ID --format gguf -o ./gguf",
        "  tunelab models export EXPERIMENT_ID --format gguf-lora -o ./gguf-lora",
        "  tunelab models export SmolLM2-135M-Instruct --format gguf -o ./base   # the base, for --lora",
        "",
        "Then: vllm serve BASE --enable-lora --lora-modules mine=./adapter, or vllm serve ./merged, or",
        "llama-server -m ./gguf/model-q8_0.gguf (llama.cpp), or an Ollama Modelfile with FROM ./gguf/model-q8_0.gguf, or",
        "llama-server -m ./base/model-q8_0.gguf --lora ./gguf-lora/adapter-f32.gguf (a GGUF of the same base).",
      ].join("\n"),
    )
    .action(async (given: string, options: { format: ExportFormat; output: string; dtype?: ExportDtype }) => {
      const problem = exportDtypeProblem(options.format, options.dtype);
      if (problem) throw new TunelabError("invalid_argument", problem);
      // the folder must be creatable before the model is read and converted
      checkNewDirectory(options.output, "-o/--output");
      const id = await tunedModelId(given);
      await withEngine(async (engine) => {
        const target = id === undefined ? await baseTarget(engine, given) : await tunedTarget(engine, id);
        const progress = new ExportProgressView(target.model, { json: globals().json === true });
        const outDir = resolve(options.output);
        const run = await untilInterrupted((signal) =>
          target
            .write(
              { format: options.format, outDir, ...(options.dtype ? { dtype: options.dtype } : {}) },
              (p) => progress.update(p),
              signal,
            )
            .finally(() => progress.stop()),
        );
        if (run.interrupted) {
          // the export's worker is stopped and its partial folder (OUT.tmp-PID) removed before this line
          process.stderr.write(`${process.stderr.isTTY ? "\n" : ""}interrupted: export stopped, nothing written to ${outDir}\n`);
          process.exitCode = 130;
          return;
        }
        const result = run.value;
        emit(globals(), { model: target.model, ...(target.base ? { base: true } : {}), format: options.format, ...result }, () =>
          [
            color.green(`✔ ${target.base ? "base model " : ""}${target.model} exported as ${options.format} to ${result.outDir}`),
            ...result.files.map((f) => `  ${f}`),
          ].join("\n"),
        );
      });
    });
}

/** Runs `work` with a signal that Ctrl-C (SIGINT) or SIGTERM aborts; a second one quits at once. */
async function untilInterrupted<T>(
  work: (signal: AbortSignal) => Promise<T>,
): Promise<{ interrupted: true } | { interrupted: false; value: T }> {
  const interrupt = new AbortController();
  const onSignal = () => {
    if (interrupt.signal.aborted) process.exit(130);
    interrupt.abort(new Error("interrupted"));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return { interrupted: false, value: await work(interrupt.signal) };
  } catch (error) {
    if (interrupt.signal.aborted) return { interrupted: true };
    throw error;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

type Written = { outDir: string; files: string[] };
type WriteOptions = { format: ExportFormat; outDir: string; dtype?: ExportDtype };

/** What to export: a model's name, and how to write it with the user's options and a progress callback. */
interface ExportTarget {
  model: string;
  base: boolean;
  /** Stopped (its worker terminated, its partial output removed) when `signal` aborts. */
  write(options: WriteOptions, onProgress: (progress: ExportProgress) => void, signal: AbortSignal): Promise<Written>;
}

async function tunedTarget(engine: Engine, id: string): Promise<ExportTarget> {
  const row = await findModel(engine.store, id);
  if (!row) throw new TunelabError("not_found", `no tuned model ${id} in the local engine`);
  // PEFT names the base the model was tuned on (tunelab.json), not whichever model has its name now; a model tuned
  // before the base's source was recorded takes it from the registration only when that has the recorded fingerprint
  const recorded = tunedModelBase(row.dir);
  const registered = recorded ? await findRegisteredBase(engine.store, recorded.name) : undefined;
  const registeredBaseSource = registered && registered.fingerprint === recorded?.fingerprint ? registered.source : undefined;
  return {
    model: id,
    base: false,
    write: (options, onProgress, signal) =>
      exportTunedModelOffThread(
        {
          ...options,
          modelDir: row.dir,
          ...(registeredBaseSource ? { registeredBaseSource } : {}),
          name: id,
          onProgress,
        },
        { signal },
      ),
  };
}

/** A registered base model (refused when a file changed since registration, as at training and serving). */
async function baseTarget(engine: Engine, name: string): Promise<ExportTarget> {
  const registered = await findRegisteredBase(engine.store, name);
  if (!registered)
    throw new TunelabError(
      "not_found",
      `${name} is neither a tuned model id (ft:…), an experiment id, nor a registered base model (tunelab models list)`,
    );
  await checkUnchanged(engine.store, registered);
  return {
    model: registered.id,
    base: true,
    write: (options, onProgress, signal) =>
      exportBaseModelOffThread({ ...options, baseDir: registered.dir, name: registered.id, onProgress }, { signal }),
  };
}
