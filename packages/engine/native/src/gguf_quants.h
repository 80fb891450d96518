// GGUF block encoders (ggml's Q4_K, Q6_K, Q5_0, Q8_0): the native twins of packages/engine/src/hf/gguf/k-quants.ts,
// q5-0.ts and q8-0.ts, written to give the same bytes (the TypeScript encoders are their reference; their comments
// describe the formats and the quantizers). Blocks are encoded in parallel on the pool; each block's bytes depend on
// its values only, so the output is the same for any thread count.
#pragma once
#include <cstdint>

namespace tl {

enum class GgufQuant { Q5_0 = 6, Q8_0 = 8, Q4_K = 12, Q6_K = 14 };  // ggml's type ids

// Values and bytes of one block; 0 for a type that is not one of the above.
int gguf_block_values(int type);
int gguf_block_bytes(int type);

// Encodes n values of x (n a multiple of the type's block) into out (n / values · bytes bytes).
void gguf_quantize(GgufQuant type, const float* x, long n, uint8_t* out);

}  // namespace tl
