// Worker entry: registers tsx so the worker (and the user's grader module) may be TypeScript, then runs worker.ts.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
