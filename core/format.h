// fontgan blob format v1: byte layout constants shared by the reader, the writer and the tests.
// The format itself is specified once, in docs/format.md; this header only names its numbers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fontgan::format {

constexpr char kMagic[4] = {'F', 'G', 'A', 'N'};
constexpr uint32_t kVersion = 1;
constexpr size_t kAlign = 64;  // every tensor/section offset is a multiple of this

// ---- fixed header (128 bytes at offset 0), all little-endian
constexpr size_t kHeaderSize = 128;
constexpr size_t kHdrMagic = 0;             // char[4] "FGAN"
constexpr size_t kHdrVersion = 4;           // u32
constexpr size_t kHdrFileSize = 8;          // u64, whole blob including the trailing CRC
constexpr size_t kHdrLatentDim = 16;        // u32
constexpr size_t kHdrWidth = 20;            // u32
constexpr size_t kHdrHeight = 24;           // u32
constexpr size_t kHdrLayerCount = 28;       // u32
constexpr size_t kHdrOutMin = 32;           // f32
constexpr size_t kHdrOutMax = 36;           // f32
constexpr size_t kHdrGlyphCount = 40;       // u32
constexpr size_t kHdrMetadataSize = 44;     // u32, bytes of UTF-8 text
constexpr size_t kHdrCodepointsOffset = 48; // u64
constexpr size_t kHdrLatentsOffset = 56;    // u64
constexpr size_t kHdrMetadataOffset = 64;   // u64
constexpr size_t kHdrReserved = 72;         // 56 zero bytes up to kHeaderSize

// ---- layer table: layer_count entries of 80 bytes right after the header
constexpr size_t kLayerEntrySize = 80;
constexpr size_t kLayIn = 0;            // u32
constexpr size_t kLayOut = 4;           // u32
constexpr size_t kLayActivation = 8;    // u32 (fontgan::Activation)
constexpr size_t kLayActParam = 12;     // f32
constexpr size_t kLayDType = 16;        // u32 (fontgan::DType)
constexpr size_t kLayQ8Block = 20;      // u32
constexpr size_t kLayWeightOffset = 24; // u64
constexpr size_t kLayWeightSize = 32;   // u64
constexpr size_t kLayScalesOffset = 40; // u64
constexpr size_t kLayScalesSize = 48;   // u64
constexpr size_t kLayBiasOffset = 56;   // u64
constexpr size_t kLayBiasSize = 64;     // u64
constexpr size_t kLayReserved = 72;     // 8 zero bytes

constexpr size_t kCrcSize = 4;  // u32 CRC-32 of bytes [0, file_size - 4), stored in the last 4 bytes

// ---- sanity limits (a blob beyond these is refused before any arithmetic can overflow)
constexpr uint32_t kMaxLayers = 256;
constexpr uint32_t kMaxDim = 1u << 20;          // in, out, latent_dim, width, height
constexpr uint64_t kMaxPixels = 1ull << 24;     // width * height
constexpr uint32_t kMaxGlyphs = 1u << 21;       // > every Unicode code point
constexpr uint32_t kMaxMetadata = 1u << 24;     // 16 MiB of text

inline size_t align_up(size_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

}  // namespace fontgan::format

// ---------------------------------------------------------------------------------------------------
// The reader's result: every field validated, tensors as byte offsets into the blob it was given.
#include <string>
#include <vector>
#include "fontgan.h"

namespace fontgan::format {

struct LayerRecord {
    LayerInfo info;
    uint64_t weight_offset, scales_offset, bias_offset;  // scales_offset is 0 unless dtype == Q8
};

struct ParsedBlob {
    uint32_t latent_dim, width, height;
    float out_min, out_max;
    std::vector<LayerRecord> layers;
    GlyphMap glyphs;
    std::string metadata;
};

// Validates the checksum and every field; throws Error("blob: ..."). data must stay valid only during the call.
ParsedBlob parse_blob(const uint8_t* data, size_t size);

}  // namespace fontgan::format
