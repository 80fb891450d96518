/**
 * The most rows of op(A) that native gemm.cc takes on its matrix-vector path (its GEMV_ROWS) in a linear layer's
 * product (op(B) = Bᵀ, weights stored [out × in]): B is read once from memory for all of them (decoding several
 * sequences in one step), and each row is summed in the same order as a lone row is, so a batched decoding step gives
 * each sequence the logits it gets alone. More rows take the packed path, which sums in another order. (Other products
 * take the matrix-vector path up to 4 rows.)
 */
export const GEMV_ROWS = 16;
