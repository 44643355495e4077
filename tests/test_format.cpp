// Blob format v1 (docs/format.md): round trips per dtype, and a reader that refuses every kind of damage
// with an Error naming the field: truncation at every offset, every flipped byte, and field-by-field
// corruption with the checksum recomputed so that the field checks themselves are exercised.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>

#include "core_test_models.h"
#include "fontgan.h"
#include "format.h"
#include "kernels.h"

using namespace fontgan;
using core_test::error_message;

namespace {

// 5 -> 7 -> 6 (3x2 image), identity activations so layer_forward exposes the stored weights exactly:
// layer_forward(e_k) - layer_forward(0) = column k of W, layer_forward(0) = b.
FloatModel tiny_model(Activation act = Activation::Identity) {
    return core_test::random_model({5, 7, 6}, {act}, 3, 2, 7);
}

GlyphMap tiny_map() {
    GlyphMap map;
    map.codepoints = {'A', 'b', 0x1F600};
    map.latents.resize(3 * 5);
    sample_normal(99, map.latents.data(), map.latents.size());
    return map;
}

std::vector<uint8_t> tiny_blob(DType dtype = DType::F32, uint32_t q8_block = 0) {
    WriteOptions opts;
    opts.dtype = dtype;
    opts.q8_block = q8_block;
    opts.metadata_json = R"({"name":"tiny","notes":"caf\u00e9 \u2014 unit test"})";
    return write_blob(tiny_model(), tiny_map(), opts);
}

uint32_t get_u32(const std::vector<uint8_t>& b, size_t at) {
    uint32_t v;
    std::memcpy(&v, b.data() + at, 4);
    return v;
}
uint64_t get_u64(const std::vector<uint8_t>& b, size_t at) {
    uint64_t v;
    std::memcpy(&v, b.data() + at, 8);
    return v;
}
void reseal(std::vector<uint8_t>& b) {  // recompute the trailing CRC after a deliberate edit
    const uint32_t crc = crc32(b.data(), b.size() - format::kCrcSize);
    std::memcpy(b.data() + b.size() - format::kCrcSize, &crc, 4);
}
void set_u32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
    std::memcpy(b.data() + at, &v, 4);
    reseal(b);
}
void set_u64(std::vector<uint8_t>& b, size_t at, uint64_t v) {
    std::memcpy(b.data() + at, &v, 8);
    reseal(b);
}
void set_f32(std::vector<uint8_t>& b, size_t at, float v) {
    std::memcpy(b.data() + at, &v, 4);
    reseal(b);
}
size_t layer_field(size_t layer, size_t field) { return format::kHeaderSize + format::kLayerEntrySize * layer + field; }

std::string load_error(const std::vector<uint8_t>& b) {
    return error_message([&] { Model::from_buffer(b.data(), b.size()); });
}

// Recover the stored weights of an identity-activation layer through layer_forward.
void recover_layer(const Model& m, size_t layer, std::vector<float>& w, std::vector<float>& bias) {
    const LayerInfo& L = m.layers()[layer];
    std::vector<float> x(L.in, 0.0f), y(L.out);
    m.layer_forward(layer, x.data(), 1, y.data());
    bias = y;
    w.assign(size_t(L.in) * L.out, 0.0f);
    for (size_t k = 0; k < L.in; ++k) {
        std::fill(x.begin(), x.end(), 0.0f);
        x[k] = 1.0f;
        m.layer_forward(layer, x.data(), 1, y.data());
        for (size_t o = 0; o < L.out; ++o) w[o * L.in + k] = y[o] - bias[o];
    }
}

}  // namespace

// ---------------------------------------------------------------------------------------------------

TEST_CASE("format: round trip keeps shapes, map, metadata and weights for every dtype") {
    const FloatModel fm = tiny_model();
    const GlyphMap map = tiny_map();
    struct Case {
        DType dtype;
        uint32_t q8_block;
    };
    for (Case c : {Case{DType::F32, 0}, Case{DType::F16, 0}, Case{DType::Q8, 0}, Case{DType::Q8, 2},
                   Case{DType::Q8, 4}, Case{DType::Q8, 64}}) {
        CAPTURE(std::string(to_string(c.dtype)));
        CAPTURE(c.q8_block);
        const std::vector<uint8_t> blob = tiny_blob(c.dtype, c.q8_block);
        auto m = Model::from_buffer(blob.data(), blob.size());
        CHECK(m->latent_dim() == 5);
        CHECK(m->width() == 3);
        CHECK(m->height() == 2);
        CHECK(m->pixels() == 6);
        CHECK(m->out_min() == -1.0f);
        CHECK(m->out_max() == 1.0f);
        CHECK(m->blob_size() == blob.size());
        CHECK(m->max_width() == 7);
        CHECK(m->parameter_count() == 5 * 7 + 7 + 7 * 6 + 6);
        CHECK(m->metadata() == R"({"name":"tiny","notes":"caf\u00e9 \u2014 unit test"})");
        REQUIRE(m->layers().size() == 2);
        CHECK(m->glyphs().codepoints == map.codepoints);
        CHECK(m->glyphs().latents == map.latents);
        for (size_t g = 0; g < map.size(); ++g) {
            const float* z = m->latent_for(map.codepoints[g]);
            REQUIRE(z != nullptr);
            CHECK(std::equal(z, z + 5, map.latents.begin() + long(g * 5)));
        }
        CHECK(m->latent_for('Z') == nullptr);

        for (size_t l = 0; l < 2; ++l) {
            const LayerInfo& info = m->layers()[l];
            const FloatLayer& ref = fm.layers[l];
            CHECK(info.in == ref.in);
            CHECK(info.out == ref.out);
            CHECK(info.dtype == c.dtype);
            CHECK(info.q8_block == c.q8_block);
            CHECK(info.act == Activation::Identity);
            std::vector<float> w, bias;
            recover_layer(*m, l, w, bias);
            CHECK(bias == ref.bias);  // biases are always f32
            for (size_t i = 0; i < w.size(); ++i) {
                const float orig = ref.weight[i];
                if (c.dtype == DType::F32) {
                    CHECK(w[i] == doctest::Approx(orig).epsilon(1e-6));
                } else if (c.dtype == DType::F16) {  // exactly the nearest half (up to the bias round trip)
                    CHECK(w[i] == doctest::Approx(kernels::half_to_float(kernels::float_to_half(orig))).epsilon(1e-6));
                } else {  // q8: within half a quantization step of its block, step = max|block| / 127
                    const size_t row = i / ref.in, k = i % ref.in;
                    const size_t blk = c.q8_block ? c.q8_block : ref.in, k0 = k / blk * blk;
                    float max_abs = 0;
                    for (size_t j = k0; j < std::min<size_t>(k0 + blk, ref.in); ++j)
                        max_abs = std::max(max_abs, std::fabs(ref.weight[row * ref.in + j]));
                    CHECK(std::fabs(w[i] - orig) <= max_abs / 127.0f * 0.5f + 1e-6f);
                }
            }
        }
    }

    SUBCASE("smaller dtypes make smaller blobs") {
        const FloatModel wide = core_test::random_model({64, 128, 6}, {Activation::Tanh}, 3, 2, 1);
        size_t sizes[3];
        for (DType d : {DType::F32, DType::F16, DType::Q8}) {
            WriteOptions opts;
            opts.dtype = d;
            sizes[int(d)] = write_blob(wide, GlyphMap{}, opts).size();
        }
        CHECK(sizes[1] < sizes[0] * 0.6);
        CHECK(sizes[2] < sizes[1] * 0.6);
    }
    SUBCASE("an empty map and empty metadata round trip too") {
        const std::vector<uint8_t> blob = write_blob(fm, GlyphMap{}, WriteOptions{});
        auto m = Model::from_buffer(blob.data(), blob.size());
        CHECK(m->glyphs().size() == 0);
        CHECK(m->metadata().empty());
        CHECK(m->latent_for('A') == nullptr);
    }
    SUBCASE("from_file reads the same model and names the file in errors") {
        const std::string path = std::string(FONTGAN_BUILD_DIR) + "/test_format_tiny.bin";
        const std::vector<uint8_t> blob = tiny_blob(DType::Q8);
        {
            FILE* f = std::fopen(path.c_str(), "wb");
            REQUIRE(f != nullptr);
            std::fwrite(blob.data(), 1, blob.size(), f);
            std::fclose(f);
        }
        auto m = Model::from_file(path);
        CHECK(m->blob_size() == blob.size());
        CHECK(m->glyphs().codepoints == map.codepoints);
        {
            FILE* f = std::fopen(path.c_str(), "wb");
            REQUIRE(f != nullptr);
            std::fwrite(blob.data(), 1, blob.size() / 2, f);
            std::fclose(f);
        }
        const std::string msg = error_message([&] { Model::from_file(path); });
        CHECK(msg.find("blob:") == 0);
        CHECK(msg.find(path) != std::string::npos);
        std::remove(path.c_str());
        CHECK(error_message([&] { Model::from_file(path); }).find("cannot open") != std::string::npos);
    }
}

TEST_CASE("format: the blob layout is little-endian, aligned and self-describing") {
    const std::vector<uint8_t> blob = tiny_blob(DType::Q8, 4);
    CHECK(std::memcmp(blob.data(), "FGAN", 4) == 0);
    CHECK(get_u32(blob, format::kHdrVersion) == 1);
    CHECK(get_u64(blob, format::kHdrFileSize) == blob.size());
    CHECK(get_u32(blob, format::kHdrLayerCount) == 2);
    for (size_t l = 0; l < 2; ++l)
        for (size_t field : {format::kLayWeightOffset, format::kLayScalesOffset, format::kLayBiasOffset})
            CHECK(get_u64(blob, layer_field(l, field)) % 64 == 0);
    CHECK(get_u64(blob, format::kHdrCodepointsOffset) % 64 == 0);
    CHECK(get_u32(blob, get_u64(blob, format::kHdrCodepointsOffset) + 8) == 0x1F600u);
    CHECK(get_u32(blob, blob.size() - 4) == crc32(blob.data(), blob.size() - 4));
    // CRC-32 is zlib's: the standard check value of "123456789"
    const char* check = "123456789";
    CHECK(crc32(reinterpret_cast<const uint8_t*>(check), 9) == 0xCBF43926u);
    CHECK(crc32(reinterpret_cast<const uint8_t*>(check) + 4, 5, crc32(reinterpret_cast<const uint8_t*>(check), 4)) ==
          0xCBF43926u);
}

TEST_CASE("format: a blob truncated at every offset is refused, never read past") {
    for (DType dtype : {DType::F32, DType::Q8}) {
        const std::vector<uint8_t> blob = tiny_blob(dtype, dtype == DType::Q8 ? 2 : 0);
        CAPTURE(std::string(to_string(dtype)));
        for (size_t size = 0; size < blob.size(); ++size) {
            CAPTURE(size);
            const std::vector<uint8_t> cut(blob.begin(), blob.begin() + long(size));  // exact-size heap copy
            const std::string msg = error_message([&] { Model::from_buffer(cut.data(), cut.size()); });
            REQUIRE(msg.find("blob: ") == 0);
        }
        std::vector<uint8_t> longer = blob;
        longer.push_back(0);
        CHECK(load_error(longer).find("file_size") != std::string::npos);
    }
    CHECK(error_message([] { Model::from_buffer(nullptr, 0); }).find("truncated") != std::string::npos);
}

TEST_CASE("format: every single flipped byte is detected") {
    const std::vector<uint8_t> blob = tiny_blob(DType::F16);
    for (size_t i = 0; i < blob.size(); ++i) {
        for (uint8_t mask : {uint8_t(0x01), uint8_t(0x80), uint8_t(0xff)}) {
            std::vector<uint8_t> bad = blob;
            bad[i] ^= mask;
            CAPTURE(i);
            REQUIRE(load_error(bad).find("blob: ") == 0);
        }
    }
}

TEST_CASE("format: every header and layer field is validated (checksum recomputed)") {
    const std::vector<uint8_t> good = tiny_blob(DType::F32);
    const std::vector<uint8_t> good_q8 = tiny_blob(DType::Q8, 2);
    const std::vector<uint8_t> good_f16 = tiny_blob(DType::F16);
    REQUIRE(load_error(good).empty());
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const uint64_t w0 = get_u64(good, layer_field(0, format::kLayWeightOffset));
    const uint64_t b0 = get_u64(good, layer_field(0, format::kLayBiasOffset));
    const uint64_t cps = get_u64(good, format::kHdrCodepointsOffset);
    const uint64_t lats = get_u64(good, format::kHdrLatentsOffset);

    // Each case: an edit, and the word the error must contain.
    struct Case {
        const char* name;
        std::function<void(std::vector<uint8_t>&)> edit;
        const char* expect;
        const std::vector<uint8_t>* base;
    };
    const std::vector<Case> cases = {
        {"magic", [](auto& b) { b[0] = 'X'; reseal(b); }, "magic", &good},
        {"version 2", [](auto& b) { set_u32(b, format::kHdrVersion, 2); }, "version 2", &good},
        {"version 0", [](auto& b) { set_u32(b, format::kHdrVersion, 0); }, "version 0", &good},
        {"file_size", [](auto& b) { set_u64(b, format::kHdrFileSize, b.size() + 64); }, "file_size", &good},
        {"file_size huge", [](auto& b) { set_u64(b, format::kHdrFileSize, ~0ull); }, "file_size", &good},
        {"latent_dim 0", [](auto& b) { set_u32(b, format::kHdrLatentDim, 0); }, "latent_dim", &good},
        {"latent_dim huge", [](auto& b) { set_u32(b, format::kHdrLatentDim, 0xffffffffu); }, "latent_dim", &good},
        {"latent_dim mismatch", [](auto& b) { set_u32(b, format::kHdrLatentDim, 6); }, "latent_dim", &good},
        {"width huge", [](auto& b) { set_u32(b, format::kHdrWidth, 1000000000u); }, "width", &good},
        {"height 0", [](auto& b) { set_u32(b, format::kHdrHeight, 0); }, "height", &good},
        {"pixels absurd", [](auto& b) { set_u32(b, format::kHdrWidth, 1u << 20); set_u32(b, format::kHdrHeight, 1u << 20); },
         "width * height", &good},
        {"pixels mismatch", [](auto& b) { set_u32(b, format::kHdrWidth, 2); }, "width * height", &good},
        {"layer_count 1e9", [](auto& b) { set_u32(b, format::kHdrLayerCount, 1000000000u); }, "layer_count", &good},
        {"layer_count 0", [](auto& b) { set_u32(b, format::kHdrLayerCount, 0); }, "layer_count", &good},
        {"layer_count 200", [](auto& b) { set_u32(b, format::kHdrLayerCount, 200); }, "layer table", &good},
        {"out_min NaN", [=](auto& b) { set_f32(b, format::kHdrOutMin, nan); }, "out_min", &good},
        {"out_min == out_max", [](auto& b) { set_f32(b, format::kHdrOutMin, 1.0f); }, "out_min", &good},
        {"glyph_count huge", [](auto& b) { set_u32(b, format::kHdrGlyphCount, 1000000000u); }, "glyph_count", &good},
        {"glyph_count +1", [](auto& b) { set_u32(b, format::kHdrGlyphCount, 4); }, "blob: ", &good},
        {"metadata_size huge", [](auto& b) { set_u32(b, format::kHdrMetadataSize, 0xffffffffu); }, "metadata_size", &good},
        {"metadata_size past end", [](auto& b) { set_u32(b, format::kHdrMetadataSize, 100000); }, "metadata", &good},
        {"reserved header", [](auto& b) { b[format::kHdrReserved + 3] = 1; reseal(b); }, "reserved", &good},
        {"in huge", [](auto& b) { set_u32(b, layer_field(0, format::kLayIn), 0x7fffffffu); }, "in ", &good},
        {"out 0", [](auto& b) { set_u32(b, layer_field(1, format::kLayOut), 0); }, "out ", &good},
        {"out changed", [](auto& b) { set_u32(b, layer_field(0, format::kLayOut), 8); }, "weight_size", &good},
        {"chain broken", [](auto& b) { set_u32(b, layer_field(1, format::kLayIn), 8); }, "previous size", &good},
        {"activation 99", [](auto& b) { set_u32(b, layer_field(0, format::kLayActivation), 99); }, "activation", &good},
        {"act_param NaN", [=](auto& b) { set_f32(b, layer_field(0, format::kLayActParam), nan); }, "act_param", &good},
        {"act_param on identity", [](auto& b) { set_f32(b, layer_field(0, format::kLayActParam), 0.5f); }, "act_param",
         &good},
        {"dtype 7", [](auto& b) { set_u32(b, layer_field(1, format::kLayDType), 7); }, "dtype", &good},
        {"dtype f32 -> f16", [](auto& b) { set_u32(b, layer_field(0, format::kLayDType), 1); }, "weight_size", &good},
        {"q8_block on f32", [](auto& b) { set_u32(b, layer_field(0, format::kLayQ8Block), 4); }, "q8_block", &good},
        {"q8_block changed", [](auto& b) { set_u32(b, layer_field(0, format::kLayQ8Block), 0); }, "scales_size",
         &good_q8},
        {"q8_block absurd", [](auto& b) { set_u32(b, layer_field(0, format::kLayQ8Block), 0xffffffffu); }, "q8_block",
         &good_q8},
        {"reserved layer", [](auto& b) { b[layer_field(1, format::kLayReserved)] = 9; reseal(b); }, "reserved", &good},
        {"weight_size huge", [](auto& b) { set_u64(b, layer_field(0, format::kLayWeightSize), ~0ull); }, "weight_size",
         &good},
        {"bias_size", [](auto& b) { set_u64(b, layer_field(0, format::kLayBiasSize), 4); }, "bias_size", &good},
        {"weight past end", [](auto& b) { set_u64(b, layer_field(0, format::kLayWeightOffset), b.size() * 64); },
         "outside", &good},
        {"weight offset 2^63", [](auto& b) { set_u64(b, layer_field(0, format::kLayWeightOffset), 1ull << 63); },
         "outside", &good},
        {"weight misaligned", [=](auto& b) { set_u64(b, layer_field(0, format::kLayWeightOffset), w0 + 4); },
         "multiple of 64", &good},
        {"weight inside table", [](auto& b) { set_u64(b, layer_field(0, format::kLayWeightOffset), 0); }, "outside",
         &good},
        {"bias overlaps weight", [=](auto& b) { set_u64(b, layer_field(0, format::kLayBiasOffset), w0); }, "overlaps",
         &good},
        {"scales on f32", [=](auto& b) { set_u64(b, layer_field(0, format::kLayScalesOffset), b0); }, "scales_offset",
         &good},
        {"codepoints misaligned", [=](auto& b) { set_u64(b, format::kHdrCodepointsOffset, cps + 8); }, "codepoints",
         &good},
        {"latents past end", [=](auto& b) { set_u64(b, format::kHdrLatentsOffset, lats + 4096); }, "latents", &good},
        {"metadata offset 0", [](auto& b) { set_u64(b, format::kHdrMetadataOffset, 0); }, "metadata", &good},
        {"bias NaN", [=](auto& b) { set_f32(b, b0 + 8, nan); }, "bias", &good},
        {"weight Inf", [=](auto& b) { set_f32(b, w0 + 4, std::numeric_limits<float>::infinity()); }, "weight", &good},
        {"f16 weight Inf",
         [](auto& b) {
             const uint64_t w = get_u64(b, layer_field(1, format::kLayWeightOffset));
             b[w + 2] = 0x00;
             b[w + 3] = 0xfc;  // -Inf
             reseal(b);
         },
         "f16 weight", &good_f16},
        {"q8 scale negative",
         [](auto& b) { set_f32(b, get_u64(b, layer_field(0, format::kLayScalesOffset)) + 4, -0.5f); }, "negative",
         &good_q8},
        {"q8 scale NaN", [=](auto& b) { set_f32(b, get_u64(b, layer_field(1, format::kLayScalesOffset)), nan); },
         "scales", &good_q8},
        {"latent Inf", [=](auto& b) { set_f32(b, lats + 12, std::numeric_limits<float>::infinity()); }, "latents",
         &good},
        {"duplicate code point", [=](auto& b) { set_u32(b, cps + 4, 'A'); }, "duplicate", &good},
        {"code point beyond Unicode", [=](auto& b) { set_u32(b, cps, 0x110000); }, "code point", &good},
        {"surrogate code point", [=](auto& b) { set_u32(b, cps, 0xD800); }, "code point", &good},
        {"metadata not UTF-8",
         [](auto& b) { b[get_u64(b, format::kHdrMetadataOffset) + 2] = 0xff; reseal(b); }, "metadata", &good},
        {"metadata NUL", [](auto& b) { b[get_u64(b, format::kHdrMetadataOffset) + 2] = 0; reseal(b); }, "metadata",
         &good},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        std::vector<uint8_t> bad = *c.base;
        c.edit(bad);
        const std::string msg = load_error(bad);
        CAPTURE(msg);
        CHECK(msg.find("blob: ") == 0);
        CHECK(msg.find(c.expect) != std::string::npos);
    }
}

TEST_CASE("format: write_blob refuses inconsistent input") {
    const GlyphMap map = tiny_map();
    auto write_error = [&](const FloatModel& m, const GlyphMap& g, WriteOptions opts = {}) {
        return error_message([&] { write_blob(m, g, opts); });
    };
    SUBCASE("NaN or Inf weights and biases") {
        FloatModel m = tiny_model();
        m.layers[1].weight[3] = std::numeric_limits<float>::quiet_NaN();
        CHECK(write_error(m, map).find("layer 1: weight [0][3] is not finite") != std::string::npos);
        m = tiny_model();
        m.layers[0].bias[2] = -std::numeric_limits<float>::infinity();
        CHECK(write_error(m, map).find("layer 0: bias [2]") != std::string::npos);
    }
    SUBCASE("shapes") {
        FloatModel m = tiny_model();
        m.layers[0].weight.pop_back();
        CHECK(write_error(m, map).find("layer 0: weight has") != std::string::npos);
        m = tiny_model();
        m.layers[1].in = 8;
        CHECK(write_error(m, map).find("previous size") != std::string::npos);
        m = tiny_model();
        m.width = 4;
        CHECK(write_error(m, map).find("width * height") != std::string::npos);
        m = tiny_model();
        m.latent_dim = 4;
        CHECK(write_error(m, map).find("latent_dim") != std::string::npos);
        m = tiny_model();
        m.layers.clear();
        CHECK(write_error(m, map).find("layers") != std::string::npos);
        m = tiny_model();
        m.out_min = 2.0f;
        CHECK(write_error(m, map).find("out_min") != std::string::npos);
    }
    SUBCASE("glyph map") {
        GlyphMap g = map;
        g.latents.pop_back();
        CHECK(write_error(tiny_model(), g).find("map: 14 latent floats for 3 glyphs") != std::string::npos);
        g = map;
        g.codepoints[2] = 'A';
        CHECK(write_error(tiny_model(), g).find("duplicate") != std::string::npos);
        g = map;
        g.codepoints[0] = 0x110000;
        CHECK(write_error(tiny_model(), g).find("invalid code point") != std::string::npos);
        g = map;
        g.latents[7] = std::numeric_limits<float>::quiet_NaN();
        CHECK(write_error(tiny_model(), g).find("glyph 1") != std::string::npos);
    }
    SUBCASE("f16 overflow and bad metadata") {
        FloatModel m = tiny_model();
        m.layers[0].weight[0] = 70000.0f;
        WriteOptions f16;
        f16.dtype = DType::F16;
        CHECK(write_error(m, map, f16).find("f16 range") != std::string::npos);
        CHECK(write_error(m, map).empty());  // fine as f32
        WriteOptions meta;
        meta.metadata_json = std::string("bad \xc3", 5);
        CHECK(write_error(tiny_model(), map, meta).find("metadata") != std::string::npos);
        meta.metadata_json = std::string("nul\0x", 5);
        CHECK(write_error(tiny_model(), map, meta).find("metadata") != std::string::npos);
    }
}

TEST_CASE("format: f16 conversion is IEEE round-to-nearest-even") {
    using kernels::float_to_half;
    using kernels::half_to_float;
    CHECK(float_to_half(0.0f) == 0x0000);
    CHECK(float_to_half(-0.0f) == 0x8000);
    CHECK(float_to_half(1.0f) == 0x3c00);
    CHECK(float_to_half(-2.0f) == 0xc000);
    CHECK(float_to_half(65504.0f) == 0x7bff);
    CHECK(float_to_half(65520.0f) == 0x7c00);        // rounds up to Inf
    CHECK(float_to_half(65519.0f) == 0x7bff);
    CHECK(float_to_half(std::ldexp(1.0f, -24)) == 0x0001);  // smallest subnormal
    CHECK(float_to_half(std::ldexp(1.0f, -25)) == 0x0000);  // tie -> even (0)
    CHECK(float_to_half(std::ldexp(3.0f, -25)) == 0x0002);  // tie -> even (2)
    CHECK(float_to_half(1.0f + std::ldexp(1.0f, -11)) == 0x3c00);       // tie -> even
    CHECK(float_to_half(1.0f + std::ldexp(3.0f, -11)) == 0x3c02);       // tie -> even (up)
    CHECK((float_to_half(std::numeric_limits<float>::quiet_NaN()) & 0x7c00) == 0x7c00);
    // Every finite half survives half -> float -> half, and the float is the half's exact value.
    for (uint32_t h = 0; h < 0x10000; ++h) {
        if ((h & 0x7c00) == 0x7c00) continue;
        const float f = half_to_float(uint16_t(h));
        REQUIRE(float_to_half(f) == h);
        const int exp = int((h >> 10) & 0x1f), mant = int(h & 0x3ff);
        const double value = (exp == 0 ? std::ldexp(double(mant), -24) : std::ldexp(1024.0 + mant, exp - 25));
        REQUIRE(double(f) == ((h & 0x8000) ? -value : value));
    }
}

TEST_CASE("names: activations and dtypes parse and print") {
    Activation a;
    float p;
    parse_activation("leaky_relu:0.2", a, p);
    CHECK(a == Activation::LeakyReLU);
    CHECK(p == 0.2f);
    parse_activation("leaky_relu", a, p);
    CHECK(p == 0.01f);
    parse_activation("tanh", a, p);
    CHECK(a == Activation::Tanh);
    CHECK(p == 0.0f);
    for (Activation act : {Activation::Identity, Activation::ReLU, Activation::LeakyReLU, Activation::Tanh,
                           Activation::Sigmoid}) {
        parse_activation(to_string(act), a, p);
        CHECK(a == act);
    }
    for (const char* junk : {"", "gelu", "tanh:1", "leaky_relu:", "leaky_relu:x", "leaky_relu:0.2x", "leaky_relu:nan"})
        CHECK(error_message([&] { parse_activation(junk, a, p); }).find("activation") == 0);
    for (DType d : {DType::F32, DType::F16, DType::Q8}) CHECK(parse_dtype(to_string(d)) == d);
    CHECK(error_message([] { parse_dtype("q4"); }).find("dtype") == 0);
}
