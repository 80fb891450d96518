// N-API bindings: thin argument checking around the kernels. Arrays are Float32Array / Int32Array
// views (subarrays allowed); every length is checked against what the kernel will touch.
#include <node_api.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "gemm.h"
#include "gguf_quants.h"
#include "q4_blocks.h"
#include "q8_blocks.h"
#include "kernels.h"
#include "threadpool.h"

namespace {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename T>
struct View {
  T* data = nullptr;
  long length = 0;
};

class Args {
 public:
  Args(napi_env env, napi_callback_info info, size_t expected) : env_(env) {
    argc_ = 24;
    if (napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr) != napi_ok) throw Error("cannot read arguments");
    if (argc_ < expected) throw Error("expected " + std::to_string(expected) + " arguments, got " + std::to_string(argc_));
  }

  template <typename T>
  View<T> array(size_t i, napi_typedarray_type want, const char* name, bool optional = false) {
    napi_valuetype vt;
    napi_typeof(env_, argv_[i], &vt);
    if (optional && (vt == napi_null || vt == napi_undefined)) return {};
    bool is_ta = false;
    napi_is_typedarray(env_, argv_[i], &is_ta);
    if (!is_ta) throw Error(std::string(name) + ": expected a typed array");
    napi_typedarray_type type;
    size_t length;
    void* data;
    napi_value buffer;
    size_t offset;
    napi_get_typedarray_info(env_, argv_[i], &type, &length, &data, &buffer, &offset);
    if (type != want)
      throw Error(std::string(name) + (want == napi_float32_array ? ": expected a Float32Array"
                                       : want == napi_uint16_array ? ": expected a Uint16Array"
                                       : want == napi_uint8_array  ? ": expected a Uint8Array"
                                       : want == napi_int8_array   ? ": expected an Int8Array"
                                                                   : ": expected an Int32Array"));
    return {static_cast<T*>(data), static_cast<long>(length)};
  }

  View<float> f32(size_t i, const char* name, bool optional = false) { return array<float>(i, napi_float32_array, name, optional); }
  View<int32_t> i32(size_t i, const char* name) { return array<int32_t>(i, napi_int32_array, name); }
  View<uint16_t> u16(size_t i, const char* name) { return array<uint16_t>(i, napi_uint16_array, name); }
  View<uint8_t> u8(size_t i, const char* name) { return array<uint8_t>(i, napi_uint8_array, name); }
  View<int8_t> i8(size_t i, const char* name) { return array<int8_t>(i, napi_int8_array, name); }

  // An optional trailing argument: absent or undefined → fallback.
  bool present(size_t i) {
    if (i >= argc_) return false;
    napi_valuetype vt;
    napi_typeof(env_, argv_[i], &vt);
    return vt != napi_undefined;
  }

  double num(size_t i, const char* name) {
    double v;
    if (napi_get_value_double(env_, argv_[i], &v) != napi_ok) throw Error(std::string(name) + ": expected a number");
    return v;
  }
  int integer(size_t i, const char* name) {
    double v = num(i, name);
    if (v < 0 || v > 2147483647.0 || static_cast<double>(static_cast<int>(v)) != v) throw Error(std::string(name) + ": expected a non-negative integer");
    return static_cast<int>(v);
  }
  bool flag(size_t i) {
    bool v = false;
    napi_get_value_bool(env_, argv_[i], &v);
    return v;
  }

 private:
  napi_env env_;
  size_t argc_;
  napi_value argv_[24];
};

template <typename T>
void need(const View<T>& v, long n, const char* name) {
  if (n > 0 && v.length < n) throw Error(std::string(name) + ": array too short (" + std::to_string(v.length) + " < " + std::to_string(n) + ")");
}

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

template <typename F>
napi_value guard(napi_env env, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    napi_throw_error(env, "ERR_TUNELAB_KERNEL", e.what());
    return nullptr;
  }
}

// gemm(transA, transB, M, N, K, A, lda, B, ldb, C, ldc, accumulate, bias|null); gemmBf16B / gemmF16B: B a Uint16Array
// of raw bf16 / IEEE half bits.
enum class BType { F32, BF16, F16 };
template <BType BT>
napi_value GemmAny(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 13);
    bool ta = a.flag(0), tb = a.flag(1);
    int M = a.integer(2, "M"), N = a.integer(3, "N"), K = a.integer(4, "K");
    auto A = a.f32(5, "A");
    int lda = a.integer(6, "lda");
    View<float> Bf;
    View<uint16_t> Bh;
    long b_length;
    if constexpr (BT != BType::F32) {
      Bh = a.u16(7, "B");
      b_length = Bh.length;
    } else {
      Bf = a.f32(7, "B");
      b_length = Bf.length;
    }
    int ldb = a.integer(8, "ldb");
    auto C = a.f32(9, "C");
    int ldc = a.integer(10, "ldc");
    bool acc = a.flag(11);
    auto bias = a.f32(12, "bias", true);
    if (M > 0 && N > 0 && K > 0) {
      need(A, ta ? static_cast<long>(K - 1) * lda + M : static_cast<long>(M - 1) * lda + K, "A");
      need(View<float>{nullptr, b_length}, tb ? static_cast<long>(N - 1) * ldb + K : static_cast<long>(K - 1) * ldb + N, "B");
      if ((ta ? lda < M : lda < K) || (tb ? ldb < K : ldb < N)) throw Error("leading dimension too small");
    }
    if (M > 0 && N > 0) need(C, static_cast<long>(M - 1) * ldc + N, "C");
    if (bias.data) need(bias, N, "bias");
    if (ldc < N) throw Error("ldc < N");
    if constexpr (BT == BType::BF16) {
      tl::sgemm_bf16b(ta, tb, M, N, K, A.data, lda, Bh.data, ldb, C.data, ldc, acc, bias.data);
    } else if constexpr (BT == BType::F16) {
      tl::sgemm_f16b(ta, tb, M, N, K, A.data, lda, Bh.data, ldb, C.data, ldc, acc, bias.data);
    } else {
      tl::sgemm(ta, tb, M, N, K, A.data, lda, Bf.data, ldb, C.data, ldc, acc, bias.data);
    }
    return undefined(env);
  });
}

// gemmQ8B / gemmQ4B(transA, transB, M, N, K, A, lda, Bq, Bd, ldb, C, ldc, accumulate, bias|null): B in Q8 blocks (Bq an
// Int8Array of values) or Q4 blocks (Bq a Uint8Array of 16 bytes per 32 values, q4_blocks.h), and Bd a Float32Array
// with one scale per 32 values (Bd[i / 32] scales value i).
template <bool Q4>
napi_value GemmBlocks(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 14);
    bool ta = a.flag(0), tb = a.flag(1);
    int M = a.integer(2, "M"), N = a.integer(3, "N"), K = a.integer(4, "K");
    auto A = a.f32(5, "A");
    int lda = a.integer(6, "lda");
    auto Bq = [&] {
      if constexpr (Q4) return a.u8(7, "Bq");
      else return a.i8(7, "Bq");
    }();
    auto Bd = a.f32(8, "Bd");
    int ldb = a.integer(9, "ldb");
    auto C = a.f32(10, "C");
    int ldc = a.integer(11, "ldc");
    bool acc = a.flag(12);
    auto bias = a.f32(13, "bias", true);
    if (M > 0 && N > 0 && K > 0) {
      need(A, ta ? static_cast<long>(K - 1) * lda + M : static_cast<long>(M - 1) * lda + K, "A");
      long span = tb ? static_cast<long>(N - 1) * ldb + K : static_cast<long>(K - 1) * ldb + N;
      need(Bq, Q4 ? (span + 31) / 32 * 16 : span, "Bq");
      need(Bd, (span + 31) / 32, "Bd");
      if ((ta ? lda < M : lda < K) || (tb ? ldb < K : ldb < N)) throw Error("leading dimension too small");
    }
    if (M > 0 && N > 0) need(C, static_cast<long>(M - 1) * ldc + N, "C");
    if (bias.data) need(bias, N, "bias");
    if (ldc < N) throw Error("ldc < N");
    if constexpr (Q4) tl::sgemm_q4b(ta, tb, M, N, K, A.data, lda, Bq.data, Bd.data, ldb, C.data, ldc, acc, bias.data);
    else tl::sgemm_q8b(ta, tb, M, N, K, A.data, lda, Bq.data, Bd.data, ldb, C.data, ldc, acc, bias.data);
    return undefined(env);
  });
}

// layernormFwd(x, gamma, beta, out, mean, rstd, rows, d)
napi_value LayernormFwd(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 8);
    int rows = a.integer(6, "rows"), d = a.integer(7, "d");
    long n = static_cast<long>(rows) * d;
    auto x = a.f32(0, "x"), g = a.f32(1, "gamma"), b = a.f32(2, "beta"), o = a.f32(3, "out"), mu = a.f32(4, "mean"), rs = a.f32(5, "rstd");
    need(x, n, "x"), need(o, n, "out"), need(g, d, "gamma"), need(b, d, "beta"), need(mu, rows, "mean"), need(rs, rows, "rstd");
    tl::layernorm_fwd(x.data, g.data, b.data, o.data, mu.data, rs.data, rows, d);
    return undefined(env);
  });
}

// layernormBwd(dout, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, d, accumulateDx)
napi_value LayernormBwd(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 11);
    int rows = a.integer(8, "rows"), d = a.integer(9, "d");
    long n = static_cast<long>(rows) * d;
    auto dout = a.f32(0, "dout"), x = a.f32(1, "x"), g = a.f32(2, "gamma"), mu = a.f32(3, "mean"), rs = a.f32(4, "rstd");
    auto dx = a.f32(5, "dx"), dg = a.f32(6, "dgamma"), db = a.f32(7, "dbeta");
    need(dout, n, "dout"), need(x, n, "x"), need(dx, n, "dx"), need(g, d, "gamma"), need(dg, d, "dgamma"), need(db, d, "dbeta");
    need(mu, rows, "mean"), need(rs, rows, "rstd");
    tl::layernorm_bwd(dout.data, x.data, g.data, mu.data, rs.data, dx.data, dg.data, db.data, rows, d, a.flag(10));
    return undefined(env);
  });
}

// geluFwd(x, out, n) / geluBwd(x, dout, dx, n)
napi_value GeluFwd(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 3);
    long n = static_cast<long>(a.num(2, "n"));
    auto x = a.f32(0, "x"), o = a.f32(1, "out");
    need(x, n, "x"), need(o, n, "out");
    tl::gelu_fwd(x.data, o.data, n);
    return undefined(env);
  });
}

napi_value GeluBwd(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 4);
    long n = static_cast<long>(a.num(3, "n"));
    auto x = a.f32(0, "x"), d = a.f32(1, "dout"), dx = a.f32(2, "dx");
    need(x, n, "x"), need(d, n, "dout"), need(dx, n, "dx");
    tl::gelu_bwd(x.data, d.data, dx.data, n);
    return undefined(env);
  });
}

// colsum(x, rows, cols, out, accumulate)
napi_value Colsum(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 5);
    int rows = a.integer(1, "rows"), cols = a.integer(2, "cols");
    auto x = a.f32(0, "x"), o = a.f32(3, "out");
    need(x, static_cast<long>(rows) * cols, "x"), need(o, cols, "out");
    tl::colsum(x.data, rows, cols, o.data, a.flag(4));
    return undefined(env);
  });
}

void check_ids(const View<int32_t>& ids, long n, int vocab) {
  for (long i = 0; i < n; i++)
    if (ids.data[i] < 0 || ids.data[i] >= vocab) throw Error("token id out of range: " + std::to_string(ids.data[i]));
}

// embedFwd(ids, tok, pos, out, B, T, d)
napi_value EmbedFwd(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 7);
    int B = a.integer(4, "B"), T = a.integer(5, "T"), d = a.integer(6, "d");
    auto ids = a.i32(0, "ids");
    auto tok = a.f32(1, "tok"), pos = a.f32(2, "pos"), out = a.f32(3, "out");
    long n = static_cast<long>(B) * T;
    need(ids, n, "ids"), need(pos, static_cast<long>(T) * d, "pos"), need(out, n * d, "out");
    check_ids(ids, n, static_cast<int>(tok.length / (d > 0 ? d : 1)));
    tl::embed_fwd(ids.data, tok.data, pos.data, out.data, B, T, d);
    return undefined(env);
  });
}

// embedBwd(ids, dout, dtok, dpos, B, T, d)
napi_value EmbedBwd(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 7);
    int B = a.integer(4, "B"), T = a.integer(5, "T"), d = a.integer(6, "d");
    auto ids = a.i32(0, "ids");
    auto dout = a.f32(1, "dout"), dtok = a.f32(2, "dtok"), dpos = a.f32(3, "dpos");
    long n = static_cast<long>(B) * T;
    need(ids, n, "ids"), need(dout, n * d, "dout"), need(dpos, static_cast<long>(T) * d, "dpos");
    check_ids(ids, n, static_cast<int>(dtok.length / (d > 0 ? d : 1)));
    tl::embed_bwd(ids.data, dout.data, dtok.data, dpos.data, B, T, d);
    return undefined(env);
  });
}

// Grouped-query attention's kv head count (default H): a divisor of H.
int kv_heads(int kv, int H) {
  if (kv < 1 || kv > H || H % kv != 0) throw Error("kvHeads must divide H (" + std::to_string(kv) + " does not divide " + std::to_string(H) + ")");
  return kv;
}

// Attention logit soft-capping (Gemma 2's attn_logit_softcapping), argument i if present: a finite number >= 0 (0: none).
float softcap_arg(Args& a, size_t i) {
  if (!a.present(i)) return 0.0f;
  double v = a.num(i, "softcap");
  float f = static_cast<float>(v);
  if (!(v >= 0) || !std::isfinite(f)) throw Error("softcap: expected a non-negative finite number");
  return f;
}

// attentionFwd(q, qs, k, v, kvs, out, os, P|null, B, H, Tq, Tk, hd, qOff, scale, kvHeads?, window?, softcap?)
napi_value AttentionFwd(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 15);
    int qs = a.integer(1, "qs"), kvs = a.integer(4, "kvs"), os = a.integer(6, "os");
    int B = a.integer(8, "B"), H = a.integer(9, "H"), Tq = a.integer(10, "Tq"), Tk = a.integer(11, "Tk"), hd = a.integer(12, "hd");
    int q_off = a.integer(13, "qOff");
    float scale = static_cast<float>(a.num(14, "scale"));
    int KV = a.present(15) ? kv_heads(a.integer(15, "kvHeads"), H) : H;
    int window = a.present(16) ? a.integer(16, "window") : 0;
    float softcap = softcap_arg(a, 17);
    auto q = a.f32(0, "q"), k = a.f32(2, "k"), v = a.f32(3, "v"), out = a.f32(5, "out"), P = a.f32(7, "P", true);
    long width = static_cast<long>(H) * hd, kv_width = static_cast<long>(KV) * hd;
    if (qs < width || os < width || kvs < kv_width) throw Error("a row stride is smaller than its heads' width");
    need(q, (static_cast<long>(B) * Tq - 1) * qs + width, "q");
    need(k, (static_cast<long>(B) * Tk - 1) * kvs + kv_width, "k");
    need(v, (static_cast<long>(B) * Tk - 1) * kvs + kv_width, "v");
    need(out, (static_cast<long>(B) * Tq - 1) * os + width, "out");
    if (P.data) need(P, static_cast<long>(B) * H * Tq * Tk, "P");
    tl::attention_fwd(q.data, qs, k.data, v.data, kvs, out.data, os, P.data, B, H, Tq, Tk, hd, q_off, scale, KV, window, softcap);
    return undefined(env);
  });
}

// The packed examples of attentionFwdRows / attentionBwdRows: starts and lens of the same length, every example's rows
// inside each array (rows of stride `stride`, `width` wide). Returns the number of examples.
int packed_rows(const View<int32_t>& starts, const View<int32_t>& lens) {
  if (starts.length != lens.length) throw Error("starts and lens must have one entry per example");
  for (long b = 0; b < lens.length; b++)
    if (starts.data[b] < 0 || lens.data[b] < 0) throw Error("starts and lens must not be negative");
  return static_cast<int>(lens.length);
}
void need_rows(const View<float>& v, const View<int32_t>& starts, const View<int32_t>& lens, long stride, long width, const char* name) {
  for (long b = 0; b < lens.length; b++)
    if (lens.data[b] > 0) need(v, (static_cast<long>(starts.data[b]) + lens.data[b] - 1) * stride + width, name);
}

// attentionFwdRows(q, qs, k, v, kvs, out, os, starts, lens, H, hd, scale, kvHeads?, window?, softcap?)
napi_value AttentionFwdRows(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 12);
    int qs = a.integer(1, "qs"), kvs = a.integer(4, "kvs"), os = a.integer(6, "os");
    int H = a.integer(9, "H"), hd = a.integer(10, "hd");
    float scale = static_cast<float>(a.num(11, "scale"));
    int KV = a.present(12) ? kv_heads(a.integer(12, "kvHeads"), H) : H;
    int window = a.present(13) ? a.integer(13, "window") : 0;
    float softcap = softcap_arg(a, 14);
    auto q = a.f32(0, "q"), k = a.f32(2, "k"), v = a.f32(3, "v"), out = a.f32(5, "out");
    auto starts = a.i32(7, "starts"), lens = a.i32(8, "lens");
    int B = packed_rows(starts, lens);
    long width = static_cast<long>(H) * hd, kv_width = static_cast<long>(KV) * hd;
    if (qs < width || os < width || kvs < kv_width) throw Error("a row stride is smaller than its heads' width");
    need_rows(q, starts, lens, qs, width, "q"), need_rows(k, starts, lens, kvs, kv_width, "k");
    need_rows(v, starts, lens, kvs, kv_width, "v"), need_rows(out, starts, lens, os, width, "out");
    tl::attention_fwd_rows(q.data, qs, k.data, v.data, kvs, out.data, os, starts.data, lens.data, B, H, hd, scale, KV, window, softcap);
    return undefined(env);
  });
}

// attentionBwdRows(q, qs, k, v, kvs, dout, os, dq, dk, dv, dqs, starts, lens, H, hd, scale, kvHeads?, window?, softcap?)
napi_value AttentionBwdRows(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 16);
    int qs = a.integer(1, "qs"), kvs = a.integer(4, "kvs"), os = a.integer(6, "os"), dqs = a.integer(10, "dqs");
    int H = a.integer(13, "H"), hd = a.integer(14, "hd");
    float scale = static_cast<float>(a.num(15, "scale"));
    int KV = a.present(16) ? kv_heads(a.integer(16, "kvHeads"), H) : H;
    int window = a.present(17) ? a.integer(17, "window") : 0;
    float softcap = softcap_arg(a, 18);
    auto q = a.f32(0, "q"), k = a.f32(2, "k"), v = a.f32(3, "v"), dout = a.f32(5, "dout");
    auto dq = a.f32(7, "dq"), dk = a.f32(8, "dk"), dv = a.f32(9, "dv");
    auto starts = a.i32(11, "starts"), lens = a.i32(12, "lens");
    int B = packed_rows(starts, lens);
    long width = static_cast<long>(H) * hd, kv_width = static_cast<long>(KV) * hd;
    if (qs < width || os < width || dqs < width || kvs < kv_width) throw Error("a row stride is smaller than its heads' width");
    need_rows(q, starts, lens, qs, width, "q"), need_rows(k, starts, lens, kvs, kv_width, "k"), need_rows(v, starts, lens, kvs, kv_width, "v");
    need_rows(dout, starts, lens, os, width, "dout"), need_rows(dq, starts, lens, dqs, width, "dq");
    need_rows(dk, starts, lens, dqs, kv_width, "dk"), need_rows(dv, starts, lens, dqs, kv_width, "dv");
    tl::attention_bwd_rows(q.data, qs, k.data, v.data, kvs, dout.data, os, dq.data, dk.data, dv.data, dqs, starts.data, lens.data, B, H, hd,
                           scale, KV, window, softcap);
    return undefined(env);
  });
}

// attentionBwd(q, qs, k, v, kvs, P|null, dout, os, dq, dk, dv, dqs, B, H, T, hd, scale, kvHeads?, window?, softcap?)
napi_value AttentionBwd(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 17);
    int qs = a.integer(1, "qs"), kvs = a.integer(4, "kvs"), os = a.integer(7, "os"), dqs = a.integer(11, "dqs");
    int B = a.integer(12, "B"), H = a.integer(13, "H"), T = a.integer(14, "T"), hd = a.integer(15, "hd");
    float scale = static_cast<float>(a.num(16, "scale"));
    int KV = a.present(17) ? kv_heads(a.integer(17, "kvHeads"), H) : H;
    int window = a.present(18) ? a.integer(18, "window") : 0;
    float softcap = softcap_arg(a, 19);
    auto q = a.f32(0, "q"), k = a.f32(2, "k"), v = a.f32(3, "v"), P = a.f32(5, "P", true), dout = a.f32(6, "dout");
    auto dq = a.f32(8, "dq"), dk = a.f32(9, "dk"), dv = a.f32(10, "dv");
    long rows = static_cast<long>(B) * T, width = static_cast<long>(H) * hd, kv_width = static_cast<long>(KV) * hd;
    if (qs < width || os < width || dqs < width || kvs < kv_width) throw Error("a row stride is smaller than its heads' width");
    if (rows > 0) {
      need(q, (rows - 1) * qs + width, "q"), need(k, (rows - 1) * kvs + kv_width, "k"), need(v, (rows - 1) * kvs + kv_width, "v");
      if (P.data) need(P, static_cast<long>(B) * H * T * T, "P");
      need(dout, (rows - 1) * os + width, "dout");
      need(dq, (rows - 1) * dqs + width, "dq"), need(dk, (rows - 1) * dqs + kv_width, "dk"), need(dv, (rows - 1) * dqs + kv_width, "dv");
    }
    tl::attention_bwd(q.data, qs, k.data, v.data, kvs, P.data, dout.data, os, dq.data, dk.data, dv.data, dqs, B, H, T, hd, scale, KV, window, softcap);
    return undefined(env);
  });
}

// rmsnormFwd(x, gamma, out, rstd, rows, d, eps)
napi_value RmsnormFwd(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 7);
    int rows = a.integer(4, "rows"), d = a.integer(5, "d");
    float eps = static_cast<float>(a.num(6, "eps"));
    long n = static_cast<long>(rows) * d;
    auto x = a.f32(0, "x"), g = a.f32(1, "gamma"), o = a.f32(2, "out"), rs = a.f32(3, "rstd");
    need(x, n, "x"), need(g, d, "gamma"), need(o, n, "out"), need(rs, rows, "rstd");
    tl::rmsnorm_fwd(x.data, g.data, o.data, rs.data, rows, d, eps);
    return undefined(env);
  });
}

// rmsnormBwd(dout, x, gamma, rstd, dx, dgamma|null, rows, d, accumulateDx)
napi_value RmsnormBwd(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 9);
    int rows = a.integer(6, "rows"), d = a.integer(7, "d");
    long n = static_cast<long>(rows) * d;
    auto dout = a.f32(0, "dout"), x = a.f32(1, "x"), g = a.f32(2, "gamma"), rs = a.f32(3, "rstd"), dx = a.f32(4, "dx");
    auto dg = a.f32(5, "dgamma", true);
    need(dout, n, "dout"), need(x, n, "x"), need(g, d, "gamma"), need(rs, rows, "rstd"), need(dx, n, "dx");
    if (dg.data) need(dg, d, "dgamma");
    tl::rmsnorm_bwd(dout.data, x.data, g.data, rs.data, dx.data, dg.data, rows, d, a.flag(8));
    return undefined(env);
  });
}

// rope(x, stride, B, T, nHeads, hd, posOffset, cos, sin, inverse, rotaryDim?): rotaryDim absent = hd
napi_value Rope(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 10);
    int stride = a.integer(1, "stride"), B = a.integer(2, "B"), T = a.integer(3, "T"), H = a.integer(4, "nHeads"), hd = a.integer(5, "hd");
    int pos_offset = a.integer(6, "posOffset");
    auto x = a.f32(0, "x"), cos = a.f32(7, "cos"), sin = a.f32(8, "sin");
    if (hd % 2 != 0) throw Error("hd must be even");
    int rd = a.present(10) ? a.integer(10, "rotaryDim") : hd;
    if (rd % 2 != 0 || rd < 2 || rd > hd) throw Error("rotaryDim must be even, at least 2 and at most hd");
    long width = static_cast<long>(H) * hd, rows = static_cast<long>(B) * T;
    if (stride < width) throw Error("stride < nHeads * hd");
    if (rows > 0 && width > 0) {
      need(x, (rows - 1) * stride + width, "x");
      long table = (static_cast<long>(pos_offset) + T) * (rd / 2);
      if (cos.length < table || sin.length < table)
        throw Error("cos/sin tables too short for position " + std::to_string(static_cast<long>(pos_offset) + T - 1));
    }
    tl::rope(x.data, stride, B, T, H, hd, rd, pos_offset, cos.data, sin.data, a.flag(9));
    return undefined(env);
  });
}

// swigluFwd(gate, up, out, n) / swigluBwd(gate, up, dout, dgate, dup, n)
napi_value SwigluFwd(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 4);
    long n = static_cast<long>(a.integer(3, "n"));
    auto g = a.f32(0, "gate"), u = a.f32(1, "up"), o = a.f32(2, "out");
    need(g, n, "gate"), need(u, n, "up"), need(o, n, "out");
    tl::swiglu_fwd(g.data, u.data, o.data, n);
    return undefined(env);
  });
}

napi_value SwigluBwd(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 6);
    long n = static_cast<long>(a.integer(5, "n"));
    auto g = a.f32(0, "gate"), u = a.f32(1, "up"), d = a.f32(2, "dout"), dg = a.f32(3, "dgate"), du = a.f32(4, "dup");
    need(g, n, "gate"), need(u, n, "up"), need(d, n, "dout"), need(dg, n, "dgate"), need(du, n, "dup");
    tl::swiglu_bwd(g.data, u.data, d.data, dg.data, du.data, n);
    return undefined(env);
  });
}

// bf16ToF32(src, dst, n) / f16ToF32(src, dst, n)
template <void (*Convert)(const uint16_t*, float*, long)>
napi_value HalfToF32(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 3);
    long n = static_cast<long>(a.num(2, "n"));
    if (n < 0) throw Error("n: expected a non-negative integer");
    auto src = a.u16(0, "src");
    auto dst = a.f32(1, "dst");
    need(src, n, "src"), need(dst, n, "dst");
    Convert(src.data, dst.data, n);
    return undefined(env);
  });
}

// gatherRows(ids, table, out, n, d) / scatterAddRows(ids, dout, dtable, n, d)
napi_value GatherRows(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 5);
    int n = a.integer(3, "n"), d = a.integer(4, "d");
    auto ids = a.i32(0, "ids");
    auto table = a.f32(1, "table"), out = a.f32(2, "out");
    need(ids, n, "ids"), need(out, static_cast<long>(n) * d, "out");
    check_ids(ids, n, static_cast<int>(table.length / (d > 0 ? d : 1)));
    tl::gather_rows(ids.data, table.data, out.data, n, d);
    return undefined(env);
  });
}

napi_value ScatterAddRows(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 5);
    int n = a.integer(3, "n"), d = a.integer(4, "d");
    auto ids = a.i32(0, "ids");
    auto dout = a.f32(1, "dout"), dtable = a.f32(2, "dtable");
    need(ids, n, "ids"), need(dout, static_cast<long>(n) * d, "dout");
    check_ids(ids, n, static_cast<int>(dtable.length / (d > 0 ? d : 1)));
    tl::scatter_add_rows(ids.data, dout.data, dtable.data, n, d);
    return undefined(env);
  });
}

// patchify(img, patches, nImg, H, W, C, P) / unpatchify(dpatches, dimg, nImg, H, W, C, P)
template <bool FORWARD>
napi_value Patches(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 7);
    int n = a.integer(2, "nImg"), H = a.integer(3, "H"), W = a.integer(4, "W"), C = a.integer(5, "C"), P = a.integer(6, "P");
    if (P <= 0 || H % P != 0 || W % P != 0) throw Error("H and W must be multiples of the patch size P");
    auto x = a.f32(0, FORWARD ? "img" : "dpatches"), y = a.f32(1, FORWARD ? "patches" : "dimg");
    long size = static_cast<long>(n) * H * W * C;
    need(x, size, FORWARD ? "img" : "dpatches"), need(y, size, FORWARD ? "patches" : "dimg");
    if (FORWARD)
      tl::patchify(x.data, y.data, n, H, W, C, P);
    else
      tl::unpatchify(x.data, y.data, n, H, W, C, P);
    return undefined(env);
  });
}

// crossEntropy(logits, targets, weights, losses, correct, rows, V, grad)
napi_value CrossEntropy(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 8);
    int rows = a.integer(5, "rows"), V = a.integer(6, "V");
    auto logits = a.f32(0, "logits");
    auto targets = a.i32(1, "targets");
    auto w = a.f32(2, "weights"), losses = a.f32(3, "losses"), correct = a.f32(4, "correct");
    need(logits, static_cast<long>(rows) * V, "logits"), need(targets, rows, "targets"), need(w, rows, "weights");
    need(losses, rows, "losses"), need(correct, rows, "correct");
    for (int r = 0; r < rows; r++)
      if (w.data[r] != 0.0f && (targets.data[r] < 0 || targets.data[r] >= V)) throw Error("target out of range");
    tl::cross_entropy(logits.data, targets.data, w.data, losses.data, correct.data, rows, V, a.flag(7));
    return undefined(env);
  });
}

// adamw(p, g, m, v, n, lr, b1, b2, eps, wd, gscale, bc1, bc2)
napi_value AdamW(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 13);
    long n = static_cast<long>(a.num(4, "n"));
    auto p = a.f32(0, "p"), g = a.f32(1, "g"), m = a.f32(2, "m"), v = a.f32(3, "v");
    need(p, n, "p"), need(g, n, "g"), need(m, n, "m"), need(v, n, "v");
    auto f = [&](size_t i, const char* name) { return static_cast<float>(a.num(i, name)); };
    tl::adamw(p.data, g.data, m.data, v.data, n, f(5, "lr"), f(6, "b1"), f(7, "b2"), f(8, "eps"), f(9, "wd"), f(10, "gscale"), f(11, "bc1"),
              f(12, "bc2"));
    return undefined(env);
  });
}

// dropout(x, base|null, out, n, p, seed)
napi_value Dropout(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 6);
    long n = static_cast<long>(a.num(3, "n"));
    auto x = a.f32(0, "x"), base = a.f32(1, "base", true), out = a.f32(2, "out");
    need(x, n, "x"), need(out, n, "out");
    if (base.data) need(base, n, "base");
    double p = a.num(4, "p");
    if (!(p >= 0.0 && p < 1.0)) throw Error("p must be in [0, 1)");
    double seed = a.num(5, "seed");
    tl::dropout(x.data, base.data, out.data, n, p, static_cast<uint32_t>(seed));
    return undefined(env);
  });
}

// sumsq(x, n) -> number
napi_value SumSq(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 2);
    long n = static_cast<long>(a.num(1, "n"));
    auto x = a.f32(0, "x");
    need(x, n, "x");
    napi_value r;
    napi_create_double(env, tl::sumsq(x.data, n), &r);
    return r;
  });
}

// q8Quantize / q4Quantize(x, n, q, d): x[0, n) as Q8 blocks (q8_blocks.h: int8 codes into q, an Int8Array) or Q4 blocks
// (q4_blocks.h: 16 bytes of 4-bit codes per 32 values into q, a Uint8Array), one float32 scale per 32 values into d.
template <bool Q4>
napi_value QuantizeBlocks(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 4);
    double count = a.num(1, "n");
    if (!(count >= 0) || count != std::floor(count) || count > 9007199254740991.0) throw Error("n: expected a non-negative integer");
    long n = static_cast<long>(count);
    auto x = a.f32(0, "x");
    auto q = [&] {
      if constexpr (Q4) return a.u8(2, "q");
      else return a.i8(2, "q");
    }();
    auto d = a.f32(3, "d");
    need(x, n, "x"), need(q, Q4 ? (n + 31) / 32 * 16 : n, "q"), need(d, (n + 31) / 32, "d");
    if constexpr (Q4) tl::q4_quantize(x.data, n, q.data, d.data);
    else tl::q8_quantize(x.data, n, q.data, d.data);
    return undefined(env);
  });
}

// ggufQuantize(type, x, n, out): n values of x (a multiple of the type's block) encoded as GGUF blocks into out; type
// is ggml's id of Q5_0 (6), Q8_0 (8), Q4_K (12) or Q6_K (14).
napi_value GgufQuantize(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 4);
    int type = a.integer(0, "type");
    int values = tl::gguf_block_values(type), bytes = tl::gguf_block_bytes(type);
    if (values == 0) throw Error("type: expected a GGUF block type id (6 Q5_0, 8 Q8_0, 12 Q4_K, 14 Q6_K), got " + std::to_string(type));
    double count = a.num(2, "n");
    if (!(count >= 0) || count != std::floor(count) || count > 9007199254740991.0) throw Error("n: expected a non-negative integer");
    long n = static_cast<long>(count);
    if (n % values != 0) throw Error("n: expected a multiple of " + std::to_string(values) + " values, got " + std::to_string(n));
    auto x = a.f32(1, "x");
    auto out = a.u8(3, "out");
    need(x, n, "x"), need(out, n / values * bytes, "out");
    tl::gguf_quantize(static_cast<tl::GgufQuant>(type), x.data, n, out.data);
    return undefined(env);
  });
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a(env, info, 1);
    tl::set_threads(a.integer(0, "threads"));
    return undefined(env);
  });
}

// setGemmIsa("avx512" | "avx2" | "generic" | "auto") -> boolean (false if this CPU cannot run it)
napi_value SetGemmIsa(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    size_t argc = 1;
    napi_value argv[1];
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
    char name[32] = {0};
    size_t len = 0;
    if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok) throw Error("expected an ISA name");
    napi_value r;
    napi_get_boolean(env, tl::set_gemm_isa(name), &r);
    return r;
  });
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, isa, threads;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, tl::gemm_isa(), NAPI_AUTO_LENGTH, &isa);
  napi_create_int32(env, tl::get_threads(), &threads);
  napi_set_named_property(env, obj, "isa", isa);
  napi_set_named_property(env, obj, "threads", threads);
  return obj;
}

}  // namespace

NAPI_MODULE_INIT() {
  struct Entry {
    const char* name;
    napi_callback fn;
  };
  const Entry entries[] = {
      {"gemm", GemmAny<BType::F32>}, {"gemmBf16B", GemmAny<BType::BF16>}, {"gemmF16B", GemmAny<BType::F16>}, {"gemmQ8B", GemmBlocks<false>}, {"gemmQ4B", GemmBlocks<true>},         {"layernormFwd", LayernormFwd}, {"layernormBwd", LayernormBwd}, {"geluFwd", GeluFwd},
      {"geluBwd", GeluBwd},   {"colsum", Colsum},             {"embedFwd", EmbedFwd},         {"embedBwd", EmbedBwd},
      {"attentionFwd", AttentionFwd}, {"attentionBwd", AttentionBwd},
      {"attentionFwdRows", AttentionFwdRows}, {"attentionBwdRows", AttentionBwdRows}, {"crossEntropy", CrossEntropy}, {"adamw", AdamW},
      {"sumsq", SumSq},       {"dropout", Dropout},       {"setThreads", SetThreads},     {"info", Info},         {"setGemmIsa", SetGemmIsa},
      {"rmsnormFwd", RmsnormFwd}, {"rmsnormBwd", RmsnormBwd}, {"rope", Rope}, {"swigluFwd", SwigluFwd}, {"swigluBwd", SwigluBwd},
      {"bf16ToF32", HalfToF32<tl::bf16_to_f32>}, {"f16ToF32", HalfToF32<tl::f16_to_f32>}, {"gatherRows", GatherRows},
      {"scatterAddRows", ScatterAddRows}, {"patchify", Patches<true>}, {"unpatchify", Patches<false>},
      {"ggufQuantize", GgufQuantize}, {"q8Quantize", QuantizeBlocks<false>}, {"q4Quantize", QuantizeBlocks<true>},
  };
  for (const auto& e : entries) {
    napi_value fn;
    napi_create_function(env, e.name, NAPI_AUTO_LENGTH, e.fn, nullptr, &fn);
    napi_set_named_property(env, exports, e.name, fn);
  }
  return exports;
}
