import { type Experiment, getExperiment } from "@tunelab/core";
import type { GlobalOptions } from "./output.ts";
import { Progress } from "./render/progress.ts";
import { withServices } from "./services.ts";

/** Runs experiments to the end with progress, and prints each one's outcome. */
export async function runExperiments(ids: string[], globals: GlobalOptions, concurrency = 2): Promise<Experiment[]> {
  return withServices(
    async (services) => {
      const labels = new Map<string, string>();
      for (const id of ids) labels.set(id, (await getExperiment(services.ws.db, id)).name);
      const progress = new Progress(labels, { json: Boolean(globals.json) });
      const off = services.experiments.subscribe((event) => progress.experiment(event));
      try {
        const results = await Promise.all(ids.map((id) => services.experiments.run(id)));
        return results;
      } finally {
        off();
        progress.stop();
      }
    },
    { concurrency },
  );
}
