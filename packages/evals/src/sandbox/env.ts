import { z } from "zod";

/** Variables every sandboxed grader gets from the server's environment, when set: what programs need to start. */
export const BASE_ENV = ["PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "SYSTEMROOT"] as const;

/**
 * A variable a grader declares it needs (`env: ["MY_LEXICON"]`), passed through from the server's environment.
 * tunelab's own variables (`TUNELAB_*`: the API token, the database URL) are never passed.
 */
export const DeclaredEnvName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name (letters, digits, _)")
  .refine((name) => !name.toUpperCase().startsWith("TUNELAB_"), "tunelab's own TUNELAB_* variables are never passed to graders");

/** A grader's declared environment variables (a tunelab extension of the grader JSON). */
export const DeclaredEnv = z.array(DeclaredEnvName).max(100);

/**
 * The whole environment of a grader that runs code: `BASE_ENV`, `HOME`/`TMPDIR` set to its own temporary directory,
 * and the variables it declared; nothing else (no `TUNELAB_*`, `*_API_KEY`, `*_TOKEN`, `AWS_*`, …).
 */
export function sandboxEnv(
  home: string,
  declared: readonly string[] = [],
  parent: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...BASE_ENV, ...declared]) {
    if (name.toUpperCase().startsWith("TUNELAB_")) continue;
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  env.HOME = home;
  env.TMPDIR = home;
  env.TMP = home;
  env.TEMP = home;
  return env;
}
