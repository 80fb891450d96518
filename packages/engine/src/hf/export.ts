/**
 * Exports of a tuned open-weight model:
 * - `peft`: the adapter as PEFT writes it (adapter_config.json + adapter_model.safetensors), for
 *   PEFT's `PeftModel.from_pretrained`, vLLM's `--lora-modules` and llama.cpp's
 *   `convert_lora_to_gguf.py --base BASE_DIR`;
 * - `merged`: a complete Hugging Face checkpoint with W + (alpha/r)·B·A folded in (config,
 *   safetensors, tokenizer and generation files), for vLLM, transformers, llama.cpp's
 *   `convert_hf_to_gguf.py` and from there Ollama. Weights are written as float32 by default
 *   (exactly what the engine serves) or bf16 (half the size, rounded to nearest even);
 * - `gguf`: one GGUF file (gguf/write-model.ts) of the same merged weights with the tokenizer and chat template, for
 *   llama.cpp, Ollama and LM Studio without a conversion step; Q8_0 by default, or F16 / F32;
 * - `gguf-lora`: the adapter alone as a GGUF LoRA file (gguf/adapter-tensors.ts), for llama.cpp's `--lora` on a GGUF
 *   of the base.
 */
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { TunelabError } from "@tunelab/base";
import { EXPORT_DTYPES, EXPORT_FORMATS, type ExportDtype, type ExportFormat, exportDtypeProblem } from "@tunelab/contracts";
import { nativeKernels } from "../trainer/kernels/native.ts";
import type { Kernels, Vec } from "../trainer/kernels/types.ts";
import { type HfCheckpoint, inspectCheckpoint } from "./checkpoint.ts";
import { normShift } from "./config.ts";
import { type ConfigDtype, setConfigDtype } from "./config-dtype.ts";
import { writeExportDir } from "./export-dir.ts";
import { writeModelGguf } from "./export-gguf.ts";
import { type ExportProgress, exportReporter } from "./export-progress.ts";
import { combineDigests, sha256FileSync } from "./fingerprint.ts";
import { isFullDir, readFullBase } from "./full/full-dir.ts";
import { adapterMetadata, adapterTensors } from "./gguf/adapter-tensors.ts";
import { writeGguf } from "./gguf/gguf-file.ts";
import { storedTextName } from "./image-text.ts";
import { openHfDecoderModel } from "./load.ts";
import { type HfBaseRef, readLoraBase } from "./lora/lora-dir.ts";
import { mergedProjection, type ProjectionValues, plainProjection } from "./lora/merge.ts";
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS, readPeftAdapter, writePeftAdapter } from "./lora/peft.ts";
import { peftBase } from "./lora/peft-base.ts";
import { type Matrix, type StoredMatrix, storedOnly } from "./model/matrix.ts";
import { type HfWeights, readStoredMatrix } from "./model/weights.ts";
import { type TensorToWrite, writeSafetensors } from "./safetensors-write.ts";
import { expectedTensors, layerNorms, storedLinears } from "./tensor-names.ts";

export { EXPORT_DTYPES, EXPORT_FORMATS, type ExportDtype, type ExportFormat, exportDtypeProblem };

/** The file a `gguf-lora` export writes. */
export const GGUF_ADAPTER_FILE = "adapter-f32.gguf";

const TOKENIZER_FILES = [
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "generation_config.json",
  "chat_template.jinja",
  "chat_template.json",
  // an image-text checkpoint's image processor (Gemma 3 4B–27B), so the merged folder still takes images
  "preprocessor_config.json",
  "processor_config.json",
];

export interface ExportOptions {
  /** A tuned model's directory (a LoRA adapter of a registered base). */
  modelDir: string;
  format: ExportFormat;
  outDir: string;
  /**
   * What PEFT records as `base_model_name_or_path`, instead of the base the tuned model recorded at training (its Hub
   * id, else its folder); `revision` stays the recorded one only when this names the same base.
   */
  baseModelNameOrPath?: string;
  /**
   * Where the base was registered from (`hf:ORG/NAME[@REV]` or a folder), for models tuned before tunelab.json
   * recorded it; pass it only when that registration's fingerprint is the one the tuned model recorded.
   */
  registeredBaseSource?: string;
  /** The weights' type: f32 or bf16 for merged, q8_0, f16, f32 or q4_k_m for gguf (the first of EXPORT_DTYPES[format] when absent). */
  dtype?: ExportDtype;
  /** GGUF's `general.name` (default: the output folder's name). */
  name?: string;
  /** Called as the export goes: each stage as it starts, and each tensor written. */
  onProgress?: (progress: ExportProgress) => void;
}

/** Writes the export under a temporary name and renames it into place; refuses to overwrite a non-empty directory. */
export async function exportTunedModel(options: ExportOptions): Promise<{ outDir: string; files: string[] }> {
  const { modelDir, outDir } = options;
  const dtypeProblem = exportDtypeProblem(options.format, options.dtype);
  if (dtypeProblem) throw new TunelabError("invalid_argument", dtypeProblem, { details: { field: "dtype" } });
  const full = isFullDir(modelDir);
  if (!full && !existsSync(join(modelDir, ADAPTER_CONFIG)))
    throw new TunelabError(
      "invalid_argument",
      `${modelDir} is not a tuned open-weight model; only those export as PEFT or merged checkpoints`,
    );
  if (full && (options.format === "peft" || options.format === "gguf-lora"))
    throw new TunelabError(
      "invalid_argument",
      "this model was fully fine-tuned (training_type full): it has no adapter; export it with --format merged or --format gguf",
    );
  return writeExportDir(outDir, (tmp) => writeExport(options, full, tmp));
}

async function writeExport(options: ExportOptions, full: boolean, tmp: string): Promise<void> {
  const { modelDir } = options;
  const report = exportReporter(options.onProgress);
  const { stage, onTensor } = report;
  const base = full ? readFullBase(modelDir) : readLoraBase(modelDir);
  // A merged export folds the adapter into the base's weights: they must be the weights it was tuned on.
  if (!full && options.format !== "peft" && options.format !== "gguf-lora") {
    stage("checking");
    verifyBase(base);
  }
  if (options.format === "gguf-lora") {
    stage("loading");
    const k = nativeKernels();
    const arch = inspectCheckpoint(base.dir).arch;
    const lora = readPeftAdapter(modelDir, arch, k);
    const name = options.name ?? basename(options.outDir);
    stage("writing");
    writeGguf(join(tmp, GGUF_ADAPTER_FILE), adapterMetadata(arch, lora, name), adapterTensors(arch, lora), onTensor);
    return;
  }
  if (options.format === "gguf") {
    await writeModelGguf(tmp, {
      modelDir: full ? modelDir : base.dir,
      ...(full ? {} : { adapterDir: modelDir }),
      ...(options.dtype ? { dtype: options.dtype } : {}),
      name: options.name ?? basename(options.outDir),
      report,
    });
    return;
  }
  if (full) {
    const dtype = checkpointDtype(options.dtype);
    if (dtype === "f32") {
      stage("writing");
      copyFileSync(join(modelDir, "model.safetensors"), join(tmp, "model.safetensors"));
    } else {
      stage("loading");
      const k = nativeKernels();
      const model = openHfDecoderModel(modelDir, k);
      stage("writing");
      writeSafetensors(
        join(tmp, "model.safetensors"),
        namedTensors(k, model.weights, model.arch),
        SAFETENSORS_DTYPE[dtype],
        undefined,
        onTensor,
      );
    }
    const config = JSON.parse(readFileSync(join(modelDir, "config.json"), "utf8")) as Record<string, unknown>;
    setConfigDtype(config, CONFIG_DTYPE[dtype]);
    writeFileSync(join(tmp, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
    for (const f of TOKENIZER_FILES) if (existsSync(join(modelDir, f))) copyFileSync(join(modelDir, f), join(tmp, f));
  } else if (options.format === "peft") {
    const recorded = peftBase(base, options.registeredBaseSource);
    const nameOrPath = options.baseModelNameOrPath ?? recorded.nameOrPath;
    const revision = nameOrPath === recorded.nameOrPath ? recorded.revision : null;
    const arch = inspectCheckpoint(base.dir).arch;
    if (arch.stackedProjections || arch.imageText) {
      // Phi-3: PEFT and vLLM know its stacked qkv_proj / gate_up_proj modules, not the engine's q/k/v (peft-stacked.ts);
      // an image-text model: its language model's modules sit under a path in the whole model (image-text.ts)
      stage("loading");
      const lora = readPeftAdapter(modelDir, arch, nativeKernels(), { inference: true });
      stage("writing");
      writePeftAdapter(tmp, lora, { nameOrPath, revision }, arch);
      return;
    }
    stage("writing");
    copyFileSync(join(modelDir, ADAPTER_WEIGHTS), join(tmp, ADAPTER_WEIGHTS));
    const config = JSON.parse(readFileSync(join(modelDir, ADAPTER_CONFIG), "utf8")) as Record<string, unknown>;
    config.base_model_name_or_path = nameOrPath;
    config.revision = revision;
    writeFileSync(join(tmp, ADAPTER_CONFIG), `${JSON.stringify(config, null, 2)}\n`);
  } else {
    stage("loading");
    const k = nativeKernels();
    const model = openHfDecoderModel(base.dir, k);
    const merged = mergedProjection(k, readPeftAdapter(modelDir, model.arch, k));
    const dtype = checkpointDtype(options.dtype);
    stage("writing");
    const tensors = withImageTextTensors(inspectCheckpoint(base.dir), namedTensors(k, model.weights, model.arch, merged));
    writeSafetensors(join(tmp, "model.safetensors"), tensors, SAFETENSORS_DTYPE[dtype], undefined, onTensor);
    const config = JSON.parse(readFileSync(join(base.dir, "config.json"), "utf8")) as Record<string, unknown>;
    setConfigDtype(config, CONFIG_DTYPE[dtype]);
    writeFileSync(join(tmp, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
    for (const f of TOKENIZER_FILES) if (existsSync(join(base.dir, f))) copyFileSync(join(base.dir, f), join(tmp, f));
  }
}

/** A merged checkpoint's weight type (f32 by default; exportDtypeProblem has refused the others already). */
type CheckpointDtype = (typeof EXPORT_DTYPES.merged)[number];
const SAFETENSORS_DTYPE = { f32: "F32", bf16: "BF16", f16: "F16" } as const satisfies Record<CheckpointDtype, string>;
const CONFIG_DTYPE = { f32: "float32", bf16: "bfloat16", f16: "float16" } as const satisfies Record<CheckpointDtype, ConfigDtype>;

function checkpointDtype(dtype: ExportDtype | undefined): CheckpointDtype {
  const d = dtype ?? "f32";
  if (d === "f32" || d === "bf16" || d === "f16") return d;
  throw new TunelabError("invalid_argument", `dtype ${d} does not apply to merged exports`, { details: { field: "dtype" } });
}

/**
 * The checkpoint's tensors under Hugging Face's names, each made as float32 when it is written (a projection with the
 * adapter folded in by `projectionValues`), so one float32 copy at a time is alive beside the weights as loaded.
 */
function namedTensors(
  k: Kernels,
  w: HfWeights,
  arch: Parameters<typeof expectedTensors>[0],
  projectionValues: ProjectionValues = plainProjection(k),
): TensorToWrite[] {
  const byName = new Map<string, () => StoredMatrix>();
  // as loaded: a bf16 tensor is written to a bf16 file as it is (a float32 copy of Llama-3.2-1B's embedding is 1 GB)
  const plain = (m: Matrix) => () => storedOnly(m);
  byName.set("model.embed_tokens.weight", plain(w.embed));
  // norms as the checkpoint stores them (Gemma's w, where the engine holds 1 + w)
  const shift = normShift(arch);
  const norm = (v: Vec) => (shift === 0 ? plain(v) : () => Float32Array.from(v, (x) => x - shift));
  byName.set("model.norm.weight", norm(w.norm));
  if (!arch.tiedEmbeddings) byName.set("lm_head.weight", plain(w.lmHead));
  w.layers.forEach((L, l) => {
    for (const n of layerNorms(arch, l)) {
      const v = L[n.role];
      if (v) byName.set(n.name, norm(v));
    }
    // each stored tensor from its projections' values (Phi-3's qkv_proj and gate_up_proj: the parts' rows stacked)
    for (const t of storedLinears(arch, l)) {
      const parts = t.parts.map((part) => ({ ...part, lin: L.proj[part.projection] }));
      byName.set(`${t.path}.weight`, () => stackRows(parts.map((p) => projectionValues(l, p.projection, p.lin.w))));
      if (parts.some((p) => p.lin.bias)) byName.set(`${t.path}.bias`, () => stackRows(parts.map((p) => toF32Vec(p.lin.bias, p.rows))));
    }
  });
  return expectedTensors(arch).map((t) => {
    const data = byName.get(t.name);
    if (!data) throw new Error(`no weights for ${t.name}`);
    return { name: t.name, shape: t.shape, data };
  });
}

/**
 * An image-text checkpoint's tensors (Gemma 3 4B–27B): the text model's under the names the base's files give them
 * (`language_model.model.*` or `model.language_model.*`), then every other tensor (vision tower, projector) as stored.
 */
function withImageTextTensors(ckpt: HfCheckpoint, text: TensorToWrite[]): TensorToWrite[] {
  const imageText = ckpt.imageText;
  if (!imageText) return text;
  const others = [...imageText.others].map(
    ([name, t]): TensorToWrite => ({
      name,
      shape: t.entry.shape,
      data: () => readStoredMatrix(t.file, t.entry),
    }),
  );
  return [...text.map((t) => ({ ...t, name: storedTextName(imageText.layout, t.name) })), ...others];
}

/** One float32 array of the parts one after the other (the part itself when it is alone). */
function stackRows(parts: Vec[]): Vec {
  if (parts.length === 1) return parts[0] as Vec;
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A bias as float32 (zeros for a part without one, beside a part with one in the same stacked tensor). */
const toF32Vec = (bias: Vec | null, rows: number): Vec => bias ?? new Float32Array(rows);

/** Refuses a base folder whose files are not those the model was tuned on (naming the file when the record has them). */
function verifyBase(base: HfBaseRef): void {
  const changed = (what: string) =>
    new TunelabError(
      "conflict",
      `base model ${base.name}: ${what} since the model was tuned (${base.dir}); a merged export would fold the adapter into other weights. Restore the folder, or export --format peft.`,
    );
  if (base.files) {
    for (const f of base.files) {
      const path = join(base.dir, f.name);
      if (!existsSync(path)) throw changed(`${f.name} is missing`);
      if (statSync(path).size !== f.bytes || sha256FileSync(path) !== f.sha256) throw changed(`${f.name} changed`);
    }
    return;
  }
  const digests = inspectCheckpoint(base.dir).files.map((f) => ({ name: f.name, sha256: sha256FileSync(join(base.dir, f.name)) }));
  if (combineDigests(digests) !== base.fingerprint) throw changed("its files changed");
}
