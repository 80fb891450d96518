// `pnpm bench`: runs every benchmark in its own process and prints their figures.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const BENCHES = ["import.ts"];
let failed = 0;
for (const bench of BENCHES) {
  const file = fileURLToPath(new URL(bench, import.meta.url));
  const result = spawnSync(process.execPath, ["--import", "tsx", file, ...process.argv.slice(2)], { stdio: "inherit" });
  if (result.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
