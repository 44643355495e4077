// The committed default weights: weights/fontgan.bin (baked into the page) and weights/map.json (its
// character map, as the inversion search wrote it) load, agree, and produce all 62 glyphs.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "fontgan.h"

namespace {
const std::string kWeights = std::string(FONTGAN_FIXTURES_DIR) + "/../../weights/";
const std::string kChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
}  // namespace

TEST_CASE("committed default weights produce all 62 glyphs") {
    auto model = fontgan::Model::from_file(kWeights + "fontgan.bin");
    REQUIRE(model->latent_dim() == 100);
    REQUIRE(model->width() == 28);
    REQUIRE(model->height() == 28);
    const auto& map = model->glyphs();
    REQUIRE(map.size() == 62);

    SUBCASE("the map covers 0-9A-Za-z and matches weights/map.json") {
        std::ifstream f(kWeights + "map.json");
        REQUIRE(f.good());
        const auto json = nlohmann::json::parse(f);
        REQUIRE(json.size() == 62);
        for (char c : kChars) {
            const float* z = model->latent_for(static_cast<uint32_t>(c));
            REQUIRE_MESSAGE(z != nullptr, "no latent for '" << c << "'");
            const auto& ref = json.at(std::string(1, c));
            REQUIRE(ref.size() == 100);
            for (size_t i = 0; i < 100; ++i) CHECK(z[i] == doctest::Approx(ref[i].get<float>()).epsilon(1e-6));
        }
    }

    SUBCASE("every glyph is a finite, in-range, non-blank image, and they differ") {
        fontgan::Generator gen(model);
        std::vector<float> z(62 * 100), img(62 * 784);
        for (size_t k = 0; k < kChars.size(); ++k) {
            const float* src = model->latent_for(static_cast<uint32_t>(kChars[k]));
            REQUIRE(src != nullptr);
            std::copy(src, src + 100, z.begin() + k * 100);
        }
        gen.generate(z.data(), 62, img.data());
        for (size_t k = 0; k < 62; ++k) {
            const float* g = &img[k * 784];
            size_t ink = 0;
            for (size_t p = 0; p < 784; ++p) {
                REQUIRE(std::isfinite(g[p]));
                REQUIRE(g[p] >= -1.0f);
                REQUIRE(g[p] <= 1.0f);
                ink += g[p] > 0.0f;
            }
            // a handwritten character covers some but not most of the 28x28 tile (a thin 'i' or 'l' has
            // ~20-40 inked pixels, a bold 'W' ~250)
            const std::string ch(1, kChars[k]);
            CHECK_MESSAGE(ink > 8, "glyph '" << ch << "' is nearly blank");
            CHECK_MESSAGE(ink < 500, "glyph '" << ch << "' is nearly all ink");
        }
        // '0' and '1' must not be the same picture
        double diff = 0;
        for (size_t p = 0; p < 784; ++p) diff += std::fabs(img[p] - img[784 + p]);
        CHECK(diff / 784 > 0.05);
    }
}
