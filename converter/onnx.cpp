// .onnx as torch.onnx.export writes it for an MLP generator: a protobuf ModelProto whose graph holds the
// weights as initializers and the computation as nodes (Gemm or MatMul+Add, then an activation).
//
// A minimal protobuf wire-format reader (varint, fixed32/64, length-delimited; every length checked)
// pulls out only the fields below; everything else is skipped. The graph is then walked from its input
// ("z") to its output, one node at a time, so the activations are the graph's own.
//
//   ModelProto     7: graph
//   GraphProto     1: node  5: initializer  11: input  12: output      (ValueInfoProto 1: name)
//   NodeProto      1: input  2: output  3: name  4: op_type  5: attribute  7: domain
//   AttributeProto 1: name  2: f  3: i  5: t
//   TensorProto    1: dims  2: data_type  4: float_data  8: name  9: raw_data  13/14: external data
#include "convert.h"

#include <cstring>
#include <map>

namespace fontgan::convert {

namespace {

// ---------------------------------------------------------------------------------------------------
// protobuf wire format

struct Field {
    uint32_t number = 0;
    uint32_t wire = 0;   // 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32
    uint64_t value = 0;  // varint / fixed
    const uint8_t* data = nullptr;
    size_t size = 0;     // length-delimited payload
    std::string str() const { return std::string(reinterpret_cast<const char*>(data), size); }
};

class Pb {
public:
    Pb(const uint8_t* p, size_t n, std::string where) : p_(p), end_(p + n), where_(std::move(where)) {}

    bool next(Field& f) {
        if (p_ == end_) return false;
        const uint64_t key = varint();
        f.number = uint32_t(key >> 3);
        f.wire = uint32_t(key & 7);
        if (f.number == 0) fail("field number 0");
        switch (f.wire) {
            case 0: f.value = varint(); break;
            case 1: f.value = fixed(8); break;
            case 5: f.value = fixed(4); break;
            case 2: {
                const uint64_t n = varint();
                if (n > size_t(end_ - p_)) fail("length-delimited field " + std::to_string(f.number) + " overruns its message");
                f.data = p_;
                f.size = size_t(n);
                p_ += n;
                break;
            }
            default: fail("unsupported wire type " + std::to_string(f.wire));
        }
        return true;
    }

    [[noreturn]] void fail(const std::string& msg) const { throw Error("onnx: " + where_ + ": " + msg); }

    bool at_end() const { return p_ == end_; }

    uint64_t varint() {
        uint64_t v = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (p_ == end_) fail("truncated varint");
            const uint8_t b = *p_++;
            v |= uint64_t(b & 0x7f) << shift;
            if (!(b & 0x80)) return v;
        }
        fail("varint longer than 10 bytes");
    }

private:
    const uint8_t* p_;
    const uint8_t* end_;
    std::string where_;
    uint64_t fixed(size_t n) {
        if (size_t(end_ - p_) < n) fail("truncated fixed-size field");
        const uint64_t v = load_le(p_, n);
        p_ += n;
        return v;
    }
};

float as_float(uint64_t bits32) {
    const uint32_t b = uint32_t(bits32);
    float f;
    std::memcpy(&f, &b, 4);
    return f;
}

// ---------------------------------------------------------------------------------------------------
// messages we need

struct Attribute {
    std::string name;
    float f = 0.0f;
    int64_t i = 0;
    bool has_f = false, has_i = false, has_t = false;
    Tensor t;
};

struct Node {
    std::string name, op, domain;
    std::vector<std::string> inputs, outputs;
    std::vector<Attribute> attrs;
    const Attribute* attr(const char* n) const {
        for (const Attribute& a : attrs)
            if (a.name == n) return &a;
        return nullptr;
    }
};

Tensor parse_tensor(const uint8_t* p, size_t n, const std::string& where) {
    Tensor t;
    int64_t data_type = 0;
    const uint8_t* raw = nullptr;
    size_t raw_size = 0;
    bool has_raw = false;
    std::vector<float> float_data;
    Pb pb(p, n, where);
    Field f;
    while (pb.next(f)) {
        if (f.number == 1) {  // dims: packed or one by one
            if (f.wire == 0) {
                t.shape.push_back(int64_t(f.value));
            } else if (f.wire == 2) {
                Pb packed(f.data, f.size, where + " dims");
                while (!packed.at_end() && t.shape.size() <= 8) t.shape.push_back(int64_t(packed.varint()));
            } else {
                pb.fail("bad wire type for dims");
            }
            if (t.shape.size() > 8) pb.fail("too many dimensions");
        } else if (f.number == 2 && f.wire == 0) {
            data_type = int64_t(f.value);
        } else if (f.number == 4) {  // float_data: packed or one by one
            if (f.wire == 5) {
                float_data.push_back(as_float(f.value));
            } else if (f.wire == 2) {
                if (f.size % 4) pb.fail("packed float_data is not a multiple of 4 bytes");
                for (size_t i = 0; i < f.size; i += 4) {
                    float_data.push_back(as_float(uint32_t(load_le(f.data + i, 4))));
                }
            } else {
                pb.fail("bad wire type for float_data");
            }
        } else if (f.number == 8 && f.wire == 2) {
            t.name = f.str();
        } else if (f.number == 9 && f.wire == 2) {
            raw = f.data;
            raw_size = f.size;
            has_raw = true;
        } else if (f.number == 13 || (f.number == 14 && f.wire == 0 && f.value == 1)) {
            pb.fail("tensor '" + t.name + "' uses external data, which is not supported");
        }
    }
    const std::string tw = where + " '" + t.name + "'";
    const size_t numel = checked_numel(t.shape, size_t(1) << 32, "onnx: " + tw);
    ElemType et;
    switch (data_type) {
        case 1: et = ElemType::F32; break;
        case 10: et = ElemType::F16; break;
        case 16: et = ElemType::BF16; break;
        case 11: et = ElemType::F64; break;
        default: pb.fail("tensor '" + t.name + "' has data type " + std::to_string(data_type) +
                         " (only float, float16, bfloat16, double)");
    }
    if (has_raw) {
        if (raw_size != numel * elem_size(et))
            pb.fail("tensor '" + t.name + "' has " + std::to_string(raw_size) + " raw bytes for " +
                    std::to_string(numel) + " elements");
        t.data = decode_floats(et, raw, numel, "onnx: " + tw);
    } else if (et == ElemType::F32) {
        if (float_data.size() != numel)
            pb.fail("tensor '" + t.name + "' has " + std::to_string(float_data.size()) + " values for " +
                    std::to_string(numel) + " elements");
        t.data = std::move(float_data);
    } else {
        pb.fail("tensor '" + t.name + "': non-float32 data must be in raw_data");
    }
    return t;
}

Node parse_node(const uint8_t* p, size_t n, size_t index) {
    Node node;
    Pb pb(p, n, "node " + std::to_string(index));
    Field f;
    while (pb.next(f)) {
        if (f.wire != 2) continue;
        switch (f.number) {
            case 1: node.inputs.push_back(f.str()); break;
            case 2: node.outputs.push_back(f.str()); break;
            case 3: node.name = f.str(); break;
            case 4: node.op = f.str(); break;
            case 7: node.domain = f.str(); break;
            case 5: {
                Attribute a;
                Pb ab(f.data, f.size, "node " + std::to_string(index) + " attribute");
                Field g;
                while (ab.next(g)) {
                    if (g.number == 1 && g.wire == 2) a.name = g.str();
                    else if (g.number == 2 && g.wire == 5) { a.f = as_float(g.value); a.has_f = true; }
                    else if (g.number == 3 && g.wire == 0) { a.i = int64_t(g.value); a.has_i = true; }
                    else if (g.number == 5 && g.wire == 2) {
                        a.t = parse_tensor(g.data, g.size, "node " + std::to_string(index) + " attribute tensor");
                        a.has_t = true;
                    }
                }
                node.attrs.push_back(std::move(a));
                break;
            }
            default: break;
        }
    }
    return node;
}

std::string value_info_name(const Field& f) {
    Pb pb(f.data, f.size, "graph input/output");
    Field g;
    std::string name;
    while (pb.next(g))
        if (g.number == 1 && g.wire == 2) name = g.str();
    return name;
}

std::string node_label(const Node& n) { return "'" + n.op + "'" + (n.name.empty() ? "" : " (node '" + n.name + "')"); }

}  // namespace

// ---------------------------------------------------------------------------------------------------
// ModelProto -> graph -> layers

FloatModel model_from_onnx(const uint8_t* data, size_t size, uint32_t width, uint32_t height) {
    const uint8_t* graph = nullptr;
    size_t graph_size = 0;
    {
        Pb pb(data, size, "model");
        Field f;
        while (pb.next(f))
            if (f.number == 7 && f.wire == 2) {
                if (graph) pb.fail("more than one graph");
                graph = f.data;
                graph_size = f.size;
            }
        if (!graph) pb.fail("no graph in the model");
    }

    std::vector<Node> nodes;
    std::map<std::string, Tensor> inits;
    std::vector<std::string> inputs, outputs;
    {
        Pb pb(graph, graph_size, "graph");
        Field f;
        size_t init_index = 0;
        while (pb.next(f)) {
            if (f.wire != 2) continue;
            if (f.number == 1) {
                nodes.push_back(parse_node(f.data, f.size, nodes.size()));
            } else if (f.number == 5) {
                Tensor t = parse_tensor(f.data, f.size, "initializer " + std::to_string(init_index++));
                const std::string name = t.name;
                if (!inits.emplace(name, std::move(t)).second) pb.fail("duplicate initializer '" + name + "'");
            } else if (f.number == 11) {
                inputs.push_back(value_info_name(f));
            } else if (f.number == 12) {
                outputs.push_back(value_info_name(f));
            }
        }
    }
    // Constant nodes are initializers in disguise
    for (const Node& n : nodes)
        if (n.op == "Constant" && n.outputs.size() == 1)
            if (const Attribute* v = n.attr("value"); v && v->has_t) inits[n.outputs[0]] = v->t;

    // -----------------------------------------------------------------------------------------------
    // ends of the path: input "z" (or the one input that is not a weight) -> the single output

    std::vector<std::string> data_inputs;
    for (const std::string& in : inputs)
        if (!inits.count(in)) data_inputs.push_back(in);
    std::string cur;
    for (const std::string& in : data_inputs)
        if (in == "z") cur = in;
    if (cur.empty()) {
        if (data_inputs.size() != 1)
            throw Error("onnx: expected a graph input named 'z' or exactly one data input, found " +
                        std::to_string(data_inputs.size()));
        cur = data_inputs[0];
    }
    if (outputs.size() != 1) throw Error("onnx: expected one graph output, found " + std::to_string(outputs.size()));
    const std::string target = outputs[0];

    auto weight = [&](const Node& n, size_t i) -> const Tensor& {
        if (i >= n.inputs.size() || !inits.count(n.inputs[i]))
            throw Error("onnx: " + node_label(n) + ": input " + std::to_string(i) + " is not a constant weight");
        return inits.at(n.inputs[i]);
    };
    auto consumers = [&](const std::string& name) {
        std::vector<const Node*> r;
        for (const Node& n : nodes)
            for (const std::string& in : n.inputs)
                if (in == name) { r.push_back(&n); break; }
        return r;
    };
    auto sole_consumer = [&](const std::string& name) -> const Node& {
        std::vector<const Node*> c = consumers(name);
        if (c.empty()) throw Error("onnx: tensor '" + name + "' is used by no node and is not the output '" + target + "'");
        if (c.size() > 1) throw Error("onnx: tensor '" + name + "' feeds " + std::to_string(c.size()) +
                                      " nodes; only a straight chain of layers is supported");
        return *c[0];
    };

    // -----------------------------------------------------------------------------------------------
    // the walk

    FloatModel m;
    bool act_set = false;
    auto set_act = [&](const Node& n, Activation a, float param) {
        if (m.layers.empty()) throw Error("onnx: activation " + node_label(n) + " comes before any Linear layer");
        if (act_set) throw Error("onnx: two activations in a row at " + node_label(n));
        m.layers.back().act = a;
        m.layers.back().act_param = param;
        act_set = true;
    };
    auto add_layer = [&](const Node& n, const Tensor& w, bool w_is_out_in, const Tensor* b, float alpha, float beta) {
        if (w.shape.size() != 2) throw Error("onnx: " + node_label(n) + ": weight is not 2-D");
        FloatLayer l;
        l.out = uint32_t(w_is_out_in ? w.shape[0] : w.shape[1]);
        l.in = uint32_t(w_is_out_in ? w.shape[1] : w.shape[0]);
        if (l.in == 0 || l.out == 0) throw Error("onnx: " + node_label(n) + ": empty weight");
        if (!m.layers.empty() && m.layers.back().out != l.in)
            throw Error("onnx: " + node_label(n) + " takes " + std::to_string(l.in) + " inputs but the previous layer gives " +
                        std::to_string(m.layers.back().out));
        l.weight.resize(size_t(l.out) * l.in);  // (out, in)
        for (size_t o = 0; o < l.out; ++o)
            for (size_t i = 0; i < l.in; ++i)
                l.weight[o * l.in + i] = alpha * (w_is_out_in ? w.data[o * l.in + i] : w.data[i * l.out + o]);
        l.bias.assign(l.out, 0.0f);  // (out)
        if (b) {
            if (b->data.size() != l.out && b->data.size() != 1)
                throw Error("onnx: " + node_label(n) + ": bias has " + std::to_string(b->data.size()) +
                            " values for " + std::to_string(l.out) + " outputs");
            for (size_t o = 0; o < l.out; ++o) l.bias[o] = beta * b->data[b->data.size() == 1 ? 0 : o];
        }
        m.layers.push_back(std::move(l));
        act_set = false;
    };

    for (size_t steps = 0; cur != target; ++steps) {
        if (steps > nodes.size()) throw Error("onnx: the graph has a cycle");
        const Node& n = sole_consumer(cur);
        if (!n.domain.empty() && n.domain != "ai.onnx")
            throw Error("onnx: " + node_label(n) + " is in domain '" + n.domain + "', which is not supported");
        if (n.outputs.empty()) throw Error("onnx: " + node_label(n) + " has no output");
        const bool first_input = !n.inputs.empty() && n.inputs[0] == cur;

        if (n.op == "Gemm") {
            const Attribute* ta = n.attr("transA");
            const Attribute* tb = n.attr("transB");
            const Attribute* al = n.attr("alpha");
            const Attribute* be = n.attr("beta");
            if (!first_input || (ta && ta->i != 0)) throw Error("onnx: " + node_label(n) + ": transposed input is not supported");
            const bool trans_b = tb && tb->i != 0;  // transB=1: B is (out, in), as nn.Linear stores it
            add_layer(n, weight(n, 1), trans_b, n.inputs.size() > 2 && !n.inputs[2].empty() ? &weight(n, 2) : nullptr,
                      al && al->has_f ? al->f : 1.0f, be && be->has_f ? be->f : 1.0f);
            cur = n.outputs[0];
        } else if (n.op == "MatMul") {
            if (!first_input) throw Error("onnx: " + node_label(n) + ": the weight must be the second operand");
            cur = n.outputs[0];
            const Tensor* bias = nullptr;
            std::vector<const Node*> next = consumers(cur);
            if (cur != target && next.size() == 1 && next[0]->op == "Add" && next[0]->inputs.size() == 2) {
                const Node& add = *next[0];
                const std::string& other = add.inputs[0] == cur ? add.inputs[1] : add.inputs[0];
                if (inits.count(other)) {
                    bias = &inits.at(other);
                    cur = add.outputs.empty() ? cur : add.outputs[0];
                }
            }
            add_layer(n, weight(n, 1), false, bias, 1.0f, 1.0f);  // MatMul weight is (in, out)
        } else if (n.op == "Relu") {
            set_act(n, Activation::ReLU, 0.0f);
            cur = n.outputs[0];
        } else if (n.op == "LeakyRelu") {
            const Attribute* a = n.attr("alpha");
            set_act(n, Activation::LeakyReLU, a && a->has_f ? a->f : 0.01f);  // ONNX default slope
            cur = n.outputs[0];
        } else if (n.op == "Tanh") {
            set_act(n, Activation::Tanh, 0.0f);
            cur = n.outputs[0];
        } else if (n.op == "Sigmoid") {
            set_act(n, Activation::Sigmoid, 0.0f);
            cur = n.outputs[0];
        } else if (n.op == "Identity") {
            cur = n.outputs[0];
        } else {
            throw Error("onnx: unsupported op " + node_label(n) +
                        " (supported: Gemm, MatMul+Add, LeakyRelu, Relu, Tanh, Sigmoid, Identity)");
        }
    }
    if (m.layers.empty()) throw Error("onnx: no Linear layer between '" + cur + "' and the output");
    finish_model(m, width, height);
    return m;
}

}  // namespace fontgan::convert
