// Validate + import of generated ticket files where every line warns (no system message): 100k and 1M lines, each
// part in its own process (time, CPU time, peak RSS), the ratio time(1M) / time(100k) (target <= 12: linear), and the
// p99 latency of GET /api/projects while a 100k-line fine-tuning job and a 100k-line import are validated on a real
// server (target <= 200 ms). `node --import tsx bench/import.ts 100000` runs one size and the server part.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runChild } from "./lib/child.ts";
import { writeTicketFile } from "./lib/import-data.ts";
import type { ImportRunResult } from "./lib/import-run.ts";
import { fixed, int, MIB, quantile } from "./lib/measure.ts";
import { measureResponsiveness } from "./lib/responsiveness.ts";

const SIZES = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [100_000, 1_000_000];
const RUN = fileURLToPath(new URL("./lib/import-run.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tunelab-bench-import-"));

async function part(mode: "validate" | "import", file: string): Promise<ImportRunResult> {
  const { result } = await runChild<ImportRunResult>(RUN, [mode, file], { echo: true });
  if (!result) throw new Error(`bench/lib/import-run.ts ${mode} printed no result`);
  return result;
}

const seconds = (ms: number) => `${fixed(ms / 1000, 2)} s`;
const times = new Map<number, { validate: ImportRunResult; import: ImportRunResult }>();
try {
  for (const lines of SIZES) {
    const file = join(dir, `train-${lines}.jsonl`);
    const bytes = writeTicketFile(file, lines, { system: false });
    const validate = await part("validate", file);
    const imported = await part("import", file);
    rmSync(file, { force: true });
    times.set(lines, { validate, import: imported });
    console.log(
      `import: ${int(lines)} lines, ${fixed(bytes / 1e6)} MB, ${int(validate.tokens)} tokens, ${int(validate.warnings)} warnings (every line: no system message)`,
    );
    for (const r of [validate, imported]) {
      const label = r.mode === "validate" ? "validate (streamed, this thread)    " : "import (worker: validate+leakage+store)";
      console.log(
        `import:   ${label} ${seconds(r.ms)} (CPU ${seconds(r.cpuMs)}), ${int(lines / (r.ms / 1000))} lines/s, peak RSS ${int(r.peakRssBytes / MIB)} MiB`,
      );
    }
  }
  const small = times.get(100_000);
  const large = times.get(1_000_000);
  if (small && large) {
    for (const mode of ["validate", "import"] as const) {
      console.log(
        `import: ${mode} time(1M) / time(100k) = ${fixed(large[mode].ms / small[mode].ms, 2)} (CPU ${fixed(large[mode].cpuMs / small[mode].cpuMs, 2)}; target <= 12)`,
      );
    }
  }

  const lines = Math.min(...SIZES, 100_000);
  const { polls, upload, job, imported } = await measureResponsiveness(lines);
  const ms = polls.map((p) => p.ms);
  const failed = polls.filter((p) => p.status !== 200).length;
  console.log(
    `import: serve, ${int(lines)}-line job creation (upload ${seconds(upload.to - upload.from)}, ${upload.status}; POST job ${seconds(job.to - job.from)}, ${job.status}) + import (${seconds(imported.to - imported.from)}, ${imported.status}), sent by another process, under GET /api/projects polls:`,
  );
  console.log(
    `import:   ${polls.length} polls (${polls.filter((p) => p.whileValidating).length} while validating, ${failed} failed): p50 ${fixed(quantile(ms, 0.5))} ms, p99 ${fixed(quantile(ms, 0.99))} ms (target <= 200 ms), max ${fixed(Math.max(...ms))} ms`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
