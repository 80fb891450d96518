/**
 * Writing a GGUF file (version 3, little-endian), the format llama.cpp, Ollama and LM Studio load, as ggml's
 * docs/gguf.md specifies it:
 *   magic "GGUF", version u32, tensor count u64, metadata count u64;
 *   metadata: key (string), value type u32, value; strings are a u64 byte length and UTF-8 bytes; arrays an element
 *   type u32, a u64 count and the elements;
 *   tensor infos: name, dimension count u32, dimensions u64 (innermost first: a PyTorch [out, in] matrix is [in, out]),
 *   ggml type u32, offset u64 from the start of the data section;
 *   the data section, starting at the next multiple of `general.alignment` (32), each tensor at a multiple of it.
 * The file is written under a temporary name and renamed into place, so a crash never leaves a truncated model.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import type { GgufQuantize, Vec } from "../../trainer/kernels/types.ts";
import type { F16Matrix } from "../model/matrix.ts";
import { encodedBytes, encodeTensor, GGML_TYPE, type GgmlTypeName } from "./encode.ts";

export const GGUF_ALIGNMENT = 32;

/** A metadata value with its GGUF type. */
export type GgufValue =
  | { type: "u32"; value: number }
  | { type: "i32"; value: number }
  | { type: "f32"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "string[]"; value: readonly string[] }
  | { type: "i32[]"; value: ArrayLike<number> }
  | { type: "f32[]"; value: ArrayLike<number> };

const VALUE_TYPE = { u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9 } as const;

export interface GgufTensor {
  name: string;
  /** The PyTorch shape (outermost first); the file records it reversed, as ggml's ne[]. */
  shape: readonly number[];
  type: GgmlTypeName;
  /** Called once, while writing: the tensor's values in row-major order (float, or raw bf16 / IEEE halves as loaded). */
  values: () => Vec | Uint16Array | F16Matrix;
}

/** A growable little-endian byte buffer for the header. */
class Bytes {
  private buf = Buffer.alloc(1 << 16);
  length = 0;
  private room(n: number) {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }
  u32(v: number) {
    this.room(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }
  i32(v: number) {
    this.room(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
  }
  u64(v: number) {
    this.room(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  f32(v: number) {
    this.room(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }
  u8(v: number) {
    this.room(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
  }
  string(s: string) {
    const bytes = Buffer.from(s, "utf8");
    this.u64(bytes.length);
    this.room(bytes.length);
    bytes.copy(this.buf, this.length);
    this.length += bytes.length;
  }
  zeros(n: number) {
    this.room(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function writeValue(out: Bytes, v: GgufValue): void {
  switch (v.type) {
    case "u32":
      out.u32(VALUE_TYPE.u32);
      out.u32(v.value);
      return;
    case "i32":
      out.u32(VALUE_TYPE.i32);
      out.i32(v.value);
      return;
    case "f32":
      out.u32(VALUE_TYPE.f32);
      out.f32(v.value);
      return;
    case "bool":
      out.u32(VALUE_TYPE.bool);
      out.u8(v.value ? 1 : 0);
      return;
    case "string":
      out.u32(VALUE_TYPE.string);
      out.string(v.value);
      return;
    case "string[]":
      out.u32(VALUE_TYPE.array);
      out.u32(VALUE_TYPE.string);
      out.u64(v.value.length);
      for (const s of v.value) out.string(s);
      return;
    case "i32[]":
      out.u32(VALUE_TYPE.array);
      out.u32(VALUE_TYPE.i32);
      out.u64(v.value.length);
      for (let i = 0; i < v.value.length; i++) out.i32(v.value[i] as number);
      return;
    case "f32[]":
      out.u32(VALUE_TYPE.array);
      out.u32(VALUE_TYPE.f32);
      out.u64(v.value.length);
      for (let i = 0; i < v.value.length; i++) out.f32(v.value[i] as number);
      return;
  }
}

const alignUp = (n: number) => Math.ceil(n / GGUF_ALIGNMENT) * GGUF_ALIGNMENT;

/** Writes `path`; returns its size in bytes. */
export function writeGguf(
  path: string,
  metadata: ReadonlyMap<string, GgufValue>,
  tensors: readonly GgufTensor[],
  /** Called after each tensor is written, with how many are written and how many there are. */
  onTensor?: (done: number, total: number) => void,
  /** The encoder of quantized tensors (default: the TypeScript reference; a model's kernels give the native one). */
  quantize?: GgufQuantize,
): number {
  const names = new Set<string>();
  for (const t of tensors) {
    if (names.has(t.name)) throw new Error(`tensor ${t.name} given twice`);
    names.add(t.name);
  }
  const header = new Bytes();
  header.u32(0x46554747); // "GGUF" read as a little-endian u32
  header.u32(3);
  header.u64(tensors.length);
  const kv = new Map(metadata);
  kv.set("general.alignment", { type: "u32", value: GGUF_ALIGNMENT });
  header.u64(kv.size);
  for (const [key, value] of kv) {
    header.string(key);
    writeValue(header, value);
  }
  let offset = 0;
  const sizes: number[] = [];
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    header.string(t.name);
    header.u32(t.shape.length);
    for (const dim of [...t.shape].reverse()) header.u64(dim);
    header.u32(GGML_TYPE[t.type]);
    header.u64(offset);
    const bytes = encodedBytes(t.type, count);
    sizes.push(bytes);
    offset = alignUp(offset + bytes);
  }
  header.zeros(alignUp(header.length) - header.length);

  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  let written = 0;
  const put = (bytes: Uint8Array) => {
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
    written += bytes.length;
  };
  try {
    put(header.view());
    const pad = new Uint8Array(GGUF_ALIGNMENT);
    tensors.forEach((t, i) => {
      const values = t.values();
      const count = t.shape.reduce((a, b) => a * b, 1);
      if (values.length !== count) throw new Error(`${t.name}: shape [${t.shape}] holds ${count} values, got ${values.length}`);
      const bytes = encodeTensor(t.type, values, quantize);
      if (bytes.length !== sizes[i]) throw new Error(`${t.name}: encoded ${bytes.length} bytes, expected ${sizes[i]}`);
      put(bytes);
      if (i < tensors.length - 1) put(pad.subarray(0, alignUp(bytes.length) - bytes.length));
      onTensor?.(i + 1, tensors.length);
    });
    closeSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  renameSync(tmp, path);
  return written;
}
