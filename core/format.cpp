// fontgan blob format v1: CRC-32, the writer (FloatModel -> bytes) and the validating reader.
// The format is specified once, in docs/format.md (read it before changing anything here); core/format.h
// names its offsets. The reader trusts nothing: the checksum first, then every size against limits before
// any arithmetic, every offset against the file and its neighbours, every float for finiteness.
#include "format.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_set>

#include "kernels.h"

namespace fontgan {

// ---------------------------------------------------------------------------------------------------
// CRC-32 (IEEE 802.3, reflected, as zlib's crc32)

namespace {
struct CrcTable {
    uint32_t t[256];
    CrcTable() {
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xedb88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
    }
};
}  // namespace

uint32_t crc32(const uint8_t* data, size_t size, uint32_t crc) {
    static const CrcTable table;
    crc = ~crc;
    for (size_t i = 0; i < size; ++i) crc = table.t[(crc ^ data[i]) & 0xffu] ^ (crc >> 8);
    return ~crc;
}

namespace format {
namespace {

// ---------------------------------------------------------------------------------------------------
// Little-endian field access

uint32_t get_u32(const uint8_t* p) {
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
uint64_t get_u64(const uint8_t* p) { return uint64_t(get_u32(p)) | uint64_t(get_u32(p + 4)) << 32; }
float get_f32(const uint8_t* p) {
    const uint32_t bits = get_u32(p);
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}
void put_u32(uint8_t* p, uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}
void put_u64(uint8_t* p, uint64_t v) {
    for (int i = 0; i < 8; ++i) p[i] = uint8_t(v >> (8 * i));
}
void put_f32(uint8_t* p, float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    put_u32(p, bits);
}

std::string num(uint64_t v) { return std::to_string(v); }

// Well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF) and no NUL, so metadata is plain text.
bool valid_text(const std::string& s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    size_t i = 0, n = s.size();
    while (i < n) {
        const unsigned c = p[i];
        if (c == 0) return false;
        if (c < 0x80) { ++i; continue; }
        size_t len;
        uint32_t cp;
        if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; }
        else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; }
        else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; }
        else return false;
        if (n - i < len) return false;
        for (size_t k = 1; k < len; ++k) {
            if ((p[i + k] & 0xc0) != 0x80) return false;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        const uint32_t min_cp = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
        if (cp < min_cp || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += len;
    }
    return true;
}

bool valid_codepoint(uint32_t cp) { return cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff); }

size_t dtype_bytes(DType d) { return d == DType::F32 ? 4 : d == DType::F16 ? 2 : 1; }

// q8 scales per row: ceil(in / block), block 0 meaning the whole row
uint64_t q8_blocks_per_row(uint32_t in, uint32_t q8_block) {
    return q8_block == 0 ? 1 : (uint64_t(in) + q8_block - 1) / q8_block;
}

}  // namespace
}  // namespace format

// ---------------------------------------------------------------------------------------------------
// Writer

std::vector<uint8_t> write_blob(const FloatModel& model, const GlyphMap& map, const WriteOptions& opts) {
    using namespace format;
    model.validate();
    if (opts.dtype != DType::F32 && opts.dtype != DType::F16 && opts.dtype != DType::Q8)
        throw Error("write_blob: unknown dtype " + num(uint32_t(opts.dtype)));
    const uint32_t q8_block = opts.dtype == DType::Q8 ? opts.q8_block : 0;
    if (q8_block > kMaxDim) throw Error("write_blob: q8_block " + num(q8_block) + " is absurd");

    // ---- glyph map and metadata
    const size_t glyphs = map.codepoints.size();
    if (glyphs > kMaxGlyphs) throw Error("write_blob: map: " + num(glyphs) + " glyphs is too many");
    if (map.latents.size() != glyphs * size_t(model.latent_dim))
        throw Error("write_blob: map: " + num(map.latents.size()) + " latent floats for " + num(glyphs) +
                    " glyphs of latent size " + num(model.latent_dim) + " (need " +
                    num(glyphs * size_t(model.latent_dim)) + ")");
    std::unordered_set<uint32_t> seen;
    for (size_t i = 0; i < glyphs; ++i) {
        const uint32_t cp = map.codepoints[i];
        if (!valid_codepoint(cp)) throw Error("write_blob: map: glyph " + num(i) + ": invalid code point " + num(cp));
        if (!seen.insert(cp).second) throw Error("write_blob: map: duplicate code point U+" + num(cp));
    }
    for (size_t i = 0; i < map.latents.size(); ++i)
        if (!std::isfinite(map.latents[i]))
            throw Error("write_blob: map: glyph " + num(i / model.latent_dim) + ": latent is not finite");
    if (opts.metadata_json.size() > kMaxMetadata) throw Error("write_blob: metadata is larger than 16 MiB");
    if (!valid_text(opts.metadata_json)) throw Error("write_blob: metadata is not UTF-8 text without NUL bytes");

    // ---- layout: header, layer table, then 64-aligned tensors, glyph map, metadata, CRC
    const size_t layers = model.layers.size();
    size_t pos = align_up(kHeaderSize + kLayerEntrySize * layers);
    struct Placed {
        uint64_t weight, weight_size, scales, scales_size, bias, bias_size;
    };
    std::vector<Placed> placed(layers);
    for (size_t l = 0; l < layers; ++l) {
        const FloatLayer& L = model.layers[l];
        Placed& p = placed[l];
        p.weight_size = uint64_t(L.in) * L.out * dtype_bytes(opts.dtype);
        p.weight = pos;
        pos = align_up(pos + p.weight_size);
        p.scales_size = opts.dtype == DType::Q8 ? uint64_t(L.out) * q8_blocks_per_row(L.in, q8_block) * 4 : 0;
        p.scales = p.scales_size ? pos : 0;
        pos = align_up(pos + p.scales_size);
        p.bias_size = uint64_t(L.out) * 4;
        p.bias = pos;
        pos = align_up(pos + p.bias_size);
    }
    const uint64_t cp_offset = glyphs ? pos : 0;
    pos = align_up(pos + glyphs * 4);
    const uint64_t lat_offset = glyphs ? pos : 0;
    pos = align_up(pos + map.latents.size() * 4);
    const uint64_t meta_offset = opts.metadata_json.empty() ? 0 : pos;
    pos += opts.metadata_json.size();
    const size_t file_size = pos + kCrcSize;

    std::vector<uint8_t> out(file_size, 0);
    uint8_t* b = out.data();

    // ---- header
    std::memcpy(b + kHdrMagic, kMagic, 4);
    put_u32(b + kHdrVersion, kVersion);
    put_u64(b + kHdrFileSize, file_size);
    put_u32(b + kHdrLatentDim, model.latent_dim);
    put_u32(b + kHdrWidth, model.width);
    put_u32(b + kHdrHeight, model.height);
    put_u32(b + kHdrLayerCount, uint32_t(layers));
    put_f32(b + kHdrOutMin, model.out_min);
    put_f32(b + kHdrOutMax, model.out_max);
    put_u32(b + kHdrGlyphCount, uint32_t(glyphs));
    put_u32(b + kHdrMetadataSize, uint32_t(opts.metadata_json.size()));
    put_u64(b + kHdrCodepointsOffset, cp_offset);
    put_u64(b + kHdrLatentsOffset, lat_offset);
    put_u64(b + kHdrMetadataOffset, meta_offset);

    // ---- layer table and tensors
    for (size_t l = 0; l < layers; ++l) {
        const FloatLayer& L = model.layers[l];
        const Placed& p = placed[l];
        uint8_t* e = b + kHeaderSize + kLayerEntrySize * l;
        put_u32(e + kLayIn, L.in);
        put_u32(e + kLayOut, L.out);
        put_u32(e + kLayActivation, uint32_t(L.act));
        put_f32(e + kLayActParam, L.act == Activation::LeakyReLU ? L.act_param : 0.0f);
        put_u32(e + kLayDType, uint32_t(opts.dtype));
        put_u32(e + kLayQ8Block, q8_block);
        put_u64(e + kLayWeightOffset, p.weight);
        put_u64(e + kLayWeightSize, p.weight_size);
        put_u64(e + kLayScalesOffset, p.scales);
        put_u64(e + kLayScalesSize, p.scales_size);
        put_u64(e + kLayBiasOffset, p.bias);
        put_u64(e + kLayBiasSize, p.bias_size);

        const size_t count = size_t(L.in) * L.out;
        switch (opts.dtype) {
            case DType::F32:
                for (size_t i = 0; i < count; ++i) put_f32(b + p.weight + 4 * i, L.weight[i]);
                break;
            case DType::F16:
                for (size_t i = 0; i < count; ++i) {
                    const uint16_t h = kernels::float_to_half(L.weight[i]);
                    if ((h & 0x7c00u) == 0x7c00u)
                        throw Error("write_blob: layer " + num(l) + ": weight [" + num(i / L.in) + "][" +
                                    num(i % L.in) + "] = " + std::to_string(L.weight[i]) +
                                    " is outside the f16 range");
                    b[p.weight + 2 * i] = uint8_t(h);
                    b[p.weight + 2 * i + 1] = uint8_t(h >> 8);
                }
                break;
            case DType::Q8: {
                const size_t blk = q8_block == 0 ? L.in : q8_block;
                const size_t per_row = size_t(q8_blocks_per_row(L.in, q8_block));
                for (size_t o = 0; o < L.out; ++o)
                    for (size_t bi = 0; bi < per_row; ++bi) {
                        const size_t k0 = bi * blk, k1 = std::min<size_t>(k0 + blk, L.in);
                        const float* row = L.weight.data() + o * L.in;
                        float max_abs = 0.0f;
                        for (size_t k = k0; k < k1; ++k) max_abs = std::max(max_abs, std::fabs(row[k]));
                        const float scale = max_abs / 127.0f;
                        put_f32(b + p.scales + 4 * (o * per_row + bi), scale);
                        for (size_t k = k0; k < k1; ++k) {
                            const float q = scale > 0.0f ? std::nearbyint(row[k] / scale) : 0.0f;
                            b[p.weight + o * L.in + k] = uint8_t(int8_t(std::clamp(q, -127.0f, 127.0f)));
                        }
                    }
                break;
            }
        }
        for (size_t o = 0; o < L.out; ++o) put_f32(b + p.bias + 4 * o, L.bias[o]);
    }

    // ---- glyph map, metadata, checksum
    for (size_t i = 0; i < glyphs; ++i) put_u32(b + cp_offset + 4 * i, map.codepoints[i]);
    for (size_t i = 0; i < map.latents.size(); ++i) put_f32(b + lat_offset + 4 * i, map.latents[i]);
    if (!opts.metadata_json.empty()) std::memcpy(b + meta_offset, opts.metadata_json.data(), opts.metadata_json.size());
    put_u32(b + file_size - kCrcSize, crc32(b, file_size - kCrcSize));
    return out;
}

// ---------------------------------------------------------------------------------------------------
// Reader

namespace format {

ParsedBlob parse_blob(const uint8_t* data, size_t size) {
    // ---- envelope: size, magic, version, declared size, checksum
    if (data == nullptr || size < kHeaderSize + kCrcSize)
        throw Error("blob: truncated: " + num(size) + " bytes, less than the " + num(kHeaderSize + kCrcSize) +
                    "-byte minimum");
    if (std::memcmp(data + kHdrMagic, kMagic, 4) != 0) throw Error("blob: bad magic (not a fontgan blob)");
    const uint32_t version = get_u32(data + kHdrVersion);
    if (version != kVersion)
        throw Error("blob: version " + num(version) + " is not supported (this reader knows " + num(kVersion) + ")");
    const uint64_t file_size = get_u64(data + kHdrFileSize);
    if (file_size != size)
        throw Error("blob: file_size says " + num(file_size) + " bytes but " + num(size) +
                    " were given (truncated or damaged download)");
    const uint32_t stored_crc = get_u32(data + size - kCrcSize), crc = crc32(data, size - kCrcSize);
    if (stored_crc != crc) throw Error("blob: checksum mismatch (corrupt or damaged download)");

    // ---- header fields
    ParsedBlob blob;
    auto dim = [](uint32_t v, const char* field) {
        if (v == 0 || v > kMaxDim) throw Error(std::string("blob: ") + field + " " + num(v) + " is out of range");
        return v;
    };
    blob.latent_dim = dim(get_u32(data + kHdrLatentDim), "latent_dim");
    blob.width = dim(get_u32(data + kHdrWidth), "width");
    blob.height = dim(get_u32(data + kHdrHeight), "height");
    const uint64_t pixels = uint64_t(blob.width) * blob.height;
    if (pixels > kMaxPixels) throw Error("blob: width * height " + num(pixels) + " is out of range");
    const uint32_t layer_count = get_u32(data + kHdrLayerCount);
    if (layer_count == 0 || layer_count > kMaxLayers)
        throw Error("blob: layer_count " + num(layer_count) + " is out of range (1.." + num(kMaxLayers) + ")");
    blob.out_min = get_f32(data + kHdrOutMin);
    blob.out_max = get_f32(data + kHdrOutMax);
    if (!std::isfinite(blob.out_min) || !std::isfinite(blob.out_max) || !(blob.out_min < blob.out_max))
        throw Error("blob: out_min/out_max is not a finite range with out_min < out_max");
    const uint32_t glyph_count = get_u32(data + kHdrGlyphCount);
    if (glyph_count > kMaxGlyphs) throw Error("blob: glyph_count " + num(glyph_count) + " is out of range");
    const uint32_t metadata_size = get_u32(data + kHdrMetadataSize);
    if (metadata_size > kMaxMetadata) throw Error("blob: metadata_size " + num(metadata_size) + " is out of range");
    for (size_t i = kHdrReserved; i < kHeaderSize; ++i)
        if (data[i] != 0) throw Error("blob: reserved header byte " + num(i) + " is not zero");

    const uint64_t table_end = kHeaderSize + uint64_t(kLayerEntrySize) * layer_count;
    const uint64_t data_end = size - kCrcSize;  // sections live in [table_end, data_end)
    if (table_end > data_end) throw Error("blob: layer table (" + num(layer_count) + " layers) runs past the end");

    // Sections: aligned, inside [table_end, data_end), and (checked after collecting) not overlapping.
    struct Region {
        uint64_t begin, end;
        std::string name;
    };
    std::vector<Region> regions;
    auto section = [&](uint64_t offset, uint64_t bytes, const std::string& name) {
        if (offset % kAlign != 0) throw Error("blob: " + name + " offset " + num(offset) + " is not a multiple of 64");
        if (offset < table_end || offset > data_end || bytes > data_end - offset)
            throw Error("blob: " + name + " [" + num(offset) + ", +" + num(bytes) + ") lies outside the data area [" +
                        num(table_end) + ", " + num(data_end) + ")");
        regions.push_back({offset, offset + bytes, name});
    };

    // ---- layer table
    uint32_t prev_out = blob.latent_dim;
    for (uint32_t l = 0; l < layer_count; ++l) {
        const uint8_t* e = data + kHeaderSize + size_t(kLayerEntrySize) * l;
        const std::string where = "layer " + num(l) + ": ";
        LayerRecord rec;
        LayerInfo& info = rec.info;
        info.in = get_u32(e + kLayIn);
        info.out = get_u32(e + kLayOut);
        if (info.in == 0 || info.in > kMaxDim) throw Error("blob: " + where + "in " + num(info.in) + " is out of range");
        if (info.out == 0 || info.out > kMaxDim)
            throw Error("blob: " + where + "out " + num(info.out) + " is out of range");
        if (info.in != prev_out)
            throw Error("blob: " + where + "in " + num(info.in) + " does not match the previous size " + num(prev_out) +
                        (l == 0 ? " (latent_dim)" : ""));
        prev_out = info.out;
        const uint32_t act = get_u32(e + kLayActivation);
        if (act > uint32_t(Activation::Sigmoid)) throw Error("blob: " + where + "unknown activation " + num(act));
        info.act = Activation(act);
        info.act_param = get_f32(e + kLayActParam);
        if (!std::isfinite(info.act_param) || (info.act != Activation::LeakyReLU && info.act_param != 0.0f))
            throw Error("blob: " + where + "act_param is not finite, or set for an activation without one");
        const uint32_t dtype = get_u32(e + kLayDType);
        if (dtype > uint32_t(DType::Q8)) throw Error("blob: " + where + "unknown dtype " + num(dtype));
        info.dtype = DType(dtype);
        info.q8_block = get_u32(e + kLayQ8Block);
        if ((info.dtype != DType::Q8 && info.q8_block != 0) || info.q8_block > kMaxDim)
            throw Error("blob: " + where + "q8_block " + num(info.q8_block) + " is invalid for dtype " +
                        to_string(info.dtype));
        for (size_t i = kLayReserved; i < kLayerEntrySize; ++i)
            if (e[i] != 0) throw Error("blob: " + where + "reserved byte " + num(i) + " is not zero");

        const uint64_t weight_size = uint64_t(info.in) * info.out * dtype_bytes(info.dtype);
        const uint64_t scales_size =
            info.dtype == DType::Q8 ? uint64_t(info.out) * q8_blocks_per_row(info.in, info.q8_block) * 4 : 0;
        const uint64_t bias_size = uint64_t(info.out) * 4;
        if (get_u64(e + kLayWeightSize) != weight_size)
            throw Error("blob: " + where + "weight_size " + num(get_u64(e + kLayWeightSize)) + " != " + num(weight_size) +
                        " (in * out * sizeof " + to_string(info.dtype) + ")");
        if (get_u64(e + kLayScalesSize) != scales_size)
            throw Error("blob: " + where + "scales_size " + num(get_u64(e + kLayScalesSize)) + " != " + num(scales_size));
        if (get_u64(e + kLayBiasSize) != bias_size)
            throw Error("blob: " + where + "bias_size " + num(get_u64(e + kLayBiasSize)) + " != " + num(bias_size));
        rec.weight_offset = get_u64(e + kLayWeightOffset);
        rec.scales_offset = get_u64(e + kLayScalesOffset);
        rec.bias_offset = get_u64(e + kLayBiasOffset);
        section(rec.weight_offset, weight_size, where + "weight");
        if (info.dtype == DType::Q8) section(rec.scales_offset, scales_size, where + "scales");
        else if (rec.scales_offset != 0) throw Error("blob: " + where + "scales_offset is set for a non-q8 layer");
        section(rec.bias_offset, bias_size, where + "bias");
        blob.layers.push_back(rec);
    }
    if (uint64_t(prev_out) != pixels)
        throw Error("blob: last layer out " + num(prev_out) + " != width * height " + num(pixels));

    // ---- glyph map and metadata sections
    const uint64_t cp_offset = get_u64(data + kHdrCodepointsOffset);
    const uint64_t lat_offset = get_u64(data + kHdrLatentsOffset);
    const uint64_t meta_offset = get_u64(data + kHdrMetadataOffset);
    if (glyph_count == 0) {
        if (cp_offset != 0 || lat_offset != 0) throw Error("blob: glyph offsets are set for an empty glyph map");
    } else {
        section(cp_offset, uint64_t(glyph_count) * 4, "codepoints");
        section(lat_offset, uint64_t(glyph_count) * blob.latent_dim * 4, "latents");
    }
    if (metadata_size == 0) {
        if (meta_offset != 0) throw Error("blob: metadata_offset is set for empty metadata");
    } else {
        section(meta_offset, metadata_size, "metadata");
    }
    std::sort(regions.begin(), regions.end(), [](const Region& a, const Region& b) { return a.begin < b.begin; });
    for (size_t i = 1; i < regions.size(); ++i)
        if (regions[i].begin < regions[i - 1].end)
            throw Error("blob: " + regions[i].name + " overlaps " + regions[i - 1].name);

    // ---- contents: every float finite, scales non-negative, code points valid and unique
    auto finite_f32 = [&](uint64_t offset, uint64_t count, const std::string& name) {
        for (uint64_t i = 0; i < count; ++i)
            if (!std::isfinite(get_f32(data + offset + 4 * i)))
                throw Error("blob: " + name + " [" + num(i) + "] is not finite");
    };
    for (uint32_t l = 0; l < layer_count; ++l) {
        const LayerRecord& r = blob.layers[l];
        const std::string where = "layer " + num(l) + ": ";
        const uint64_t count = uint64_t(r.info.in) * r.info.out;
        if (r.info.dtype == DType::F32) finite_f32(r.weight_offset, count, where + "weight");
        if (r.info.dtype == DType::F16)
            for (uint64_t i = 0; i < count; ++i)
                if ((data[r.weight_offset + 2 * i + 1] & 0x7cu) == 0x7cu)
                    throw Error("blob: " + where + "f16 weight [" + num(i) + "] is Inf or NaN");
        if (r.info.dtype == DType::Q8) {
            const uint64_t scales = uint64_t(r.info.out) * q8_blocks_per_row(r.info.in, r.info.q8_block);
            finite_f32(r.scales_offset, scales, where + "scales");
            for (uint64_t i = 0; i < scales; ++i)
                if (get_f32(data + r.scales_offset + 4 * i) < 0.0f)
                    throw Error("blob: " + where + "scales [" + num(i) + "] is negative");
        }
        finite_f32(r.bias_offset, r.info.out, where + "bias");
    }
    blob.glyphs.codepoints.resize(glyph_count);
    blob.glyphs.latents.resize(size_t(glyph_count) * blob.latent_dim);
    std::unordered_set<uint32_t> seen;
    for (uint32_t i = 0; i < glyph_count; ++i) {
        const uint32_t cp = get_u32(data + cp_offset + 4 * uint64_t(i));
        if (!valid_codepoint(cp)) throw Error("blob: codepoints [" + num(i) + "] " + num(cp) + " is not a code point");
        if (!seen.insert(cp).second) throw Error("blob: codepoints [" + num(i) + "] " + num(cp) + " is a duplicate");
        blob.glyphs.codepoints[i] = cp;
    }
    for (size_t i = 0; i < blob.glyphs.latents.size(); ++i) {
        const float v = get_f32(data + lat_offset + 4 * uint64_t(i));
        if (!std::isfinite(v)) throw Error("blob: latents [" + num(i) + "] is not finite");
        blob.glyphs.latents[i] = v;
    }
    if (metadata_size) blob.metadata.assign(reinterpret_cast<const char*>(data + meta_offset), metadata_size);
    if (!valid_text(blob.metadata)) throw Error("blob: metadata is not UTF-8 text without NUL bytes");
    return blob;
}

}  // namespace format
}  // namespace fontgan
