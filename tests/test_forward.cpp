// Forward pass: random models of every activation and awkward sizes against a double-precision reference
// computed here, for each dtype and batch size; batching; bad latents.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core_test_models.h"
#include "fontgan.h"

using namespace fontgan;
using core_test::error_message;

namespace {

struct Shape {
    const char* name;
    std::vector<uint32_t> sizes;
    std::vector<Activation> acts;
    uint32_t width, height;
    size_t max_batch;
};

const std::vector<Shape>& shapes() {
    static const std::vector<Shape> s = {
        // odd sizes (tails of every kernel tile) and every activation
        {"odd/all-activations", {7, 9, 5, 13, 11, 6},
         {Activation::Identity, Activation::ReLU, Activation::LeakyReLU, Activation::Sigmoid, Activation::Tanh}, 3, 2,
         9},
        {"gan-like/small", {20, 33, 64, 50}, {Activation::LeakyReLU, Activation::LeakyReLU, Activation::Tanh}, 10, 5, 9},
        // an input wider than one 1024-wide dequantization strip (kernels accumulate across strips)
        {"wide-input", {20, 1030, 7}, {Activation::Sigmoid, Activation::Tanh}, 7, 1, 9},
        {"emnist-size", {100, 256, 512, 1024, 784},
         {Activation::LeakyReLU, Activation::LeakyReLU, Activation::LeakyReLU, Activation::Tanh}, 28, 28, 5},
    };
    return s;
}

FloatModel make_model(const Shape& s) {
    FloatModel m = core_test::random_model(s.sizes, s.acts, s.width, s.height, 3);
    m.layers.back().act = s.acts[(s.sizes.size() - 2) % s.acts.size()];
    return m;
}

// The weights the engine really uses, read back through the model itself: layer_forward on the identity
// batch gives I . W^T + b, so row k of the result minus b is column k of W.
std::vector<FloatLayer> stored_layers(const Model& m, const FloatModel& fm) {
    std::vector<FloatLayer> out;
    for (size_t l = 0; l < m.layers().size(); ++l) {
        const LayerInfo& info = m.layers()[l];
        FloatLayer L = fm.layers[l];
        std::vector<float> eye(size_t(info.in) * info.in, 0.0f), y(size_t(info.in) * info.out);
        for (size_t k = 0; k < info.in; ++k) eye[k * info.in + k] = 1.0f;
        L.act = Activation::Identity;  // read the affine part only
        FloatModel one;
        one.latent_dim = info.in;
        one.width = info.out;
        one.height = 1;
        one.layers = {L};
        WriteOptions opts;
        opts.dtype = info.dtype;
        opts.q8_block = info.q8_block;
        const std::vector<uint8_t> blob = write_blob(one, GlyphMap{}, opts);
        Model::from_buffer(blob.data(), blob.size())->layer_forward(0, eye.data(), info.in, y.data());
        for (size_t k = 0; k < info.in; ++k)
            for (size_t o = 0; o < info.out; ++o)
                L.weight[o * info.in + k] = float(double(y[k * info.out + o]) - L.bias[o]);
        L.act = fm.layers[l].act;
        out.push_back(std::move(L));
    }
    return out;
}

}  // namespace

// Error budget, per dtype:
//  * Arithmetic: the engine must compute its stored weights' network to 1e-5 (f32 sums of <= 1024 terms of
//    size ~1 carry ~1e-7 relative error each; measured ~1e-6). Checked against a double forward pass of
//    the weights read back from the engine (exactly what it multiplies by), for every dtype.
//  * Storage (a priori, per weight): f32 exact; f16 |dw| <= 2^-11 |w| + 2^-25 (round to nearest, half's
//    11-bit significand; 2^-25 covers subnormals); q8 |dw| <= step / 2, step = max |w| of the block / 127.
//  * End to end vs the original f32 model (stated, tested on these N(0, 1/in) models with outputs in
//    [-1, 1]): a weight error of relative size r (r.m.s.) moves each pre-activation by about r times its
//    own size, independently per layer, so after 4 layers about 2r; the largest of a few thousand outputs
//    is within ~4 sigma: 8r. f16: r = 2^-11 / sqrt(3) = 2.8e-4 -> 2.3e-3. q8 per row of 1024: step =
//    3.3 / (127 sqrt(in)), r = step / sqrt(12) / (1 / sqrt(in)) = 7.5e-3 -> 6e-2. Blocks only shrink step.
constexpr double kF32Tolerance = 1e-5, kF16EndToEnd = 2.5e-3, kQ8EndToEnd = 6e-2;

TEST_CASE("forward: matches a double-precision reference for every dtype, activation and batch size") {
    struct DT {
        DType dtype;
        uint32_t q8_block;
    };
    for (const Shape& shape : shapes()) {
        CAPTURE(std::string(shape.name));
        const FloatModel fm = make_model(shape);
        const size_t dim = fm.latent_dim, pixels = size_t(shape.width) * shape.height;
        std::vector<float> z(shape.max_batch * dim);
        sample_normal(11, z.data(), z.size());
        std::vector<std::vector<double>> ref(shape.max_batch);
        for (size_t i = 0; i < shape.max_batch; ++i) ref[i] = core_test::reference_forward(fm, &z[i * dim]);

        for (DT dt : {DT{DType::F32, 0}, DT{DType::F16, 0}, DT{DType::Q8, 0}, DT{DType::Q8, 16}, DT{DType::Q8, 5}}) {
            CAPTURE(std::string(to_string(dt.dtype)));
            CAPTURE(dt.q8_block);
            WriteOptions opts;
            opts.dtype = dt.dtype;
            opts.q8_block = dt.q8_block;
            const std::vector<uint8_t> blob = write_blob(fm, GlyphMap{}, opts);
            auto model = Model::from_buffer(blob.data(), blob.size());
            Generator gen(model);

            // the stored weights honour the per-weight storage bound
            size_t over_limit = 0;
            FloatModel stored = fm;
            stored.layers = stored_layers(*model, fm);
            for (size_t l = 0; l < fm.layers.size(); ++l) {
                const FloatLayer &L = fm.layers[l], &S = stored.layers[l];
                const size_t blk = dt.q8_block && dt.q8_block < L.in ? dt.q8_block : L.in;
                for (size_t i = 0; i < L.weight.size(); ++i) {
                    const double w = L.weight[i], dw = std::fabs(double(S.weight[i]) - w);
                    double limit = 2e-7 * (1 + std::fabs(w));  // read-back rounding (w + b - b)
                    if (dt.dtype == DType::F16) limit += std::ldexp(std::fabs(w), -11) + std::ldexp(1.0, -25);
                    if (dt.dtype == DType::Q8) {
                        const size_t row = i / L.in, k0 = i % L.in / blk * blk;
                        double max_abs = 0;
                        for (size_t k = k0; k < std::min(k0 + blk, size_t(L.in)); ++k)
                            max_abs = std::max(max_abs, double(std::fabs(L.weight[row * L.in + k])));
                        limit += max_abs / 127.0 / 2.0;
                    }
                    over_limit += !(dw <= limit);
                }
            }
            CHECK(over_limit == 0);
            std::vector<std::vector<double>> ref_stored(shape.max_batch);
            for (size_t i = 0; i < shape.max_batch; ++i)
                ref_stored[i] = core_test::reference_forward(stored, &z[i * dim]);

            double max_err = 0.0, max_arith = 0.0;
            for (size_t n : {size_t(1), size_t(3), size_t(4), size_t(5), size_t(9)}) {
                if (n > shape.max_batch) continue;
                CAPTURE(n);
                std::vector<float> out(n * pixels, std::numeric_limits<float>::quiet_NaN());
                gen.generate(z.data(), n, out.data());
                for (size_t i = 0; i < n; ++i)
                    for (size_t p = 0; p < pixels; ++p) {
                        const double y = out[i * pixels + p];
                        max_arith = std::max(max_arith, std::fabs(y - ref_stored[i][p]));
                        max_err = std::max(max_err, std::fabs(y - ref[i][p]));
                    }
            }
            CHECK(max_arith <= kF32Tolerance);  // arithmetic
            const double end_to_end = dt.dtype == DType::F32 ? kF32Tolerance
                                      : dt.dtype == DType::F16 ? kF16EndToEnd : kQ8EndToEnd;
            CHECK(max_err <= end_to_end);
            if (dt.dtype == DType::Q8) CHECK(max_err > 1e-4);  // it really runs quantized weights
        }
    }
}

TEST_CASE("forward: a batch gives the same images as one latent at a time") {
    for (const Shape& shape : shapes()) {
        CAPTURE(std::string(shape.name));
        const FloatModel fm = make_model(shape);
        for (DType dtype : {DType::F32, DType::F16, DType::Q8}) {
            CAPTURE(std::string(to_string(dtype)));
            WriteOptions opts;
            opts.dtype = dtype;
            const std::vector<uint8_t> blob = write_blob(fm, GlyphMap{}, opts);
            Generator gen(Model::from_buffer(blob.data(), blob.size()));
            const size_t n = shape.max_batch, dim = fm.latent_dim, pixels = gen.model().pixels();
            std::vector<float> z(n * dim), batch(n * pixels), single(pixels);
            sample_normal(5, z.data(), z.size());
            gen.generate(z.data(), n, batch.data());
            for (size_t i = 0; i < n; ++i) {
                gen.generate(&z[i * dim], 1, single.data());
                // Batched and single-row products may sum in a different order (GEMM vs GEMV): f32 rounding only.
                for (size_t p = 0; p < pixels; ++p) REQUIRE(single[p] == doctest::Approx(batch[i * pixels + p]).epsilon(1e-5));
            }
        }
    }
}

TEST_CASE("forward: a NaN or Inf latent is refused before out is touched, and the generator still works") {
    const FloatModel fm = make_model(shapes()[1]);
    const std::vector<uint8_t> blob = write_blob(fm, GlyphMap{}, WriteOptions{});
    Generator gen(Model::from_buffer(blob.data(), blob.size()));
    gen.reserve(4);
    const size_t dim = fm.latent_dim, pixels = gen.model().pixels();
    std::vector<float> z(3 * dim), out(3 * pixels, 7.0f);
    sample_normal(8, z.data(), z.size());
    for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                      -std::numeric_limits<float>::infinity()}) {
        std::vector<float> zb = z;
        zb[dim + 4] = bad;
        const std::string msg = error_message([&] { gen.generate(zb.data(), 3, out.data()); });
        CHECK(msg.find("latent 1") != std::string::npos);
        CHECK(msg.find("index 4") != std::string::npos);
        CHECK(std::all_of(out.begin(), out.end(), [](float v) { return v == 7.0f; }));
    }
    gen.generate(z.data(), 3, out.data());
    for (size_t i = 0; i < 3; ++i) {
        const std::vector<double> ref = core_test::reference_forward(fm, &z[i * dim]);
        for (size_t p = 0; p < pixels; ++p) REQUIRE(std::fabs(out[i * pixels + p] - ref[p]) <= 1e-5);
    }
    CHECK(error_message([&] { gen.generate(nullptr, 1, out.data()); }).find("generate") == 0);
    gen.generate(nullptr, 0, nullptr);  // an empty batch is a no-op
    CHECK(error_message([&] { gen.model().layer_forward(3, z.data(), 1, out.data()); }).find("layer 3") !=
          std::string::npos);
}

TEST_CASE("forward: layer_forward chains to the same result as generate, and output stays in range") {
    const FloatModel fm = make_model(shapes()[2]);
    WriteOptions opts;
    opts.dtype = DType::Q8;
    const std::vector<uint8_t> blob = write_blob(fm, GlyphMap{}, opts);
    auto model = Model::from_buffer(blob.data(), blob.size());
    Generator gen(model);
    const size_t n = 2;
    std::vector<float> z(n * 100), out(n * 784), a(n * model->max_width()), b(n * model->max_width());
    sample_normal(21, z.data(), z.size());
    gen.generate(z.data(), n, out.data());
    const float* x = z.data();
    for (size_t l = 0; l < model->layers().size(); ++l) {
        float* y = l % 2 ? b.data() : a.data();
        model->layer_forward(l, x, n, y);
        x = y;
    }
    for (size_t i = 0; i < n * 784; ++i) {
        REQUIRE(x[i] == out[i]);
        REQUIRE(out[i] >= model->out_min());
        REQUIRE(out[i] <= model->out_max());
    }
}
