// .safetensors: the header is validated field by field; bad files give errors, never crashes.
#include "convert_test_util.h"

#include <cmath>

using namespace fontgan;
using namespace fontgan::convert;
using namespace convert_test;

namespace {

// u64 LE header length + header + data
std::vector<uint8_t> make_file(const std::string& header, size_t data_bytes, uint64_t claimed_len = ~0ull) {
    std::vector<uint8_t> b;
    const uint64_t n = claimed_len == ~0ull ? header.size() : claimed_len;
    for (int i = 0; i < 8; ++i) b.push_back(uint8_t(n >> (8 * i)));
    b.insert(b.end(), header.begin(), header.end());
    for (size_t i = 0; i < data_bytes; ++i) b.push_back(uint8_t(0x3f * (i % 4 == 3)));  // 0x3f000000 = 0.5f
    return b;
}

std::string st_error(const std::vector<uint8_t>& b) {
    return error_of([&] { read_safetensors(b.data(), b.size()); });
}

}  // namespace

TEST_CASE("safetensors: reading") {
    SUBCASE("the small fixture: every tensor with its shape") {
        const std::vector<uint8_t> b = fixture("small.safetensors");
        const TensorList t = read_safetensors(b.data(), b.size());
        REQUIRE(t.size() == 6);
        for (const Tensor& x : t) {
            size_t n = 1;
            for (int64_t d : x.shape) n *= size_t(d);
            CHECK(x.data.size() == n);
        }
    }
    SUBCASE("a hand-made F32 file") {
        auto b = make_file(R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"__metadata__":{"x":"y"}})", 16);
        const TensorList t = read_safetensors(b.data(), b.size());
        REQUIRE(t.size() == 1);
        CHECK(t[0].name == "a");
        CHECK(t[0].shape == std::vector<int64_t>{2, 2});
        CHECK(t[0].data == std::vector<float>{0.5f, 0.5f, 0.5f, 0.5f});
    }
    SUBCASE("BF16 and F16 decode to f32") {
        const std::vector<uint8_t> bf = fixture("small_bf16.safetensors"), f = fixture("small.safetensors");
        const TensorList a = read_safetensors(bf.data(), bf.size()), r = read_safetensors(f.data(), f.size());
        REQUIRE(a.size() == r.size());
        for (size_t i = 0; i < a.size(); ++i) {
            CHECK(a[i].name == r[i].name);
            REQUIRE(a[i].data.size() == r[i].data.size());
            for (size_t k = 0; k < a[i].data.size(); ++k)
                CHECK(std::fabs(a[i].data[k] - r[i].data[k]) <= std::fabs(r[i].data[k]) * 0x1p-8f);
        }
        CHECK(f16_to_f32(0x3c00) == 1.0f);
        CHECK(f16_to_f32(0xc000) == -2.0f);
        CHECK(f16_to_f32(0x0001) == 0x1p-24f);  // smallest subnormal
        CHECK(f16_to_f32(0x7bff) == 65504.0f);
        CHECK(std::isinf(f16_to_f32(0x7c00)));
        CHECK(bf16_to_f32(0x3f80) == 1.0f);
    }
}

TEST_CASE("safetensors: bad headers give clear errors") {
    const std::string ok_entry = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
    SUBCASE("header length past the end") {
        CHECK(st_error(make_file("{" + ok_entry + "}", 8, 1000)).find("safetensors: header length 1000 exceeds") == 0);
        CHECK(st_error(make_file("{}", 0, ~0ull - 1)).find("exceeds the file") != std::string::npos);
        CHECK(st_error({1, 2, 3}).find("too small") != std::string::npos);
    }
    SUBCASE("bad JSON") {
        CHECK(st_error(make_file("{\"a\":", 0)).find("safetensors: header is not valid JSON") == 0);
        CHECK(st_error(make_file("[1,2]", 0)).find("not a JSON object") != std::string::npos);
    }
    SUBCASE("wrong or unsupported dtype") {
        CHECK(st_error(make_file(R"({"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", 8))
                  .find("tensor 'a': dtype 'I64' is not supported") != std::string::npos);
        CHECK(st_error(make_file(R"({"a":{"dtype":7,"shape":[1],"data_offsets":[0,8]}})", 8)).find("missing dtype") !=
              std::string::npos);
    }
    SUBCASE("offsets past the end, reversed, or not matching the shape") {
        CHECK(st_error(make_file("{" + ok_entry + "}", 4)).find("lie outside the data") != std::string::npos);
        CHECK(st_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8)).find("lie outside") !=
              std::string::npos);
        CHECK(st_error(make_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8))
                  .find("8 bytes for 3 elements of F32") != std::string::npos);
        CHECK(st_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", 8)).find("data_offsets must be") !=
              std::string::npos);
        CHECK(st_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[-1,7]}})", 8)).find("data_offsets must be") !=
              std::string::npos);
    }
    SUBCASE("bad shapes") {
        CHECK(st_error(make_file(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8))
                  .find("shape holds something other than a size") != std::string::npos);
        CHECK(st_error(make_file(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", 8))
                  .find("too large") != std::string::npos);
        CHECK(st_error(make_file(R"({"a":{"dtype":"F32","data_offsets":[0,8]}})", 8)).find("missing or bad shape") !=
              std::string::npos);
    }
    SUBCASE("overlapping tensors") {
        CHECK(st_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                 R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12))
                  .find("tensors 'a' and 'b' overlap") != std::string::npos);
    }
    SUBCASE("the fixture truncated at every offset, or with any header byte flipped") {
        const std::vector<uint8_t> good = fixture("small.safetensors");
        for (size_t n = 0; n < good.size(); ++n) {
            std::vector<uint8_t> b(good.begin(), good.begin() + long(n));
            INFO("length " << n);
            CHECK(starts_with(st_error(b), "safetensors:"));
        }
        uint64_t header = 0;
        for (int i = 0; i < 8; ++i) header |= uint64_t(good[size_t(i)]) << (8 * i);
        for (size_t i = 0; i < 8 + header; ++i) {
            std::vector<uint8_t> b = good;
            b[i] ^= 0x5a;
            INFO("offset " << i);
            const std::string e = st_error(b);  // an error, or a file that still parses; never a crash
            CHECK((e.empty() || starts_with(e, "safetensors:")));
        }
    }
}
