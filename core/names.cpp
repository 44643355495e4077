// fontgan names: activation and dtype enums <-> the text used by the CLI, the JS API and docs.
#include <cmath>
#include <cstdlib>

#include "fontgan.h"

namespace fontgan {

const char* to_string(Activation a) {
    switch (a) {
        case Activation::Identity: return "identity";
        case Activation::ReLU: return "relu";
        case Activation::LeakyReLU: return "leaky_relu";
        case Activation::Tanh: return "tanh";
        case Activation::Sigmoid: return "sigmoid";
    }
    return "unknown";
}

const char* to_string(DType d) {
    switch (d) {
        case DType::F32: return "f32";
        case DType::F16: return "f16";
        case DType::Q8: return "q8";
    }
    return "unknown";
}

// "leaky_relu" alone takes PyTorch's default slope 0.01; only leaky_relu takes a ":param".
void parse_activation(const std::string& text, Activation& act, float& param) {
    const size_t colon = text.find(':');
    const std::string name = text.substr(0, colon);
    const bool has_param = colon != std::string::npos;
    float value = 0.0f;
    if (has_param) {
        const std::string p = text.substr(colon + 1);
        char* end = nullptr;
        value = std::strtof(p.c_str(), &end);
        if (p.empty() || end != p.c_str() + p.size() || !std::isfinite(value))
            throw Error("activation: bad parameter in \"" + text + "\"");
    }
    Activation a;
    if (name == "identity" || name == "linear" || name == "none") a = Activation::Identity;
    else if (name == "relu") a = Activation::ReLU;
    else if (name == "leaky_relu" || name == "leakyrelu") a = Activation::LeakyReLU;
    else if (name == "tanh") a = Activation::Tanh;
    else if (name == "sigmoid") a = Activation::Sigmoid;
    else throw Error("activation: unknown \"" + text + "\" (identity, relu, leaky_relu[:slope], tanh, sigmoid)");
    if (has_param && a != Activation::LeakyReLU) throw Error("activation: \"" + name + "\" takes no parameter");
    act = a;
    param = a == Activation::LeakyReLU ? (has_param ? value : 0.01f) : 0.0f;
}

DType parse_dtype(const std::string& text) {
    if (text == "f32") return DType::F32;
    if (text == "f16") return DType::F16;
    if (text == "q8") return DType::Q8;
    throw Error("dtype: unknown \"" + text + "\" (f32, f16, q8)");
}

}  // namespace fontgan
