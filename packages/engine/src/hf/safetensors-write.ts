/**
 * Writing safetensors files (the layout safetensors.ts reads): header entries sorted by name, data
 * in that order, the JSON header padded with spaces to a multiple of 8 bytes as the format's
 * reference implementation does. Float32 tensors are written as F32, or rounded to BF16 or F16
 * (round-to-nearest-even, as PyTorch casts). Raw halves as a checkpoint stores them are widened exactly for F32, written
 * as they are to a file of their own type, and rounded from their exact float32 values to the other half type.
 */
import { closeSync, openSync, renameSync, writeSync } from "node:fs";
import type { Vec } from "../trainer/kernels/types.ts";
import { floatToF16, widenHalves } from "./halves.ts";
import { F16Matrix } from "./model/matrix.ts";

/** Float values, or raw bf16 / IEEE halves as a checkpoint stores them (bf16 written as it is to a BF16 file). */
type Values = Vec | Uint16Array | F16Matrix;

export interface TensorToWrite {
  name: string;
  shape: number[];
  /** The values, or a function making them when the tensor is written (so a file of gigabytes is never whole in memory). */
  data: Values | (() => Values);
}

const scratchF = new Float32Array(1);
const scratchU = new Uint32Array(scratchF.buffer);

/** bf16 bits of a float32 bit pattern: round to nearest even; NaN stays NaN. */
function bitsToBf16(u: number): number {
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0) return ((u >>> 16) | 0x40) & 0xffff;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

export function floatToBf16(x: number): number {
  scratchF[0] = x;
  return bitsToBf16(scratchU[0] as number);
}

/** IEEE half bits of every value (float values, or raw bf16 halves widened exactly first). */
function toF16(data: Vec | Uint16Array): Uint16Array {
  const wide = data instanceof Uint16Array ? widenHalves("BF16", data) : data;
  const h = new Uint16Array(wide.length);
  for (let i = 0; i < h.length; i++) h[i] = floatToF16(wide[i] as number);
  return h;
}

/**
 * bf16 bits of every value, without allocating per value (a typed array per value made a 1B-parameter bf16 export take
 * many minutes of garbage collection): float32 data is read through a Uint32Array view of its bytes.
 */
export function toBf16(data: Vec): Uint16Array {
  const h = new Uint16Array(data.length);
  if (data instanceof Float32Array && data.byteOffset % 4 === 0) {
    const u = new Uint32Array(data.buffer, data.byteOffset, data.length);
    for (let i = 0; i < h.length; i++) h[i] = bitsToBf16(u[i] as number);
  } else for (let i = 0; i < h.length; i++) h[i] = floatToBf16(data[i] as number);
  return h;
}

function checkCount(name: string, shape: number[], data: Values): Values {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`${name}: shape [${shape}] holds ${count} values, data has ${data.length}`);
  return data;
}

export function writeSafetensors(
  path: string,
  tensors: TensorToWrite[],
  dtype: "F32" | "BF16" | "F16" = "F32",
  metadata: Record<string, string> = { format: "pt" },
  /** Called after each tensor is written, with how many are written and how many there are. */
  onTensor?: (done: number, total: number) => void,
): void {
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const width = dtype === "F32" ? 4 : 2;
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of sorted) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (typeof t.data !== "function") checkCount(t.name, t.shape, t.data);
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + count * width] };
    offset += count * width;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, "utf8");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerBytes.length));
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, len);
    writeSync(fd, headerBytes);
    for (const [i, t] of sorted.entries()) {
      const data = typeof t.data === "function" ? checkCount(t.name, t.shape, t.data()) : t.data;
      if (dtype === "F32") {
        const f =
          data instanceof Float32Array
            ? data
            : data instanceof Uint16Array
              ? widenHalves("BF16", data)
              : data instanceof F16Matrix
                ? widenHalves("F16", data.bits)
                : Float32Array.from(data);
        writeSync(fd, new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
      } else if (dtype === "F16") {
        const h = data instanceof F16Matrix ? data.bits : toF16(data);
        writeSync(fd, new Uint8Array(h.buffer, h.byteOffset, h.byteLength));
      } else {
        const h = data instanceof Uint16Array ? data : toBf16(data instanceof F16Matrix ? widenHalves("F16", data.bits) : data);
        writeSync(fd, new Uint8Array(h.buffer, h.byteOffset, h.byteLength));
      }
      onTensor?.(i + 1, sorted.length);
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
