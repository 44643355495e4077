// .onnx: the protobuf reader and the graph walk (Gemm, MatMul+Add, activations from the graph).
#include "convert_test_util.h"

#include <algorithm>
#include <cmath>

using namespace fontgan;
using namespace fontgan::convert;
using namespace convert_test;

namespace {

// ---------------------------------------------------------------------------------------------------
// a tiny protobuf writer, enough to build test graphs

struct Pb {
    std::vector<uint8_t> b;
    Pb& varint(uint64_t v) {
        while (v >= 0x80) { b.push_back(uint8_t(v | 0x80)); v >>= 7; }
        b.push_back(uint8_t(v));
        return *this;
    }
    Pb& tag(uint32_t field, uint32_t wire) { return varint(uint64_t(field) << 3 | wire); }
    Pb& i(uint32_t field, uint64_t v) { return tag(field, 0).varint(v); }
    Pb& bytes(uint32_t field, const void* p, size_t n) {
        tag(field, 2).varint(n);
        b.insert(b.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
        return *this;
    }
    Pb& str(uint32_t field, const std::string& s) { return bytes(field, s.data(), s.size()); }
    Pb& msg(uint32_t field, const Pb& m) { return bytes(field, m.b.data(), m.b.size()); }
    Pb& f32(uint32_t field, float f) {
        tag(field, 5);
        uint32_t u;
        std::memcpy(&u, &f, 4);
        for (int k = 0; k < 4; ++k) b.push_back(uint8_t(u >> (8 * k)));
        return *this;
    }
};

Pb tensor(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& values, int type = 1) {
    Pb t;
    for (int64_t d : dims) t.i(1, uint64_t(d));
    t.i(2, uint64_t(type));
    t.str(8, name);
    std::vector<uint8_t> raw;
    for (float v : values) {
        uint32_t u;
        std::memcpy(&u, &v, 4);
        for (int k = 0; k < 4; ++k) raw.push_back(uint8_t(u >> (8 * k)));
    }
    t.bytes(9, raw.data(), raw.size());
    return t;
}

struct Attr { std::string name; float f; int64_t i; bool is_float; };

Pb node(const std::string& op, const std::vector<std::string>& in, const std::vector<std::string>& out,
        const std::vector<Attr>& attrs = {}) {
    Pb n;
    for (const auto& s : in) n.str(1, s);
    for (const auto& s : out) n.str(2, s);
    n.str(3, op + "_node");
    n.str(4, op);
    for (const Attr& a : attrs) {
        Pb m;
        m.str(1, a.name);
        if (a.is_float) m.f32(2, a.f);
        else m.i(3, uint64_t(a.i));
        n.msg(5, m);
    }
    return n;
}

Pb value_info(const std::string& name) { return Pb().str(1, name); }

std::vector<uint8_t> model(const Pb& graph) {
    Pb m;
    m.i(1, 8);  // ir_version
    m.msg(7, graph);
    return m.b;
}

std::vector<float> seq(size_t n, float scale) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = scale * float(int(i % 7) - 3);
    return v;
}

FloatModel load(const std::vector<uint8_t>& b, uint32_t w = 0, uint32_t h = 0) {
    return model_from_onnx(b.data(), b.size(), w, h);
}
std::string onnx_error(const std::vector<uint8_t>& b, uint32_t w = 0, uint32_t h = 0) {
    return error_of([&] { load(b, w, h); });
}

bool same_model(const FloatModel& a, const FloatModel& b) {
    if (a.layers.size() != b.layers.size() || a.latent_dim != b.latent_dim || a.width != b.width) return false;
    for (size_t i = 0; i < a.layers.size(); ++i) {
        const FloatLayer &x = a.layers[i], &y = b.layers[i];
        if (x.weight != y.weight || x.bias != y.bias || x.act != y.act || x.act_param != y.act_param) return false;
    }
    return true;
}

// z (4) -> MatMul W1 (4, 3) -> Add b1 -> Relu -> MatMul W2 (3, 4) -> Add b2 -> Sigmoid -> img (2x2)
Pb matmul_graph() {
    Pb g;
    g.msg(1, node("MatMul", {"z", "W1"}, {"m1"}));
    g.msg(1, node("Add", {"b1", "m1"}, {"a1"}));  // bias first: Add is commutative
    g.msg(1, node("Relu", {"a1"}, {"r1"}));
    g.msg(1, node("MatMul", {"r1", "W2"}, {"m2"}));
    g.msg(1, node("Add", {"m2", "b2"}, {"a2"}));
    g.msg(1, node("Sigmoid", {"a2"}, {"img"}));
    g.msg(5, tensor("W1", {4, 3}, seq(12, 0.1f)));
    g.msg(5, tensor("b1", {3}, seq(3, 0.01f)));
    g.msg(5, tensor("W2", {3, 4}, seq(12, -0.2f)));
    g.msg(5, tensor("b2", {4}, seq(4, 0.02f)));
    g.msg(11, value_info("z"));
    g.msg(12, value_info("img"));
    return g;
}

}  // namespace

TEST_CASE("onnx: torch.onnx.export graphs") {
    SUBCASE("the small fixture: Gemm(transB=1) + LeakyRelu(0.2) ... Tanh, weights as in the .pt") {
        const FloatModel m = load(fixture("small.onnx"), 4, 3);
        REQUIRE(m.layers.size() == 3);
        CHECK(m.layers[0].act == Activation::LeakyReLU);
        CHECK(m.layers[0].act_param == doctest::Approx(0.2));
        CHECK(m.layers[1].act == Activation::LeakyReLU);
        CHECK(m.layers[2].act == Activation::Tanh);
        const std::vector<uint8_t> pt = fixture("small.pt");
        const TensorList t = read_pt(pt.data(), pt.size());
        CHECK(m.layers[0].weight == t[0].data);
        CHECK(m.layers[2].bias == t[5].data);
    }
    SUBCASE("MatMul + Add (either operand order), Relu, Sigmoid: weights transposed to (out, in)") {
        const FloatModel m = load(model(matmul_graph()));
        REQUIRE(m.layers.size() == 2);
        CHECK(m.layers[0].in == 4);
        CHECK(m.layers[0].out == 3);
        const std::vector<float> w1 = seq(12, 0.1f);
        for (size_t o = 0; o < 3; ++o)
            for (size_t i = 0; i < 4; ++i) CHECK(m.layers[0].weight[o * 4 + i] == w1[i * 3 + o]);
        CHECK(m.layers[0].bias == seq(3, 0.01f));
        CHECK(m.layers[0].act == Activation::ReLU);
        CHECK(m.layers[1].act == Activation::Sigmoid);
        CHECK(m.out_min == 0.0f);
        CHECK(m.out_max == 1.0f);
        CHECK(m.width == 2);
        CHECK(m.height == 2);
    }
    SUBCASE("Gemm with transB=0, alpha and beta folded into the weights") {
        Pb g;
        g.msg(1, node("Gemm", {"z", "W", "b"}, {"y"}, {{"alpha", 2.0f, 0, true}, {"beta", 0.5f, 0, true}}));
        g.msg(1, node("LeakyRelu", {"y"}, {"img"}));  // no alpha attribute: ONNX default 0.01
        g.msg(5, tensor("W", {2, 4}, seq(8, 1.0f)));
        g.msg(5, tensor("b", {4}, seq(4, 1.0f)));
        g.msg(11, value_info("z"));
        g.msg(12, value_info("img"));
        const FloatModel m = load(model(g));
        REQUIRE(m.layers.size() == 1);
        const std::vector<float> w = seq(8, 1.0f), b = seq(4, 1.0f);
        for (size_t o = 0; o < 4; ++o) {
            for (size_t i = 0; i < 2; ++i) CHECK(m.layers[0].weight[o * 2 + i] == 2.0f * w[i * 4 + o]);
            CHECK(m.layers[0].bias[o] == 0.5f * b[o]);
        }
        CHECK(m.layers[0].act == Activation::LeakyReLU);
        CHECK(m.layers[0].act_param == doctest::Approx(0.01));
    }
}

TEST_CASE("onnx: bad graphs give clear errors, never a crash") {
    SUBCASE("an unsupported op is named") {
        std::vector<uint8_t> b = fixture("small.onnx");
        // op_type is field 4 (tag 0x22), length 4: "Tanh" -> "Cosh"
        const uint8_t pat[] = {0x22, 4, 'T', 'a', 'n', 'h'};
        auto it = std::search(b.begin(), b.end(), std::begin(pat), std::end(pat));
        REQUIRE(it != b.end());
        std::copy_n("Cosh", 4, it + 2);
        const std::string e = onnx_error(b, 4, 3);
        CHECK(e.find("onnx: unsupported op 'Cosh'") == 0);
    }
    SUBCASE("truncated varints and overruns") {
        CHECK(onnx_error({0x08, 0x80}).find("onnx: model: truncated varint") == 0);
        CHECK(onnx_error({0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01})
                  .find("longer than 10 bytes") != std::string::npos);
        CHECK(onnx_error({0x08, 0x01, 0x3a, 0x7f, 0x00}).find("overruns its message") != std::string::npos);
        CHECK(onnx_error({0x08, 0x01, 0x3b}).find("unsupported wire type 3") != std::string::npos);
        CHECK(onnx_error({0x08, 0x01}).find("no graph") != std::string::npos);
    }
    SUBCASE("the fixture truncated at every offset: an error, or (at a field boundary after the graph) the same model") {
        const std::vector<uint8_t> good = fixture("small.onnx");
        const FloatModel ref = load(good, 4, 3);
        for (size_t n = 0; n < good.size(); ++n) {
            std::vector<uint8_t> b(good.begin(), good.begin() + long(n));
            bool same = false;
            const std::string e = error_of([&] { same = same_model(load(b, 4, 3), ref); });
            INFO("length " << n << ": " << e);
            CHECK((starts_with(e, "onnx:") || (e.empty() && same)));
        }
    }
    SUBCASE("graph shape problems") {
        Pb g = matmul_graph();
        g.msg(1, node("Relu", {"z"}, {"side"}));  // z feeds two nodes
        CHECK(onnx_error(model(g)).find("feeds 2 nodes") != std::string::npos);

        Pb act_first;
        act_first.msg(1, node("Tanh", {"z"}, {"img"}));
        act_first.msg(11, value_info("z"));
        act_first.msg(12, value_info("img"));
        CHECK(onnx_error(model(act_first)).find("comes before any Linear layer") != std::string::npos);

        Pb g2;
        g2.msg(1, node("Gemm", {"z", "W", "b"}, {"y"}, {{"transB", 0, 1, false}}));
        g2.msg(1, node("Tanh", {"y"}, {"t"}));
        g2.msg(1, node("Relu", {"t"}, {"img"}));
        g2.msg(5, tensor("W", {4, 2}, seq(8, 1.0f)));
        g2.msg(5, tensor("b", {4}, seq(4, 1.0f)));
        g2.msg(11, value_info("z"));
        g2.msg(12, value_info("img"));
        CHECK(onnx_error(model(g2)).find("two activations in a row") != std::string::npos);

        Pb dead_end;
        dead_end.msg(1, node("Gemm", {"z", "W", "b"}, {"y"}, {{"transB", 0, 1, false}}));
        dead_end.msg(5, tensor("W", {4, 2}, seq(8, 1.0f)));
        dead_end.msg(5, tensor("b", {4}, seq(4, 1.0f)));
        dead_end.msg(11, value_info("z"));
        dead_end.msg(12, value_info("img"));
        CHECK(onnx_error(model(dead_end)).find("tensor 'y' is used by no node") != std::string::npos);

        Pb mismatch;
        mismatch.msg(1, node("Gemm", {"z", "W", "b"}, {"y"}, {{"transB", 0, 1, false}}));
        mismatch.msg(1, node("Gemm", {"y", "W", "b"}, {"img"}, {{"transB", 0, 1, false}}));  // takes 2, gets 4
        mismatch.msg(5, tensor("W", {4, 2}, seq(8, 1.0f)));
        mismatch.msg(5, tensor("b", {4}, seq(4, 1.0f)));
        mismatch.msg(11, value_info("z"));
        mismatch.msg(12, value_info("img"));
        CHECK(onnx_error(model(mismatch)).find("takes 2 inputs but the previous layer gives 4") != std::string::npos);

        Pb bad_type;
        bad_type.msg(1, node("Gemm", {"z", "W"}, {"img"}, {{"transB", 0, 1, false}}));
        bad_type.msg(5, tensor("W", {4, 2}, seq(8, 1.0f), 7));  // INT64
        bad_type.msg(11, value_info("z"));
        bad_type.msg(12, value_info("img"));
        CHECK(onnx_error(model(bad_type)).find("data type 7") != std::string::npos);

        Pb short_raw;
        short_raw.msg(5, tensor("W", {4, 3}, seq(8, 1.0f)));
        short_raw.msg(11, value_info("z"));
        short_raw.msg(12, value_info("img"));
        CHECK(onnx_error(model(short_raw)).find("32 raw bytes for 12 elements") != std::string::npos);

        Pb no_input;
        no_input.msg(12, value_info("img"));
        CHECK(onnx_error(model(no_input)).find("expected a graph input named 'z'") != std::string::npos);
    }
}
