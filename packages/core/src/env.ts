import { z } from "zod";

/** The only place that reads process.env. */
const EnvSchema = z.object({
  TUNELAB_HOME: z.string().min(1).optional(),
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
