// fontgan matmul kernels: y (n, out) = x (n, in) . W^T + b, with W (out, in) row-major in its stored dtype.
// Weights are read in place (f16/q8 converted 16 at a time in registers); nothing is allocated.
// One kernel body serves every target through a 4-lane vector type: wasm SIMD128 intrinsics where
// __wasm_simd128__ is defined, portable C++ (which compilers auto-vectorize) elsewhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

namespace fontgan::kernels {

// IEEE 754 binary16 <-> binary32. half_to_float is exact for every finite half; float_to_half rounds to
// nearest even (overflow gives +-Inf, which the writer refuses).
inline float half_to_float(uint16_t h) {
    // Place exponent+mantissa in a float's bits and rescale by 2^112: exact for normals and subnormals.
    uint32_t bits = uint32_t(h & 0x7fffu) << 13;
    float f;
    std::memcpy(&f, &bits, 4);
    f *= 0x1p112f;
    if ((h & 0x7c00u) == 0x7c00u) f = (h & 0x3ffu) ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
    uint32_t out;
    std::memcpy(&out, &f, 4);
    out |= uint32_t(h & 0x8000u) << 16;
    std::memcpy(&f, &out, 4);
    return f;
}
uint16_t float_to_half(float f);

// y (n, out) = x (n, in) . W^T + bias      W: (out, in) f32
void matmul_f32(const float* x, size_t n, size_t in, const float* w, const float* bias, size_t out, float* y);
// W: (out, in) IEEE half bits; must hold no Inf/NaN (the reader checks)
void matmul_f16(const float* x, size_t n, size_t in, const uint16_t* w, const float* bias, size_t out, float* y);
// W: (out, in) int8; scales: (out, ceil(in / block)) with block = in when q8_block == 0 (one scale per row)
void matmul_q8(const float* x, size_t n, size_t in, const int8_t* w, const float* scales, size_t q8_block,
               const float* bias, size_t out, float* y);

}  // namespace fontgan::kernels
