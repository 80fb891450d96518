/**
 * Reading safetensors files (https://huggingface.co/docs/safetensors): an 8-byte little-endian
 * header length, a JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?}`,
 * then the raw little-endian tensor bytes. Only the header is read up front; tensors are read on
 * demand with positioned reads, so a large file is never loaded whole.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { basename } from "node:path";
import { TunelabError } from "@tunelab/base";
import { z } from "zod";
import { widenHalves } from "./halves.ts";

export const SAFETENSORS_DTYPES = ["F32", "F16", "BF16"] as const;
export type SafetensorsDtype = (typeof SAFETENSORS_DTYPES)[number];
const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

const TensorInfo = z.object({
  dtype: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  data_offsets: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
});

export interface TensorEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte offset of the data in the file, and its length. */
  offset: number;
  bytes: number;
}

export interface SafetensorsHeader {
  path: string;
  tensors: Map<string, TensorEntry>;
  metadata: Record<string, string>;
}

const bad = (path: string, field: string, message: string) =>
  new TunelabError("validation_failed", `${basename(path)}: ${field}: ${message}`, { details: { file: path, field } });

/** `__metadata__`: string keys to string values (the format's only rule for it). */
const Metadata = z.record(z.string(), z.string());

function readMetadata(path: string, value: unknown): Record<string, string> {
  const parsed = Metadata.safeParse(value);
  if (parsed.success) return parsed.data;
  const key = parsed.error.issues[0]?.path[0];
  if (key === undefined) throw bad(path, "__metadata__", "expected an object of strings");
  const got = (value as Record<string, unknown>)[String(key)];
  throw bad(path, `__metadata__.${String(key)}`, `expected a string, got ${JSON.stringify(got)}`);
}

/** Reads and checks the header of a safetensors file (dtypes, shapes against byte ranges, file size). */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size < 8) throw bad(path, "header", `the file has ${size} bytes; a safetensors file starts with an 8-byte header length`);
    const lenBuf = Buffer.alloc(8);
    readSync(fd, lenBuf, 0, 8, 0);
    const headerLen = Number(lenBuf.readBigUInt64LE(0));
    if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > size)
      throw bad(path, "header", `header length ${headerLen} does not fit in the file (${size} bytes): truncated or not safetensors`);
    const headerBuf = Buffer.alloc(headerLen);
    readSync(fd, headerBuf, 0, headerLen, 8);
    let raw: unknown;
    try {
      raw = JSON.parse(headerBuf.toString("utf8"));
    } catch (error) {
      throw bad(path, "header", `the JSON header does not parse (${(error as Error).message})`);
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw bad(path, "header", "the header is not a JSON object");
    const dataStart = 8 + headerLen;
    const tensors = new Map<string, TensorEntry>();
    let metadata: Record<string, string> = {};
    let end = 0;
    for (const [name, value] of Object.entries(raw)) {
      if (name === "__metadata__") {
        metadata = readMetadata(path, value);
        continue;
      }
      const info = TensorInfo.safeParse(value);
      if (!info.success) throw bad(path, name, "not a tensor entry {dtype, shape, data_offsets}");
      const {
        dtype,
        shape,
        data_offsets: [begin, stop],
      } = info.data;
      if (!(SAFETENSORS_DTYPES as readonly string[]).includes(dtype))
        throw bad(path, `${name}.dtype`, `${dtype} is not supported (F32, F16 and BF16 are; quantized weights are not)`);
      const count = shape.reduce((a, b) => a * b, 1);
      const bytes = count * BYTES[dtype as SafetensorsDtype];
      if (stop - begin !== bytes)
        throw bad(
          path,
          `${name}.data_offsets`,
          `[${begin}, ${stop}] holds ${stop - begin} bytes; shape [${shape}] of ${dtype} needs ${bytes}`,
        );
      if (dataStart + stop > size)
        throw bad(path, name, `data ends at byte ${dataStart + stop} but the file has ${size} bytes: the file is truncated`);
      end = Math.max(end, stop);
      tensors.set(name, { name, dtype: dtype as SafetensorsDtype, shape, offset: dataStart + begin, bytes });
    }
    return { path, tensors, metadata };
  } finally {
    closeSync(fd);
  }
}

/** Reads a tensor's raw bytes (positioned read). */
export function readTensorBytes(path: string, entry: TensorEntry): Uint8Array {
  const out = new Uint8Array(entry.bytes);
  const fd = openSync(path, "r");
  try {
    let done = 0;
    while (done < entry.bytes) {
      const n = readSync(fd, out, done, entry.bytes - done, entry.offset + done);
      if (n <= 0) throw bad(path, entry.name, "unexpected end of file");
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/** A tensor as float32 (converted from bf16/f16). */
export function readTensorF32(path: string, entry: TensorEntry): Float32Array {
  const raw = readTensorBytes(path, entry);
  const n = entry.bytes / BYTES[entry.dtype];
  if (entry.dtype === "F32") return new Float32Array(raw.buffer, raw.byteOffset, n);
  return widenHalves(entry.dtype, new Uint16Array(raw.buffer, raw.byteOffset, n));
}
