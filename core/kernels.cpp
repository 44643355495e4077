// fontgan matmul kernels (see kernels.h). The shape of the work: a tile of R weight rows stays in cache
// while B batch rows stream past it, so every weight loaded (and converted) is used B times, and every
// input loaded is used R times; R*B independent 4-lane accumulators keep the FPU busy.
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
// ---------------------------------------------------------------------------------------------------
// 4-lane float vector

#if defined(__wasm_simd128__)
struct V {
    v128_t v;
};
static inline V vzero() { return {wasm_f32x4_splat(0.0f)}; }
static inline V vload(const float* p) { return {wasm_v128_load(p)}; }
static inline void vstore(float* p, V a) { wasm_v128_store(p, a.v); }
static inline V vscale(V a, float s) { return {wasm_f32x4_mul(a.v, wasm_f32x4_splat(s))}; }
static inline V vfma(V acc, V a, V b) { return {wasm_f32x4_add(acc.v, wasm_f32x4_mul(a.v, b.v))}; }
static inline float vsum(V a) {
    return (wasm_f32x4_extract_lane(a.v, 0) + wasm_f32x4_extract_lane(a.v, 1)) +
           (wasm_f32x4_extract_lane(a.v, 2) + wasm_f32x4_extract_lane(a.v, 3));
}
static inline V vload_f16(const uint16_t* p) {
    const v128_t h = wasm_u32x4_load16x4(p);  // 4 halves zero-extended to u32
    const v128_t mag = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x7fff)), 13);
    const v128_t f = wasm_f32x4_mul(mag, wasm_f32x4_splat(0x1p112f));  // see half_to_float
    const v128_t sign = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x8000)), 16);
    return {wasm_v128_or(f, sign)};
}
static inline V vload_q8(const int8_t* p) {
    const v128_t b = wasm_v128_load32_zero(p);
    return {wasm_f32x4_convert_i32x4(wasm_i32x4_extend_low_i16x8(wasm_i16x8_extend_low_i8x16(b)))};
}
#else
struct V {
    float v[4];
};
static inline V vzero() { return {{0.0f, 0.0f, 0.0f, 0.0f}}; }
static inline V vload(const float* p) { return {{p[0], p[1], p[2], p[3]}}; }
static inline void vstore(float* p, V a) {
    for (int l = 0; l < 4; ++l) p[l] = a.v[l];
}
static inline V vscale(V a, float s) {
    for (int l = 0; l < 4; ++l) a.v[l] *= s;
    return a;
}
static inline V vfma(V acc, V a, V b) {
    for (int l = 0; l < 4; ++l) acc.v[l] += a.v[l] * b.v[l];
    return acc;
}
static inline float vsum(V a) { return (a.v[0] + a.v[1]) + (a.v[2] + a.v[3]); }
static inline V vload_f16(const uint16_t* p) {
    V r;
    for (int l = 0; l < 4; ++l) {  // branch-free half_to_float (no Inf/NaN: checked at load)
        uint32_t bits = uint32_t(p[l] & 0x7fffu) << 13;
        float f;
        std::memcpy(&f, &bits, 4);
        f *= 0x1p112f;
        std::memcpy(&bits, &f, 4);
        bits |= uint32_t(p[l] & 0x8000u) << 16;
        std::memcpy(&r.v[l], &bits, 4);
    }
    return r;
}
static inline V vload_q8(const int8_t* p) { return {{float(p[0]), float(p[1]), float(p[2]), float(p[3])}}; }
#endif

// ---------------------------------------------------------------------------------------------------
// Weight views: how to read 4 (or 1) weights of a row, and the scale of a block of a row

struct WeightsF32 {
    const float* w;  // (out, in)
    size_t in;
    V load4(size_t row, size_t k) const { return vload(w + row * in + k); }
    float load1(size_t row, size_t k) const { return w[row * in + k]; }
    size_t block() const { return in; }
    float scale(size_t, size_t) const { return 1.0f; }
};

struct WeightsF16 {
    const uint16_t* w;  // (out, in)
    size_t in;
    V load4(size_t row, size_t k) const { return vload_f16(w + row * in + k); }
    float load1(size_t row, size_t k) const { return half_to_float(w[row * in + k]); }
    size_t block() const { return in; }
    float scale(size_t, size_t) const { return 1.0f; }
};

struct WeightsQ8 {
    const int8_t* w;        // (out, in)
    const float* scales;    // (out, blocks_per_row)
    size_t in, blk, blocks_per_row;
    V load4(size_t row, size_t k) const { return vload_q8(w + row * in + k); }
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
    size_t block() const { return kc; }
    float scale(size_t, size_t) const { return 1.0f; }
};

// ---------------------------------------------------------------------------------------------------
// The tile: R weight rows (from o0) x B batch rows (from b0) over inputs [k_begin, k_end). That range is
// walked in blocks (one block = whole row unless q8 blocks); each block's dot is scaled once by its
// row/block scale. y = (accumulate ? y : 0) + sum (+ bias when given).

template <int R, int B, class W>
static inline void tile(const W& w, const float* x, size_t in, size_t k_begin, size_t k_end, size_t o0, size_t b0,
                        const float* bias, bool accumulate, size_t out, float* y) {
    float total[R][B] = {};
    const size_t blk = w.block();
    for (size_t k0 = k_begin, bi = k_begin / blk; k0 < k_end; k0 += blk, ++bi) {
        const size_t k1 = k0 + blk < k_end ? k0 + blk : k_end;
        V acc[R][B];
        for (int r = 0; r < R; ++r)
            for (int b = 0; b < B; ++b) acc[r][b] = vzero();
        size_t k = k0;
        for (; k + 4 <= k1; k += 4) {
            V wv[R], xv[B];
            for (int r = 0; r < R; ++r) wv[r] = w.load4(o0 + r, k);
            for (int b = 0; b < B; ++b) xv[b] = vload(x + (b0 + b) * in + k);
            for (int r = 0; r < R; ++r)
                for (int b = 0; b < B; ++b) acc[r][b] = vfma(acc[r][b], wv[r], xv[b]);
        }
        float tail[R][B] = {};
        for (; k < k1; ++k)
            for (int r = 0; r < R; ++r)
                for (int b = 0; b < B; ++b) tail[r][b] += w.load1(o0 + r, k) * x[(b0 + b) * in + k];
        for (int r = 0; r < R; ++r)
            for (int b = 0; b < B; ++b) total[r][b] += w.scale(o0 + r, bi) * (vsum(acc[r][b]) + tail[r][b]);
    }
    for (int r = 0; r < R; ++r)
        for (int b = 0; b < B; ++b) {
            float& dst = y[(b0 + b) * out + o0 + r];
            dst = (accumulate ? dst : 0.0f) + total[r][b] + (bias ? bias[o0 + r] : 0.0f);
        }
}

// All batch rows against the R weight rows from o0: batch tiles of 4, then singles.
template <int R, class W>
static inline void row_tile(const W& w, const float* x, size_t n, size_t in, size_t k_begin, size_t k_end, size_t o0,
                            const float* bias, bool accumulate, size_t out, float* y) {
    size_t b = 0;
    for (; b + 4 <= n; b += 4) tile<R, 4>(w, x, in, k_begin, k_end, o0, b, bias, accumulate, out, y);
    for (; b < n; ++b) tile<R, 1>(w, x, in, k_begin, k_end, o0, b, bias, accumulate, out, y);
}

// Weights read (and converted) in place: row tiles of 4, then single rows.
template <class W>
static void matmul(const W& w, const float* x, size_t n, size_t in, const float* bias, size_t out, float* y) {
    size_t o = 0;
    for (; o + 4 <= out; o += 4) row_tile<4>(w, x, n, in, 0, in, o, bias, false, out, y);
    for (; o < out; ++o) row_tile<1>(w, x, n, in, 0, in, o, bias, false, out, y);
}

// For a batch, f16/q8 rows are first dequantized 4 rows x kKc inputs at a time into a 16 KiB stack buffer,
// so each weight is converted once per call instead of once per batch tile.
constexpr size_t kKc = 1024;

template <class W>
static void matmul_dequantized(const W& w, const float* x, size_t n, size_t in, const float* bias, size_t out,
                               float* y) {
    if (n < 4) return matmul(w, x, n, in, bias, out, y);
    alignas(64) float buf[4 * kKc];
    size_t o = 0;
    for (; o + 4 <= out; o += 4) {
        for (size_t k0 = 0; k0 < in; k0 += kKc) {
            const size_t kc = in - k0 < kKc ? in - k0 : kKc;
            for (size_t r = 0; r < 4; ++r) {
                float* dst = buf + r * kc;
                for (size_t k = 0; k < kc;) {  // one scale block at a time
                    const size_t bi = (k0 + k) / w.block(), end = std::min(kc, (bi + 1) * w.block() - k0);
                    const float s = w.scale(o + r, bi);
                    for (; k + 4 <= end; k += 4) vstore(dst + k, vscale(w.load4(o + r, k0 + k), s));
                    for (; k < end; ++k) dst[k] = w.load1(o + r, k0 + k) * s;
                }
            }
            const bool last = k0 + kc >= in;
            row_tile<4>(WeightsStrip{buf, o, k0, kc}, x, n, in, k0, k0 + kc, o, last ? bias : nullptr, k0 > 0, out, y);
        }
    }
    for (; o < out; ++o) row_tile<1>(w, x, n, in, 0, in, o, bias, false, out, y);
}

// ---------------------------------------------------------------------------------------------------
// Entry points (tile kernels)

void matmul_f32(const float* x, size_t n, size_t in, const float* w, const float* bias, size_t out, float* y) {
    matmul(WeightsF32{w, in}, x, n, in, bias, out, y);
}

void matmul_f16(const float* x, size_t n, size_t in, const uint16_t* w, const float* bias, size_t out, float* y) {
    matmul_dequantized(WeightsF16{w, in}, x, n, in, bias, out, y);
}

void matmul_q8(const float* x, size_t n, size_t in, const int8_t* w, const float* scales, size_t q8_block,
               const float* bias, size_t out, float* y) {
    const size_t blk = q8_block == 0 || q8_block > in ? in : q8_block;
    matmul_dequantized(WeightsQ8{w, scales, in, blk, (in + blk - 1) / blk}, x, n, in, bias, out, y);
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
