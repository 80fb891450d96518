// `@tunelab/evals/aggregates` is what the finalize worker loads of the statistics (packages/core eval-runs/finalize):
// that worker lives through a whole eval run, so what it loads stays resident until the run ends, and zod alone costs
// an isolate 7-9 MiB. Bundled as the CLI's build does (esbuild), this entry reaches neither zod nor the openai SDK
// nor any schema module; `pnpm lint` (.dependency-cruiser.cjs) checks the worker's side.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";

const ENTRY = fileURLToPath(new URL("./aggregates.ts", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "tunelab-aggregates-graph-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("the aggregates entry's modules", () => {
  it("hold no zod, no openai SDK and no schema module", async () => {
    const result = await build({
      entryPoints: [ENTRY],
      bundle: true,
      write: false,
      metafile: true,
      platform: "node",
      format: "esm",
      mainFields: ["module", "main"],
      outdir: out,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((path) => path.endsWith("stats/summary.ts"))).toBe(true);
    expect(inputs.some((path) => path.endsWith("stats/slice.ts"))).toBe(true);
    expect(inputs.filter((path) => /\/node_modules\/(\.pnpm\/)?(zod|openai)[@/]|\.schema\.ts$/.test(path))).toEqual([]);
  });
});
