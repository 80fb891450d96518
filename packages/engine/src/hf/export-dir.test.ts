// An export's folder appears whole or not at all; what a killed export left beside it (`OUT.tmp-HOST-PID`) is removed by
// the next export to that place, but never a live export's or another machine's.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeExportDir } from "./export-dir.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that ran and ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

describe("writeExportDir", () => {
  it("removes the partial folders killed exports left, and keeps a live export's and another machine's", async () => {
    const parent = mkdtempSync(join(tmpdir(), "export-dir-"));
    dirs.push(parent);
    const out = join(parent, "merged");
    const live = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
    try {
      const dead = deadPid();
      const left = [`merged.tmp-${hostname()}-${dead}`, `merged.tmp-${dead}`];
      const kept = [`merged.tmp-${hostname()}-${live.pid}`, `merged.tmp-another-host-${dead}`, `other.tmp-${hostname()}-${dead}`];
      for (const name of [...left, ...kept]) {
        mkdirSync(join(parent, name));
        writeFileSync(join(parent, name, "model.safetensors"), "partial");
      }
      const { files } = await writeExportDir(out, async (tmp) => writeFileSync(join(tmp, "config.json"), "{}"));
      expect(files).toEqual(["config.json"]);
      expect(readdirSync(parent).sort()).toEqual(["merged", ...kept].sort());
      for (const name of left) expect(existsSync(join(parent, name))).toBe(false);
    } finally {
      live.kill();
    }
  });
});
