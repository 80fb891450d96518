import { join } from "node:path";
import { resolveHome } from "@tunelab/core";
import { createEngine, type Engine } from "@tunelab/engine";

/** Opens the embedded engine (`$TUNELAB_HOME/engine`) to read its models; it trains nothing, so nothing is left half-done. */
export async function withEngine<T>(run: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await createEngine({ root: join(resolveHome(), "engine"), runJobs: false });
  try {
    return await run(engine);
  } finally {
    await engine.close();
  }
}
