// The glyph map file: JSON {"A": [latent_dim numbers], "é": [...], ...}, the format of the original post's
// addresses.json. Each key is exactly one Unicode code point (strict UTF-8); each value an array of
// latent_dim finite numbers (finite also after rounding to f32).
#include "convert.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <set>

namespace fontgan::convert {

// ---------------------------------------------------------------------------------------------------
// strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF

std::vector<uint32_t> decode_utf8(const std::string& s, const std::string& where) {
    std::vector<uint32_t> out;
    for (size_t i = 0; i < s.size();) {
        const uint8_t b = uint8_t(s[i]);
        size_t len;
        uint32_t cp, min;
        if (b < 0x80) { len = 1; cp = b; min = 0; }
        else if ((b & 0xe0) == 0xc0) { len = 2; cp = b & 0x1f; min = 0x80; }
        else if ((b & 0xf0) == 0xe0) { len = 3; cp = b & 0x0f; min = 0x800; }
        else if ((b & 0xf8) == 0xf0) { len = 4; cp = b & 0x07; min = 0x10000; }
        else throw Error(where + ": invalid UTF-8 lead byte at offset " + std::to_string(i));
        if (s.size() - i < len) throw Error(where + ": truncated UTF-8 sequence at offset " + std::to_string(i));
        for (size_t k = 1; k < len; ++k) {
            const uint8_t c = uint8_t(s[i + k]);
            if ((c & 0xc0) != 0x80) throw Error(where + ": invalid UTF-8 continuation at offset " + std::to_string(i + k));
            cp = cp << 6 | (c & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            throw Error(where + ": invalid UTF-8 sequence at offset " + std::to_string(i));
        out.push_back(cp);
        i += len;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------------
// map JSON -> GlyphMap

GlyphMap read_glyph_map(const std::string& text, uint32_t latent_dim) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("map: not valid JSON: ") + e.what());
    }
    if (!j.is_object()) throw Error("map: expected a JSON object {\"A\": [" + std::to_string(latent_dim) + " numbers], ...}");
    GlyphMap map;
    std::set<uint32_t> seen;
    for (const auto& [key, value] : j.items()) {
        const std::vector<uint32_t> cps = decode_utf8(key, "map: key");
        if (cps.size() != 1)
            throw Error("map: key '" + key + "' must be exactly one character (it has " + std::to_string(cps.size()) + ")");
        const std::string where = "map: '" + key + "'";
        if (!seen.insert(cps[0]).second) throw Error(where + ": duplicate character");
        if (!value.is_array() || value.size() != latent_dim)
            throw Error(where + ": expected an array of " + std::to_string(latent_dim) + " numbers, got " +
                        (value.is_array() ? std::to_string(value.size()) + " items" : std::string(value.type_name())));
        map.codepoints.push_back(cps[0]);
        for (size_t i = 0; i < value.size(); ++i) {
            const auto& v = value[i];
            if (!v.is_number()) throw Error(where + ": item " + std::to_string(i) + " is not a number");
            const float f = float(v.get<double>());
            if (!std::isfinite(f)) throw Error(where + ": item " + std::to_string(i) + " is not a finite float");
            map.latents.push_back(f);
        }
    }
    return map;
}

}  // namespace fontgan::convert
