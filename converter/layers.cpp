// Named tensors -> an ordered chain of Linear layers.
//
// A state_dict has no graph, only names: "hidden0.0.weight" (out, in), "hidden0.0.bias" (out), ...,
// "out.0.weight", "out.0.bias". Layers are the weight/bias pairs sorted by module path, numbers compared
// as numbers ("hidden10" after "hidden9") and a module called "out"/"output" last; then every layer's
// input must equal the previous layer's output. Activations are not in the file: the caller names them.
#include "convert.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

namespace fontgan::convert {

namespace {

// "hidden10.0" -> {"hidden", 10, ".", 0}: text and number runs, compared text-wise / number-wise
struct PathKey {
    int last = 0;  // 1 for the output module, so it sorts after everything else
    std::vector<std::pair<std::string, uint64_t>> parts;  // (text, 0) or ("", number)
};

PathKey path_key(const std::string& path) {
    PathKey k;
    const std::string first = path.substr(0, path.find('.'));
    k.last = (first == "out" || first == "output") ? 1 : 0;
    for (size_t i = 0; i < path.size();) {
        size_t j = i;
        if (std::isdigit(static_cast<unsigned char>(path[i]))) {
            uint64_t v = 0;
            while (j < path.size() && std::isdigit(static_cast<unsigned char>(path[j]))) {
                v = v > (uint64_t(1) << 59) ? v : v * 10 + uint64_t(path[j] - '0');
                ++j;
            }
            k.parts.emplace_back(std::string(), v);
        } else {
            while (j < path.size() && !std::isdigit(static_cast<unsigned char>(path[j]))) ++j;
            k.parts.emplace_back(path.substr(i, j - i), 0);
        }
        i = j;
    }
    return k;
}

bool operator<(const PathKey& a, const PathKey& b) {
    if (a.last != b.last) return a.last < b.last;
    const size_t n = std::min(a.parts.size(), b.parts.size());
    for (size_t i = 0; i < n; ++i) {
        const auto &x = a.parts[i], &y = b.parts[i];
        const bool xn = x.first.empty(), yn = y.first.empty();
        if (xn != yn) return xn;  // numbers before text
        if (xn && x.second != y.second) return x.second < y.second;
        if (!xn && x.first != y.first) return x.first < y.first;
    }
    return a.parts.size() < b.parts.size();
}

std::string shape_string(const std::vector<int64_t>& s) {
    std::string r = "(";
    for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
    return r + (s.size() == 1 ? ",)" : ")");
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// weight/bias pairs -> layers

FloatModel model_from_tensors(const TensorList& tensors, const LayerOptions& opts) {
    struct Pair { const Tensor* weight = nullptr; const Tensor* bias = nullptr; };
    std::map<std::string, Pair> modules;
    for (const Tensor& t : tensors) {
        const auto dot = t.name.rfind('.');
        const std::string leaf = dot == std::string::npos ? t.name : t.name.substr(dot + 1);
        const std::string path = dot == std::string::npos ? "" : t.name.substr(0, dot);
        Pair& p = modules[path];
        if (leaf == "weight") p.weight = &t;
        else if (leaf == "bias") p.bias = &t;
        else
            throw Error("layers: tensor '" + t.name + "' " + shape_string(t.shape) +
                        " is not a Linear weight or bias (only an MLP of Linear layers is supported)");
    }
    if (modules.empty()) throw Error("layers: the file holds no tensors");

    std::vector<std::pair<PathKey, std::string>> order;
    for (const auto& [path, p] : modules) {
        if (!p.weight) throw Error("layers: '" + path + ".bias' has no matching '" + path + ".weight'");
        if (!p.bias) throw Error("layers: '" + path + ".weight' has no matching '" + path + ".bias'");
        order.emplace_back(path_key(path), path);
    }
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

    FloatModel m;
    for (size_t i = 0; i < order.size(); ++i) {
        const std::string& path = order[i].second;
        const Pair& p = modules[path];
        const auto &ws = p.weight->shape, &bs = p.bias->shape;
        if (ws.size() != 2 || ws[0] <= 0 || ws[1] <= 0 || ws[0] > (1 << 24) || ws[1] > (1 << 24))
            throw Error("layers: '" + path + ".weight' has shape " + shape_string(ws) + ", expected (out, in)");
        if (bs.size() != 1 || bs[0] != ws[0])
            throw Error("layers: '" + path + ".bias' has shape " + shape_string(bs) + ", expected (" +
                        std::to_string(ws[0]) + ",) to match '" + path + ".weight' " + shape_string(ws));
        FloatLayer l;
        l.out = uint32_t(ws[0]);
        l.in = uint32_t(ws[1]);
        if (!m.layers.empty() && m.layers.back().out != l.in)
            throw Error("layers: '" + path + "' takes " + std::to_string(l.in) + " inputs but '" + order[i - 1].second +
                        "' gives " + std::to_string(m.layers.back().out) + " outputs");
        l.weight = p.weight->data;  // (out, in)
        l.bias = p.bias->data;      // (out)
        const bool last = i + 1 == order.size();
        l.act = last ? opts.out_act : opts.hidden_act;
        l.act_param = last ? opts.out_param : opts.hidden_param;
        m.layers.push_back(std::move(l));
    }
    finish_model(m, opts.width, opts.height);
    return m;
}

// ---------------------------------------------------------------------------------------------------
// output geometry and range

void finish_model(FloatModel& m, uint32_t width, uint32_t height) {
    if (m.layers.empty()) throw Error("layers: the model has no layers");
    for (size_t i = 0; i < m.layers.size(); ++i) {
        const FloatLayer& l = m.layers[i];
        for (float v : l.weight)
            if (!std::isfinite(v)) throw Error("layers: layer " + std::to_string(i) + " has a NaN/Inf weight");
        for (float v : l.bias)
            if (!std::isfinite(v)) throw Error("layers: layer " + std::to_string(i) + " has a NaN/Inf bias");
    }
    const uint32_t pixels = m.layers.back().out;
    if (width && height) {
        if (uint64_t(width) * height != pixels)
            throw Error("layers: --width " + std::to_string(width) + " x --height " + std::to_string(height) +
                        " != output size " + std::to_string(pixels));
    } else if (width || height) {
        const uint32_t side = width ? width : height;
        if (pixels % side) throw Error("layers: output size " + std::to_string(pixels) + " is not divisible by " +
                                       std::to_string(side));
        (width ? height : width) = pixels / side;
    } else {
        uint32_t s = uint32_t(std::lround(std::sqrt(double(pixels))));
        if (uint64_t(s) * s != pixels)
            throw Error("layers: output size " + std::to_string(pixels) +
                        " is not a square image; give --width and --height");
        width = height = s;
    }
    m.latent_dim = m.layers.front().in;
    m.width = width;
    m.height = height;
    switch (m.layers.back().act) {
        case Activation::Sigmoid: m.out_min = 0.0f; m.out_max = 1.0f; break;
        default: m.out_min = -1.0f; m.out_max = 1.0f; break;  // Tanh; other outputs are shown as if in -1..1
    }
    m.validate();
}

}  // namespace fontgan::convert
