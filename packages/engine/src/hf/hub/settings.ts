/**
 * Where the Hub is, who we are on it and where its cache lives. The engine never reads the process
 * environment itself: the caller (the CLI) passes these settings, usually built with
 * `hubSettingsFromEnv(env, homedir())` from the variables huggingface_hub users already set.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { TunelabError } from "@tunelab/base";
import { z } from "zod";

export const DEFAULT_HUB_ENDPOINT = "https://huggingface.co";

export const HubSettings = z.object({
  /** Base URL of the Hub (`HF_ENDPOINT`), e.g. a mirror; a path prefix is kept. */
  endpoint: z
    .url({ protocol: /^https?$/ })
    .default(DEFAULT_HUB_ENDPOINT)
    .transform((url) => url.replace(/\/+$/, "")),
  /** Access token (`HF_TOKEN`), sent as `Authorization: Bearer …` to the Hub only, never to its CDN. */
  token: z.string().min(1).optional(),
  /** `HF_HOME` (default `~/.cache/huggingface`); the cache is `$HF_HOME/hub` unless `hubCache` says otherwise. */
  hfHome: z
    .string()
    .min(1)
    .default(() => join(homedir(), ".cache", "huggingface")),
  /** `HF_HUB_CACHE`: the hub cache folder itself, when it is not `$HF_HOME/hub`. */
  hubCache: z.string().min(1).optional(),
  /** `HF_HUB_OFFLINE`: never touch the network; only a complete cached snapshot is returned. */
  offline: z.boolean().default(false),
});
export type HubSettings = z.infer<typeof HubSettings>;
export type HubSettingsInput = z.input<typeof HubSettings>;

/** The folder holding `models--ORG--NAME/` directories. */
export const hubCacheDir = (settings: HubSettings): string => settings.hubCache ?? join(settings.hfHome, "hub");

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()));
const truthy = z
  .string()
  .optional()
  .transform((value) => value !== undefined && ["1", "true", "yes", "on"].includes(value.trim().toLowerCase()));

/** The environment variables huggingface_hub reads, with the same meaning and precedence. */
const HubEnv = z.object({
  HF_TOKEN: optionalText,
  /** Older name of HF_TOKEN, still honoured by huggingface_hub. */
  HUGGING_FACE_HUB_TOKEN: optionalText,
  HF_ENDPOINT: optionalText,
  HF_HOME: optionalText,
  XDG_CACHE_HOME: optionalText,
  HF_HUB_CACHE: optionalText,
  HF_HUB_OFFLINE: truthy,
});

/**
 * Settings from environment variables (pass the process environment from the one module that reads
 * it). `HF_HOME` defaults to `$XDG_CACHE_HOME/huggingface`, then `~/.cache/huggingface`.
 */
export function hubSettingsFromEnv(env: Record<string, string | undefined>, homeDir: string): HubSettings {
  const e = HubEnv.parse(env);
  const token = e.HF_TOKEN ?? e.HUGGING_FACE_HUB_TOKEN;
  const parsed = HubSettings.safeParse({
    ...(e.HF_ENDPOINT === undefined ? {} : { endpoint: e.HF_ENDPOINT }),
    ...(token === undefined ? {} : { token }),
    hfHome: e.HF_HOME ?? join(e.XDG_CACHE_HOME ?? join(homeDir, ".cache"), "huggingface"),
    ...(e.HF_HUB_CACHE === undefined ? {} : { hubCache: e.HF_HUB_CACHE }),
    offline: e.HF_HUB_OFFLINE,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path[0] === "endpoint" ? "HF_ENDPOINT" : String(issue?.path[0] ?? "environment");
    throw new TunelabError("invalid_argument", `${name}: ${issue?.message ?? "invalid"}`, { details: { variable: name } });
  }
  return parsed.data;
}
