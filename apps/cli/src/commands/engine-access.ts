import { join } from "node:path";
import { type LocalModelKind, localModelKind, resolveHome } from "@tunelab/core";
import { asLocalEngine, createEngine, type Engine } from "@tunelab/engine";

/** Opens the embedded engine (`$TUNELAB_HOME/engine`) to read its models; it trains nothing, so nothing is left half-done. */
export async function withEngine<T>(run: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await createEngine({ root: join(resolveHome(), "engine"), runJobs: false });
  try {
    return await run(engine);
  } finally {
    await engine.close();
  }
}

/**
 * How the embedded engine trains a model (core's `localModelKind`), for the checks before an experiment is stored; the
 * engine is opened when first asked (core asks only when a hyperparameter depends on it), once per model.
 */
export function engineModelKinds(): (model: string) => Promise<LocalModelKind | undefined> {
  const known = new Map<string, Promise<LocalModelKind | undefined>>();
  return (model) => {
    let kind = known.get(model);
    if (!kind) {
      kind = withEngine((engine) => localModelKind(asLocalEngine(engine), model));
      known.set(model, kind);
    }
    return kind;
  };
}
