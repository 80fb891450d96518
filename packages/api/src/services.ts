import { openRuntime, type Runtime, type RuntimeOptions } from "@tunelab/core";
import { asLocalEngine, type Engine } from "@tunelab/engine";

/** What the API runs on: core's runtime, and the embedded engine itself (mounted at /v1, exports tuned models). */
export interface ApiServices extends Runtime {
  engine?: Engine;
}

export interface ServiceOptions extends Omit<RuntimeOptions, "local"> {
  engine?: Engine;
}

/** Core's runtime with this engine wired in as the `local` provider. */
export function createServices(options: ServiceOptions): ApiServices {
  const { engine, ...rest } = options;
  const runtime = openRuntime({ ...rest, ...(engine ? { local: asLocalEngine(engine) } : {}) });
  return { ...runtime, ...(engine ? { engine } : {}) };
}
