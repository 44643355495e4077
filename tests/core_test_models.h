// Helpers shared by the core tests (test_format, test_forward): seeded random FloatModels and a
// double-precision reference forward pass. Not a test file itself (no test_ prefix).
#pragma once

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "fontgan.h"

namespace core_test {

// A random MLP: sizes = {latent_dim, hidden..., width*height}; acts[l] for layer l.
// Weights ~ N(0,1)/sqrt(in) (like PyTorch's init scale), biases ~ 0.1 N(0,1).
inline fontgan::FloatModel random_model(const std::vector<uint32_t>& sizes,
                                        const std::vector<fontgan::Activation>& acts, uint32_t width,
                                        uint32_t height, uint64_t seed, float slope = 0.2f) {
    fontgan::FloatModel m;
    m.latent_dim = sizes.front();
    m.width = width;
    m.height = height;
    for (size_t l = 0; l + 1 < sizes.size(); ++l) {
        fontgan::FloatLayer L;
        L.in = sizes[l];
        L.out = sizes[l + 1];
        L.weight.resize(size_t(L.in) * L.out);  // (out, in)
        L.bias.resize(L.out);                   // (out)
        fontgan::sample_normal(seed * 1000 + 2 * l, L.weight.data(), L.weight.size());
        fontgan::sample_normal(seed * 1000 + 2 * l + 1, L.bias.data(), L.bias.size());
        for (float& w : L.weight) w /= std::sqrt(float(L.in));
        for (float& b : L.bias) b *= 0.1f;
        L.act = acts[l % acts.size()];
        L.act_param = L.act == fontgan::Activation::LeakyReLU ? slope : 0.0f;
        m.layers.push_back(std::move(L));
    }
    return m;
}

inline double activate(fontgan::Activation a, double param, double v) {
    switch (a) {
        case fontgan::Activation::Identity: return v;
        case fontgan::Activation::ReLU: return v > 0 ? v : 0;
        case fontgan::Activation::LeakyReLU: return v >= 0 ? v : v * param;
        case fontgan::Activation::Tanh: return std::tanh(v);
        case fontgan::Activation::Sigmoid: return 1.0 / (1.0 + std::exp(-v));
    }
    return v;
}

// Reference forward pass in double for one latent; also returns every layer's input (for error bounds).
inline std::vector<double> reference_forward(const fontgan::FloatModel& m, const float* z,
                                             std::vector<std::vector<double>>* layer_inputs = nullptr) {
    std::vector<double> x(z, z + m.latent_dim);
    for (const auto& L : m.layers) {
        if (layer_inputs) layer_inputs->push_back(x);
        std::vector<double> y(L.out);
        for (size_t o = 0; o < L.out; ++o) {
            double s = L.bias[o];
            for (size_t k = 0; k < L.in; ++k) s += double(L.weight[o * L.in + k]) * x[k];
            y[o] = activate(L.act, L.act_param, s);
        }
        x = std::move(y);
    }
    return x;
}

// The message of the fontgan::Error fn throws, or "" when it throws nothing (other exceptions propagate).
inline std::string error_message(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const fontgan::Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace core_test
