import type { Expression, ExpressionBuilder, Kysely, SqlBool } from "kysely";

/** The columns a leased row carries: who works on it, and until when (unix seconds) unless renewed. */
export interface LeaseColumns {
  id: string;
  lease_owner: string | null;
  lease_expires_at: number | null;
}

/** Typed as one table named "leased"; queries use the real table name (kysely types by name, SQL uses the string). */
type LeaseDb<C> = { leased: LeaseColumns & C };
export type LeaseWhere<C> = (eb: ExpressionBuilder<LeaseDb<C>, "leased">) => Expression<SqlBool>;

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Seconds a claim lasts without renewal unless configured otherwise (`TUNELAB_LEASE_SECONDS`, an engine's option). */
export const DEFAULT_LEASE_SECONDS = 15;

/**
 * Renewable leases on the rows of one table (`C`: the other columns a claim tests or sets), so two processes on one
 * database never work on the same row and a dead process's rows are taken over once its lease runs out. Experiments
 * (core) and fine-tuning jobs (the engine) use it.
 */
export class Leases<C = Record<never, never>> {
  private readonly db: Kysely<{ leased: LeaseColumns }>;
  private readonly table: "leased";

  /** The leases of `table` in `db` (a table with `id`, `lease_owner` and `lease_expires_at` columns). */
  static on<DB, C = Record<never, never>>(db: Kysely<DB>, table: keyof DB & string): Leases<C> {
    return new Leases<C>(db as unknown as Kysely<{ leased: LeaseColumns }>, table);
  }

  private constructor(db: Kysely<{ leased: LeaseColumns }>, table: string) {
    this.db = db;
    this.table = table as "leased";
  }

  /**
   * Takes the row for `owner` for `seconds` when `claimable` holds and the row is free: no owner, already this owner's
   * (`reclaim`), or its lease ran out. Atomic (one UPDATE), so of two processes only one gets it. `also` sets more
   * columns in the same statement (e.g. a status).
   */
  async claim(
    id: string,
    owner: string,
    seconds: number,
    options: { claimable?: LeaseWhere<C>; reclaim?: boolean; also?: Partial<C> } = {},
  ): Promise<boolean> {
    const now = nowSeconds();
    const result = await this.db
      .updateTable(this.table)
      .set({ ...(options.also as Partial<LeaseColumns>), lease_owner: owner, lease_expires_at: now + seconds })
      .where("id", "=", id)
      .where((eb) => (options.claimable ? options.claimable(eb as unknown as ExpressionBuilder<LeaseDb<C>, "leased">) : eb.lit(true)))
      .where((eb) => {
        const free = [eb("lease_owner", "is", null), eb("lease_expires_at", "is", null), eb("lease_expires_at", "<", now)];
        return eb.or(options.reclaim ? [...free, eb("lease_owner", "=", owner)] : free);
      })
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Extends this owner's leases on these rows by `seconds` from now, and says which of them it still holds: a row
   * left out was taken over by another process after this owner's lease ran out (its process stalled, or could not
   * reach the database, for longer than the lease), and this owner must stop working on it.
   */
  async renew(ids: readonly string[], owner: string, seconds: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .updateTable(this.table)
      .set({ lease_expires_at: nowSeconds() + seconds })
      .where("id", "in", ids)
      .where("lease_owner", "=", owner)
      .returning("id")
      .execute();
    return rows.map((r) => r.id);
  }

  /** Gives the row back (when this owner still holds it), so another process may take it at once. */
  async release(id: string, owner: string): Promise<void> {
    await this.db
      .updateTable(this.table)
      .set({ lease_owner: null, lease_expires_at: null })
      .where("id", "=", id)
      .where("lease_owner", "=", owner)
      .execute();
  }
}
