import type { ModelTable } from "../storage/schema.ts";
import type { EngineStore } from "../storage/store.ts";
import { findModel } from "./model.repository.ts";

/**
 * Where the engine looks for a tuned model it does not have: e.g. the team's shared blob store, where the machine that
 * trained it published it (core's shared tuned models). True when the source added the model (`adoptModel`).
 */
export type MissingModelSource = (id: string) => Promise<boolean>;

/** The engine's tuned models, asking the missing-model source (when one is set) for those it does not have. */
export class TunedModels {
  private source: MissingModelSource | undefined;

  constructor(private readonly store: EngineStore) {}

  /** Sets (or, with undefined, removes) the source asked for unknown tuned models. */
  setSource(source: MissingModelSource | undefined): void {
    this.source = source;
  }

  /** The tuned model's row: this engine's own, or one the source adds now; undefined when neither has it. */
  async find(id: string): Promise<ModelTable | undefined> {
    const row = await findModel(this.store, id);
    if (row || !this.source || !id.startsWith("ft:")) return row;
    return (await this.source(id)) ? findModel(this.store, id) : undefined;
  }
}
