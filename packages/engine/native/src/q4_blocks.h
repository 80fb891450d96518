// Q4 blocks as the engine can hold frozen base weights (src/hf/model/q4-matrix.ts): llama.cpp's Q4_0 rule with a
// float32 scale. Every 32 consecutive values share one scale d = m / -8, m the block's value of largest magnitude (the
// first of equals), rounded once to float32; each value is stored as a 4-bit code c = round(x / d) + 8 clamped to
// [0, 15] (rounding as JavaScript's Math.round does, ties towards +infinity, in double precision) and read back as
// (c - 8)·d. Byte j of a block's 16 holds value j in its low nibble and value j + 16 in its high nibble (Q4_0's
// layout). A last block shorter than 32 is padded with zeros. The same bytes as the TypeScript quantizer, on any
// thread count.
#pragma once
#include <cstdint>

namespace tl {

// x[0, n) -> q[0, 16 * ceil(n / 32)) and d[0, ceil(n / 32)). Blocks in parallel.
void q4_quantize(const float* x, long n, uint8_t* q, float* d);

}  // namespace tl
