#!/usr/bin/env python3
"""Independent reference for the GGUF export's weight encodings (src/hf/gguf/encode.ts).

Writes fixtures/gguf/encodings.json: float32 inputs and the bytes each encoding must produce.
- F16: Python's struct format 'e' (IEEE 754 binary16, round half to even, overflow to inf is an error in struct,
  so inputs stay in range; the infinity and NaN cases are listed separately).
- Q8_0: ggml's rule written from docs (ggml-quants.c quantize_row_q8_0_ref): per block of 32 values,
  d = max|x| / 127 in float32, id = 1/d (0 when d is 0), q = roundf(x * id) with halves away from zero,
  the block stored as d in binary16 then 32 int8. Float32 arithmetic is emulated with struct round trips.
- Q5_0: ggml's rule (quantize_row_q5_0_ref): per block of 32, the value of largest magnitude (the first on a tie) maps
  to -16, d = that value / -16 in float32, q = min(31, trunc(x * (1/d) + 16.5)) in float32; stored as d in binary16,
  32 fifth bits in a little-endian u32, then 16 bytes of nibbles (value j low, value j+16 high). Decoded d * (q - 16).
- Q4_K and Q6_K: a NumPy dequantizer written from the block layouts of ggml-common.h (block_q4_K, block_q6_K) and the
  formulas of ggml-quants.c (dequantize_row_q4_K, dequantize_row_q6_K), in float32 with every product rounded, as C
  computes them. The fixture holds random blocks (every bit pattern of the packed scales and quants) and their values;
  `dequantize TYPE` reads a tensor's bytes on stdin and writes its float32 values (little-endian) on stdout, which
  src/hf/gguf/k-quants.test.ts runs on the engine's own encodings.
F16, Q8_0 and Q5_0 use only the standard library; Q4_K and Q6_K use NumPy (python3-numpy).
Run: /usr/bin/python3 packages/engine/scripts/gguf_reference.py [dequantize Q4_K|Q6_K]
"""
import json
import math
import random
import struct
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "gguf" / "encodings.json"


def f32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


def f16_bits(x: float) -> int:
    return struct.unpack("<H", struct.pack("<e", x))[0]


def roundf(x: float) -> int:
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def q8_0(values):
    out = bytearray()
    for b in range(0, len(values), 32):
        block = values[b : b + 32]
        amax = max(abs(v) for v in block)
        d = f32(amax / 127)
        inv = f32(1 / d) if d != 0 else 0.0
        out += struct.pack("<H", f16_bits(d))
        for v in block:
            out += struct.pack("<b", roundf(f32(v * inv)))
    return out.hex()


def q5_0(values):
    out = bytearray()
    for b in range(0, len(values), 32):
        block = values[b : b + 32]
        amax, top = 0.0, 0.0
        for v in block:
            if amax < abs(v):
                amax, top = abs(v), v
        d = f32(top / -16)
        inv = f32(1 / d) if d != 0 else 0.0
        qs, qh = [], 0
        for j in range(16):
            q0 = min(31, int(f32(f32(block[j] * inv) + 16.5)))  # int() truncates toward zero, as C's cast
            q1 = min(31, int(f32(f32(block[16 + j] * inv) + 16.5)))
            qs.append((q0 & 15) | ((q1 & 15) << 4))
            qh |= ((q0 >> 4) & 1) << j
            qh |= ((q1 >> 4) & 1) << (j + 16)
        out += struct.pack("<H", f16_bits(d)) + struct.pack("<I", qh) + bytes(qs)
    return out.hex()


def dequantize_q5_0(hex_bytes: str):
    data = bytes.fromhex(hex_bytes)
    values = []
    for at in range(0, len(data), 22):
        d = struct.unpack("<e", data[at : at + 2])[0]
        qh = struct.unpack("<I", data[at + 2 : at + 6])[0]
        qs = data[at + 6 : at + 22]
        low = [(qs[j] & 15) | (((qh >> j) & 1) << 4) for j in range(16)]
        high = [(qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4) for j in range(16)]
        values += [f32((q - 16) * d) for q in low + high]
    return values


QK_K = 256
Q4_K_BYTES = 144  # f16 d, f16 dmin, 12 bytes of 6-bit scales and mins, 128 bytes of 4-bit quants
Q6_K_BYTES = 210  # 128 bytes low 4 bits, 64 bytes high 2 bits, 16 int8 scales, f16 d


def _half(raw):
    """Little-endian binary16 bytes (..., 2) as float32."""
    import numpy as np

    return np.ascontiguousarray(raw).view("<f2").astype(np.float32)[..., 0]


def dequantize_q4_k(data: bytes):
    """block_q4_K: sub-block j (32 values) is d*sc[j]*q - dmin*m[j], with q the 4-bit quants."""
    import numpy as np

    blocks = np.frombuffer(data, dtype=np.uint8).reshape(-1, Q4_K_BYTES)
    d = _half(blocks[:, 0:2])[:, None]
    dmin = _half(blocks[:, 2:4])[:, None]
    s = blocks[:, 4:16].astype(np.uint16)
    # 6-bit scale and min of sub-block j: j < 4 in bytes j and j+4 (low 6 bits); j >= 4 split between the low or high
    # nibble of byte j+4 and the top 2 bits of byte j-4 (scale) or byte j (min)
    sc = np.empty((len(blocks), 8), dtype=np.float32)
    mn = np.empty((len(blocks), 8), dtype=np.float32)
    for j in range(8):
        if j < 4:
            sc[:, j] = s[:, j] & 63
            mn[:, j] = s[:, j + 4] & 63
        else:
            sc[:, j] = (s[:, j + 4] & 0xF) | ((s[:, j - 4] >> 6) << 4)
            mn[:, j] = (s[:, j + 4] >> 4) | ((s[:, j] >> 6) << 4)
    qs = blocks[:, 16:144].reshape(-1, 4, 32)
    # each 32-byte group holds two sub-blocks: low nibbles then high nibbles
    q = np.stack([qs & 0xF, qs >> 4], axis=2).reshape(-1, 8, 32).astype(np.float32)
    step = (d * sc)[:, :, None]
    offset = (dmin * mn)[:, :, None]
    return (step * q - offset).astype(np.float32).reshape(-1)


def dequantize_q6_k(data: bytes):
    """block_q6_K: sub-block i (16 values) is d*scale[i]*(q - 32), with q 6 bits from ql (low 4) and qh (high 2)."""
    import numpy as np

    blocks = np.frombuffer(data, dtype=np.uint8).reshape(-1, Q6_K_BYTES)
    d = _half(blocks[:, 208:210])
    scales = blocks[:, 192:208].view(np.int8).astype(np.float32)
    out = np.empty((len(blocks), QK_K), dtype=np.float32)
    for h in range(2):
        ql = blocks[:, 64 * h : 64 * h + 64].astype(np.int16)
        qh = blocks[:, 128 + 32 * h : 128 + 32 * h + 32].astype(np.int16)
        parts = [
            (ql[:, 0:32] & 0xF) | (((qh >> 0) & 3) << 4),
            (ql[:, 32:64] & 0xF) | (((qh >> 2) & 3) << 4),
            (ql[:, 0:32] >> 4) | (((qh >> 4) & 3) << 4),
            (ql[:, 32:64] >> 4) | (((qh >> 6) & 3) << 4),
        ]
        for k, part in enumerate(parts):
            for l in range(32):
                index = 128 * h + 32 * k + l
                step = d * scales[:, index // 16]
                out[:, index] = step * (part[:, l] - 32).astype(np.float32)
    return out.reshape(-1)


DEQUANTIZE = {"Q4_K": (dequantize_q4_k, Q4_K_BYTES), "Q6_K": (dequantize_q6_k, Q6_K_BYTES)}


def k_quant_cases(rng: random.Random):
    """Random blocks of each k-quant type (random scales' f16 of both signs, every bit of the packed fields) and their values."""
    cases = {}
    for name, (dequantize, size) in DEQUANTIZE.items():
        blocks = []
        for i in range(6):
            raw = bytearray(rng.getrandbits(8) for _ in range(size))
            halves = [f16_bits(rng.choice([1, 1, 1, -1]) * rng.uniform(0, 0.05)) for _ in range(2)]
            if i == 0:
                halves = [0, 0]  # zero scales decode to zeros
            at = [0, 2] if name == "Q4_K" else [208]
            for h, offset in zip(halves, at):
                raw[offset : offset + 2] = struct.pack("<H", h)
            blocks.append({"bytes": raw.hex(), "values": [float(v) for v in dequantize(bytes(raw))]})
        cases[name.lower()] = blocks
    return cases


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "dequantize":
        dequantize, size = DEQUANTIZE[sys.argv[2]]
        data = sys.stdin.buffer.read()
        if len(data) % size != 0:
            sys.exit(f"{sys.argv[2]}: {len(data)} bytes is not a whole number of {size}-byte blocks")
        sys.stdout.buffer.write(dequantize(data).astype("<f4").tobytes())
        return
    rng = random.Random(20261203)
    specials = [0.0, -0.0, 1.0, -2.0, 0.5, 65504.0, 65519.99, 6.103515625e-05, 6.097555160522461e-05, 5.960464477539063e-08,
                2.98e-08, 2.9802322387695312e-08, 1e-10, 0.1, 1 / 3, 1.0009765625, 1.00048828125, 1.00146484375, 2049.0, 2051.0]
    normal = [f32(rng.gauss(0, 1) * 10 ** rng.uniform(-6, 4)) for _ in range(400)]
    f16_inputs = [f32(v) for v in specials] + normal
    f16 = [{"x": x, "bits": f16_bits(x)} for x in f16_inputs if abs(x) < 65520]
    blocks = []
    for scale in (1e-3, 0.05, 1.0, 30.0):
        blocks.append([f32(rng.gauss(0, scale)) for _ in range(64)])
    # exact halves after scaling (ties go away from zero), a zero block, and a block with one large value
    blocks.append([f32(v) for v in ([127.0, -0.5, 0.5, -1.5, 1.5, 2.5, -2.5, 63.5] + [0.0] * 24)])
    blocks.append([0.0] * 32)
    blocks.append([f32(v) for v in ([1000.0] + [rng.uniform(-1, 1) for _ in range(31)])])
    q8 = [{"x": b, "bytes": q8_0(b)} for b in blocks]
    k_quants = k_quant_cases(random.Random(20261205))
    five = random.Random(20261206)
    q5_blocks = [[f32(five.gauss(0, scale)) for _ in range(64)] for scale in (1e-3, 0.05, 1.0, 30.0)]
    # a positive and a negative largest value, a tie of magnitudes (the first wins), exact halves, zeros, an outlier
    q5_blocks.append([f32(v) for v in ([2.0, -2.0, 1.0, -1.0, 0.5, 0.0625, -0.0625, 1.9375] + [0.0] * 24)])
    q5_blocks.append([f32(v) for v in ([-3.0, 3.0, 1.5, -1.5, 0.09375, -0.09375] + [0.0] * 26)])
    q5_blocks.append([0.0] * 32)
    q5_blocks.append([f32(v) for v in ([1000.0] + [five.uniform(-1, 1) for _ in range(31)])])
    q5 = [{"x": b, "bytes": q5_0(b)} for b in q5_blocks]
    for case in q5:
        case["values"] = dequantize_q5_0(case["bytes"])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fixture = {"python": sys.version.split()[0], "seed": 20261203, "f16": f16, "q8_0": q8, "q5_0": q5, **k_quants}
    OUT.write_text(json.dumps(fixture, indent=1) + "\n")
    counts = ", ".join(f"{len(v)} {k.upper()} blocks" for k, v in k_quants.items())
    print(f"wrote {OUT}: {len(f16)} float16 cases, {len(q8)} Q8_0 tensors, {len(q5)} Q5_0 tensors, {counts}")


if __name__ == "__main__":
    main()
