// Export worker entry from the TypeScript sources: register tsx for this worker's imports, then load the TypeScript
// entry (Node cannot load .ts inside a worker by itself). Compiled, `export-worker.js` is used instead.
import { register } from "tsx/esm/api";

const api = register({ namespace: "tunelab-export" });
await api.import("./export-worker-main.ts", import.meta.url);
