// The peer side of bench/graders.ts part b: promptfoo 0.121.20 (the newest that runs on Node 20) doing the same work
// as tunelab's end-to-end part in the same benchmark run — the same test cases (data.ts, seed 11), 4 deterministic
// assertions per case (equals, rouge-n, levenshtein, bleu, as ANCHORS.md "Grading: promptfoo" describes), outputs
// given by a local file provider that returns `vars.output` (no model, no network), results written to promptfoo's
// own SQLite database as `promptfoo eval` does by default.
//
// promptfoo is installed by the bench itself into a scratch folder outside the repository (reused when already
// there); if it cannot be installed, the peer side is skipped with the reason.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@tunelab/core";
import { type TestCase, testCases } from "./data.ts";
import { runWholeProcess } from "./whole-process.ts";

export const PROMPTFOO_VERSION = "0.121.20";
/** Assertions per test case: the same count as tunelab's grader set (PROMPTFOO_EQUIVALENT_GRADERS). */
export const PROMPTFOO_ASSERTIONS = 4;

export type PromptfooInstall = { ok: true; dir: string; bin: string; installMs: number | null } | { ok: false; reason: string };

/** The scratch folder promptfoo is installed into: outside the repository, kept between runs. */
export function promptfooDir(): string {
  const base = process.env.TUNELAB_BENCH_PEERS ?? join(tmpdir(), "tunelab-bench-peers");
  return join(base, `promptfoo-${PROMPTFOO_VERSION}`);
}

/** Installs promptfoo@PROMPTFOO_VERSION with npm into `promptfooDir()` unless that exact version is already there. */
export function ensurePromptfoo(): PromptfooInstall {
  const dir = promptfooDir();
  const bin = join(dir, "node_modules", "promptfoo", "dist", "src", "entrypoint.js");
  const installed = () => {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "node_modules", "promptfoo", "package.json"), "utf8")) as { version?: string };
      return pkg.version === PROMPTFOO_VERSION && existsSync(bin);
    } catch {
      return false;
    }
  };
  if (installed()) return { ok: true, dir, bin, installMs: null };
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    return { ok: false, reason: `cannot create ${dir}: ${(error as Error).message}` };
  }
  const started = performance.now();
  const npm = spawnSync(
    "npm",
    ["install", "--prefix", dir, "--no-audit", "--no-fund", "--no-save", "--loglevel=error", `promptfoo@${PROMPTFOO_VERSION}`],
    { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 15 * 60_000 },
  );
  if (npm.error) return { ok: false, reason: `npm could not run: ${npm.error.message}` };
  if (npm.status !== 0)
    return { ok: false, reason: `npm install promptfoo@${PROMPTFOO_VERSION} exited ${npm.status}: ${lastLines(npm.stderr, 3)}` };
  if (!installed()) return { ok: false, reason: `npm installed promptfoo, but not ${PROMPTFOO_VERSION} with ${bin}` };
  return { ok: true, dir, bin, installMs: performance.now() - started };
}

export interface PromptfooWork {
  dir: string;
  config: string;
  items: number;
}

/**
 * Writes promptfoo's config for `count` test cases (the cases tunelab's e2e part imports) into `dir`: one prompt,
 * the file provider, the four assertions on every case (`defaultTest`), every case's vars inline.
 */
export function writePromptfooWork(dir: string, count: number): PromptfooWork {
  mkdirSync(dir, { recursive: true });
  const cases = testCases(count, 11);
  // The model's answer is given: the provider returns the case's `output` var, like tunelab's completion-cache hits.
  writeFileSync(
    join(dir, "given-output-provider.cjs"),
    [
      "module.exports = class GivenOutputProvider {",
      "  id() { return 'given-output'; }",
      "  async callApi(_prompt, context) { return { output: context.vars.output }; }",
      "};",
      "",
    ].join("\n"),
  );
  const config = {
    description: `tunelab bench: ${count} cases x ${PROMPTFOO_ASSERTIONS} deterministic assertions`,
    prompts: ["{{system}}\n\n{{prompt}}"],
    providers: ["file://given-output-provider.cjs"],
    defaultTest: {
      assert: [
        { type: "equals", value: "{{reference}}" },
        { type: "rouge-n", value: "{{reference}}", threshold: 0.75 },
        // tunelab's fuzzy grader passes at similarity >= 0.8; promptfoo's levenshtein takes a maximum edit distance
        { type: "levenshtein", value: "{{reference}}", threshold: 12 },
        { type: "bleu", value: "{{reference}}", threshold: 0.5 },
      ],
    },
    tests: cases.map((c: TestCase) => ({
      vars: { system: "Route the support ticket or answer it.", prompt: c.prompt, reference: c.reference, output: c.output },
    })),
  };
  const file = join(dir, "promptfooconfig.yaml");
  writeFileSync(file, JSON.stringify(config)); // JSON is YAML
  return { dir, config: file, items: cases.length };
}

export interface PromptfooRun {
  /** Spawn -> exit (results written), measured from outside. */
  wallMs: number;
  peakRssBytes: number | null;
  /** Results promptfoo stored in its database for this eval, and how many of them passed every assertion. */
  storedResults: number;
  passedResults: number;
  exitCode: number | null;
}

/**
 * One `promptfoo eval` of the work as a whole process, with the options ANCHORS.md lists (no cache, no table, no
 * progress bar, 4 at a time; telemetry, update checks and sharing off), results written to its own database in a
 * fresh config folder. Throws if promptfoo failed or stored fewer results than cases.
 */
export async function runPromptfoo(install: { dir: string; bin: string }, work: PromptfooWork): Promise<PromptfooRun> {
  const configDir = join(work.dir, "promptfoo-home");
  rmSync(configDir, { recursive: true, force: true });
  mkdirSync(configDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PROMPTFOO_CONFIG_DIR: configDir,
    PROMPTFOO_DISABLE_TELEMETRY: "1",
    PROMPTFOO_DISABLE_UPDATE: "1",
    PROMPTFOO_DISABLE_SHARING: "1",
    PROMPTFOO_DISABLE_REMOTE_GENERATION: "true",
    PROMPTFOO_SELF_HOSTED: "1",
    PROMPTFOO_FAILED_TEST_EXIT_CODE: "0",
    NO_COLOR: "1",
  };
  const args = [install.bin, "eval", "-c", work.config, "--no-cache", "--no-table", "--no-progress-bar", "--max-concurrency", "4"];
  const run = await runWholeProcess(process.execPath, args, { cwd: work.dir, env });
  if (run.code !== 0) throw new Error(`promptfoo eval exited ${run.code}: ${lastLines(run.stderr || run.stdout, 5)}`);
  // promptfoo's own table of results (one row per test case; `success` is 1 when every assertion passed)
  const db = openDatabase<{ eval_results: { success: number } }>(join(configDir, "promptfoo.db"));
  try {
    const row = await db
      .selectFrom("eval_results")
      .select((eb) => [eb.fn.countAll<number>().as("n"), eb.fn.sum<number>("success").as("passed")])
      .executeTakeFirst();
    const result: PromptfooRun = {
      wallMs: run.wallMs,
      peakRssBytes: run.peakRssBytes,
      storedResults: Number(row?.n ?? 0),
      passedResults: Number(row?.passed ?? 0),
      exitCode: run.code,
    };
    if (result.storedResults !== work.items)
      throw new Error(`promptfoo stored ${result.storedResults} results for ${work.items} cases: ${lastLines(run.stdout, 5)}`);
    return result;
  } finally {
    await db.destroy();
  }
}

function lastLines(text: string, count: number): string {
  return text.trim().split("\n").slice(-count).join(" | ");
}
