// The glyph map JSON: {"A": [latent_dim numbers], ...}, one code point per key.
#include "convert_test_util.h"

#include <algorithm>
#include <nlohmann/json.hpp>

using namespace fontgan;
using namespace fontgan::convert;
using namespace convert_test;

namespace {
std::string map_error(const std::string& text, uint32_t dim = 2) {
    return error_of([&] { read_glyph_map(text, dim); });
}
}  // namespace

TEST_CASE("map: reading a glyph map") {
    SUBCASE("the fixture: code points (incl. non-ASCII and astral) and their latents") {
        const std::vector<uint8_t> b = fixture("small_map.json");
        const std::string text(b.begin(), b.end());
        const GlyphMap m = read_glyph_map(text, 8);
        REQUIRE(m.size() == 5);
        REQUIRE(m.latents.size() == 5 * 8);
        const nlohmann::json j = nlohmann::json::parse(text);
        const std::pair<uint32_t, const char*> expect[] = {
            {'A', "A"}, {'b', "b"}, {'7', "7"}, {0xe9, "\xc3\xa9"}, {0x1f600, "\xf0\x9f\x98\x80"}};
        for (const auto& [cp, key] : expect) {
            auto it = std::find(m.codepoints.begin(), m.codepoints.end(), cp);
            REQUIRE(it != m.codepoints.end());
            const size_t row = size_t(it - m.codepoints.begin());
            for (size_t i = 0; i < 8; ++i) CHECK(m.latents[row * 8 + i] == float(j[key][i].get<double>()));
        }
    }
    SUBCASE("an empty map is allowed") { CHECK(read_glyph_map("{}", 4).size() == 0); }
}

TEST_CASE("map: bad maps give clear errors") {
    CHECK(map_error("{\"A\": [1, 2]").find("map: not valid JSON") == 0);
    CHECK(map_error("[1, 2]").find("map: expected a JSON object") == 0);
    CHECK(map_error(R"({"AB": [1, 2]})").find("map: key 'AB' must be exactly one character (it has 2)") == 0);
    CHECK(map_error(R"({"": [1, 2]})").find("exactly one character") != std::string::npos);
    CHECK(map_error(R"({"A": [1, 2, 3]})").find("map: 'A': expected an array of 2 numbers, got 3 items") == 0);
    CHECK(map_error(R"({"A": "x"})").find("expected an array of 2 numbers, got string") != std::string::npos);
    CHECK(map_error(R"({"A": [1, "2"]})").find("map: 'A': item 1 is not a number") == 0);
    CHECK(map_error(R"({"A": [1, 1e39]})").find("item 1 is not a finite float") != std::string::npos);
    CHECK(map_error(R"({"A": [1, null]})").find("item 1 is not a number") != std::string::npos);
}

TEST_CASE("map: strict UTF-8 decoding") {
    CHECK(decode_utf8("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "t") == std::vector<uint32_t>{'a', 0xe9, 0x20ac, 0x1f600});
    CHECK(error_of([] { decode_utf8("\xc0\xaf", "t"); }).find("t: invalid UTF-8") == 0);      // overlong '/'
    CHECK(error_of([] { decode_utf8("\xed\xa0\x80", "t"); }).find("t: invalid UTF-8") == 0);  // surrogate
    CHECK(error_of([] { decode_utf8("\xf4\x90\x80\x80", "t"); }).find("invalid UTF-8") != std::string::npos);  // > U+10FFFF
    CHECK(error_of([] { decode_utf8("\xe2\x82", "t"); }).find("truncated UTF-8") != std::string::npos);
    CHECK(error_of([] { decode_utf8("\x80", "t"); }).find("lead byte") != std::string::npos);
    CHECK(error_of([] { decode_utf8("\xc3(", "t"); }).find("continuation") != std::string::npos);
}
