import { basename, join, resolve } from "node:path";
import { readEnv, resolveHome, TunelabError } from "@tunelab/core";
import {
  type ChatFeatures,
  chatFeatures,
  createEngine,
  deleteRegisteredBase,
  type Engine,
  findRegisteredBase,
  type RegisteredBase,
  registerBaseModel,
} from "@tunelab/engine";
import cliProgress from "cli-progress";
import type { Command } from "commander";
import { color, emit, formatNumber, type GlobalOptions } from "../output.ts";
import { registerModelsDelete } from "./models-delete.ts";
import { downloadForRegistration } from "./models-download.ts";
import { registerModelsExport } from "./models-export.ts";
import { registerModelsList } from "./models-list.ts";

async function withEngine<T>(run: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await createEngine({ root: join(resolveHome(), "engine"), runJobs: false });
  try {
    return await run(engine);
  } finally {
    await engine.close();
  }
}

const GIB = 1024 ** 3;

/**
 * Memory to serve the model (estimate): weights as held in memory (bf16 and f16 matrices stay 2 bytes, others float32) plus
 * the float32 KV cache and work buffers of one request of 4,096 tokens (or the context, if shorter).
 */
export function memoryEstimate(row: RegisteredBase): { weightsBytes: number; inferenceBytes: number } {
  const config = JSON.parse(row.config_json) as Record<string, number>;
  const layers = config.num_hidden_layers ?? 0;
  const kvHeads = config.num_key_value_heads ?? config.num_attention_heads ?? 0;
  const headDim = config.head_dim ?? (config.hidden_size ?? 0) / (config.num_attention_heads ?? 1);
  const kvCache = 2 * layers * kvHeads * headDim * Math.min(4096, row.context_length) * 4;
  const weightsBytes = row.parameters * (row.dtype === "BF16" || row.dtype === "F16" ? 2 : 4);
  return { weightsBytes, inferenceBytes: weightsBytes + kvCache + 64 * 1024 * 1024 };
}

function describe(row: RegisteredBase) {
  const { weightsBytes, inferenceBytes } = memoryEstimate(row);
  return {
    name: row.id,
    source: row.source,
    dir: row.dir,
    architecture: row.architecture,
    parameters: row.parameters,
    dtype: row.dtype.toLowerCase(),
    contextLength: row.context_length,
    fingerprint: row.fingerprint,
    memory: { weightsBytes, inferenceBytes },
    files: JSON.parse(row.files_json) as unknown,
    createdAt: new Date(row.created_at * 1000).toISOString(),
  };
}

/** What the chat template does with OpenAI chat data, in a line. */
function chatLine(f: ChatFeatures): string {
  return [
    f.toolCalling ? `tool calling (calls written as ${f.toolCallForm})` : "no tool calling (its template writes no tools)",
    f.reasoning ? "reasoning (<think> blocks, served apart from the answer)" : undefined,
    f.systemRole ? undefined : "system messages go into the first user message",
  ]
    .filter((part) => part !== undefined)
    .join("; ");
}

/** Hashing progress on stderr: a bar on a terminal, else (pipes, CI, --json) a line every 2 s and at the end. */
function hashProgress(label: string, json: boolean): (done: number, total: number) => void {
  if (!process.stderr.isTTY || json) {
    let lastLine = 0;
    const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
    return (done, total) => {
      if (Date.now() - lastLine < 2000 && done < total) return;
      lastLine = Date.now();
      process.stderr.write(`hashing ${label}: ${mb(done)}/${mb(total)} MB\n`);
    };
  }
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `hashing ${color.cyan("{bar}")} {percentage}% {value}/{total} MB`, barsize: 24, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return (done, total) => {
    if (!started) bar.start(Math.ceil(total / 1e6), 0);
    started = true;
    bar.update(Math.floor(done / 1e6));
    if (done >= total) bar.stop();
  };
}

export function registerModels(program: Command, globals: () => GlobalOptions): void {
  const models = program
    .command("models")
    .description(
      "the local engine's models: open-weight bases (Hugging Face checkpoints), local-* sizes, and tuned models to list, export or delete",
    );
  models
    .command("add")
    .description("register a Hugging Face model directory, or download one with hf:ORG/NAME[@REVISION]")
    .argument("<source>", "a local directory (config.json, *.safetensors, tokenizer.json, tokenizer_config.json) or hf:ORG/NAME[@REVISION]")
    .option("--name <name>", "the name to use in --model (default: the directory or repository name)")
    .addHelpText(
      "after",
      "\nExamples:\n  tunelab models add ./SmolLM2-135M-Instruct\n  tunelab models add hf:HuggingFaceTB/SmolLM2-135M-Instruct\n  tunelab models add hf:Qwen/Qwen2.5-0.5B-Instruct@main --name qwen2.5-0.5b",
    )
    .action(async (source: string, options: { name?: string }) => {
      const json = globals().json === true;
      const env = readEnv();
      const located = source.startsWith("hf:")
        ? await downloadForRegistration(source, { json, endpoint: env.HF_ENDPOINT, token: env.HF_TOKEN, hfHome: env.HF_HOME })
        : { dir: source, name: undefined };
      await withEngine(async (engine) => {
        const { model, created } = await registerBaseModel(engine.store, {
          dir: located.dir,
          name: options.name ?? located.name,
          source,
          onHashProgress: hashProgress(options.name ?? located.name ?? basename(resolve(located.dir)), json),
        });
        const d = { ...describe(model), chat: await chatFeatures(model.dir) };
        emit(globals(), { ...d, created }, () =>
          [
            color.green(`✔ ${created ? "registered" : "already registered"} ${color.bold(d.name)}`),
            `  ${d.architecture}, ${formatNumber(d.parameters / 1e6, 1)}M parameters (${d.dtype}), context ${formatNumber(d.contextLength)}`,
            `  chat: ${chatLine(d.chat)}`,
            `  needs about ${(d.memory.inferenceBytes / GIB).toFixed(2)} GiB to serve; weights stay in ${d.dir}`,
            `  next: tunelab baseline --model ${d.name}`,
          ].join("\n"),
        );
      });
    });
  registerModelsList(models, globals, describe);
  models
    .command("show")
    .description("one registered model: files, fingerprint, memory, what its chat template supports")
    .argument("<name>")
    .action(async (name: string) => {
      await withEngine(async (engine) => {
        const row = await findRegisteredBase(engine.store, name);
        if (!row) throw new TunelabError("not_found", `no registered model named ${name}: \`tunelab models list\``);
        const d = { ...describe(row), chat: await chatFeatures(row.dir) };
        emit(globals(), d, () =>
          [
            `${color.bold(d.name)}  ${d.architecture}`,
            `source        ${d.source}`,
            `directory     ${d.dir}`,
            `parameters    ${formatNumber(d.parameters)} (${d.dtype})`,
            `context       ${formatNumber(d.contextLength)} tokens`,
            `memory        ~${(d.memory.inferenceBytes / GIB).toFixed(2)} GiB to serve (weights: ${(d.memory.weightsBytes / GIB).toFixed(2)} GiB)`,
            `chat          ${chatLine(d.chat)}`,
            `fingerprint   ${d.fingerprint}`,
            `registered    ${d.createdAt}`,
          ].join("\n"),
        );
      });
    });
  registerModelsExport(models, globals, withEngine);
  registerModelsDelete(models, globals);
  models
    .command("remove")
    .description("unregister a model (its files are left where they are)")
    .argument("<name>")
    .action(async (name: string) => {
      await withEngine(async (engine) => {
        if (!(await deleteRegisteredBase(engine.store, name)))
          throw new TunelabError("not_found", `no registered model named ${name}: \`tunelab models list\``);
        emit(globals(), { name, removed: true }, () => color.green(`✔ removed ${color.bold(name)} (files left in place)`));
      });
    });
}
