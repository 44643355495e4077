// .safetensors: u64 LE header length N, N bytes of JSON {"name": {"dtype", "shape", "data_offsets": [b, e]},
// "__metadata__": {...}}, then the byte buffer; offsets are relative to the buffer's start.
// Every tensor's range must lie inside the file, match dtype x shape exactly, and not overlap another.
#include "convert.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace fontgan::convert {

namespace {
constexpr uint64_t kMaxHeader = 100u << 20;  // the reference implementation's limit
constexpr size_t kMaxElements = size_t(1) << 32;

bool safetensors_dtype(const std::string& s, ElemType& t) {
    if (s == "F32") t = ElemType::F32;
    else if (s == "F16") t = ElemType::F16;
    else if (s == "BF16") t = ElemType::BF16;
    else return false;
    return true;
}
}  // namespace

TensorList read_safetensors(const uint8_t* data, size_t size) {
    if (size < 8) throw Error("safetensors: file too small (" + std::to_string(size) + " bytes)");
    const uint64_t n = load_le(data, 8);
    if (n > kMaxHeader || n > size - 8)
        throw Error("safetensors: header length " + std::to_string(n) + " exceeds the file (" + std::to_string(size) +
                    " bytes)");

    nlohmann::json header;
    try {
        header = nlohmann::json::parse(data + 8, data + 8 + n);
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("safetensors: header is not valid JSON: ") + e.what());
    }
    if (!header.is_object()) throw Error("safetensors: header is not a JSON object");

    const uint8_t* buffer = data + 8 + n;
    const uint64_t buffer_size = size - 8 - n;
    struct Range { uint64_t begin, end; std::string name; };
    std::vector<Range> ranges;
    TensorList out;
    for (const auto& [name, info] : header.items()) {
        if (name == "__metadata__") continue;
        const std::string where = "safetensors: tensor '" + name + "'";
        if (!info.is_object()) throw Error(where + ": entry is not an object");
        const auto dt = info.find("dtype"), sh = info.find("shape"), off = info.find("data_offsets");
        if (dt == info.end() || !dt->is_string()) throw Error(where + ": missing dtype");
        ElemType t;
        if (!safetensors_dtype(dt->get<std::string>(), t))
            throw Error(where + ": dtype '" + dt->get<std::string>() + "' is not supported (F32, F16, BF16)");
        if (sh == info.end() || !sh->is_array() || sh->size() > 8) throw Error(where + ": missing or bad shape");
        Tensor tensor;
        tensor.name = name;
        for (const auto& d : *sh) {
            if (!d.is_number_unsigned()) throw Error(where + ": shape holds something other than a size");
            tensor.shape.push_back(int64_t(std::min<uint64_t>(d.get<uint64_t>(), uint64_t(1) << 40)));
        }
        if (off == info.end() || !off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() ||
            !(*off)[1].is_number_unsigned())
            throw Error(where + ": data_offsets must be [begin, end]");
        const uint64_t b = (*off)[0].get<uint64_t>(), e = (*off)[1].get<uint64_t>();
        if (b > e || e > buffer_size)
            throw Error(where + ": data_offsets [" + std::to_string(b) + ", " + std::to_string(e) +
                        "] lie outside the data (" + std::to_string(buffer_size) + " bytes)");
        const size_t numel = checked_numel(tensor.shape, kMaxElements, where);
        if (e - b != numel * elem_size(t))
            throw Error(where + ": " + std::to_string(e - b) + " bytes for " + std::to_string(numel) + " elements of " +
                        dt->get<std::string>());
        tensor.data = decode_floats(t, buffer + b, numel, where);
        ranges.push_back({b, e, name});
        out.push_back(std::move(tensor));
    }

    std::sort(ranges.begin(), ranges.end(), [](const Range& x, const Range& y) { return x.begin < y.begin; });
    for (size_t i = 1; i < ranges.size(); ++i)
        if (ranges[i].begin < ranges[i - 1].end)
            throw Error("safetensors: tensors '" + ranges[i - 1].name + "' and '" + ranges[i].name + "' overlap");
    return out;
}

}  // namespace fontgan::convert
