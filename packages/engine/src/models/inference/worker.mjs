// Inference worker entry: register tsx for this worker's imports, then load the TypeScript entry
// (Node cannot load .ts inside a worker by itself; see trainer/train/worker.mjs).
import { register } from "tsx/esm/api";

const api = register({ namespace: "tunelab-inference" });
await api.import("./worker-main.ts", import.meta.url);
