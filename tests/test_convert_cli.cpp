// The fontgan-convert executable: summary on success; on failure a non-zero exit, a message saying where
// the problem is, and an OUTPUT left exactly as it was (no partial file, no temp file left behind).
#include "convert_test_util.h"

#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace fontgan;
using namespace convert_test;

namespace {

const std::string kTool = std::string(FONTGAN_BUILD_DIR) + "/converter/fontgan-convert";

struct Run {
    int rc = -1;
    std::string out, err;
};

std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/fontgan_cli_XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        if (DIR* d = ::opendir(path.c_str())) {
            while (dirent* e = ::readdir(d))
                if (std::string(e->d_name) != "." && std::string(e->d_name) != "..")
                    std::remove((path + "/" + e->d_name).c_str());
            ::closedir(d);
        }
        ::rmdir(path.c_str());
    }
    std::vector<std::string> entries() const {
        std::vector<std::string> r;
        if (DIR* d = ::opendir(path.c_str())) {
            while (dirent* e = ::readdir(d))
                if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") r.push_back(e->d_name);
            ::closedir(d);
        }
        return r;
    }
};

// args are single-quoted for the shell (no test argument contains a quote)
Run run(const TempDir& dir, const std::vector<std::string>& args) {
    std::string cmd = "'" + kTool + "'";
    for (const std::string& a : args) cmd += " '" + a + "'";
    cmd += " >'" + dir.path + "/stdout.txt' 2>'" + dir.path + "/stderr.txt'";
    const int status = std::system(cmd.c_str());
    Run r;
    r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(dir.path + "/stdout.txt");
    r.err = slurp(dir.path + "/stderr.txt");
    std::remove((dir.path + "/stdout.txt").c_str());
    std::remove((dir.path + "/stderr.txt").c_str());
    return r;
}

void write_text(const std::string& path, const std::string& s) {
    std::ofstream f(path, std::ios::binary);
    f << s;
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("convert cli: successful conversions print a summary") {
    struct stat st;
    REQUIRE_MESSAGE(::stat(kTool.c_str(), &st) == 0, "fontgan-convert not built at " << kTool);
    TempDir dir;
    const std::string out = dir.path + "/small.bin";

    SUBCASE("small .pt, q8, with a map") {
        Run r = run(dir, {fixture_path("small.pt"), "-o", out, "--dtype", "q8", "--width", "4", "--height", "3", "--map",
                          fixture_path("small_map.json"), "--name", "tiny", "--notes", "for the tests"});
        INFO(r.err);
        REQUIRE(r.rc == 0);
        CHECK(has(r.out, "layer 0:     8 -> 16    leaky_relu(0.2)  q8"));
        CHECK(has(r.out, "layer 2:    12 -> 12    tanh"));
        CHECK(has(r.out, "parameters: 504"));  // 8*16+16 + 16*12+12 + 12*12+12
        CHECK(has(r.out, "output: 4 x 3 (12 pixels)"));
        CHECK(has(r.out, "glyphs: 5"));
        CHECK(has(r.out, "error vs f32 on 1000 seeded latents: mean "));
        auto m = Model::from_file(out);
        CHECK(m->layers().size() == 3);
        CHECK(m->layers()[0].dtype == DType::Q8);
        CHECK(m->glyphs().size() == 5);
        CHECK(m->latent_for(0x1f600) != nullptr);
        CHECK(has(m->metadata(), "\"name\":\"tiny\""));
        CHECK(has(m->metadata(), "for the tests"));
        CHECK(has(r.out, "blob: " ) );
        CHECK(dir.entries() == std::vector<std::string>{"small.bin"});  // no temp file left
    }
    SUBCASE("the format is detected by content, not by the file name") {
        const std::string disguised = dir.path + "/weights.pt";
        const std::vector<uint8_t> b = fixture("small.safetensors");
        write_text(disguised, std::string(b.begin(), b.end()));
        Run r = run(dir, {disguised, "-o", out, "--width", "4"});
        INFO(r.err);
        REQUIRE(r.rc == 0);
        CHECK(has(r.out, "(safetensors)"));
        CHECK(Model::from_file(out)->height() == 3);
    }
    SUBCASE("onnx takes its activations from the graph") {
        Run r = run(dir, {fixture_path("small.onnx"), "-o", out, "--width", "4", "--height", "3", "--out-act", "sigmoid"});
        INFO(r.err);
        REQUIRE(r.rc == 0);
        CHECK(has(r.out, "(onnx)"));
        CHECK(has(r.out, "--hidden-act/--out-act were ignored"));
        CHECK(Model::from_file(out)->layers()[2].act == Activation::Tanh);
    }
    SUBCASE("--help") {
        Run r = run(dir, {"--help"});
        CHECK(r.rc == 0);
        CHECK(has(r.out, "usage: fontgan-convert INPUT -o OUTPUT"));
    }
}

TEST_CASE("convert cli: failures exit non-zero and leave OUTPUT untouched") {
    TempDir dir;
    const std::string out = dir.path + "/existing.bin";
    const std::string before = "precious bytes that must survive\n";
    std::remove("/tmp/fontgan_pwned");

    struct Case { const char* what; std::vector<std::string> args; int rc; const char* message; };
    const std::vector<Case> cases = {
        {"hostile pickle", {fixture_path("hostile_system.pt"), "-o", out}, 1,
         "hostile_system.pt: pickle: at byte"},
        {"truncated zip", {fixture_path("truncated.pt"), "-o", out}, 1, "truncated.pt: zip:"},
        {"non-square without sizes", {fixture_path("small.pt"), "-o", out}, 1, "not a square image"},
        {"map of the wrong latent size", {fixture_path("small.pt"), "-o", out, "--width", "4", "--map",
                                          fixture_path("full_map.json")}, 1, "full_map.json: map: '7': expected an array of 8 numbers, got 100"},
        {"missing input", {dir.path + "/nope.pt", "-o", out}, 1, "cannot open"},
        {"not a model", {fixture_path("small.json"), "-o", out}, 1, "input: unrecognized format"},
        {"bad dtype", {fixture_path("small.pt"), "-o", out, "--dtype", "q4"}, 2, "q4"},
        {"bad activation", {fixture_path("small.pt"), "-o", out, "--hidden-act", "swish"}, 2, "--hidden-act"},
        {"unknown option", {fixture_path("small.pt"), "-o", out, "--fast"}, 2, "unknown option '--fast'"},
        {"no output", {fixture_path("small.pt")}, 2, "no OUTPUT"},
    };
    for (const Case& c : cases) {
        SUBCASE(c.what) {
            write_text(out, before);
            Run r = run(dir, c.args);
            INFO(r.out << r.err);
            CHECK(r.rc == c.rc);
            CHECK(starts_with(r.err, "fontgan-convert: "));
            CHECK(has(r.err, c.message));
            CHECK(slurp(out) == before);
            CHECK(dir.entries() == std::vector<std::string>{"existing.bin"});
            struct stat st;
            CHECK(::stat("/tmp/fontgan_pwned", &st) != 0);
        }
    }
    SUBCASE("the output's folder does not exist") {
        Run r = run(dir, {fixture_path("small.pt"), "-o", dir.path + "/no/such/dir/x.bin", "--width", "4"});
        CHECK(r.rc == 1);
        CHECK(has(r.err, "cannot create a temporary file"));
    }
}
