// fontgan model: the loaded blob (one 64-byte-aligned copy whose tensors are used in place), the layer
// forward pass, the batched Generator with its ping-pong scratch, and FloatModel's shape check.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <new>

#include "fontgan.h"
#include "format.h"
#include "kernels.h"

namespace fontgan {

// ---------------------------------------------------------------------------------------------------
// FloatModel

void FloatModel::validate() const {
    using namespace format;
    auto bad = [](const std::string& what) { throw Error("model: " + what); };
    if (latent_dim == 0 || latent_dim > kMaxDim) bad("latent_dim " + std::to_string(latent_dim) + " is out of range");
    if (width == 0 || height == 0 || width > kMaxDim || height > kMaxDim ||
        uint64_t(width) * height > kMaxPixels)
        bad("width x height " + std::to_string(width) + "x" + std::to_string(height) + " is out of range");
    if (!std::isfinite(out_min) || !std::isfinite(out_max) || !(out_min < out_max))
        bad("out_min/out_max is not a finite range with out_min < out_max");
    if (layers.empty() || layers.size() > kMaxLayers) bad(std::to_string(layers.size()) + " layers is out of range");
    uint32_t prev = latent_dim;
    for (size_t l = 0; l < layers.size(); ++l) {
        const FloatLayer& L = layers[l];
        const std::string where = "layer " + std::to_string(l) + ": ";
        if (L.in == 0 || L.out == 0 || L.in > kMaxDim || L.out > kMaxDim)
            bad(where + "size " + std::to_string(L.out) + "x" + std::to_string(L.in) + " is out of range");
        if (L.in != prev)
            bad(where + "in " + std::to_string(L.in) + " does not match the previous size " + std::to_string(prev) +
                (l == 0 ? " (latent_dim)" : ""));
        prev = L.out;
        if (L.weight.size() != size_t(L.in) * L.out)
            bad(where + "weight has " + std::to_string(L.weight.size()) + " values, (out, in) = (" +
                std::to_string(L.out) + ", " + std::to_string(L.in) + ") needs " + std::to_string(size_t(L.in) * L.out));
        if (L.bias.size() != L.out)
            bad(where + "bias has " + std::to_string(L.bias.size()) + " values, out = " + std::to_string(L.out));
        if (uint32_t(L.act) > uint32_t(Activation::Sigmoid)) bad(where + "unknown activation");
        if (!std::isfinite(L.act_param)) bad(where + "activation parameter is not finite");
        for (size_t i = 0; i < L.weight.size(); ++i)
            if (!std::isfinite(L.weight[i]))
                bad(where + "weight [" + std::to_string(i / L.in) + "][" + std::to_string(i % L.in) + "] is not finite");
        for (size_t i = 0; i < L.bias.size(); ++i)
            if (!std::isfinite(L.bias[i])) bad(where + "bias [" + std::to_string(i) + "] is not finite");
    }
    if (uint64_t(prev) != uint64_t(width) * height)
        bad("last layer out " + std::to_string(prev) + " != width * height " + std::to_string(uint64_t(width) * height));
}

// ---------------------------------------------------------------------------------------------------
// Model: one aligned copy of the blob, plus validated views into it

namespace {
struct AlignedFree {
    void operator()(uint8_t* p) const { ::operator delete(p, std::align_val_t(format::kAlign)); }
};
using AlignedBytes = std::unique_ptr<uint8_t, AlignedFree>;

AlignedBytes aligned_bytes(size_t size) {
    return AlignedBytes(static_cast<uint8_t*>(::operator new(size ? size : 1, std::align_val_t(format::kAlign))));
}

bool little_endian_host() {
    const uint32_t one = 1;
    uint8_t b;
    std::memcpy(&b, &one, 1);
    return b == 1;
}
}  // namespace

struct Model::Impl {
    AlignedBytes bytes;
    size_t size = 0;
    format::ParsedBlob blob;
    std::vector<LayerInfo> infos;
    struct Tensors {
        const void* weight;   // (out, in) in the layer's dtype
        const float* scales;  // (out, ceil(in / q8_block)), q8 only
        const float* bias;    // (out)
    };
    std::vector<Tensors> tensors;
    std::vector<std::pair<uint32_t, uint32_t>> by_codepoint;  // sorted (code point, glyph index)
    size_t max_width = 0, parameters = 0;
};

static std::shared_ptr<const Model> build_model(AlignedBytes bytes, size_t size) {
    if (!little_endian_host()) throw Error("blob: big-endian hosts are not supported (tensors are used in place)");
    auto impl = std::make_unique<Model::Impl>();
    impl->blob = format::parse_blob(bytes.get(), size);
    impl->bytes = std::move(bytes);
    impl->size = size;
    const uint8_t* base = impl->bytes.get();
    impl->max_width = impl->blob.latent_dim;
    for (const auto& rec : impl->blob.layers) {
        impl->infos.push_back(rec.info);
        impl->tensors.push_back({base + rec.weight_offset,
                                 rec.info.dtype == DType::Q8 ? reinterpret_cast<const float*>(base + rec.scales_offset)
                                                             : nullptr,
                                 reinterpret_cast<const float*>(base + rec.bias_offset)});
        impl->max_width = std::max<size_t>(impl->max_width, rec.info.out);
        impl->parameters += size_t(rec.info.in) * rec.info.out + rec.info.out;
    }
    const auto& cps = impl->blob.glyphs.codepoints;
    for (uint32_t i = 0; i < cps.size(); ++i) impl->by_codepoint.emplace_back(cps[i], i);
    std::sort(impl->by_codepoint.begin(), impl->by_codepoint.end());
    return std::make_shared<const Model>(std::move(impl));
}

std::shared_ptr<const Model> Model::from_buffer(const uint8_t* data, size_t size) {
    if (data == nullptr && size != 0) throw Error("blob: null data pointer");
    AlignedBytes bytes = aligned_bytes(size);
    if (size) std::memcpy(bytes.get(), data, size);
    return build_model(std::move(bytes), size);
}

std::shared_ptr<const Model> Model::from_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary | std::ios::ate);
    if (!f) throw Error("blob: cannot open " + path);
    const std::streamoff end = f.tellg();
    if (end < 0) throw Error("blob: cannot read the size of " + path);
    const size_t size = size_t(end);
    AlignedBytes bytes = aligned_bytes(size);
    f.seekg(0);
    if (size && !f.read(reinterpret_cast<char*>(bytes.get()), std::streamsize(size)))
        throw Error("blob: cannot read " + path);
    try {
        return build_model(std::move(bytes), size);
    } catch (const Error& e) {
        throw Error(std::string(e.what()) + " (file " + path + ")");
    }
}

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

uint32_t Model::latent_dim() const { return impl_->blob.latent_dim; }
uint32_t Model::width() const { return impl_->blob.width; }
uint32_t Model::height() const { return impl_->blob.height; }
float Model::out_min() const { return impl_->blob.out_min; }
float Model::out_max() const { return impl_->blob.out_max; }
const std::vector<LayerInfo>& Model::layers() const { return impl_->infos; }
size_t Model::max_width() const { return impl_->max_width; }
size_t Model::parameter_count() const { return impl_->parameters; }
size_t Model::blob_size() const { return impl_->size; }
const GlyphMap& Model::glyphs() const { return impl_->blob.glyphs; }
const std::string& Model::metadata() const { return impl_->blob.metadata; }

const float* Model::latent_for(uint32_t codepoint) const {
    const auto& idx = impl_->by_codepoint;
    auto it = std::lower_bound(idx.begin(), idx.end(), std::make_pair(codepoint, uint32_t(0)));
    if (it == idx.end() || it->first != codepoint) return nullptr;
    return impl_->blob.glyphs.latents.data() + size_t(it->second) * impl_->blob.latent_dim;
}

// ---------------------------------------------------------------------------------------------------
// Forward pass of one layer

static void activate(Activation act, float param, float* y, size_t count) {
    switch (act) {
        case Activation::Identity: break;
        case Activation::ReLU:
            for (size_t i = 0; i < count; ++i) y[i] = y[i] > 0.0f ? y[i] : 0.0f;
            break;
        case Activation::LeakyReLU:
            for (size_t i = 0; i < count; ++i) y[i] = y[i] >= 0.0f ? y[i] : y[i] * param;
            break;
        case Activation::Tanh:
            for (size_t i = 0; i < count; ++i) y[i] = std::tanh(y[i]);
            break;
        case Activation::Sigmoid:
            for (size_t i = 0; i < count; ++i) y[i] = 1.0f / (1.0f + std::exp(-y[i]));
            break;
    }
}

void Model::layer_forward(size_t layer, const float* x, size_t n, float* y) const {
    if (layer >= impl_->infos.size()) throw Error("model: layer " + std::to_string(layer) + " does not exist");
    const LayerInfo& L = impl_->infos[layer];
    const Impl::Tensors& t = impl_->tensors[layer];
    switch (L.dtype) {
        case DType::F32:
            kernels::matmul_f32(x, n, L.in, static_cast<const float*>(t.weight), t.bias, L.out, y);
            break;
        case DType::F16:
            kernels::matmul_f16(x, n, L.in, static_cast<const uint16_t*>(t.weight), t.bias, L.out, y);
            break;
        case DType::Q8:
            kernels::matmul_q8(x, n, L.in, static_cast<const int8_t*>(t.weight), t.scales, L.q8_block, t.bias, L.out, y);
            break;
    }
    activate(L.act, L.act_param, y, n * L.out);
}

// ---------------------------------------------------------------------------------------------------
// Generator: ping-pong between two (batch, max_width) buffers; the last layer writes straight to out

Generator::Generator(std::shared_ptr<const Model> model) : model_(std::move(model)) {
    if (!model_) throw Error("generator: null model");
}

void Generator::reserve(size_t batch) {
    if (batch <= capacity_) return;
    a_.resize(batch * model_->max_width());
    b_.resize(batch * model_->max_width());
    capacity_ = batch;
}

void Generator::generate(const float* z, size_t n, float* out) {
    if (n == 0) return;
    if (z == nullptr || out == nullptr) throw Error("generate: null z or out");
    const size_t dim = model_->latent_dim();
    for (size_t i = 0; i < n * dim; ++i)
        if (!std::isfinite(z[i]))
            throw Error("generate: latent " + std::to_string(i / dim) + " has a NaN or Inf at index " +
                        std::to_string(i % dim));
    reserve(n);
    const size_t count = model_->layers().size();
    const float* x = z;
    for (size_t l = 0; l < count; ++l) {
        float* y = l + 1 == count ? out : (l % 2 == 0 ? a_.data() : b_.data());
        model_->layer_forward(l, x, n, y);
        x = y;
    }
}

}  // namespace fontgan
