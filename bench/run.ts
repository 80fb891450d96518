// `pnpm bench`: runs every benchmark in its own process and prints their figures.
// `pnpm bench import graders` runs only those; `--flags` go to every chosen benchmark (`pnpm bench open-weights --quick`).

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const BENCHES = ["cli-startup", "import", "trainer", "graders", "leaderboard", "web", "open-weights", "packing", "gguf", "quantized-base"];
const chosen = process.argv.slice(2).filter((a) => BENCHES.includes(a));
const flags = process.argv.slice(2).filter((a) => !BENCHES.includes(a));
let failed = 0;
for (const bench of chosen.length ? chosen : BENCHES) {
  const file = fileURLToPath(new URL(`${bench}.ts`, import.meta.url));
  if (!existsSync(file)) continue;
  process.stdout.write(`\n== bench/${bench}.ts\n`);
  const result = spawnSync(process.execPath, ["--import", "tsx", file, ...flags], { stdio: "inherit" });
  if (result.status !== 0) {
    failed++;
    process.stdout.write(`bench/${bench}.ts exited ${result.status}\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
