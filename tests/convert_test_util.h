// Helpers shared by the converter tests (test_pt, test_pickle, test_safetensors, test_onnx, test_layers,
// test_map, test_parity, test_convert_cli): fixture files and error-message checks.
// Not a test file itself (no test_ prefix).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "convert.h"

namespace convert_test {

inline std::string fixture_path(const std::string& name) { return std::string(FONTGAN_FIXTURES_DIR) + "/" + name; }

inline std::vector<uint8_t> read_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    REQUIRE_MESSAGE(f.good(), "cannot open " << path);
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

inline std::vector<uint8_t> fixture(const std::string& name) { return read_bytes(fixture_path(name)); }

inline std::vector<float> read_f32(const std::string& name) {
    std::vector<uint8_t> b = fixture(name);
    REQUIRE(b.size() % 4 == 0);
    std::vector<float> v(b.size() / 4);
    for (size_t i = 0; i < v.size(); ++i) {
        uint32_t u = uint32_t(b[4 * i]) | uint32_t(b[4 * i + 1]) << 8 | uint32_t(b[4 * i + 2]) << 16 |
                     uint32_t(b[4 * i + 3]) << 24;
        std::memcpy(&v[i], &u, 4);
    }
    return v;
}

// The message of the fontgan::Error that f throws ("" if it throws nothing; other exceptions fail the test).
template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const fontgan::Error& e) {
        return e.what();
    }
    return "";
}

inline bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace convert_test
