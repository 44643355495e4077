// fontgan matmul kernels (see kernels.h). Batch 1: each weight row is read and converted (16 at a time) once
// and dotted with x, 4 rows per pass. Batches: a tile of R weight rows stays in cache while a chunk of batch
// rows streams past it, so every weight loaded (and converted) is used several times, and every input loaded
// is used R times. q8 sums are scaled once per block (or row), never per weight.
#include "kernels.h"

#include <algorithm>
#include <cmath>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define FONTGAN_TILE_KERNELS 1
#elif defined(FONTGAN_PORTABLE_KERNELS)  // the wasm kernel's logic in plain C++: for tests and odd CPUs
#define FONTGAN_TILE_KERNELS 1
#else  // native: Eigen's GEMM (SSE/AVX/NEON packets), f16/q8 dequantized a strip at a time
#include <Eigen/Core>
#endif

namespace fontgan::kernels {

// ---------------------------------------------------------------------------------------------------
// binary32 -> binary16, round to nearest even

uint16_t float_to_half(float f) {
    uint32_t x;
    std::memcpy(&x, &f, 4);
    const uint16_t sign = uint16_t((x >> 16) & 0x8000u);
    const uint32_t abs = x & 0x7fffffffu;
    if (abs >= 0x7f800000u) return uint16_t(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0u));  // Inf/NaN
    if (abs >= 0x477ff000u) return uint16_t(sign | 0x7c00u);  // rounds to >= 65520: overflow to Inf
    if (abs < 0x38800000u) {                                  // below the smallest normal half (2^-14)
        if (abs < 0x33000000u) return sign;                   // below half of the smallest subnormal: 0
        const uint32_t exp = abs >> 23;
        const uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
        const uint32_t shift = 126 - exp;  // 14..24: brings mant to units of 2^-24
        uint32_t h = mant >> shift;
        const uint32_t rem = mant & ((1u << shift) - 1), halfway = 1u << (shift - 1);
        if (rem > halfway || (rem == halfway && (h & 1u))) ++h;
        return uint16_t(sign | h);
    }
    uint32_t h = ((abs >> 13) - (112u << 10));  // rebias exponent 127 -> 15
    const uint32_t rem = abs & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;  // carry may roll into the exponent: correct
    return uint16_t(sign | h);
}

#if defined(FONTGAN_TILE_KERNELS)
// Tile shapes (measured in wasm on V8, which has 16 vector registers). f16/q8 batches below kBatchMin: one
// batch row at a time against kMatvecRows weight rows. Otherwise: kRowTile weight rows x kBatchTile batch rows of
// accumulators, kBatchChunk batch rows per pass over the weights.
constexpr int kMatvecRows = 4, kRowTile = 4, kBatchTile = 2;
constexpr size_t kBatchMin = 2, kBatchChunk = 8;

// ---------------------------------------------------------------------------------------------------
// 4-lane float vector, and weights converted to it 16 at a time (4 vectors)

#if defined(__wasm_simd128__)
struct V {
    v128_t v;
};
static inline V vzero() { return {wasm_f32x4_splat(0.0f)}; }
static inline V vsplat(float s) { return {wasm_f32x4_splat(s)}; }
static inline V vload(const float* p) { return {wasm_v128_load(p)}; }
static inline void vstore(float* p, V a) { wasm_v128_store(p, a.v); }
static inline V vadd(V a, V b) { return {wasm_f32x4_add(a.v, b.v)}; }
static inline V vmul(V a, V b) { return {wasm_f32x4_mul(a.v, b.v)}; }
static inline V vfma(V acc, V a, V b) { return {wasm_f32x4_add(acc.v, wasm_f32x4_mul(a.v, b.v))}; }
static inline float vsum(V a) {
    return (wasm_f32x4_extract_lane(a.v, 0) + wasm_f32x4_extract_lane(a.v, 1)) +
           (wasm_f32x4_extract_lane(a.v, 2) + wasm_f32x4_extract_lane(a.v, 3));
}
// half -> float for 4 sign-extended halves in i32 lanes: shifting left by 13 puts exponent+mantissa where a
// float's go and leaves the sign in bit 31 (bits 28..30 hold copies of it: masked off); the float read from
// those bits is the half's value times 2^-112, exactly (subnormals too), so one multiply rescales it.
static inline V half_bits_to_float(v128_t h32) {
    const v128_t bits = wasm_v128_and(wasm_i32x4_shl(h32, 13), wasm_i32x4_splat(int32_t(0x8fffe000u)));
    return {wasm_f32x4_mul(bits, wasm_f32x4_splat(0x1p112f))};
}
static inline V vload4_f16(const uint16_t* p) { return half_bits_to_float(wasm_i32x4_load16x4(p)); }
static inline void vload16_f16(const uint16_t* p, V o[4]) {
    const v128_t a = wasm_v128_load(p), b = wasm_v128_load(p + 8);
    o[0] = half_bits_to_float(wasm_i32x4_extend_low_i16x8(a));
    o[1] = half_bits_to_float(wasm_i32x4_extend_high_i16x8(a));
    o[2] = half_bits_to_float(wasm_i32x4_extend_low_i16x8(b));
    o[3] = half_bits_to_float(wasm_i32x4_extend_high_i16x8(b));
}
// int8 -> float through the integer bits of 2^23 + 2^22 + i (exact for |i| < 2^22): clang 14 turns
// f32x4.convert_i32x4 of a sign extension from int8/int16 into 4 scalar conversions, this stays in vectors.
static inline V i32_to_float(v128_t i) {
    const v128_t magic = wasm_i32x4_splat(0x4b400000);  // bits of 12582912.0f
    return {wasm_f32x4_sub(wasm_i32x4_add(i, magic), wasm_f32x4_splat(12582912.0f))};
}
static inline V vload4_q8(const int8_t* p) {
    return i32_to_float(wasm_i32x4_extend_low_i16x8(wasm_i16x8_extend_low_i8x16(wasm_v128_load32_zero(p))));
}
static inline void vload16_q8(const int8_t* p, V o[4]) {
    // i + 128 as u8, zero-extended to u16, and 0x4b00 interleaved above it: the bits of 2^23 + 128 + i
    const v128_t u = wasm_v128_xor(wasm_v128_load(p), wasm_i8x16_splat(int8_t(0x80)));
    const v128_t lo = wasm_u16x8_extend_low_u8x16(u), hi = wasm_u16x8_extend_high_u8x16(u);
    const v128_t top = wasm_i16x8_splat(0x4b00);
    const v128_t bias = wasm_f32x4_splat(8388736.0f);  // 2^23 + 128
    o[0] = {wasm_f32x4_sub(wasm_i16x8_shuffle(lo, top, 0, 8, 1, 9, 2, 10, 3, 11), bias)};
    o[1] = {wasm_f32x4_sub(wasm_i16x8_shuffle(lo, top, 4, 12, 5, 13, 6, 14, 7, 15), bias)};
    o[2] = {wasm_f32x4_sub(wasm_i16x8_shuffle(hi, top, 0, 8, 1, 9, 2, 10, 3, 11), bias)};
    o[3] = {wasm_f32x4_sub(wasm_i16x8_shuffle(hi, top, 4, 12, 5, 13, 6, 14, 7, 15), bias)};
}
#else
struct V {
    float v[4];
};
static inline V vzero() { return {{0.0f, 0.0f, 0.0f, 0.0f}}; }
static inline V vsplat(float s) { return {{s, s, s, s}}; }
static inline V vload(const float* p) { return {{p[0], p[1], p[2], p[3]}}; }
static inline void vstore(float* p, V a) {
    for (int l = 0; l < 4; ++l) p[l] = a.v[l];
}
static inline V vadd(V a, V b) {
    for (int l = 0; l < 4; ++l) a.v[l] += b.v[l];
    return a;
}
static inline V vmul(V a, V b) {
    for (int l = 0; l < 4; ++l) a.v[l] *= b.v[l];
    return a;
}
static inline V vfma(V acc, V a, V b) {
    for (int l = 0; l < 4; ++l) acc.v[l] += a.v[l] * b.v[l];
    return acc;
}
static inline float vsum(V a) { return (a.v[0] + a.v[1]) + (a.v[2] + a.v[3]); }
static inline V vload4_f16(const uint16_t* p) {
    V r;
    for (int l = 0; l < 4; ++l) {  // the wasm trick above, one lane at a time (no Inf/NaN: checked at load)
        const uint32_t bits = (uint32_t(int32_t(int16_t(p[l]))) << 13) & 0x8fffe000u;
        std::memcpy(&r.v[l], &bits, 4);
        r.v[l] *= 0x1p112f;
    }
    return r;
}
static inline void vload16_f16(const uint16_t* p, V o[4]) {
    for (int j = 0; j < 4; ++j) o[j] = vload4_f16(p + 4 * j);
}
static inline V vload4_q8(const int8_t* p) { return {{float(p[0]), float(p[1]), float(p[2]), float(p[3])}}; }
static inline void vload16_q8(const int8_t* p, V o[4]) {
    for (int j = 0; j < 4; ++j) o[j] = vload4_q8(p + 4 * j);
}
#endif

// ---------------------------------------------------------------------------------------------------
// Weight views: how to read 16, 4 or 1 weights of a row, and the scale of a block of a row

struct WeightsF32 {
    const float* w;  // (out, in)
    size_t in;
    static constexpr bool kScaled = false;
    V load4(size_t row, size_t k) const { return vload(w + row * in + k); }
    float load1(size_t row, size_t k) const { return w[row * in + k]; }
    size_t block() const { return in; }
    float scale(size_t, size_t) const { return 1.0f; }
};

struct WeightsF16 {
    const uint16_t* w;  // (out, in)
    size_t in;
    static constexpr bool kScaled = false;
    void load16(size_t row, size_t k, V o[4]) const { vload16_f16(w + row * in + k, o); }
    V load4(size_t row, size_t k) const { return vload4_f16(w + row * in + k); }
    float load1(size_t row, size_t k) const { return half_to_float(w[row * in + k]); }
    size_t block() const { return in; }
    float scale(size_t, size_t) const { return 1.0f; }
};

struct WeightsQ8 {
    const int8_t* w;      // (out, in)
    const float* scales;  // (out, blocks_per_row)
    size_t in, blk, blocks_per_row;
    static constexpr bool kScaled = true;
    void load16(size_t row, size_t k, V o[4]) const { vload16_q8(w + row * in + k, o); }
    V load4(size_t row, size_t k) const { return vload4_q8(w + row * in + k); }
    float load1(size_t row, size_t k) const { return float(w[row * in + k]); }
    size_t block() const { return blk; }
    float scale(size_t row, size_t b) const { return scales[row * blocks_per_row + b]; }
};

// Dequantized strip: rows [row0, row0 + 4) x inputs [k0, k0 + kc) already in f32 (scales applied)
struct WeightsStrip {
    const float* buf;  // (4, kc)
    size_t row0, k0, kc;
    V load4(size_t row, size_t k) const { return vload(buf + (row - row0) * kc + (k - k0)); }
    float load1(size_t row, size_t k) const { return buf[(row - row0) * kc + (k - k0)]; }
};

// ---------------------------------------------------------------------------------------------------
// f16/q8: one batch row against R weight rows (from o0), weights read in their stored dtype and converted
// 16 at a time; a block's sum is scaled once, as a vector, when the block ends (q8 blocks; otherwise the whole row is one block).
// y[o0 + r] = dot + bias.

template <int R, class W>
static inline void rows_dot(const W& w, const float* x, size_t in, size_t o0, const float* bias, float* y) {
    V total[R];
    for (int r = 0; r < R; ++r) total[r] = vzero();
    float tail_total[R] = {};
    const size_t blk = w.block();
    for (size_t k0 = 0, bi = 0; k0 < in; k0 += blk, ++bi) {
        const size_t k1 = k0 + blk < in ? k0 + blk : in;
        V acc[R];
        for (int r = 0; r < R; ++r) acc[r] = vzero();
        size_t k = k0;
        for (; k + 16 <= k1; k += 16) {
            const V xv[4] = {vload(x + k), vload(x + k + 4), vload(x + k + 8), vload(x + k + 12)};
            for (int r = 0; r < R; ++r) {
                V wv[4];
                w.load16(o0 + r, k, wv);
                for (int j = 0; j < 4; ++j) acc[r] = vfma(acc[r], wv[j], xv[j]);
            }
        }
        for (; k + 4 <= k1; k += 4) {
            const V xv = vload(x + k);
            for (int r = 0; r < R; ++r) acc[r] = vfma(acc[r], w.load4(o0 + r, k), xv);
        }
        float tail[R] = {};
        for (; k < k1; ++k)
            for (int r = 0; r < R; ++r) tail[r] += w.load1(o0 + r, k) * x[k];
        for (int r = 0; r < R; ++r) {
            const V sum = acc[r];
            if (W::kScaled) {
                const float s = w.scale(o0 + r, bi);
                total[r] = vfma(total[r], sum, vsplat(s));
                tail_total[r] += s * tail[r];
            } else {
                total[r] = vadd(total[r], sum);
                tail_total[r] += tail[r];
            }
        }
    }
    for (int r = 0; r < R; ++r) y[o0 + r] = vsum(total[r]) + tail_total[r] + (bias ? bias[o0 + r] : 0.0f);
}

// f16/q8 small batches: every batch row, one at a time, against all weight rows (each weight converted
// once per batch row).
template <class W>
static void matvec(const W& w, const float* x, size_t n, size_t in, const float* bias, size_t out, float* y) {
    for (size_t b = 0; b < n; ++b) {
        size_t o = 0;
        for (; o + kMatvecRows <= out; o += kMatvecRows) rows_dot<kMatvecRows>(w, x + b * in, in, o, bias, y + b * out);
        for (; o < out; ++o) rows_dot<1>(w, x + b * in, in, o, bias, y + b * out);
    }
}

// ---------------------------------------------------------------------------------------------------
// Batches: a tile of R f32 weight rows (from o0) x B batch rows (from b0) over inputs [k_begin, k_end);
// each weight vector loaded is used B times, each input vector R times.
// y = (accumulate ? y : 0) + dot (+ bias when given).

template <int R, int B, class W>
static inline void tile(const W& w, const float* x, size_t in, size_t k_begin, size_t k_end, size_t o0, size_t b0,
                        const float* bias, bool accumulate, size_t out, float* y) {
    V acc[R][B];
    for (int r = 0; r < R; ++r)
        for (int b = 0; b < B; ++b) acc[r][b] = vzero();
    size_t k = k_begin;
    for (; k + 4 <= k_end; k += 4) {
        V wv[R];
        for (int r = 0; r < R; ++r) wv[r] = w.load4(o0 + r, k);
        for (int b = 0; b < B; ++b) {
            const V xv = vload(x + (b0 + b) * in + k);
            for (int r = 0; r < R; ++r) acc[r][b] = vfma(acc[r][b], wv[r], xv);
        }
    }
    float tail[R][B] = {};
    for (; k < k_end; ++k)
        for (int r = 0; r < R; ++r)
            for (int b = 0; b < B; ++b) tail[r][b] += w.load1(o0 + r, k) * x[(b0 + b) * in + k];
    for (int r = 0; r < R; ++r)
        for (int b = 0; b < B; ++b) {
            float& dst = y[(b0 + b) * out + o0 + r];
            dst = (accumulate ? dst : 0.0f) + vsum(acc[r][b]) + tail[r][b] + (bias ? bias[o0 + r] : 0.0f);
        }
}

// All batch rows against the R weight rows from o0: batch tiles of B, then singles.
template <int R, class W>
static inline void row_tile(const W& w, const float* x, size_t n, size_t in, size_t k_begin, size_t k_end, size_t o0,
                            const float* bias, bool accumulate, size_t out, float* y) {
    size_t b = 0;
    for (; b + kBatchTile <= n; b += kBatchTile)
        tile<R, kBatchTile>(w, x, in, k_begin, k_end, o0, b, bias, accumulate, out, y);
    for (; b < n; ++b) tile<R, 1>(w, x, in, k_begin, k_end, o0, b, bias, accumulate, out, y);
}

// f32 batches: weights read in place, row tiles of kRowTile, then single rows.
static void matmul_batch(const WeightsF32& w, const float* x, size_t n, size_t in, const float* bias, size_t out,
                         float* y) {
    size_t o = 0;
    for (; o + kRowTile <= out; o += kRowTile) row_tile<kRowTile>(w, x, n, in, 0, in, o, bias, false, out, y);
    for (; o < out; ++o) row_tile<1>(w, x, n, in, 0, in, o, bias, false, out, y);
}

// f16/q8 batches: kRowTile rows x kKc inputs at a time are dequantized (16 at a time, scales applied) into a
// 16 KiB stack buffer, so each weight is converted once per call, then every batch row streams past them.
constexpr size_t kKc = 4096 / kRowTile;

template <class W>
static void matmul_batch(const W& w, const float* x, size_t n, size_t in, const float* bias, size_t out, float* y) {
    alignas(64) float buf[kRowTile * kKc];
    size_t o = 0;
    for (; o + kRowTile <= out; o += kRowTile) {
        for (size_t k0 = 0; k0 < in; k0 += kKc) {
            const size_t kc = in - k0 < kKc ? in - k0 : kKc;
            for (size_t r = 0; r < kRowTile; ++r) {
                float* dst = buf + r * kc;
                for (size_t k = 0; k < kc;) {  // one scale block at a time
                    const size_t bi = (k0 + k) / w.block(), end = std::min(kc, (bi + 1) * w.block() - k0);
                    const V s = vsplat(w.scale(o + r, bi));
                    for (; k + 16 <= end; k += 16) {
                        V wv[4];
                        w.load16(o + r, k0 + k, wv);
                        for (int j = 0; j < 4; ++j) vstore(dst + k + 4 * j, W::kScaled ? vmul(wv[j], s) : wv[j]);
                    }
                    for (; k + 4 <= end; k += 4) vstore(dst + k, W::kScaled ? vmul(w.load4(o + r, k0 + k), s) : w.load4(o + r, k0 + k));
                    for (; k < end; ++k) dst[k] = w.load1(o + r, k0 + k) * w.scale(o + r, bi);
                }
            }
            const bool last = k0 + kc >= in;
            row_tile<kRowTile>(WeightsStrip{buf, o, k0, kc}, x, n, in, k0, k0 + kc, o, last ? bias : nullptr, k0 > 0,
                               out, y);
        }
    }
    for (; o < out; ++o)
        for (size_t b = 0; b < n; ++b) rows_dot<1>(w, x + b * in, in, o, bias, y + b * out);
}

// Large batches go kBatchChunk rows at a time: that chunk of x stays in cache while all the weights stream
// past it once (walking every row tile over the whole batch would stream x from L2/L3 once per row tile).
template <class W>
static void batched(const W& w, const float* x, size_t n, size_t in, const float* bias, size_t out, float* y) {
    for (size_t b0 = 0; b0 < n; b0 += kBatchChunk) {
        const size_t nb = n - b0 < kBatchChunk ? n - b0 : kBatchChunk;
        matmul_batch(w, x + b0 * in, nb, in, bias, out, y + b0 * out);
    }
}

// ---------------------------------------------------------------------------------------------------
// Entry points (tile kernels): small batches convert weights on the fly, larger ones block for reuse

void matmul_f32(const float* x, size_t n, size_t in, const float* w, const float* bias, size_t out, float* y) {
    // f32 has nothing to convert: the batch tile, one batch row at a time, is its matvec (measured faster
    // in V8 than rows_dot on the fully built module)
    batched(WeightsF32{w, in}, x, n, in, bias, out, y);
}

void matmul_f16(const float* x, size_t n, size_t in, const uint16_t* w, const float* bias, size_t out, float* y) {
    if (n < kBatchMin) return matvec(WeightsF16{w, in}, x, n, in, bias, out, y);
    batched(WeightsF16{w, in}, x, n, in, bias, out, y);
}

void matmul_q8(const float* x, size_t n, size_t in, const int8_t* w, const float* scales, size_t q8_block,
               const float* bias, size_t out, float* y) {
    const size_t blk = q8_block == 0 || q8_block > in ? in : q8_block;
    const WeightsQ8 wq{w, scales, in, blk, (in + blk - 1) / blk};
    if (n < kBatchMin) return matvec(wq, x, n, in, bias, out, y);
    batched(wq, x, n, in, bias, out, y);
}

#else  // !FONTGAN_TILE_KERNELS
// ---------------------------------------------------------------------------------------------------
// Native: Eigen. f32 is one GEMM on the weights in place. f16/q8 rows are dequantized a strip at a time
// into a 64 KiB stack buffer (each weight converted once per call, whatever the batch) and multiplied
// there, so nothing is allocated and the stored form stays the only copy.

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using StridedMap = Eigen::Map<const RowMat, 0, Eigen::OuterStride<>>;

static void add_bias(const float* bias, size_t n, size_t out, float* y) {
    Eigen::Map<RowMat> Y(y, Eigen::Index(n), Eigen::Index(out));
    Y.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(bias, Eigen::Index(out));
}

void matmul_f32(const float* x, size_t n, size_t in, const float* w, const float* bias, size_t out, float* y) {
    Eigen::Map<const RowMat> X(x, Eigen::Index(n), Eigen::Index(in)), W(w, Eigen::Index(out), Eigen::Index(in));
    Eigen::Map<RowMat> Y(y, Eigen::Index(n), Eigen::Index(out));
    Y.noalias() = X * W.transpose();
    add_bias(bias, n, out, y);
}

// dequant(row0, rows, k0, kc, buf): buf (rows, kc) = f32 weights [row0.., k0..]
template <class Dequant>
static void matmul_strips(const float* x, size_t n, size_t in, const float* bias, size_t out, float* y,
                          Dequant&& dequant) {
    constexpr size_t kBuf = 16384;
    alignas(64) float buf[kBuf];
    const size_t kc_max = std::min(in, kBuf), rows_max = std::max<size_t>(1, std::min<size_t>(32, kBuf / kc_max));
    Eigen::Map<const RowMat> X(x, Eigen::Index(n), Eigen::Index(in));
    Eigen::Map<RowMat> Y(y, Eigen::Index(n), Eigen::Index(out));
    for (size_t o0 = 0; o0 < out; o0 += rows_max) {
        const size_t rows = std::min(rows_max, out - o0);
        for (size_t k0 = 0; k0 < in; k0 += kc_max) {
            const size_t kc = std::min(kc_max, in - k0);
            dequant(o0, rows, k0, kc, buf);
            Eigen::Map<const RowMat> B(buf, Eigen::Index(rows), Eigen::Index(kc));  // (rows, kc)
            auto Ys = Y.block(0, Eigen::Index(o0), Eigen::Index(n), Eigen::Index(rows));
            auto Xs = X.block(0, Eigen::Index(k0), Eigen::Index(n), Eigen::Index(kc));
            if (k0 == 0) Ys.noalias() = Xs * B.transpose();
            else Ys.noalias() += Xs * B.transpose();
        }
    }
    add_bias(bias, n, out, y);
}

void matmul_f16(const float* x, size_t n, size_t in, const uint16_t* w, const float* bias, size_t out, float* y) {
    matmul_strips(x, n, in, bias, out, y, [&](size_t o0, size_t rows, size_t k0, size_t kc, float* buf) {
        for (size_t r = 0; r < rows; ++r) {
            const uint16_t* src = w + (o0 + r) * in + k0;
            float* dst = buf + r * kc;
            for (size_t k = 0; k < kc; ++k) {  // branch-free half_to_float (no Inf/NaN: checked at load)
                uint32_t bits = uint32_t(src[k] & 0x7fffu) << 13;
                float f;
                std::memcpy(&f, &bits, 4);
                f *= 0x1p112f;
                std::memcpy(&bits, &f, 4);
                bits |= uint32_t(src[k] & 0x8000u) << 16;
                std::memcpy(dst + k, &bits, 4);
            }
        }
    });
}

void matmul_q8(const float* x, size_t n, size_t in, const int8_t* w, const float* scales, size_t q8_block,
               const float* bias, size_t out, float* y) {
    const size_t blk = q8_block == 0 || q8_block > in ? in : q8_block, per_row = (in + blk - 1) / blk;
    matmul_strips(x, n, in, bias, out, y, [&](size_t o0, size_t rows, size_t k0, size_t kc, float* buf) {
        for (size_t r = 0; r < rows; ++r) {
            const int8_t* src = w + (o0 + r) * in;
            const float* row_scales = scales + (o0 + r) * per_row;
            float* dst = buf + r * kc - k0;
            for (size_t kb = k0; kb < k0 + kc;) {
                const size_t bi = kb / blk, ke = std::min(k0 + kc, (bi + 1) * blk);
                const float s = row_scales[bi];
                for (size_t k = kb; k < ke; ++k) dst[k] = float(src[k]) * s;
                kb = ke;
            }
        }
    });
}

#endif  // FONTGAN_TILE_KERNELS

}  // namespace fontgan::kernels
