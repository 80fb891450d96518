// Worker entry from the TypeScript sources: Node cannot load .ts by itself inside a worker (not even under vitest), so
// register tsx for this worker's imports, then load the TypeScript entry. Compiled, `grading-worker.js` is used instead.
import { register } from "tsx/esm/api";

const api = register({ namespace: "tunelab-grading" });
await api.import("./grading-worker-main.ts", import.meta.url);
