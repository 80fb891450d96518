import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TunelabError } from "@tunelab/base";
import { z } from "zod";
import { readEnv } from "../env.ts";
import { DEFAULT_PRICES, defaultPrice, type Price } from "./pricing.ts";
import { PROVIDER_KINDS, type ProviderKind } from "./trainers/trainer.ts";

/**
 * A provider: inference through the OpenAI SDK at `baseURL`, training through the adapter of its `kind`. Keys are
 * named by environment variable, never written down.
 */
export const ProviderConfig = z.strictObject({
  /** Which training API it speaks (default `openai`: OpenAI's job API, as Nebius and exact copies do). */
  kind: z.enum(PROVIDER_KINDS).default("openai"),
  /** The OpenAI-compatible base URL (`https://api.together.xyz/v1`, `https://api.fireworks.ai/inference/v1`, …). */
  baseURL: z.string().url(),
  /** Fireworks: the account id (`accounts/{account}/…`). */
  account: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, "a Fireworks account id (lowercase letters, digits, hyphens)")
    .optional(),
  /** The training API's base URL when it differs from `baseURL` (Fireworks: `https://api.fireworks.ai/v1`, the default). */
  trainingBaseURL: z.string().url().optional(),
  /** Azure OpenAI: the `api-version` query parameter (the v1 API at `…/openai/v1` needs none). */
  apiVersion: z.string().min(1).optional(),
  /**
   * Azure OpenAI: the deployment that serves a model, by model id (a key ending in `*` matches a prefix, e.g.
   * `gpt-4o-mini-2024-07-18.ft-*` for every tuned model of that base). Chat requests name the deployment.
   */
  deployments: z.record(z.string().min(1), z.string().min(1)).optional(),
  /** Base models this provider can tune: when set, `exp create` refuses any other before anything is uploaded. */
  models: z.array(z.string().min(1)).min(1).optional(),
  /** Environment variable holding the API key. */
  apiKeyEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, "an environment variable name like MY_HOST_API_KEY")
    .optional(),
  /** Requests per minute the provider allows (used by eval runs). */
  rpm: z.number().int().positive().optional(),
  /** Price per million tokens, for cost estimates. */
  pricing: z
    .record(
      z.string(),
      z.strictObject({ input: z.number().nonnegative(), output: z.number().nonnegative(), training: z.number().nonnegative().optional() }),
    )
    .optional(),
});
export type ProviderConfig = z.infer<typeof ProviderConfig>;

/** Fields a kind needs (checked when the config is loaded, so the error names the file and the field). */
function kindProblem(config: ProviderConfig): { field: string; message: string } | undefined {
  if (config.kind === "fireworks" && !config.account)
    return { field: "account", message: "kind fireworks needs account (your Fireworks account id)" };
  return undefined;
}

export const TunelabConfig = z.strictObject({
  $schema: z.string().optional(),
  providers: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/), ProviderConfig).default({}),
});
export type TunelabConfig = z.infer<typeof TunelabConfig>;

export const CONFIG_FILE = "tunelab.config.json";

/** Reads `tunelab.config.json` from the working directory (or TUNELAB_CONFIG); absent means no extra providers. */
export function loadConfig(cwd: string = process.cwd()): TunelabConfig {
  const path = readEnv().TUNELAB_CONFIG ?? join(cwd, CONFIG_FILE);
  if (!existsSync(path)) return { providers: {} };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new TunelabError("invalid_argument", `${path} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = TunelabConfig.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TunelabError("invalid_argument", `${path}: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
  }
  for (const [name, provider] of Object.entries(parsed.data.providers)) {
    if (name === "local") throw new TunelabError("invalid_argument", `${path}: "local" is the embedded engine and cannot be redefined`);
    const problem = kindProblem(provider);
    if (problem) throw new TunelabError("invalid_argument", `${path}: providers.${name}.${problem.field}: ${problem.message}`);
  }
  return parsed.data;
}

/** The base models a provider is configured to tune (undefined: any; the provider checks). */
export function tunableModels(config: TunelabConfig, provider: string): string[] | undefined {
  return config.providers[provider]?.models;
}

/** The training API a provider speaks: `local` and `openai` speak OpenAI's; undefined for an unknown name. */
export function providerKind(config: TunelabConfig, provider: string): ProviderKind | undefined {
  if (provider === "local" || provider === "openai") return "openai";
  return config.providers[provider]?.kind;
}

/**
 * A model's price on a provider and where it comes from: tunelab.config.json's `pricing` (the model, the base of an
 * `ft:` name, or `*`), else the dated default table of the provider's kind (OpenAI's only for OpenAI itself, not for
 * other hosts that copy its API).
 */
export function findPrice(config: TunelabConfig, provider: string, model: string): { price: Price; source: string } | undefined {
  const pricing = config.providers[provider]?.pricing;
  const configured = pricing ? (pricing[model] ?? pricing[model.split(":")[1] ?? ""] ?? pricing["*"]) : undefined;
  if (configured) return { price: configured, source: `${CONFIG_FILE} providers.${provider}.pricing` };
  const kind = providerKind(config, provider);
  const own = config.providers[provider];
  const isOpenAI = provider === "openai" || (own !== undefined && new URL(own.baseURL).hostname === "api.openai.com");
  if (!kind || provider === "local" || (kind === "openai" && !isOpenAI)) return undefined;
  const price = defaultPrice(kind, model);
  const table = DEFAULT_PRICES[kind];
  return price ? { price, source: `tunelab's default ${kind} prices as of ${table.asOf} (${table.source})` } : undefined;
}

/** Prices per million tokens (config, else the dated defaults), for the leaderboard's cost estimates. */
export function priceOf(config: TunelabConfig) {
  return (provider: string, model: string) => findPrice(config, provider, model)?.price;
}
