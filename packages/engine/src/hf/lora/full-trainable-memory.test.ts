/**
 * Full fine-tuning copies the loaded weights into one float32 vector; the loaded ones must not stay alive beside it for
 * the whole run (2 bytes a parameter as bf16, 4 as f32: 1 GB on Qwen2.5-0.5B, 2.5 GB at 1B). Counted as the
 * array-buffer bytes alive after a GC in a child process, the model still referenced by its caller as in the loop.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { writeRandomCheckpoint } from "../test-support/random-checkpoint.ts";

const CHILD = fileURLToPath(new URL("./test-support/full-memory-child.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tunelab-full-mem-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("full fine-tuning's trainable weights", () => {
  it("replace the loaded weights instead of living beside them", () => {
    // about 10M parameters, float32 on disk: 40 MB loaded, 40 MB of parameters, 40 MB of gradients
    writeRandomCheckpoint(dir, { hidden: 512, intermediate: 1024, layers: 4, heads: 8, kvHeads: 4 });
    const out = execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", CHILD, dir], { encoding: "utf8" });
    const { n, arrayBuffers } = JSON.parse(out.trim().split("\n").at(-1) as string) as { n: number; arrayBuffers: number };
    // parameters + gradients (8 bytes a parameter) and small change; the loaded copy would add 4 more
    expect(arrayBuffers / n).toBeLessThan(10);
  }, 120_000);
});
