#!/usr/bin/env python3
"""Independent reference for the GGUF export's weight encodings (src/hf/gguf/encode.ts).

Writes fixtures/gguf/encodings.json: float32 inputs and the bytes each encoding must produce.
- F16: Python's struct format 'e' (IEEE 754 binary16, round half to even, overflow to inf is an error in struct,
  so inputs stay in range; the infinity and NaN cases are listed separately).
- Q8_0: ggml's rule written from docs (ggml-quants.c quantize_row_q8_0_ref): per block of 32 values,
  d = max|x| / 127 in float32, id = 1/d (0 when d is 0), q = roundf(x * id) with halves away from zero,
  the block stored as d in binary16 then 32 int8. Float32 arithmetic is emulated with struct round trips.
Only the standard library is used. Run: /usr/bin/python3 packages/engine/scripts/gguf_reference.py
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


def main():
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
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"python": sys.version.split()[0], "seed": 20261203, "f16": f16, "q8_0": q8}, indent=1) + "\n")
    print(f"wrote {OUT}: {len(f16)} float16 cases, {len(q8)} Q8_0 tensors")


if __name__ == "__main__":
    main()
