// Element types of weight files and their conversion to f32 (shared by the .pt, .safetensors and .onnx
// importers). All stored data is little-endian; we decode byte by byte, so the host's order never matters.
#include "convert.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace fontgan::convert {

size_t elem_size(ElemType t) {
    switch (t) {
        case ElemType::F64: case ElemType::I64: return 8;
        case ElemType::F32: case ElemType::I32: return 4;
        case ElemType::F16: case ElemType::BF16: case ElemType::I16: return 2;
        case ElemType::I8: case ElemType::U8: case ElemType::Bool: return 1;
    }
    return 1;
}

const char* to_string(ElemType t) {
    switch (t) {
        case ElemType::F32: return "float32";
        case ElemType::F16: return "float16";
        case ElemType::BF16: return "bfloat16";
        case ElemType::F64: return "float64";
        case ElemType::I64: return "int64";
        case ElemType::I32: return "int32";
        case ElemType::I16: return "int16";
        case ElemType::I8: return "int8";
        case ElemType::U8: return "uint8";
        case ElemType::Bool: return "bool";
    }
    return "?";
}

bool is_floating(ElemType t) {
    return t == ElemType::F32 || t == ElemType::F16 || t == ElemType::BF16 || t == ElemType::F64;
}

// ---------------------------------------------------------------------------------------------------
// half precision

float f16_to_f32(uint16_t h) {
    uint32_t sign = uint32_t(h >> 15) << 31;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t mant = h & 0x3ff;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {  // subnormal: renormalize
            int e = -1;
            do { mant <<= 1; ++e; } while (!(mant & 0x400));
            bits = sign | uint32_t(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | mant << 13;
    } else {
        bits = sign | (exp + 127 - 15) << 23 | mant << 13;
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

float bf16_to_f32(uint16_t h) {
    uint32_t bits = uint32_t(h) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

std::vector<float> decode_floats(ElemType t, const uint8_t* bytes, size_t count, const std::string& where) {
    if (!is_floating(t))
        throw Error(where + ": dtype " + to_string(t) + " is not a floating-point type (weights must be float)");
    std::vector<float> out(count);
    const size_t es = elem_size(t);
    for (size_t i = 0; i < count; ++i) {
        const uint8_t* p = bytes + i * es;
        switch (t) {
            case ElemType::F32: {
                uint32_t b = uint32_t(load_le(p, 4));
                std::memcpy(&out[i], &b, 4);
                break;
            }
            case ElemType::F16: out[i] = f16_to_f32(uint16_t(load_le(p, 2))); break;
            case ElemType::BF16: out[i] = bf16_to_f32(uint16_t(load_le(p, 2))); break;
            case ElemType::F64: {
                uint64_t b = load_le(p, 8);
                double d;
                std::memcpy(&d, &b, 8);
                out[i] = float(d);
                break;
            }
            default: break;
        }
    }
    return out;
}

size_t checked_numel(const std::vector<int64_t>& shape, size_t max_count, const std::string& where) {
    size_t n = 1;
    for (int64_t d : shape) {
        if (d < 0) throw Error(where + ": negative dimension " + std::to_string(d));
        if (d != 0 && n > max_count / size_t(d))
            throw Error(where + ": shape is too large (more than " + std::to_string(max_count) + " elements)");
        n *= size_t(d);
    }
    if (n > max_count)
        throw Error(where + ": shape is too large (more than " + std::to_string(max_count) + " elements)");
    return n;
}

}  // namespace fontgan::convert
