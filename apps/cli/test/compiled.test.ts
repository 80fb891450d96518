import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { defaultGradingThreads } from "@tunelab/evals";
import { afterAll, describe, expect, it } from "vitest";
import { readCurrent, staleReason, WORKER_ENTRIES } from "../scripts/build.mjs";
import { runCli, startCli } from "./run-cli.ts";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const PRELOAD = fileURLToPath(new URL("./fixtures/log-loads.mjs", import.meta.url));
const EXAMPLES = join(REPO, "examples/ticket-routing/");
const DIST = pathToFileURL(join(REPO, "apps/cli/dist/")).href;
const root = mkdtempSync(join(tmpdir(), "tunelab-compiled-"));
const home = join(root, ".tunelab");
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the CLI with every module it resolves and every worker it starts logged; returns the result and the log. */
function traced(args: string[], env: Record<string, string> = {}) {
  const log = join(root, `loads-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(log, "");
  const result = runCli(args, { home, env: { NODE_OPTIONS: `--import ${pathToFileURL(PRELOAD).href}`, TUNELAB_LOAD_LOG: log, ...env } });
  const lines = readFileSync(log, "utf8").split("\n");
  const of = (kind: string) => lines.filter((l) => l.startsWith(`${kind} `)).map((l) => l.slice(kind.length + 1));
  return { result, modules: of("module"), workers: of("worker") };
}

const build = () => {
  const current = readCurrent();
  if (!current) throw new Error("no build: vitest's global setup builds the CLI");
  return pathToFileURL(`${current.dir}/`).href;
};

describe("the compiled CLI", () => {
  it("starts from the current build; the root help loads no command's modules and no heavy dependency", () => {
    const { result, modules } = traced(["--help"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Usage: tunelab");
    expect(modules.filter((m) => m.endsWith(".ts"))).toEqual([]);
    const chunks = modules.filter((m) => m.startsWith(build()));
    expect(chunks.map((m) => m.slice(build().length))).toContain("main.js");
    const loaded = chunks.map((m) => readFileSync(fileURLToPath(m), "utf8")).join("\n");
    for (const heavy of [
      "/kysely@",
      "/openai@",
      "/zod@",
      "/gpt-tokenizer@",
      "/@huggingface+",
      "/hono@",
      "packages/engine/src/",
      "apps/cli/src/commands/",
    ])
      expect(loaded, heavy).not.toContain(heavy);
  });

  it("starts every worker thread from its compiled entry in the build (dataset import, custom grader)", () => {
    expect(runCli(["init", "--project", "p"], { home }).code).toBe(0);
    const big = join(root, "big.jsonl"); // past the size that is imported in a worker thread
    writeFileSync(big, readFileSync(join(EXAMPLES, "train-v2.jsonl"), "utf8") + readFileSync(join(EXAMPLES, "train-v1.jsonl"), "utf8"));
    const imported = traced(["data", "import", big, "--project", "p", "--dataset", "train", "--json"]);
    expect(imported.result.code, imported.result.stderr).toBe(0);
    const graded = traced([
      "graders",
      "test",
      "--grader",
      join(EXAMPLES, "priority-grader.ts"),
      "--sample",
      '{"priority":"high"}',
      "--item",
      '{"messages":[{"role":"user","content":"x"},{"role":"assistant","content":"{\\"priority\\":\\"urgent\\"}"}]}',
      "--json",
    ]);
    expect(graded.result.code, graded.result.stderr).toBe(0);
    expect((graded.result.json() as { score: number }).score).toBe(0.5);
    const workers = [...imported.workers, ...graded.workers];
    expect(workers).toContain(`${build()}dataset-worker.js`);
    expect(workers).toContain(`${build()}grader-worker.js`);
    const names = Object.keys(WORKER_ENTRIES).map((name) => `${build()}${name}.js`);
    for (const worker of workers) expect(names).toContain(worker);
  });

  it("finalizes a large eval run in the compiled finalize worker, grading there and in the compiled grading pool's other workers, and a custom grader in its compiled worker", () => {
    for (const args of [
      ["split", join(EXAMPLES, "test.jsonl"), "--project", "p"],
      ["graders", "add", join(EXAMPLES, "graders.json")],
      ["graders", "add", join(EXAMPLES, "priority-grader.ts")],
    ]) {
      const r = runCli(args, { home });
      expect(r.code, r.stderr).toBe(0);
    }
    // 100 items x 5 trials: past the samples from which a run's aggregates are computed off the main thread
    const evaluated = traced(["eval", "--model", "local-tiny", "--trials", "5", "--json"]);
    expect([0, 1], evaluated.result.stderr).toContain(evaluated.result.code);
    expect(evaluated.workers).toContain(`${build()}finalize-worker.js`);
    // the finalize worker is the grading pool's first thread: a pool of defaultGradingThreads() starts one fewer of its own
    expect(evaluated.workers.filter((w) => w === `${build()}grading-worker.js`)).toHaveLength(defaultGradingThreads() - 1);
    expect(evaluated.workers).toContain(`${build()}grader-worker.js`);
    expect(evaluated.workers.filter((w) => !w.startsWith(build()))).toEqual([]);
  });

  /** A compiled entry and every chunk it imports statically, as esbuild wrote them (each module's path in a comment). */
  const staticallyLoaded = (entry: string): string => {
    const dir = fileURLToPath(build());
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const [, chunk] of readFileSync(join(dir, file), "utf8").matchAll(/(?:from|import) "\.\/([\w-]+\.js)"/g)) visit(chunk as string);
    };
    visit(entry);
    return [...seen].map((file) => readFileSync(join(dir, file), "utf8")).join("\n");
  };

  it("the grading pool's worker loads the graders without the openai SDK (it runs pure graders only)", () => {
    const loaded = staticallyLoaded("grading-worker.js");
    expect(loaded).toContain("packages/evals/src/graders/"); // what it is for
    expect(loaded).not.toContain("/openai@");
  });

  it("the finalize worker starts without the graders or zod: it imports them when a grading pool grades there", () => {
    const loaded = staticallyLoaded("finalize-worker.js");
    expect(loaded).toContain("packages/core/src/eval-runs/finalize/stored-scores.ts"); // what it is for
    expect(loaded).not.toContain("packages/evals/src/graders/");
    expect(loaded).not.toContain("/zod@");
    expect(readFileSync(join(fileURLToPath(build()), "finalize-worker.js"), "utf8")).toMatch(/import\("\.\/[\w-]+\.js"\)/);
  });

  it("runs the TypeScript sources through tsx with TUNELAB_DEV=1", () => {
    const { result, modules } = traced(["--version"], { TUNELAB_DEV: "1" });
    expect(result.code, result.stderr).toBe(0);
    expect(modules).toContain(pathToFileURL(join(REPO, "apps/cli/src/main.ts")).href);
    expect(modules.some((m) => m.startsWith(build()))).toBe(false);
  });
});

describe("after a source changes", () => {
  it("the CLI is rebuilt before it runs, once for processes started together", async () => {
    const before = build();
    const source = join(REPO, "apps/cli/src/exit-codes.ts");
    const now = new Date();
    utimesSync(source, now, now); // as an edit would
    const logs = [0, 1, 2].map((i) => join(root, `together-${i}.log`));
    const started = logs.map((log) => {
      writeFileSync(log, "");
      return startCli(["--version"], { home, env: { NODE_OPTIONS: `--import ${pathToFileURL(PRELOAD).href}`, TUNELAB_LOAD_LOG: log } });
    });
    expect(await Promise.all(started.map((s) => s.exited))).toEqual([0, 0, 0]);
    const mains = logs.map((log) =>
      readFileSync(log, "utf8")
        .split("\n")
        .find((l) => l.startsWith(`module ${DIST}`) && l.endsWith("/main.js")),
    );
    expect(mains[0]).toBe(`module ${build()}main.js`);
    expect(build()).not.toBe(before);
    expect(new Set(mains).size).toBe(1);
  });
});

describe("a build", () => {
  const current = readCurrent() ?? { id: "", dir: "", builtAtMs: 0, inputs: [] };

  it("is current while none of its sources changed since it was made", () => {
    expect(current?.inputs).toContain("apps/cli/src/main.ts");
    expect(current?.inputs).toContain("packages/engine/src/trainer/train/worker-main.ts");
    expect(current?.inputs).toContain("pnpm-lock.yaml");
    expect(staleReason({ ...current, builtAtMs: Date.now() + 60_000 })).toBeUndefined();
  });

  it("is stale once a source is newer than it, or gone, or when there is none", () => {
    expect(staleReason({ ...current, builtAtMs: 0 })).toMatch(/changed since the CLI was built/);
    expect(staleReason({ ...current, inputs: ["apps/cli/src/no-such-file.ts"], builtAtMs: Date.now() })).toBe(
      "apps/cli/src/no-such-file.ts is gone since the CLI was built",
    );
    expect(staleReason(null)).toBe("the CLI is not built yet");
  });
});
