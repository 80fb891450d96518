/**
 * serve-memory.test.ts's child (run with --expose-gc): opens the base in DIR with the adapter in ADAPTER_DIR for chat
 * completions, as the inference worker does, and prints the array-buffer bytes alive after a GC.
 */
import { nativeKernels } from "../../../trainer/kernels/native.ts";
import { openHfModel } from "../../load.ts";

const [dir, adapterDir] = process.argv.slice(2) as [string, string];
const gc = () => (globalThis as { gc?: () => void }).gc?.();
const model = await openHfModel(dir, { adapterDir }, nativeKernels());
gc();
await new Promise((r) => setTimeout(r, 100));
gc();
console.log(JSON.stringify({ arrayBuffers: process.memoryUsage().arrayBuffers, layers: model.spec.nLayers }));
