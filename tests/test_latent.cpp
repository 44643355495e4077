// Latent helpers: lerp/slerp endpoints and geometry, clamping, seeded sampling, nearest glyph.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core_test_models.h"
#include "fontgan.h"

using namespace fontgan;

namespace {
double norm(const std::vector<float>& v) {
    double s = 0;
    for (float x : v) s += double(x) * x;
    return std::sqrt(s);
}
double dot(const std::vector<float>& a, const std::vector<float>& b) {
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
    return s;
}
std::vector<float> normal(uint64_t seed, size_t n) {
    std::vector<float> v(n);
    sample_normal(seed, v.data(), n);
    return v;
}
}  // namespace

TEST_CASE("latent: lerp hits its endpoints and midpoint") {
    const auto a = normal(1, 100), b = normal(2, 100);
    std::vector<float> out(100);
    lerp(a.data(), b.data(), 0.0f, 100, out.data());
    CHECK(out == a);
    lerp(a.data(), b.data(), 1.0f, 100, out.data());
    CHECK(out == b);
    lerp(a.data(), b.data(), 0.5f, 100, out.data());
    for (size_t i = 0; i < 100; ++i) CHECK(out[i] == doctest::Approx((a[i] + b[i]) / 2).epsilon(1e-6));
}

TEST_CASE("latent: slerp follows the great circle") {
    const size_t dim = 100;
    const auto a = normal(3, dim), b = normal(4, dim);
    std::vector<float> out(dim);
    SUBCASE("endpoints") {
        slerp(a.data(), b.data(), 0.0f, dim, out.data());
        for (size_t i = 0; i < dim; ++i) CHECK(out[i] == doctest::Approx(a[i]).epsilon(1e-6));
        slerp(a.data(), b.data(), 1.0f, dim, out.data());
        for (size_t i = 0; i < dim; ++i) CHECK(out[i] == doctest::Approx(b[i]).epsilon(1e-6));
    }
    SUBCASE("equal norms stay on the sphere, where lerp cuts inside it") {
        std::vector<float> bn = b;
        const double scale = norm(a) / norm(b);
        for (float& v : bn) v = float(v * scale);
        std::vector<float> lin(dim);
        for (float t : {0.1f, 0.3f, 0.5f, 0.9f}) {
            slerp(a.data(), bn.data(), t, dim, out.data());
            CHECK(norm(out) == doctest::Approx(norm(a)).epsilon(1e-5));
            lerp(a.data(), bn.data(), t, dim, lin.data());
            CHECK(norm(lin) < norm(a) * 0.99);  // random 100-d vectors are nearly orthogonal
        }
    }
    SUBCASE("the angle moves linearly in t") {
        std::vector<float> bn = b;  // equal norms: then the direction turns uniformly
        for (float& v : bn) v = float(v * norm(a) / norm(b));
        const double omega = std::acos(dot(a, bn) / (norm(a) * norm(bn)));
        slerp(a.data(), bn.data(), 0.25f, dim, out.data());
        CHECK(std::acos(dot(a, out) / (norm(a) * norm(out))) == doctest::Approx(0.25 * omega).epsilon(1e-4));
    }
    SUBCASE("parallel, anti-parallel and zero endpoints fall back to lerp") {
        std::vector<float> twice = a, zero(dim, 0.0f), neg = a, lin(dim);
        for (float& v : twice) v *= 2;
        for (float& v : neg) v = -v;
        for (const auto* other : {&twice, &zero, &neg}) {
            slerp(a.data(), other->data(), 0.3f, dim, out.data());
            lerp(a.data(), other->data(), 0.3f, dim, lin.data());
            for (size_t i = 0; i < dim; ++i) {
                REQUIRE(std::isfinite(out[i]));
                CHECK(out[i] == doctest::Approx(lin[i]).epsilon(1e-5));
            }
        }
    }
}

TEST_CASE("latent: clamp") {
    std::vector<float> z = {-5.0f, -1.0f, 0.0f, 2.5f, 9.0f};
    clamp(z.data(), z.size(), -2.0f, 2.0f);
    CHECK(z == std::vector<float>{-2.0f, -1.0f, 0.0f, 2.0f, 2.0f});
    CHECK(core_test::error_message([&] { clamp(z.data(), z.size(), 1.0f, -1.0f); }).find("clamp") == 0);
}

TEST_CASE("latent: sample_normal is deterministic, seed-dependent and standard normal") {
    const auto a = normal(12345, 20000), b = normal(12345, 20000), c = normal(12346, 20000);
    CHECK(a == b);
    CHECK(a != c);
    // A prefix of a longer draw is the shorter draw (so JS and C++ callers can ask for any count).
    const auto prefix = normal(12345, 7);
    CHECK(std::equal(prefix.begin(), prefix.end(), a.begin()));
    double mean = 0, var = 0;
    for (float v : a) {
        REQUIRE(std::isfinite(v));
        mean += v;
    }
    mean /= double(a.size());
    for (float v : a) var += (v - mean) * (v - mean);
    var /= double(a.size() - 1);
    CHECK(std::fabs(mean) < 0.03);  // standard error 1/sqrt(20000) = 0.007
    CHECK(std::fabs(var - 1.0) < 0.05);
    size_t within_one = 0;
    for (float v : a) within_one += std::fabs(v) < 1.0f;
    CHECK(double(within_one) / double(a.size()) == doctest::Approx(0.6827).epsilon(0.03));
}

TEST_CASE("latent: nearest_glyph") {
    GlyphMap map;
    CHECK(nearest_glyph(map, nullptr, 3) == -1);
    map.codepoints = {'a', 'b', 'c'};
    map.latents = {0, 0, 0, /**/ 10, 0, 0, /**/ 0, 10, 0};
    const float near_b[] = {8, 1, 0}, near_c[] = {1, 6, 0}, near_a[] = {1, 1, 1};
    CHECK(nearest_glyph(map, near_b, 3) == 1);
    CHECK(nearest_glyph(map, near_c, 3) == 2);
    CHECK(nearest_glyph(map, near_a, 3) == 0);
    CHECK(nearest_glyph(map, map.latents.data() + 6, 3) == 2);  // exactly on a glyph
    CHECK(core_test::error_message([&] { nearest_glyph(map, near_a, 4); }).find("nearest_glyph") == 0);
}
