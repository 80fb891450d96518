import { join } from "node:path";
import { EXPORT_DTYPES, type ExportDtype } from "@tunelab/contracts";
import { nativeKernels } from "../trainer/kernels/native.ts";
import type { ExportReporter } from "./export-progress.ts";
import type { GgufDtype } from "./gguf/model-tensors.ts";
import { ggufFileName, writeGgufModel } from "./gguf/write-model.ts";
import { openHfDecoderModel } from "./load.ts";
import { mergedProjection } from "./lora/merge.ts";
import { readPeftAdapter } from "./lora/peft.ts";

/**
 * Writes `model-DTYPE.gguf` into `dir` from a Hugging Face folder (a base, or a fully tuned model), with a PEFT
 * adapter merged in when `adapterDir` is given: what a `gguf` export of a tuned model and of a base model both write.
 */
export async function writeModelGguf(
  dir: string,
  options: { modelDir: string; adapterDir?: string; dtype?: ExportDtype; name: string; report: ExportReporter },
): Promise<void> {
  const { report } = options;
  report.stage("loading");
  const k = nativeKernels();
  const model = openHfDecoderModel(options.modelDir, k);
  // the adapter is folded into each projection as it is written, not into float32 copies of them all first
  const projectionValues = options.adapterDir ? mergedProjection(k, readPeftAdapter(options.adapterDir, model.arch, k)) : undefined;
  const dtype = (options.dtype ?? EXPORT_DTYPES.gguf[0]) as GgufDtype;
  report.stage("writing");
  await writeGgufModel({
    model,
    tokenizerDir: options.modelDir,
    outPath: join(dir, ggufFileName(dtype)),
    dtype,
    ...(projectionValues ? { projectionValues } : {}),
    name: options.name,
    onTensor: report.onTensor,
  });
}
