// Q8 blocks as the engine holds frozen base weights (src/hf/model/q8-matrix.ts): every 32 consecutive values share one
// float32 scale d = max|x| / 127 (rounded once to float32) and are stored as int8 q = round(x / d) in [-127, 127],
// rounding as JavaScript's Math.round does (ties towards +infinity), in double precision: the same bytes as the
// TypeScript quantizer, on any thread count.
#pragma once
#include <cstdint>

namespace tl {

// x[0, n) -> q[0, n) and d[0, ceil(n / 32)); a last block shorter than 32 has its own scale. Blocks in parallel.
void q8_quantize(const float* x, long n, int8_t* q, float* d);

}  // namespace tl
