// Which importer reads a file is decided by its content, not its name: a zip is a torch.save file,
// "u64 length + '{'" is safetensors, and a protobuf starting with ModelProto's ir_version (field 1,
// varint: byte 0x08) is onnx.
#include "convert.h"

namespace fontgan::convert {

const char* to_string(InputFormat f) {
    switch (f) {
        case InputFormat::Pt: return "pytorch (.pt zip)";
        case InputFormat::Safetensors: return "safetensors";
        case InputFormat::Onnx: return "onnx";
    }
    return "?";
}

InputFormat detect_format(const uint8_t* data, size_t size) {
    if (size >= 4 && data[0] == 'P' && data[1] == 'K' && data[2] == 3 && data[3] == 4) return InputFormat::Pt;
    if (size >= 10) {
        const uint64_t n = load_le(data, 8);
        if (n >= 2 && n <= size - 8 && data[8] == '{') return InputFormat::Safetensors;
    }
    if (size >= 2 && data[0] == 0x08) return InputFormat::Onnx;
    if (size >= 2 && data[0] == 0x80 && data[1] <= 5)
        throw Error("input: this is a bare pickle (legacy torch.save); re-save it with a current torch (zip format)");
    throw Error("input: unrecognized format (expected a torch.save zip, .safetensors or .onnx)");
}

FloatModel load_model(const uint8_t* data, size_t size, const LayerOptions& opts) {
    switch (detect_format(data, size)) {
        case InputFormat::Pt: return model_from_tensors(read_pt(data, size), opts);
        case InputFormat::Safetensors: return model_from_tensors(read_safetensors(data, size), opts);
        case InputFormat::Onnx: return model_from_onnx(data, size, opts.width, opts.height);
    }
    throw Error("input: unrecognized format");
}

}  // namespace fontgan::convert
