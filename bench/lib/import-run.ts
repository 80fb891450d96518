// One part of bench/import.ts in its own process (so peak RSS is this part's): validate a generated file, or import
// it into a fresh workspace that has a 200-item test split (so leakage is checked), and report time and peak RSS.
// Usage: node --import tsx bench/lib/import-run.ts validate|import FILE
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeWorkspace, importDataset, openWorkspace, setTestSplit, validateSource } from "@tunelab/core";
import { reportResult } from "./child.ts";
import { ticketLine } from "./import-data.ts";
import { peakRss } from "./measure.ts";

export interface ImportRunResult {
  mode: "validate" | "import";
  ms: number;
  /** CPU time of the whole process (every thread), ms: steadier than wall time on a busy machine. */
  cpuMs: number;
  peakRssBytes: number;
  examples: number;
  warnings: number;
  tokens: number;
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

const [mode, file] = process.argv.slice(2);
if ((mode !== "validate" && mode !== "import") || !file) throw new Error("usage: import-run.ts validate|import FILE");

if (mode === "validate") {
  const started = performance.now();
  const { report } = validateSource({ path: file }, { fileName: "bench.jsonl" });
  const ms = performance.now() - started;
  reportResult({
    mode,
    ms,
    cpuMs: cpuMs(),
    peakRssBytes: peakRss(),
    examples: report.examples,
    warnings: report.warnings,
    tokens: report.stats.tokensPerExample.total,
  } satisfies ImportRunResult);
} else {
  const home = mkdtempSync(join(tmpdir(), "tunelab-bench-import-"));
  try {
    const ws = await openWorkspace(home);
    const test = Array.from({ length: 200 }, (_, i) => ticketLine(10_000_000 + i, { system: false }));
    await setTestSplit(ws, { project: "bench", text: `${test.join("\n")}\n`, fileName: "test.jsonl" });
    const started = performance.now();
    const result = await importDataset(ws, { project: "bench", dataset: "train", path: file, fileName: "bench.jsonl" });
    const ms = performance.now() - started;
    await closeWorkspace(ws);
    if (result.status === "invalid") throw new Error(`bench data did not validate: ${JSON.stringify(result.report.issues[0])}`);
    reportResult({
      mode,
      ms,
      cpuMs: cpuMs(),
      peakRssBytes: peakRss(),
      examples: result.version.exampleCount,
      warnings: result.report.warnings,
      tokens: result.report.stats.tokensPerExample.total,
    } satisfies ImportRunResult);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
