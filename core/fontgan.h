// fontgan core: load a generator blob from bytes, run its MLP forward pass, and walk its latent space.
//
// This header is the whole public C++ API of the engine. No platform glue lives here: the Embind layer
// (wasm/) and the converter (converter/) are thin users of it. Errors are reported by throwing
// fontgan::Error whose message says where it comes from ("blob: layer 2: ..."); nothing calls exit().
//
// The blob format (v1) is specified in docs/format.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace fontgan {

// ---------------------------------------------------------------------------------------------------
// Basic types

struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class Activation : uint32_t { Identity = 0, ReLU = 1, LeakyReLU = 2, Tanh = 3, Sigmoid = 4 };
enum class DType : uint32_t { F32 = 0, F16 = 1, Q8 = 2 };

const char* to_string(Activation a);
const char* to_string(DType d);
// "leaky_relu:0.2" / "relu" / "tanh" / "sigmoid" / "identity" -> (activation, parameter). Throws on junk.
void parse_activation(const std::string& text, Activation& act, float& param);
DType parse_dtype(const std::string& text);  // "f32" | "f16" | "q8"

// ---------------------------------------------------------------------------------------------------
// A model in plain f32, as the importers produce it and the blob writer consumes it.

struct FloatLayer {
    uint32_t in = 0, out = 0;
    std::vector<float> weight;  // (out, in), row-major: PyTorch nn.Linear layout
    std::vector<float> bias;    // (out)
    Activation act = Activation::Identity;
    float act_param = 0.0f;  // LeakyReLU negative slope; unused otherwise
};

struct FloatModel {
    uint32_t latent_dim = 0, width = 0, height = 0;  // output size must equal width * height
    float out_min = -1.0f, out_max = 1.0f;           // range of the output activation (Tanh: -1..1)
    std::vector<FloatLayer> layers;
    void validate() const;  // throws Error naming the first inconsistent layer/shape
};

// The glyph map: a character (Unicode code point) -> its latent address. latents is (size, latent_dim).
struct GlyphMap {
    std::vector<uint32_t> codepoints;
    std::vector<float> latents;
    size_t size() const { return codepoints.size(); }
};

struct WriteOptions {
    DType dtype = DType::F32;
    uint32_t q8_block = 0;      // Q8 scale granularity along the input: 0 = one scale per output row
    std::string metadata_json;  // free-form, e.g. {"name":"emnist-vanilla-gan","notes":"..."}
};

// Serialize a model (+ map, metadata) to a v1 blob. Quantizes to opts.dtype. Throws on inconsistent input
// (shapes, NaN/Inf weights, map latents of the wrong size, duplicate code points).
std::vector<uint8_t> write_blob(const FloatModel& model, const GlyphMap& map, const WriteOptions& opts);

// ---------------------------------------------------------------------------------------------------
// A loaded model: immutable, weights used in place (in their stored dtype) from one aligned copy of the blob.

struct LayerInfo {
    uint32_t in, out;
    Activation act;
    float act_param;
    DType dtype;
    uint32_t q8_block;
};

class Model {
public:
    // Validates every field and the checksum; throws Error("blob: ...") on anything wrong.
    static std::shared_ptr<const Model> from_buffer(const uint8_t* data, size_t size);
    static std::shared_ptr<const Model> from_file(const std::string& path);  // thin adapter over from_buffer

    uint32_t latent_dim() const;
    uint32_t width() const;
    uint32_t height() const;
    uint32_t pixels() const { return width() * height(); }
    float out_min() const;
    float out_max() const;
    const std::vector<LayerInfo>& layers() const;
    size_t max_width() const;  // widest activation (for scratch sizing)
    size_t parameter_count() const;
    size_t blob_size() const;
    const GlyphMap& glyphs() const;
    const float* latent_for(uint32_t codepoint) const;  // nullptr when the map has no such character
    const std::string& metadata() const;

    // One layer: y (n, out) = act(x (n, in) . W^T + b), W in its stored dtype. Used by Generator.
    void layer_forward(size_t layer, const float* x, size_t n, float* y) const;

    struct Impl;
    explicit Model(std::unique_ptr<Impl> impl);
    ~Model();

private:
    std::unique_ptr<Impl> impl_;
};

// Runs the forward pass with reusable scratch buffers: after reserve(n), generate() for batches up to n
// never allocates. Not thread-safe (one per thread); cheap to create.
class Generator {
public:
    explicit Generator(std::shared_ptr<const Model> model);
    const Model& model() const { return *model_; }
    void reserve(size_t batch);
    // z: (n, latent_dim) -> out: (n, pixels). Throws Error on NaN/Inf in z (before touching out).
    void generate(const float* z, size_t n, float* out);

private:
    std::shared_ptr<const Model> model_;
    std::vector<float> a_, b_;  // ping-pong activations, (batch, max_width)
    size_t capacity_ = 0;
};

// ---------------------------------------------------------------------------------------------------
// Latent helpers (all sizes in floats; out may alias neither input)

void lerp(const float* a, const float* b, float t, size_t dim, float* out);
// Spherical interpolation; falls back to lerp when a and b are (nearly) parallel or either is ~zero.
void slerp(const float* a, const float* b, float t, size_t dim, float* out);
void clamp(float* z, size_t dim, float lo, float hi);
// Deterministic N(0,1) samples from a seed (same numbers on every platform: own PRNG + Box-Muller).
void sample_normal(uint64_t seed, float* out, size_t count);
// Index of the glyph whose latent is nearest to z (Euclidean); -1 for an empty map.
long nearest_glyph(const GlyphMap& map, const float* z, size_t dim);

// CRC-32 (IEEE, as zlib) of a byte range; exposed for tests and the converter.
uint32_t crc32(const uint8_t* data, size_t size, uint32_t crc = 0);

}  // namespace fontgan
