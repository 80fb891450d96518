import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeWorkspace, compare, leaderboard, openWorkspace } from "@tunelab/core";
import { fillWorkspace, PROJECT } from "./leaderboard-fill.ts";

const home = mkdtempSync(join(tmpdir(), "tlprof-"));
let ws = await openWorkspace(home);
const filled = await fillWorkspace(ws, { experiments: 1000, items: 2000, resamples: 200 });
await closeWorkspace(ws);
ws = await openWorkspace(home);
const session = new Session();
session.connect();
await session.post("Profiler.enable");
for (const what of ["leaderboard", "compare"]) {
  await session.post("Profiler.start");
  for (let i = 0; i < 30; i++) {
    if (what === "leaderboard") await leaderboard(ws, { project: PROJECT });
    else {
      const t = performance.now();
      await compare(ws, filled.tunedIds[(i * 37) % 980] ?? "", filled.tunedIds[(i * 53 + 11) % 980] ?? "");
      if (i < 6) console.log("compare", (performance.now() - t).toFixed(0));
    }
  }
  const { profile } = await session.post("Profiler.stop");
  writeFileSync(`/tmp/prof/${what}.cpuprofile`, JSON.stringify(profile));
}
await closeWorkspace(ws);
rmSync(home, { recursive: true, force: true });
