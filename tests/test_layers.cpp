// Named tensors -> ordered Linear layers: numeric-aware module order, "out" last, every shape checked.
#include "convert_test_util.h"

#include <cmath>

using namespace fontgan;
using namespace fontgan::convert;
using namespace convert_test;

namespace {

Tensor t(const std::string& name, std::vector<int64_t> shape, float fill = 0.1f) {
    size_t n = 1;
    for (int64_t d : shape) n *= size_t(d);
    return Tensor{name, std::move(shape), std::vector<float>(n, fill)};
}

// a Linear (out, in) as "<path>.weight" + "<path>.bias", weights filled with a tag to check the order
void linear(TensorList& l, const std::string& path, int64_t in, int64_t out, float tag) {
    l.push_back(t(path + ".weight", {out, in}, tag));
    l.push_back(t(path + ".bias", {out}, tag));
}

std::string layers_error(const TensorList& l, LayerOptions o = {}) {
    return error_of([&] { model_from_tensors(l, o); });
}

}  // namespace

TEST_CASE("layers: order and activations") {
    SUBCASE("numeric-aware module order, 'out' last, whatever the file order") {
        TensorList l;
        linear(l, "out.0", 6, 4, 5);
        linear(l, "hidden10.0", 5, 6, 4);
        linear(l, "hidden2.0", 3, 4, 2);
        linear(l, "hidden9.0", 4, 5, 3);
        linear(l, "hidden1.0", 2, 3, 1);
        const FloatModel m = model_from_tensors(l, LayerOptions{});
        REQUIRE(m.layers.size() == 5);
        for (size_t i = 0; i < 5; ++i) CHECK(m.layers[i].weight[0] == float(i + 1));
        CHECK(m.latent_dim == 2);
        CHECK(m.width == 2);
        CHECK(m.height == 2);
    }
    SUBCASE("nn.Sequential numbering: net.2 before net.10") {
        TensorList l;
        linear(l, "net.10", 3, 4, 2);
        linear(l, "net.2", 2, 3, 1);
        const FloatModel m = model_from_tensors(l, LayerOptions{});
        CHECK(m.layers[0].in == 2);
        CHECK(m.layers[1].out == 4);
    }
    SUBCASE("hidden and output activations come from the options") {
        TensorList l;
        linear(l, "a", 2, 3, 1);
        linear(l, "b", 3, 3, 1);
        linear(l, "c", 3, 9, 1);
        LayerOptions o;
        o.hidden_act = Activation::ReLU;
        o.out_act = Activation::Sigmoid;
        const FloatModel m = model_from_tensors(l, o);
        CHECK(m.layers[0].act == Activation::ReLU);
        CHECK(m.layers[1].act == Activation::ReLU);
        CHECK(m.layers[2].act == Activation::Sigmoid);
        CHECK(m.out_min == 0.0f);
        const FloatModel d = model_from_tensors(l, LayerOptions{});
        CHECK(d.layers[0].act == Activation::LeakyReLU);
        CHECK(d.layers[0].act_param == doctest::Approx(0.2));
        CHECK(d.layers[2].act == Activation::Tanh);
        CHECK(d.out_min == -1.0f);
    }
}

TEST_CASE("layers: shapes are checked") {
    SUBCASE("wrong shapes between layers name both layers") {
        TensorList l;
        linear(l, "hidden0.0", 8, 16, 1);
        linear(l, "hidden1.0", 15, 12, 1);
        linear(l, "out.0", 12, 16, 1);
        CHECK(layers_error(l) == "layers: 'hidden1.0' takes 15 inputs but 'hidden0.0' gives 16 outputs");
    }
    SUBCASE("missing halves, strays and bad ranks") {
        TensorList l;
        linear(l, "a", 2, 4, 1);
        l.push_back(t("b.weight", {4, 4}));
        CHECK(layers_error(l) == "layers: 'b.weight' has no matching 'b.bias'");
        l.pop_back();
        l.push_back(t("b.bias", {4}));
        CHECK(layers_error(l) == "layers: 'b.bias' has no matching 'b.weight'");
        l.pop_back();
        l.push_back(t("bn.running_mean", {4}));
        CHECK(layers_error(l).find("layers: tensor 'bn.running_mean' (4,) is not a Linear weight or bias") == 0);
        l.pop_back();
        l.push_back(t("c.weight", {4, 4, 1}));
        l.push_back(t("c.bias", {4}));
        CHECK(layers_error(l).find("'c.weight' has shape (4, 4, 1), expected (out, in)") != std::string::npos);
        l.pop_back();
        l.pop_back();
        l.push_back(t("c.weight", {4, 4}));
        l.push_back(t("c.bias", {5}));
        CHECK(layers_error(l).find("'c.bias' has shape (5,), expected (4,)") != std::string::npos);
        CHECK(layers_error({}) == "layers: the file holds no tensors");
    }
    SUBCASE("output geometry: square by default, or from --width/--height") {
        TensorList l;
        linear(l, "out", 2, 12, 1);
        CHECK(layers_error(l).find("output size 12 is not a square image") != std::string::npos);
        LayerOptions o;
        o.width = 4;
        FloatModel m = model_from_tensors(l, o);
        CHECK(m.height == 3);
        o.width = 0;
        o.height = 6;
        m = model_from_tensors(l, o);
        CHECK(m.width == 2);
        o.width = 5;
        o.height = 3;
        CHECK(layers_error(l, o).find("--width 5 x --height 3 != output size 12") != std::string::npos);
        o.width = 5;
        o.height = 0;
        CHECK(layers_error(l, o).find("not divisible by 5") != std::string::npos);
    }
    SUBCASE("NaN weights are refused") {
        TensorList l;
        linear(l, "out", 2, 4, 1);
        l[0].data[3] = std::nanf("");
        CHECK(layers_error(l) == "layers: layer 0 has a NaN/Inf weight");
    }
}
