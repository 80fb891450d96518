/**
 * `exportTunedModelOffThread` (what the API's download and `tunelab models export` use): the export runs in a worker
 * thread and writes exactly the bytes `exportTunedModel` writes on the calling thread, for every format, reporting
 * its stages in order and every tensor written; its errors keep their codes and messages.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isTunelabError } from "@tunelab/base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExportFormat, exportTunedModel } from "../../src/hf/export.ts";
import { exportBaseModel } from "../../src/hf/export-base.ts";
import { exportBaseModelOffThread, exportTunedModelOffThread } from "../../src/hf/export-off-thread.ts";
import { EXPORT_STAGES, type ExportProgress } from "../../src/hf/export-progress.ts";
import { registerBaseModel } from "../../src/index.ts";
import { findRegisteredBase, type RegisteredBase } from "../../src/models/base-model.repository.ts";
import { engineWithClient } from "../engine-client.ts";
import { BASE_CASE, COMMITTED_ADAPTER, FIXTURES, installAdapter } from "./export-support.ts";

const BASE = `tiny-${BASE_CASE}`;
let ctx: Awaited<ReturnType<typeof engineWithClient>>;
let work: string;
let modelDir: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "tunelab-export-off-thread-"));
  ctx = await engineWithClient({ checkpointEvery: 1000 });
  await registerBaseModel(ctx.engine.store, { dir: join(FIXTURES, BASE_CASE), name: BASE });
  const base = (await findRegisteredBase(ctx.engine.store, BASE)) as RegisteredBase;
  modelDir = await installAdapter(ctx.engine.store, ctx.root, "ft:off-thread-export", COMMITTED_ADAPTER, base);
}, 120_000);

afterAll(async () => {
  await ctx?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

const digests = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [
        f,
        createHash("sha256")
          .update(readFileSync(join(dir, f)))
          .digest("hex"),
      ]),
  );

const CASES: Array<{ format: ExportFormat; dtype?: "bf16" | "f16" | "q8_0"; stages: string[]; countsTensors: boolean }> = [
  { format: "gguf", stages: ["checking", "loading", "writing"], countsTensors: true },
  { format: "gguf", dtype: "f16", stages: ["checking", "loading", "writing"], countsTensors: true },
  { format: "merged", dtype: "bf16", stages: ["checking", "loading", "writing"], countsTensors: true },
  { format: "gguf-lora", stages: ["loading", "writing"], countsTensors: true },
  { format: "peft", stages: ["writing"], countsTensors: false },
];

describe("exportTunedModelOffThread", () => {
  for (const c of CASES) {
    it(`writes the same bytes as the in-thread export, ${c.format}${c.dtype ? ` ${c.dtype}` : ""}, reporting ${c.stages.join(" → ")}`, async () => {
      const name = `${c.format}-${c.dtype ?? "default"}`;
      const options = { modelDir, format: c.format, name: "ft:off-thread-export", ...(c.dtype ? { dtype: c.dtype } : {}) };
      const here = await exportTunedModel({ ...options, outDir: join(work, `${name}-here`) });
      const events: ExportProgress[] = [];
      const there = await exportTunedModelOffThread({ ...options, outDir: join(work, `${name}-there`), onProgress: (p) => events.push(p) });
      expect(there.files).toEqual(here.files);
      expect(digests(there.outDir)).toEqual(digests(here.outDir));

      // each stage once, in EXPORT_STAGES order, then (when tensors are written one by one) 1..N of N
      const starts = events.filter((e) => e.total === 0).map((e) => e.stage);
      expect(starts).toEqual(c.stages);
      expect(starts).toEqual(EXPORT_STAGES.filter((s) => starts.includes(s)));
      const written = events.filter((e) => e.total > 0);
      if (!c.countsTensors) expect(written).toEqual([]);
      else {
        expect(written.length).toBeGreaterThan(1);
        expect(written.every((e) => e.stage === "writing" && e.total === written.length)).toBe(true);
        expect(written.map((e) => e.done)).toEqual(written.map((_, i) => i + 1));
        expect(events.at(-1)).toEqual({ stage: "writing", done: written.length, total: written.length });
      }
    }, 120_000);
  }

  it("writes a base model's GGUF as the in-thread export does, reporting loading → writing; refuses any other format", async () => {
    const options = { baseDir: join(FIXTURES, BASE_CASE), format: "gguf" as const, name: BASE };
    const here = await exportBaseModel({ ...options, outDir: join(work, "base-here") });
    const events: ExportProgress[] = [];
    const there = await exportBaseModelOffThread({ ...options, outDir: join(work, "base-there"), onProgress: (p) => events.push(p) });
    expect(there.files).toEqual(["model-q8_0.gguf"]);
    expect(digests(there.outDir)).toEqual(digests(here.outDir));
    expect(events.filter((e) => e.total === 0).map((e) => e.stage)).toEqual(["loading", "writing"]);
    expect(events.at(-1)?.done).toBe(events.at(-1)?.total);
    await expect(exportBaseModelOffThread({ ...options, format: "merged", outDir: join(work, "base-merged") })).rejects.toMatchObject({
      code: "invalid_argument",
      message: expect.stringMatching(/a base model exports as gguf only/),
    });
    expect(existsSync(join(work, "base-merged"))).toBe(false);
  }, 120_000);

  it("fails with the in-thread export's code and message, and leaves nothing behind", async () => {
    const outDir = join(work, "refused");
    const exists = join(work, "gguf-default-here");
    const errorOf = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: unknown) => error,
      );
    const [here, there] = await Promise.all([
      errorOf(exportTunedModel({ modelDir, format: "peft", outDir: exists })),
      errorOf(exportTunedModelOffThread({ modelDir, format: "peft", outDir: exists })),
    ]);
    expect(isTunelabError(there)).toBe(true);
    expect(there).toMatchObject({ code: "conflict", message: (here as Error).message });

    const notTuned = await errorOf(exportTunedModelOffThread({ modelDir: work, format: "merged", outDir }));
    expect(notTuned).toMatchObject({ code: "invalid_argument", message: expect.stringMatching(/is not a tuned open-weight model/) });
    const wrongDtype = await errorOf(exportTunedModelOffThread({ modelDir, format: "peft", dtype: "q8_0", outDir }));
    expect(wrongDtype).toMatchObject({ code: "invalid_argument", details: { field: "dtype" } });
    expect(existsSync(outDir)).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes(".tmp-"))).toEqual([]);

    // an output folder under a file: the export's own error, not the failed clean-up's (ENOTDIR from rmSync)
    const file = join(work, "a-file");
    writeFileSync(file, "not a folder\n");
    const underFile = await errorOf(exportTunedModelOffThread({ modelDir, format: "peft", outDir: join(file, "out") }));
    expect(underFile).toMatchObject({
      code: "invalid_argument",
      message: expect.stringMatching(/a-file\/out: the output folder cannot be created \(ENOTDIR/),
    });
  }, 120_000);
});
