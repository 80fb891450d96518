/**
 * Ctrl-C during `tunelab models export`: the CLI stops the export's worker, removes its partial folder (OUT.tmp-HOST-PID)
 * and exits 130 with one line saying so, instead of dying with the partial folder left behind for good. A real CLI
 * process exporting a registered base (a random checkpoint bigger than the fixtures, so the export takes a moment)
 * as GGUF gets SIGINT once its partial folder exists.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeRandomCheckpoint } from "../../../packages/engine/src/hf/test-support/random-checkpoint.ts";
import { runCli, startCli } from "./run-cli.ts";

let dir: string;
let home: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-export-interrupt-"));
  home = join(dir, ".tunelab");
  const model = join(dir, "big");
  mkdirSync(model);
  // ~19M parameters (76 MB of float32): loading and quantizing it takes long enough to interrupt
  writeRandomCheckpoint(model, { hidden: 384, intermediate: 1024, layers: 12, heads: 6, kvHeads: 2 });
  const added = runCli(["models", "add", model, "--name", "big"], { home, cwd: dir });
  if (added.code !== 0) throw new Error(added.stderr);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("models export interrupted", () => {
  it("SIGINT stops it: exit 130, one line on stderr, no partial folder left", async () => {
    const out = join(dir, "out");
    const cli = startCli(["models", "export", "big", "--format", "gguf", "-o", out], { home, cwd: dir });
    const partial = `${out}.tmp-${hostname()}-${cli.child.pid}`;
    const started = Date.now();
    while (!(existsSync(partial) && cli.output().stderr.includes("big: loading the weights"))) {
      if (cli.child.exitCode !== null) throw new Error(`the export ended before it could be interrupted: ${cli.output().stderr}`);
      if (Date.now() - started > 60_000) throw new Error(`the export did not start: ${cli.output().stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(130);
    const { stdout, stderr } = cli.output();
    expect(stdout).toBe("");
    expect(stderr).toMatch(new RegExp(`\\ninterrupted: export stopped, nothing written to ${out}\\n$`));
    expect(stderr).not.toMatch(/error|at .+\.ts:\d+/);
    expect(readdirSync(dir).filter((f) => f.startsWith("out"))).toEqual([]);
  }, 120_000);
});
