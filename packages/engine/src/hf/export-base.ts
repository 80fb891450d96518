/**
 * A registered base model (a Hugging Face folder) as one GGUF file, written the way a `gguf` export of a tuned model is
 * (gguf/write-model.ts): the GGUF of the base that a `gguf-lora` export is applied to with llama.cpp's `--lora`, so the
 * adapter and its base come from the same weights and the same converter.
 */

import { TunelabError } from "@tunelab/base";
import { type ExportDtype, type ExportFormat, exportDtypeProblem } from "@tunelab/contracts";
import { writeExportDir } from "./export-dir.ts";
import { writeModelGguf } from "./export-gguf.ts";
import { type ExportProgress, exportReporter } from "./export-progress.ts";

export interface BaseExportOptions {
  /** The registered base's folder. */
  baseDir: string;
  format: ExportFormat;
  outDir: string;
  /** q8_0 (default), f16, f32 or q4_k_m. */
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
  return writeExportDir(options.outDir, (tmp) =>
    writeModelGguf(tmp, {
      modelDir: options.baseDir,
      ...(options.dtype ? { dtype: options.dtype } : {}),
      name: options.name,
      report: exportReporter(options.onProgress),
    }),
  );
}
