// fontgan latent helpers: interpolation, clamping, seeded normal sampling, nearest glyph.
// Math is done in double and rounded once, so native and wasm builds agree.
#include <cmath>

#include "fontgan.h"

namespace fontgan {

// ---------------------------------------------------------------------------------------------------
// Interpolation

void lerp(const float* a, const float* b, float t, size_t dim, float* out) {
    for (size_t i = 0; i < dim; ++i) out[i] = float(double(a[i]) + double(t) * (double(b[i]) - double(a[i])));
}

void slerp(const float* a, const float* b, float t, size_t dim, float* out) {
    double dot = 0.0, na = 0.0, nb = 0.0;
    for (size_t i = 0; i < dim; ++i) {
        dot += double(a[i]) * b[i];
        na += double(a[i]) * a[i];
        nb += double(b[i]) * b[i];
    }
    na = std::sqrt(na);
    nb = std::sqrt(nb);
    // Near-zero or (anti)parallel endpoints have no well-defined great circle: lerp is the honest answer.
    if (na < 1e-12 || nb < 1e-12) return lerp(a, b, t, dim, out);
    const double cos_omega = std::fmax(-1.0, std::fmin(1.0, dot / (na * nb)));
    const double omega = std::acos(cos_omega), sin_omega = std::sin(omega);
    if (sin_omega < 1e-6) return lerp(a, b, t, dim, out);
    const double wa = std::sin((1.0 - t) * omega) / sin_omega, wb = std::sin(double(t) * omega) / sin_omega;
    for (size_t i = 0; i < dim; ++i) out[i] = float(wa * a[i] + wb * b[i]);
}

void clamp(float* z, size_t dim, float lo, float hi) {
    if (!(lo <= hi)) throw Error("clamp: lo > hi or NaN bounds");
    for (size_t i = 0; i < dim; ++i) z[i] = z[i] < lo ? lo : z[i] > hi ? hi : z[i];  // NaN -> stays NaN
}

// ---------------------------------------------------------------------------------------------------
// Seeded N(0,1): splitmix64 for uniform bits, Box-Muller for pairs of normals (both of each pair used)

namespace {
uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
}  // namespace

void sample_normal(uint64_t seed, float* out, size_t count) {
    uint64_t state = seed;
    const double two_pi = 6.283185307179586476925286766559;
    for (size_t i = 0; i < count; i += 2) {
        const double u1 = (double(splitmix64(state) >> 11) + 1.0) * 0x1p-53;  // (0, 1]: log is finite
        const double u2 = double(splitmix64(state) >> 11) * 0x1p-53;          // [0, 1)
        const double r = std::sqrt(-2.0 * std::log(u1));
        out[i] = float(r * std::cos(two_pi * u2));
        if (i + 1 < count) out[i + 1] = float(r * std::sin(two_pi * u2));
    }
}

// ---------------------------------------------------------------------------------------------------
// Nearest glyph

long nearest_glyph(const GlyphMap& map, const float* z, size_t dim) {
    if (map.size() == 0) return -1;
    if (map.latents.size() != map.size() * dim)
        throw Error("nearest_glyph: map holds " + std::to_string(map.latents.size()) + " floats, not " +
                    std::to_string(map.size()) + " x " + std::to_string(dim));
    long best = -1;
    double best_d = 0.0;
    for (size_t g = 0; g < map.size(); ++g) {
        const float* l = map.latents.data() + g * dim;
        double d = 0.0;
        for (size_t i = 0; i < dim; ++i) d += (double(l[i]) - z[i]) * (double(l[i]) - z[i]);
        if (best < 0 || d < best_d) {
            best = long(g);
            best_d = d;
        }
    }
    return best;
}

}  // namespace fontgan
