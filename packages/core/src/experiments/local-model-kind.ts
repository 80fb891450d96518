import type { LocalEngine, LocalModelKind } from "@tunelab/contracts";

/**
 * How the embedded engine trains `model`: an open-weight base (registered, or a model tuned from one) or a built-in
 * `local-*` size (or a model tuned from one); undefined when the engine does not know the model (it refuses it then).
 */
export async function localModelKind(
  local: Pick<LocalEngine, "catalog" | "baseModels">,
  model: string,
): Promise<LocalModelKind | undefined> {
  const builtIns = new Set((await local.baseModels()).filter((b) => b.kind === "built-in").map((b) => b.id));
  let id: string | undefined = model;
  for (let hop = 0; id !== undefined && hop < 16; hop++) {
    if (await local.catalog.registered(id)) return "open-weight";
    if (builtIns.has(id)) return "from-scratch";
    id = await local.catalog.parentOf(id);
  }
  return undefined;
}
