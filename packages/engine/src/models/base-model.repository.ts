import type { BaseModelTable } from "../storage/schema.ts";
import type { EngineStore } from "../storage/store.ts";

export type RegisteredBase = BaseModelTable;

export async function findRegisteredBase(store: EngineStore, id: string): Promise<RegisteredBase | undefined> {
  return store.db.selectFrom("base_models").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function listRegisteredBases(store: EngineStore): Promise<RegisteredBase[]> {
  return store.db.selectFrom("base_models").selectAll().orderBy("created_at").orderBy("id").execute();
}

export async function insertRegisteredBase(store: EngineStore, row: RegisteredBase): Promise<void> {
  await store.db.insertInto("base_models").values(row).execute();
}

export async function deleteRegisteredBase(store: EngineStore, id: string): Promise<boolean> {
  const result = await store.db.deleteFrom("base_models").where("id", "=", id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Records a registered model's files again (their re-checked modification times), if it is still the same registration. */
export async function updateRegisteredFiles(
  store: EngineStore,
  row: Pick<RegisteredBase, "id" | "fingerprint" | "files_json">,
): Promise<void> {
  await store.db
    .updateTable("base_models")
    .set({ files_json: row.files_json })
    .where("id", "=", row.id)
    .where("fingerprint", "=", row.fingerprint)
    .execute();
}
