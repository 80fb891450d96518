/**
 * BF16 safetensors (a `merged --dtype bf16` export, 1B values and more): rounded to nearest even as PyTorch casts, and
 * converted without allocating per value. Allocation is counted as the garbage collections writing causes (not time).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { afterAll, describe, expect, it } from "vitest";
import { floatToBf16, toBf16, writeSafetensors } from "./safetensors-write.ts";

const dir = mkdtempSync(join(tmpdir(), "tunelab-st-write-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writeSafetensors as BF16", () => {
  it("rounds to nearest even and keeps NaN, through a view of float32 data or value by value", () => {
    const values = [1, -2.5, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20, Number.NaN, Number.POSITIVE_INFINITY, 0, -0];
    const expected = [0x3f80, 0xc020, 0x3f80, 0x3f82, 0x3f81, 0x7fc0, 0x7f80, 0x0000, 0x8000];
    expect(values.map(floatToBf16)).toEqual(expected);
    expect([...toBf16(Float32Array.from(values))]).toEqual(expected);
    expect([...toBf16(Float64Array.from(values))]).toEqual(expected);
    // a view that starts inside a larger buffer
    expect([...toBf16(Float32Array.from([7, ...values]).subarray(1))]).toEqual(expected);
  });

  it("writes 4M values without garbage per value (it allocated two typed arrays per value)", async () => {
    const n = 4 * 1024 * 1024;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = Math.sin(i);
    let collections = 0;
    const observer = new PerformanceObserver((list) => {
      collections += list.getEntries().length;
    });
    observer.observe({ entryTypes: ["gc"] });
    await new Promise((r) => setTimeout(r, 50));
    collections = 0;
    writeSafetensors(join(dir, "w.safetensors"), [{ name: "w", shape: [n], data }], "BF16");
    await new Promise((r) => setTimeout(r, 50));
    observer.disconnect();
    expect(collections).toBeLessThan(5);
    const bytes = readFileSync(join(dir, "w.safetensors"));
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const h = new Uint16Array(bytes.buffer.slice(bytes.byteOffset + 8 + headerLength, bytes.byteOffset + bytes.byteLength));
    expect(h.length).toBe(n);
    for (const i of [0, 1, 12345, n - 1]) expect(h[i]).toBe(floatToBf16(data[i] as number));
  });
});
