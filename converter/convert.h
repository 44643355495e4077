// fontgan converter: importers that turn trained PyTorch weights into a fontgan::FloatModel.
//
// Inputs (each importer takes bytes; reading files is the CLI's business):
//   .pt           torch.save(state_dict): a zip (zip.cpp) holding a pickle (pickle.cpp), read by pt.cpp
//   .safetensors  8-byte header length + JSON header + raw tensors (safetensors.cpp)
//   .onnx         protobuf ModelProto: initializers + node graph (onnx.cpp)
// Named tensors become layers in layers.cpp; the glyph map JSON is read by map.cpp.
//
// Every error is a fontgan::Error whose message starts with where it comes from ("zip: ...",
// "pickle: ...", "safetensors: ...", "onnx: ...", "layers: ...", "map: ..."). Nothing here executes
// anything from the input, and nothing calls exit().
#pragma once

#include "fontgan.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fontgan::convert {

// ---------------------------------------------------------------------------------------------------
// Named tensors, as every weight file stores them

struct Tensor {
    std::string name;
    std::vector<int64_t> shape;
    std::vector<float> data;  // row-major, product(shape) values
};
using TensorList = std::vector<Tensor>;  // in file order

// Element types found in weight files; all are converted to f32.
enum class ElemType { F32, F16, BF16, F64, I64, I32, I16, I8, U8, Bool };
size_t elem_size(ElemType t);
const char* to_string(ElemType t);
bool is_floating(ElemType t);
// The n (<= 8) bytes at p as a little-endian unsigned integer; byte by byte, so the host's order never matters.
// The one byte reader every format here uses; callers check that the n bytes exist.
inline uint64_t load_le(const uint8_t* p, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t(p[i]) << (8 * i);
    return v;
}
// count little-endian elements of type t at bytes -> f32. Integer types are refused (where: for messages).
std::vector<float> decode_floats(ElemType t, const uint8_t* bytes, size_t count, const std::string& where);
float f16_to_f32(uint16_t h);
float bf16_to_f32(uint16_t h);
// Product of dims, refusing negative dims and products above max_count (no overflow).
size_t checked_numel(const std::vector<int64_t>& shape, size_t max_count, const std::string& where);

// ---------------------------------------------------------------------------------------------------
// zip.cpp: read-only view of a zip archive in memory. Stored entries only (torch.save never compresses);
// ZIP64 records supported; every offset and size is checked against the buffer, and CRC-32 is verified.

struct ZipEntry {
    std::string name;
    uint64_t data_offset = 0;  // of the entry's bytes within the archive
    uint64_t size = 0;         // uncompressed == stored size
    uint32_t crc = 0;
    uint16_t method = 0;       // 0 = stored
};

class ZipReader {
public:
    ZipReader(const uint8_t* data, size_t size);  // parses the central directory; throws Error("zip: ...")
    const std::vector<ZipEntry>& entries() const { return entries_; }
    const ZipEntry* find(const std::string& name) const;  // nullptr when absent
    // Bytes of a stored entry (CRC checked on first use). Throws for compressed entries.
    const uint8_t* data(const ZipEntry& e) const;

private:
    const uint8_t* data_;
    size_t size_;
    std::vector<ZipEntry> entries_;
};

// ---------------------------------------------------------------------------------------------------
// pickle.cpp: restricted unpickler for torch state_dicts. Only the opcodes torch.save emits for a
// state_dict; GLOBAL allowlist: collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch.*Storage.
// Anything else is refused by name; nothing is ever called or imported.

struct PickledTensor {
    std::string name;
    ElemType dtype = ElemType::F32;
    std::string storage_key;     // -> <root>/data/<key>
    uint64_t storage_numel = 0;  // elements in the storage, as the persistent id says
    uint64_t offset = 0;         // storage offset, in elements
    std::vector<int64_t> shape;  // checked: row-major contiguous, offset + numel <= storage_numel
};

std::vector<PickledTensor> unpickle_state_dict(const uint8_t* data, size_t size);

// ---------------------------------------------------------------------------------------------------
// pt.cpp / safetensors.cpp: whole files -> named tensors

TensorList read_pt(const uint8_t* data, size_t size);
TensorList read_safetensors(const uint8_t* data, size_t size);

// ---------------------------------------------------------------------------------------------------
// layers.cpp: named tensors -> layers, and the model's output geometry

struct LayerOptions {
    Activation hidden_act = Activation::LeakyReLU;
    float hidden_param = 0.2f;
    Activation out_act = Activation::Tanh;
    float out_param = 0.0f;
    uint32_t width = 0, height = 0;  // 0 = infer (square output, or the other side from one given)
};

// Linear weight/bias pairs ("<path>.weight" (out, in), "<path>.bias" (out)) ordered by module path
// (numeric-aware, "out" last), chained in -> out. Any other tensor is an error.
FloatModel model_from_tensors(const TensorList& tensors, const LayerOptions& opts);
// Sets width/height from opts (or infers them) and out_min/out_max from the last activation; validates.
void finish_model(FloatModel& model, uint32_t width, uint32_t height);

// ---------------------------------------------------------------------------------------------------
// onnx.cpp: the exported graph, walked from input "z" (or the only graph input) to its output.
// Gemm (any transB), MatMul + Add, LeakyRelu, Relu, Tanh, Sigmoid. Activations come from the graph.

FloatModel model_from_onnx(const uint8_t* data, size_t size, uint32_t width = 0, uint32_t height = 0);

// ---------------------------------------------------------------------------------------------------
// Format detection by content, and one entry point for all three

enum class InputFormat { Pt, Safetensors, Onnx };
const char* to_string(InputFormat f);
InputFormat detect_format(const uint8_t* data, size_t size);  // throws Error("input: ...") if unknown
// For .onnx, opts' activations are ignored (the graph has them); width/height are used.
FloatModel load_model(const uint8_t* data, size_t size, const LayerOptions& opts);

// ---------------------------------------------------------------------------------------------------
// map.cpp: {"A": [latent_dim floats], ...}; keys are exactly one Unicode code point

GlyphMap read_glyph_map(const std::string& json_text, uint32_t latent_dim);
// UTF-8 -> code points; throws Error("<where>: ...") on malformed UTF-8.
std::vector<uint32_t> decode_utf8(const std::string& s, const std::string& where);

}  // namespace fontgan::convert
