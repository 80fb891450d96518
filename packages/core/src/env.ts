import { z } from "zod";

/** The only place that reads process.env. */
const EnvSchema = z.object({
  TUNELAB_HOME: z.string().min(1).optional(),
  TUNELAB_TOKEN: z.string().min(1).optional(),
  TUNELAB_CONFIG: z.string().min(1).optional(),
  /** Seconds a process's claim on a running job or experiment lasts without renewal (default 15). */
  TUNELAB_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.string().url().optional(),
  NO_COLOR: z.string().optional(),
  FORCE_COLOR: z.string().optional(),
  CI: z.string().optional(),
});
export type Env = z.infer<typeof EnvSchema>;

let cached: Env | undefined;

export function readEnv(): Env {
  cached ??= EnvSchema.parse(process.env);
  return cached;
}

/** A secret named by configuration (e.g. a provider's `apiKeyEnv`); never stored or printed. */
export function readSecret(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}
