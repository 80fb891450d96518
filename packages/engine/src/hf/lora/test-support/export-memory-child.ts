/**
 * export-memory.test.ts's child (run with --expose-gc): exports the LoRA-tuned model in TUNED_DIR as FORMAT (DTYPE)
 * into OUT_DIR, and prints the most array-buffer bytes alive, after a GC, at any stage or tensor written.
 */
import type { ExportDtype, ExportFormat } from "@tunelab/contracts";
import { exportTunedModel } from "../../export.ts";

const [tunedDir, format, dtype, outDir] = process.argv.slice(2) as [string, ExportFormat, ExportDtype, string];
const gc = () => (globalThis as { gc?: () => void }).gc?.();
let peak = 0;
let samples = 0;
await exportTunedModel({
  modelDir: tunedDir,
  format,
  dtype,
  outDir,
  onProgress: () => {
    gc();
    gc();
    samples++;
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  },
});
console.log(JSON.stringify({ peakArrayBuffers: peak, samples }));
