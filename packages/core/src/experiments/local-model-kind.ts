import type { LocalEngine, LocalModelKind } from "@tunelab/contracts";
import { lineage } from "./training-setup.ts";

/**
 * How the embedded engine trains `model`: an open-weight base (registered, or a model tuned from one) or a built-in
 * `local-*` size (or a model tuned from one); undefined when the engine does not know the model (it refuses it then).
 */
export async function localModelKind(
  local: Pick<LocalEngine, "catalog" | "baseModels">,
  model: string,
): Promise<LocalModelKind | undefined> {
  const builtIns = new Set((await local.baseModels()).filter((b) => b.kind === "built-in").map((b) => b.id));
  for await (const id of lineage(local.catalog, model)) {
    if (await local.catalog.registered(id)) return "open-weight";
    if (builtIns.has(id)) return "from-scratch";
  }
  return undefined;
}
