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

/** Which of the given tuned models were deleted elsewhere (on another machine's engine), asked once for them all. */
export type WithdrawnModels = (ids: readonly string[]) => Promise<readonly string[]>;

const isTuned = (id: string) => id.startsWith("ft:");

/** The engine's tuned models, asking the missing-model source (when one is set) for those it does not have. */
export class TunedModels {
  private source: MissingModelSource | undefined;
  private withdrawal: ModelWithdrawal | undefined;
  private withdrawn: WithdrawnModels | undefined;

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
   * Sets (or, with undefined, removes) how the engine learns that tuned models were deleted elsewhere (another
   * machine's engine withdrew them from the team's store): its own copies then go too.
   */
  setWithdrawnCheck(withdrawn: WithdrawnModels | undefined): void {
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
    const withdrawn = this.withdrawal && isTuned(id) ? await this.withdrawal(id, row !== undefined) : false;
    return row !== undefined || withdrawn;
  }

  /**
   * The tuned model's row: this engine's own, or one the source adds now; undefined when neither has it, or when it
   * was deleted elsewhere (this engine's copy, one adopted just now included, then goes).
   */
  async find(id: string): Promise<ModelTable | undefined> {
    let row = await findModel(this.store, id);
    if (!row && this.source && isTuned(id) && (await this.source(id))) row = await findModel(this.store, id);
    if (!row) return undefined;
    return (await this.current([row]))[0];
  }

  /**
   * The rows of `rows` whose models were not deleted elsewhere, in their order: the copies of those that were are
   * deleted here. One question for them all (the model listing asks it of every tuned model the engine has).
   */
  async current(rows: readonly ModelTable[]): Promise<ModelTable[]> {
    const tuned = rows.filter((row) => isTuned(row.id)).map((row) => row.id);
    if (!this.withdrawn || tuned.length === 0) return [...rows];
    const gone = new Set(await this.withdrawn(tuned));
    if (gone.size === 0) return [...rows];
    // deleted on another machine's engine: these copies go too
    for (const row of rows) if (gone.has(row.id)) await deleteModel(this.store, row);
    return rows.filter((row) => !gone.has(row.id));
  }
}
