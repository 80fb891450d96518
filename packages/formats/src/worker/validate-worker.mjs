// Worker entry: Node cannot load .ts by itself inside a worker (not even under vitest), so register
// tsx for this worker's imports, then load the TypeScript entry.
import { register } from "tsx/esm/api";

const api = register({ namespace: "tunelab-validate" });
await api.import("./validate-worker-main.ts", import.meta.url);
