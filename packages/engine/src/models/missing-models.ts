import type { ModelTable } from "../storage/schema.ts";
import type { EngineStore } from "../storage/store.ts";
import { deleteModel, findModel } from "./model.repository.ts";

/**
 * Where the engine looks for a tuned model it does not have: e.g. the team's shared blob store, where the machine that
 * trained it published it (core's shared tuned models). True when the source added the model (`adoptModel`).
 */
export type MissingModelSource = (id: string) => Promise<boolean>;

/**
 * What else deleting a tuned model does once the engine deleted its own copy: e.g. withdraw it from the team's shared
 * blob store, so no other engine fetches it any more. True when it removed the model there.
 */
export type ModelWithdrawal = (id: string, deletedHere: boolean) => Promise<boolean>;

/** The engine's tuned models, asking the missing-model source (when one is set) for those it does not have. */
export class TunedModels {
  private source: MissingModelSource | undefined;
  private withdrawal: ModelWithdrawal | undefined;
  private withdrawn: ((id: string) => Promise<boolean>) | undefined;

  constructor(private readonly store: EngineStore) {}

  /** Sets (or, with undefined, removes) the source asked for unknown tuned models. */
  setSource(source: MissingModelSource | undefined): void {
    this.source = source;
  }

  /** Sets (or, with undefined, removes) what deleting a tuned model also does (`remove`). */
  setWithdrawal(withdrawal: ModelWithdrawal | undefined): void {
    this.withdrawal = withdrawal;
  }

  /**
   * Sets (or, with undefined, removes) how the engine learns that a tuned model was deleted elsewhere (another machine's
   * engine withdrew it from the team's store): its own copy then goes too.
   */
  setWithdrawnCheck(withdrawn: ((id: string) => Promise<boolean>) | undefined): void {
    this.withdrawn = withdrawn;
  }

  /**
   * Deletes a tuned model: the engine's own copy (its weights unless a checkpoint shares them), then wherever the
   * withdrawal removes it from (in that order, so a worker publishing it meanwhile sees it gone). False when neither had
   * it. A withdrawal that fails throws, after the engine's copy went: deleting again finishes it.
   */
  async remove(id: string): Promise<boolean> {
    const row = await findModel(this.store, id);
    if (row) await deleteModel(this.store, row);
    const withdrawn = this.withdrawal && id.startsWith("ft:") ? await this.withdrawal(id, row !== undefined) : false;
    return row !== undefined || withdrawn;
  }

  /**
   * The tuned model's row: this engine's own (unless it was deleted elsewhere), or one the source adds now; undefined
   * when neither has it.
   */
  async find(id: string): Promise<ModelTable | undefined> {
    const row = await findModel(this.store, id);
    if (row && this.withdrawn && id.startsWith("ft:") && (await this.withdrawn(id))) {
      // deleted on another machine's engine: this copy goes too
      await deleteModel(this.store, row);
      return undefined;
    }
    if (row || !this.source || !id.startsWith("ft:")) return row;
    return (await this.source(id)) ? findModel(this.store, id) : undefined;
  }
}
