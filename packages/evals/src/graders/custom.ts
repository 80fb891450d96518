import { resolve } from "node:path";
import { z } from "zod";
import { type LoadedCustomGrader, loadCustomGrader } from "../custom/load.ts";
import { hashModule } from "../custom/module-hash.ts";
import { type Grade, GraderError } from "../grade.ts";
import { DeclaredEnv } from "../sandbox/env.ts";
import { configObject } from "./config-object.ts";
import { graderName, passThreshold } from "./fields.ts";
import type { Grader, GraderContext } from "./grader.ts";

/** A registered custom grader: a module made with `defineGrader`, its `config`, and optionally its pinned hash. */
export const CustomConfig = configObject({
  type: z.literal("custom"),
  name: graderName,
  /** Path of the `.ts` / `.js` module (relative paths resolve against the working directory). */
  path: z.string().min(1),
  /** The export holding the definition (default: the default export or the only named one). */
  export: z.string().min(1).optional(),
  /** Passed to the grader after its `configSchema` validates it. */
  config: z.unknown().optional(),
  /** The module's code hash when registered (its file, plus the local files it imports); grading refuses changed code. */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  pass_threshold: passThreshold.optional(),
  /** The server's environment variables the grader may read (`process.env`); it gets no others. */
  env: DeclaredEnv.optional(),
});
export type CustomConfig = z.infer<typeof CustomConfig>;

const loaded = new Map<string, { sha256: string; grader: Promise<LoadedCustomGrader> }>();

/** The loaded module for a config, reloaded when its code (the module or a local file it imports) changes. */
async function graderFor(config: CustomConfig, context: GraderContext): Promise<LoadedCustomGrader> {
  const { timeoutMs, memoryMb, maxOutputBytes } = context;
  const path = resolve(config.path);
  let sha256: string;
  try {
    sha256 = await hashModule(path);
  } catch (error) {
    throw new GraderError("other_error", `custom grader "${config.name}": cannot read ${path}: ${(error as Error).message}`);
  }
  if (config.sha256 && config.sha256 !== sha256) {
    throw new GraderError(
      "other_error",
      `custom grader "${config.name}": ${path} changed since it was registered (sha256 ${sha256.slice(0, 12)}…, registered ${config.sha256.slice(0, 12)}…)`,
    );
  }
  const key = JSON.stringify([path, config.export ?? "", config.env ?? [], memoryMb ?? null, maxOutputBytes ?? null]);
  const cached = loaded.get(key);
  if (cached?.sha256 === sha256) return cached.grader;
  if (cached) void cached.grader.then((g) => g.close()).catch(() => undefined);
  const grader = loadCustomGrader(path, {
    ...(config.export ? { exportName: config.export } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(config.env ? { env: config.env } : {}),
    ...(memoryMb ? { memoryMb } : {}),
    ...(maxOutputBytes ? { maxOutputBytes } : {}),
  });
  loaded.set(key, { sha256, grader });
  grader.catch(() => loaded.delete(key));
  return grader;
}

/** Terminates every custom grader worker started through the registry. */
export async function closeCustomGraders(): Promise<void> {
  const all = [...loaded.values()];
  loaded.clear();
  await Promise.all(all.map((entry) => entry.grader.then((g) => g.close()).catch(() => undefined)));
}

export const customGrader: Grader<CustomConfig> = {
  type: "custom",
  config: CustomConfig,
  async grade(config, sample, item, context): Promise<Grade> {
    const grader = await graderFor(config, context);
    return grader.grade(sample, item, config.config, {
      ...(context.timeoutMs ? { timeoutMs: context.timeoutMs } : {}),
      ...(config.pass_threshold !== undefined ? { passThreshold: config.pass_threshold } : {}),
    });
  },
};
