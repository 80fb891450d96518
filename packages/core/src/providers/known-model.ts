import { TunelabError } from "@tunelab/base";
import type { LocalEngine } from "@tunelab/contracts";
import { publishedTunedModel } from "../experiments/experiment.repository.ts";
import type { DB } from "../storage/database.ts";
import { LOCAL_PROVIDER } from "./providers.ts";

/**
 * Refuses (400 `invalid_argument`, naming the field) what a run would only fail on later: a provider tunelab does not
 * know, and for the embedded engine a model it does not have. Checked before an experiment or eval run is stored.
 */
export type KnownModelCheck = (provider: string, model: string) => Promise<void>;

/**
 * The check over the providers' names (`Providers.names()`) and the embedded engine when this process has one: its
 * built-in sizes, registered open-weight bases and tuned models (checkpoints too), or a tuned model another machine of
 * the team published to the workspace (not fetched here). Hosted providers' models are not listed (that is a network
 * call); the provider answers for them when the run starts.
 */
export function knownModelCheck(
  db: DB,
  names: () => string[],
  local: Pick<LocalEngine, "baseModels" | "catalog"> | undefined,
): KnownModelCheck {
  return async (provider, model) => {
    const known = names();
    if (!known.includes(provider))
      throw new TunelabError(
        "invalid_argument",
        `provider: unknown provider "${provider}" (known: ${known.join(", ")}); add it to tunelab.config.json`,
        { details: { field: "provider" } },
      );
    if (provider !== LOCAL_PROVIDER || !local) return;
    const bases = (await local.baseModels()).map((base) => base.id);
    if (bases.includes(model)) return;
    if (model.startsWith("ft:") && (await publishedTunedModel(db, model)) !== undefined) return;
    if ((await local.catalog.parentOf(model)) !== undefined) return;
    throw new TunelabError(
      "invalid_argument",
      `model: the local engine has no model "${model}" (base models: ${bases.join(", ")}; or a tuned model's ft:… id; register an open-weight model with \`tunelab models add PATH\`)`,
      { details: { field: "model", provider } },
    );
  };
}
