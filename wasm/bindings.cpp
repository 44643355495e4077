// Embind bindings: the only place where the C++ engine meets JavaScript.
//
// The JS wrapper (wasm/fontgan.js) owns staging buffers in the wasm heap (malloc'd once, grown only when a
// bigger batch is asked) and passes their addresses here, so a frame costs no copies through Embind.
// Errors never cross as C++ exceptions: every entry point that can fail catches and returns a message
// ("" = ok), which the wrapper turns into a TypeError/RangeError. The instance stays usable.
#include <emscripten/bind.h>

#include <cmath>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>

#include "fontgan.h"

// Generated at build time from FONTGAN_DEFAULT_WEIGHTS by wasm/embed_blob.cmake.
extern const char fontgan_default_blob[];
extern const size_t fontgan_default_blob_size;

namespace {

template <typename T>
T* at(uintptr_t address) {
    return reinterpret_cast<T*>(address);
}

// ---------------------------------------------------------------------------------------------------
// Engine: one loaded model + one generator with reusable scratch

class Engine {
public:
    // Loads a blob from bytes (Embind hands a Uint8Array/ArrayBuffer over as std::string). On failure the
    // previously loaded model, if any, stays in place.
    std::string load(const std::string& bytes) {
        return load_from(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    }
    std::string loadDefault() {
        return load_from(reinterpret_cast<const uint8_t*>(fontgan_default_blob), fontgan_default_blob_size);
    }

    uint32_t latentDim() const { return model_->latent_dim(); }
    uint32_t width() const { return model_->width(); }
    uint32_t height() const { return model_->height(); }
    float outMin() const { return model_->out_min(); }
    float outMax() const { return model_->out_max(); }
    double parameterCount() const { return double(model_->parameter_count()); }
    double blobSize() const { return double(model_->blob_size()); }
    std::string metadata() const { return model_->metadata(); }
    std::string dtype() const {
        return model_->layers().empty() ? "" : fontgan::to_string(model_->layers().front().dtype);
    }
    uint32_t glyphCount() const { return uint32_t(model_->glyphs().size()); }
    uint32_t codepointAt(uint32_t i) const { return model_->glyphs().codepoints.at(i); }
    // Address of the map's latents, (glyphCount, latentDim) floats, read-only.
    uintptr_t glyphLatents() const { return reinterpret_cast<uintptr_t>(model_->glyphs().latents.data()); }

    // z: (n, latentDim) floats at zAddress -> (n, width*height) floats at outAddress. Grows the scratch only
    // when n exceeds every batch seen so far (wasm memory may grow then: JS re-takes its heap views).
    // Returns false on error (then lastError() says why): a bool keeps the per-frame call free of strings.
    bool generate(uintptr_t zAddress, uint32_t n, uintptr_t outAddress) {
        try {
            if (n > reserved_) {
                generator_->reserve(n);
                reserved_ = n;
            }
            generator_->generate(at<const float>(zAddress), n, at<float>(outAddress));
            return true;
        } catch (const std::exception& e) {
            last_error_ = std::string("generate: ") + e.what();
            return false;
        }
    }
    std::string lastError() const { return last_error_; }

    // ---- latent helpers over heap addresses (dim floats each)
    void mix(uintptr_t a, uintptr_t b, float t, bool spherical, uintptr_t out) const {
        const size_t dim = model_->latent_dim();
        if (spherical)
            fontgan::slerp(at<const float>(a), at<const float>(b), t, dim, at<float>(out));
        else
            fontgan::lerp(at<const float>(a), at<const float>(b), t, dim, at<float>(out));
    }
    // seed: a JS integer in [0, 2^53).
    void sampleNormal(double seed, uintptr_t out, uint32_t count) const {
        fontgan::sample_normal(uint64_t(seed), at<float>(out), count);
    }
    int nearest(uintptr_t z) const {
        return int(fontgan::nearest_glyph(model_->glyphs(), at<const float>(z), model_->latent_dim()));
    }

private:
    std::string load_from(const uint8_t* data, size_t size) {
        try {
            auto model = fontgan::Model::from_buffer(data, size);
            auto generator = std::make_unique<fontgan::Generator>(model);
            model_ = std::move(model);
            generator_ = std::move(generator);
            reserved_ = 0;
            return {};
        } catch (const std::exception& e) {
            return e.what();
        }
    }

    std::shared_ptr<const fontgan::Model> model_;
    std::unique_ptr<fontgan::Generator> generator_;
    uint32_t reserved_ = 0;
    std::string last_error_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------------

EMSCRIPTEN_BINDINGS(fontgan) {
    using namespace emscripten;
    class_<Engine>("Engine")
        .constructor<>()
        .function("load", &Engine::load)
        .function("loadDefault", &Engine::loadDefault)
        .function("latentDim", &Engine::latentDim)
        .function("width", &Engine::width)
        .function("height", &Engine::height)
        .function("outMin", &Engine::outMin)
        .function("outMax", &Engine::outMax)
        .function("parameterCount", &Engine::parameterCount)
        .function("blobSize", &Engine::blobSize)
        .function("metadata", &Engine::metadata)
        .function("dtype", &Engine::dtype)
        .function("glyphCount", &Engine::glyphCount)
        .function("codepointAt", &Engine::codepointAt)
        .function("glyphLatents", &Engine::glyphLatents)
        .function("generate", &Engine::generate)
        .function("lastError", &Engine::lastError)
        .function("mix", &Engine::mix)
        .function("sampleNormal", &Engine::sampleNormal)
        .function("nearest", &Engine::nearest);
}
