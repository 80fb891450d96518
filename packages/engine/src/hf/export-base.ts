/**
 * A registered base model (a Hugging Face folder) as one GGUF file, written the way a `gguf` export of a tuned model is
 * (gguf/write-model.ts): the GGUF of the base that a `gguf-lora` export is applied to with llama.cpp's `--lora`, so the
 * adapter and its base come from the same weights and the same converter.
 */

import { join } from "node:path";
import { TunelabError } from "@tunelab/base";
import { EXPORT_DTYPES, type ExportDtype, type ExportFormat, exportDtypeProblem } from "@tunelab/contracts";
import { nativeKernels } from "../trainer/kernels/native.ts";
import { writeExportDir } from "./export-dir.ts";
import type { ExportProgress } from "./export-progress.ts";
import type { GgufDtype } from "./gguf/model-tensors.ts";
import { ggufFileName, writeGgufModel } from "./gguf/write-model.ts";
import { openHfDecoderModel } from "./load.ts";

export interface BaseExportOptions {
  /** The registered base's folder. */
  baseDir: string;
  format: ExportFormat;
  outDir: string;
  /** q8_0 (default), f16 or f32. */
  dtype?: ExportDtype;
  /** GGUF's `general.name`. */
  name: string;
  onProgress?: (progress: ExportProgress) => void;
}

/** Writes `model-DTYPE.gguf` of a base model into a new folder (under a temporary name, renamed when complete). */
export async function exportBaseModel(options: BaseExportOptions): Promise<{ outDir: string; files: string[] }> {
  if (options.format !== "gguf")
    throw new TunelabError(
      "invalid_argument",
      `a base model exports as gguf only (its folder is already a Hugging Face checkpoint, and it has no adapter); got --format ${options.format}`,
      { details: { field: "format" } },
    );
  const dtypeProblem = exportDtypeProblem("gguf", options.dtype);
  if (dtypeProblem) throw new TunelabError("invalid_argument", dtypeProblem, { details: { field: "dtype" } });
  const dtype = (options.dtype ?? EXPORT_DTYPES.gguf[0]) as GgufDtype;
  return writeExportDir(options.outDir, async (tmp) => {
    options.onProgress?.({ stage: "loading", done: 0, total: 0 });
    const model = openHfDecoderModel(options.baseDir, nativeKernels());
    options.onProgress?.({ stage: "writing", done: 0, total: 0 });
    await writeGgufModel({
      model,
      tokenizerDir: options.baseDir,
      outPath: join(tmp, ggufFileName(dtype)),
      dtype,
      name: options.name,
      onTensor: (done, total) => options.onProgress?.({ stage: "writing", done, total }),
    });
  });
}
