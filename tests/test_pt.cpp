// torch.save(state_dict) files: the zip container and the tensors pt.cpp pulls out of it.
#include "convert_test_util.h"

#include <cmath>

using namespace fontgan;
using namespace fontgan::convert;
using namespace convert_test;

namespace {

// offset of the first central directory header (torch writes data.pkl first)
size_t first_central_header(const std::vector<uint8_t>& b) {
    for (size_t i = 0; i + 4 <= b.size(); ++i)
        if (b[i] == 'P' && b[i + 1] == 'K' && b[i + 2] == 1 && b[i + 3] == 2) return i;
    FAIL("no central directory header");
    return 0;
}

void replace_all(std::vector<uint8_t>& b, const std::string& from, const std::string& to) {
    REQUIRE(from.size() == to.size());
    size_t hits = 0;
    for (size_t i = 0; i + from.size() <= b.size(); ++i)
        if (std::equal(from.begin(), from.end(), b.begin() + long(i))) {
            std::copy(to.begin(), to.end(), b.begin() + long(i));
            ++hits;
        }
    REQUIRE(hits > 0);
}

bool same_tensors(const TensorList& a, const TensorList& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].name != b[i].name || a[i].shape != b[i].shape || a[i].data != b[i].data) return false;
    return true;
}

}  // namespace

TEST_CASE("pt: a torch.save state_dict gives its named tensors") {
    const std::vector<uint8_t> bytes = fixture("small.pt");
    const TensorList t = read_pt(bytes.data(), bytes.size());

    SUBCASE("names and shapes in file order (Linear weights are (out, in))") {
        REQUIRE(t.size() == 6);
        const char* names[] = {"hidden0.0.weight", "hidden0.0.bias", "hidden1.0.weight",
                               "hidden1.0.bias",   "out.0.weight",   "out.0.bias"};
        const std::vector<std::vector<int64_t>> shapes = {{16, 8}, {16}, {12, 16}, {12}, {12, 12}, {12}};
        for (size_t i = 0; i < 6; ++i) {
            CHECK(t[i].name == names[i]);
            CHECK(t[i].shape == shapes[i]);
            CHECK(t[i].data.size() == size_t(shapes[i][0] * (shapes[i].size() > 1 ? shapes[i][1] : 1)));
        }
    }
    SUBCASE("values equal the independently written safetensors file") {
        const std::vector<uint8_t> st = fixture("small.safetensors");
        TensorList s = read_safetensors(st.data(), st.size());
        for (const Tensor& x : t) {
            auto it = std::find_if(s.begin(), s.end(), [&](const Tensor& y) { return y.name == x.name; });
            REQUIRE(it != s.end());
            CHECK(it->data == x.data);
        }
    }
    SUBCASE("HalfStorage tensors decode to f32 within half precision") {
        const std::vector<uint8_t> hb = fixture("small_half.pt");
        const TensorList h = read_pt(hb.data(), hb.size());
        REQUIRE(h.size() == t.size());
        for (size_t i = 0; i < t.size(); ++i) {
            REQUIRE(h[i].data.size() == t[i].data.size());
            for (size_t k = 0; k < t[i].data.size(); ++k)
                CHECK(std::fabs(h[i].data[k] - t[i].data[k]) <= std::fabs(t[i].data[k]) * 0x1p-11f + 0x1p-24f);
        }
    }
    SUBCASE("a non-row-major tensor is refused") {
        const std::vector<uint8_t> nc = fixture("noncontiguous.pt");
        const std::string e = error_of([&] { read_pt(nc.data(), nc.size()); });
        CHECK(starts_with(e, "pickle:"));
        CHECK(e.find("not row-major") != std::string::npos);
    }
}

TEST_CASE("pt: broken zips give clear errors, never a crash") {
    const std::vector<uint8_t> good = fixture("small.pt");
    const TensorList reference = read_pt(good.data(), good.size());

    SUBCASE("the committed truncated file") {
        const std::vector<uint8_t> b = fixture("truncated.pt");
        CHECK(starts_with(error_of([&] { read_pt(b.data(), b.size()); }), "zip:"));
    }
    SUBCASE("truncated at every offset") {
        for (size_t n = 0; n < good.size(); ++n) {
            std::vector<uint8_t> b(good.begin(), good.begin() + long(n));
            const std::string e = error_of([&] { read_pt(b.data(), b.size()); });
            INFO("length " << n << ": " << e);
            CHECK(starts_with(e, "zip:"));
        }
    }
    SUBCASE("any flipped byte: an error, or (outside checked fields) the very same tensors") {
        size_t errors = 0;
        for (size_t i = 0; i < good.size(); ++i) {
            std::vector<uint8_t> b = good;
            b[i] ^= 0xff;
            bool same = false;
            const std::string e = error_of([&] { same = same_tensors(read_pt(b.data(), b.size()), reference); });
            INFO("offset " << i << ": " << e);
            CHECK((!e.empty() || same));
            errors += !e.empty();
        }
        CHECK(errors > good.size() / 2);  // storage bytes are CRC-checked, so most flips are caught
    }
    SUBCASE("a compressed entry is refused by name") {
        std::vector<uint8_t> b = good;
        const size_t cd = first_central_header(b);
        b[cd + 10] = 8;  // method: deflate
        const std::string e = error_of([&] { read_pt(b.data(), b.size()); });
        CHECK(e.find("zip: entry 'small/data.pkl' is compressed") == 0);
    }
    SUBCASE("a missing storage entry is named") {
        std::vector<uint8_t> b = good;
        replace_all(b, "small/data/3", "small/data/x");
        const std::string e = error_of([&] { read_pt(b.data(), b.size()); });
        CHECK(e.find("pt: tensor 'hidden1.0.bias': storage entry 'small/data/3' is missing") == 0);
    }
    SUBCASE("no data.pkl") {
        std::vector<uint8_t> b = good;
        replace_all(b, "small/data.pkl", "small/data.pkk");
        CHECK(error_of([&] { read_pt(b.data(), b.size()); }).find("pt: no data.pkl") == 0);
    }
    SUBCASE("not a zip at all") {
        std::vector<uint8_t> b(1000);
        for (size_t i = 0; i < b.size(); ++i) b[i] = uint8_t(i * 7 + 3);
        CHECK(starts_with(error_of([&] { read_pt(b.data(), b.size()); }), "zip: end of central directory not found"));
    }
}
