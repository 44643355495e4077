// fontgan_bench: per-glyph forward time of a random 100->256->512->1024->784 generator (the EMNIST GAN's
// shape) for f32/f16/q8 at batch 1 and 64, beside a plain Eigen f32 MLP doing the same math.
// Usage: fontgan_bench [seconds per case, default 0.6]
#include <Eigen/Dense>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "fontgan.h"

using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------------
// Random model of the EMNIST generator's shape

static fontgan::FloatModel random_model() {
    fontgan::FloatModel m;
    m.latent_dim = 100;
    m.width = m.height = 28;
    const uint32_t sizes[] = {100, 256, 512, 1024, 784};
    std::vector<float> noise;
    uint64_t seed = 1;
    for (int l = 0; l < 4; ++l) {
        fontgan::FloatLayer L;
        L.in = sizes[l];
        L.out = sizes[l + 1];
        L.weight.resize(size_t(L.in) * L.out);  // (out, in)
        L.bias.resize(L.out);                   // (out)
        fontgan::sample_normal(seed++, L.weight.data(), L.weight.size());
        fontgan::sample_normal(seed++, L.bias.data(), L.bias.size());
        const float gain = 1.0f / std::sqrt(float(L.in));
        for (float& w : L.weight) w *= gain;
        for (float& b : L.bias) b *= 0.1f;
        L.act = l < 3 ? fontgan::Activation::LeakyReLU : fontgan::Activation::Tanh;
        L.act_param = l < 3 ? 0.2f : 0.0f;
        m.layers.push_back(std::move(L));
    }
    return m;
}

// Runs fn(batch) repeatedly for about `seconds`; returns microseconds per glyph.
template <class Fn>
static double time_per_glyph(Fn&& fn, size_t batch, double seconds) {
    fn();  // warm caches and buffers
    size_t runs = 0;
    const auto start = Clock::now();
    double elapsed = 0.0;
    do {
        fn();
        ++runs;
        elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < seconds);
    return elapsed * 1e6 / double(runs * batch);
}

// ---------------------------------------------------------------------------------------------------
// Plain Eigen f32 reference: Y (n, out) = act(X (n, in) W^T + b), row-major like the engine

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct EigenMlp {
    std::vector<RowMat> w;  // (out, in)
    std::vector<Eigen::RowVectorXf> b;
    std::vector<RowMat> act;
    explicit EigenMlp(const fontgan::FloatModel& m) {
        for (const auto& L : m.layers) {
            w.push_back(Eigen::Map<const RowMat>(L.weight.data(), L.out, L.in));
            b.push_back(Eigen::Map<const Eigen::RowVectorXf>(L.bias.data(), L.out));
        }
    }
    void run(const RowMat& z, RowMat& out) {
        act.resize(w.size());
        const RowMat* x = &z;
        for (size_t l = 0; l < w.size(); ++l) {
            RowMat& y = l + 1 == w.size() ? out : act[l];
            y.noalias() = *x * w[l].transpose();
            y.rowwise() += b[l];
            if (l + 1 < w.size()) y = y.cwiseMax(0.2f * y);  // LeakyReLU(0.2)
            else y = y.array().tanh().matrix();
            x = &y;
        }
    }
};

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 0.6;
    const fontgan::FloatModel fm = random_model();
    const size_t batches[] = {1, 64};

    std::vector<float> z(64 * 100);
    fontgan::sample_normal(42, z.data(), z.size());
    std::vector<float> out(64 * 784);

    std::printf("fontgan_bench: random 100->256->512->1024->784 MLP, microseconds per glyph (%.1f s per case)\n",
                seconds);
    std::printf("%-8s %6s %12s %12s %10s %10s\n", "dtype", "batch", "blob bytes", "us/glyph", "vs eigen", "vs f32");

    double eigen_us[2];
    {
        EigenMlp ref(fm);
        for (int bi = 0; bi < 2; ++bi) {
            const size_t n = batches[bi];
            RowMat zm = Eigen::Map<const RowMat>(z.data(), n, 100), om(n, 784);
            eigen_us[bi] = time_per_glyph([&] { ref.run(zm, om); }, n, seconds);
            std::printf("%-8s %6zu %12s %12.2f %10.2f %10s\n", "eigen", n, "-", eigen_us[bi], 1.0, "-");
        }
    }
    double f32_us[2] = {0, 0};
    for (const char* dt : {"f32", "f16", "q8", "q8/b32"}) {
        fontgan::WriteOptions opts;
        opts.dtype = fontgan::parse_dtype(std::string(dt).substr(0, std::string(dt).find('/')));
        if (std::string(dt) == "q8/b32") opts.q8_block = 32;
        const std::vector<uint8_t> blob = fontgan::write_blob(fm, fontgan::GlyphMap{}, opts);
        auto model = fontgan::Model::from_buffer(blob.data(), blob.size());
        fontgan::Generator gen(model);
        gen.reserve(64);
        for (int bi = 0; bi < 2; ++bi) {
            const size_t n = batches[bi];
            const double us = time_per_glyph([&] { gen.generate(z.data(), n, out.data()); }, n, seconds);
            if (opts.dtype == fontgan::DType::F32) f32_us[bi] = us;
            std::printf("%-8s %6zu %12zu %12.2f %10.2f %10.2f\n", dt, n, blob.size(), us, us / eigen_us[bi],
                        us / f32_us[bi]);
        }
    }
    std::printf("(ratios: time / eigen's time and time / fontgan f32's time at the same batch; lower is faster)\n");
    return 0;
}
