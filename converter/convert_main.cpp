// fontgan-convert: trained generator weights (.pt / .safetensors / .onnx) -> a fontgan blob.
//
// The CLI is glue: read files, call the importers and the blob writer, measure what the chosen dtype costs
// against f32 by running both blobs through the engine, and write the output atomically (temp file in the
// same folder, then rename), so a failed run never leaves a partial or clobbered OUTPUT.
#include "convert.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace fontgan;
using namespace fontgan::convert;

namespace {

constexpr size_t kErrorLatents = 1000;
constexpr uint64_t kErrorSeed = 1234;

const char* kUsage =
    "usage: fontgan-convert INPUT -o OUTPUT [options]\n"
    "\n"
    "INPUT is a torch.save(state_dict) .pt, a .safetensors or an .onnx export of an MLP generator\n"
    "(format detected by content). OUTPUT is a fontgan blob (v1, docs/format.md).\n"
    "\n"
    "  -o, --output PATH        where to write the blob (written to a temp file, then renamed)\n"
    "  --dtype f32|f16|q8       weight storage (default f32)\n"
    "  --q8-block N             q8 scale per N inputs (default 0: one scale per output row)\n"
    "  --map MAP.json           glyph map {\"A\": [latent_dim numbers], ...} stored in the blob\n"
    "  --hidden-act ACT         hidden activation for .pt/.safetensors (default leaky_relu:0.2)\n"
    "  --out-act ACT            output activation for .pt/.safetensors (default tanh)\n"
    "                           ACT: leaky_relu:SLOPE | relu | tanh | sigmoid | identity\n"
    "                           (.onnx graphs carry their own activations)\n"
    "  --width W --height H     output image size (default: square)\n"
    "  --name NAME              model name stored in the metadata (default: input file stem)\n"
    "  --notes TEXT             free-form notes stored in the metadata\n"
    "  -h, --help               this text\n";

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw Error("cannot open '" + path + "': " + std::strerror(errno));
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (f.bad()) throw Error("cannot read '" + path + "'");
    return bytes;
}

// Write bytes to path atomically: PATH.tmp-XXXXXX in the same folder, then rename over PATH.
void write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::string tmpl = path + ".tmp-XXXXXX";
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back('\0');
    const int fd = mkstemp(name.data());
    if (fd < 0) throw Error("cannot create a temporary file next to '" + path + "': " + std::strerror(errno));
    const std::string tmp(name.data());
    const mode_t mask = ::umask(0);  // mkstemp makes 0600; give the blob the usual 0666 & ~umask
    ::umask(mask);
    ::fchmod(fd, 0666 & ~mask);
    size_t done = 0;
    bool ok = true;
    while (ok && done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) ok = false;
        else done += size_t(n);
    }
    const int saved = errno;
    ok = (::fsync(fd) == 0) && ok;
    ok = (::close(fd) == 0) && ok;
    if (!ok) {
        ::unlink(tmp.c_str());
        throw Error("cannot write '" + tmp + "': " + std::strerror(saved ? saved : errno));
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const int e = errno;
        ::unlink(tmp.c_str());
        throw Error("cannot rename '" + tmp + "' to '" + path + "': " + std::strerror(e));
    }
}

std::string stem(const std::string& path) {
    std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
    const auto dot = base.find_last_of('.');
    return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

uint32_t parse_u32(const std::string& flag, const std::string& v) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long x = std::strtoull(v.c_str(), &end, 10);
    if (v.empty() || *end || errno || x > 0xffffffffull || v[0] == '-')
        throw UsageError(flag + " expects a non-negative integer, got '" + v + "'");
    return uint32_t(x);
}

std::string act_string(Activation a, float p) {
    std::string s = to_string(a);
    if (a == Activation::LeakyReLU) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "(%g)", double(p));
        s += buf;
    }
    return s;
}

std::string thousands(size_t n) {
    std::string s = std::to_string(n);
    for (int i = int(s.size()) - 3; i > 0; i -= 3) s.insert(size_t(i), ",");
    return s;
}

struct Args {
    std::string input, output, map, name, notes;
    bool have_name = false, acts_given = false;
    WriteOptions write;
    LayerOptions layers;
};

Args parse_args(int argc, char** argv) {
    Args a;
    auto value = [&](int& i) -> std::string {
        if (i + 1 >= argc) throw UsageError(std::string(argv[i]) + " needs a value");
        return argv[++i];
    };
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            std::cout << kUsage;
            std::exit(0);  // the CLI's own main; library code never exits
        } else if (arg == "-o" || arg == "--output") {
            a.output = value(i);
        } else if (arg == "--dtype") {
            try { a.write.dtype = parse_dtype(value(i)); } catch (const Error& e) { throw UsageError(e.what()); }
        } else if (arg == "--q8-block") {
            a.write.q8_block = parse_u32(arg, value(i));
        } else if (arg == "--map") {
            a.map = value(i);
        } else if (arg == "--hidden-act" || arg == "--out-act") {
            const bool hidden = arg == "--hidden-act";
            try {
                parse_activation(value(i), hidden ? a.layers.hidden_act : a.layers.out_act,
                                 hidden ? a.layers.hidden_param : a.layers.out_param);
            } catch (const Error& e) {
                throw UsageError(arg + ": " + e.what());
            }
            a.acts_given = true;
        } else if (arg == "--width") {
            a.layers.width = parse_u32(arg, value(i));
        } else if (arg == "--height") {
            a.layers.height = parse_u32(arg, value(i));
        } else if (arg == "--name") {
            a.name = value(i);
            a.have_name = true;
        } else if (arg == "--notes") {
            a.notes = value(i);
        } else if (!arg.empty() && arg[0] == '-') {
            throw UsageError("unknown option '" + arg + "'");
        } else if (a.input.empty()) {
            a.input = arg;
        } else {
            throw UsageError("more than one INPUT ('" + a.input + "', '" + arg + "')");
        }
    }
    if (a.input.empty()) throw UsageError("no INPUT given");
    if (a.output.empty()) throw UsageError("no OUTPUT given (-o PATH)");
    return a;
}

// mean and max |a - b| of the two blobs' outputs on the same seeded latents
void measure_error(const std::vector<uint8_t>& blob, const std::vector<uint8_t>& ref, double& mean, double& max) {
    auto model = Model::from_buffer(blob.data(), blob.size());
    auto ref_model = Model::from_buffer(ref.data(), ref.size());
    std::vector<float> z(kErrorLatents * model->latent_dim());
    sample_normal(kErrorSeed, z.data(), z.size());
    std::vector<float> out(kErrorLatents * model->pixels()), ref_out(out.size());
    Generator g(model), rg(ref_model);
    g.generate(z.data(), kErrorLatents, out.data());
    rg.generate(z.data(), kErrorLatents, ref_out.data());
    double sum = 0.0;
    max = 0.0;
    for (size_t i = 0; i < out.size(); ++i) {
        const double d = std::fabs(double(out[i]) - double(ref_out[i]));
        sum += d;
        max = std::max(max, d);
    }
    mean = out.empty() ? 0.0 : sum / double(out.size());
}

int run(const Args& a) {
    const std::vector<uint8_t> input = read_file(a.input);
    FloatModel model;
    InputFormat fmt;
    try {
        fmt = detect_format(input.data(), input.size());
        model = load_model(input.data(), input.size(), a.layers);
    } catch (const Error& e) {
        throw Error(a.input + ": " + e.what());
    }

    GlyphMap map;
    if (!a.map.empty()) {
        const std::vector<uint8_t> text = read_file(a.map);
        try {
            map = read_glyph_map(std::string(text.begin(), text.end()), model.latent_dim);
        } catch (const Error& e) {
            throw Error(a.map + ": " + e.what());
        }
    }

    nlohmann::json meta = {{"name", a.have_name ? a.name : stem(a.input)},
                           {"source", a.input.substr(a.input.find_last_of('/') == std::string::npos
                                                         ? 0 : a.input.find_last_of('/') + 1)},
                           {"source_format", to_string(fmt)},
                           {"converter", "fontgan-convert"}};
    if (!a.notes.empty()) meta["notes"] = a.notes;
    WriteOptions opts = a.write;
    opts.metadata_json = meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    WriteOptions ref_opts = opts;
    ref_opts.dtype = DType::F32;
    ref_opts.q8_block = 0;

    const std::vector<uint8_t> blob = write_blob(model, map, opts);
    const std::vector<uint8_t> ref = opts.dtype == DType::F32 ? blob : write_blob(model, map, ref_opts);
    double mean_err = 0.0, max_err = 0.0;
    measure_error(blob, ref, mean_err, max_err);
    auto loaded = Model::from_buffer(blob.data(), blob.size());

    write_file_atomic(a.output, blob);

    // -----------------------------------------------------------------------------------------------
    // summary

    std::printf("fontgan-convert: %s (%s) -> %s\n", a.input.c_str(), to_string(fmt), a.output.c_str());
    if (fmt == InputFormat::Onnx && a.acts_given)
        std::printf("  note: activations come from the ONNX graph; --hidden-act/--out-act were ignored\n");
    const auto& infos = loaded->layers();
    for (size_t i = 0; i < infos.size(); ++i) {
        const LayerInfo& l = infos[i];
        std::string dt = to_string(l.dtype);
        if (l.dtype == DType::Q8) dt += l.q8_block ? " (block " + std::to_string(l.q8_block) + ")" : " (per row)";
        std::printf("  layer %zu: %5u -> %-5u %-16s %s\n", i, l.in, l.out, act_string(l.act, l.act_param).c_str(),
                    dt.c_str());
    }
    std::printf("  parameters: %s\n", thousands(loaded->parameter_count()).c_str());
    std::printf("  output: %u x %u (%u pixels), range %g..%g\n", loaded->width(), loaded->height(), loaded->pixels(),
                double(loaded->out_min()), double(loaded->out_max()));
    std::printf("  glyphs: %zu\n", loaded->glyphs().size());
    std::printf("  blob: %s bytes (%s)", thousands(blob.size()).c_str(), to_string(opts.dtype));
    if (opts.dtype != DType::F32) std::printf(", f32 would be %s bytes", thousands(ref.size()).c_str());
    std::printf("\n  error vs f32 on %zu seeded latents: mean %.3g, max %.3g (absolute, pixel units)\n", kErrorLatents,
                mean_err, max_err);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parse_args(argc, argv));
    } catch (const UsageError& e) {
        std::fprintf(stderr, "fontgan-convert: %s\n(see fontgan-convert --help)\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fontgan-convert: %s\n", e.what());
        return 1;
    }
}
