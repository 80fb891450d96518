import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type Grade, GraderError } from "../grade.ts";
import type { EvalItem, Sample } from "../item.ts";
import { CustomGraderPool, type PoolOptions } from "./host.ts";
import { hashModule } from "./module-hash.ts";
import type { GraderMeta } from "./protocol.ts";

export const DEFAULT_CUSTOM_TIMEOUT_MS = 10_000;

export interface LoadOptions extends PoolOptions {
  /** Which export holds the definition (default: the default export, or the only named one). */
  exportName?: string;
  /** Milliseconds for loading the module and for each grade (default 10 000). */
  timeoutMs?: number;
}

/** A custom grader module loaded into worker threads. */
export interface LoadedCustomGrader extends GraderMeta {
  /** Absolute path of the module. */
  path: string;
  /** SHA-256 (hex) of the module's code: its file, or its file and the local files it imports. */
  sha256: string;
  /** `name@sha256:<hash>`: part of the grader set's identity, so scores of different code are never mixed. */
  identity: string;
  /**
   * Grades one sample in a worker; throws `GraderError` (`other_error` on timeout, with "timed out after N ms").
   * Without `passed` from the module, a score of `passThreshold` (default 0.5) or more passes.
   */
  grade(sample: Sample, item: EvalItem, config?: unknown, options?: { timeoutMs?: number; passThreshold?: number }): Promise<Grade>;
  /** Terminates the workers. Idle workers never keep the process alive, so this is optional. */
  close(): Promise<void>;
}

/**
 * Loads a custom grader module (`.ts` or `.js`) in a worker thread and reads its name and version. Its identity
 * hashes the module and the local files it imports (see module-hash.ts).
 */
export async function loadCustomGrader(path: string, options: LoadOptions = {}): Promise<LoadedCustomGrader> {
  const absolute = resolve(path);
  let sha256: string;
  try {
    sha256 = await hashModule(absolute);
  } catch (error) {
    throw new GraderError("other_error", `cannot read custom grader module ${absolute}: ${(error as Error).message}`);
  }
  const defaultTimeout = options.timeoutMs ?? DEFAULT_CUSTOM_TIMEOUT_MS;
  const pool = new CustomGraderPool({ moduleUrl: pathToFileURL(absolute).href, exportName: options.exportName }, options);
  const meta = await pool.start(defaultTimeout).catch(async (error: unknown) => {
    await pool.close();
    throw error;
  });
  return {
    ...meta,
    path: absolute,
    sha256,
    identity: `${meta.name}@sha256:${sha256}`,
    async grade(sample, item, config, gradeOptions = {}) {
      const result = await pool.grade(sample, item, config, gradeOptions.timeoutMs ?? defaultTimeout);
      const grade: Grade = { ...result, passed: result.passed ?? result.score >= (gradeOptions.passThreshold ?? 0.5) };
      return grade;
    },
    close: () => pool.close(),
  };
}
