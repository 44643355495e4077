// The restricted unpickler: hostile pickles are refused by the name of their global and nothing runs;
// malformed pickles give errors, never crashes.
#include "convert_test_util.h"

#include <cstdio>
#include <sys/stat.h>

using namespace fontgan;
using namespace fontgan::convert;
using namespace convert_test;
using namespace std::string_literals;

namespace {

const char* kMarker = "/tmp/fontgan_pwned";  // what the hostile fixtures try to create

bool marker_exists() {
    struct stat st;
    return ::stat(kMarker, &st) == 0;
}

std::string g(const std::string& module, const std::string& name) { return "c" + module + "\n" + name + "\n"; }
std::string u(const std::string& s) {  // BINUNICODE
    std::string r = "X";
    for (int i = 0; i < 4; ++i) r += char((s.size() >> (8 * i)) & 0xff);
    return r + s;
}
std::string k(int v) { return std::string("K") + char(v); }  // BININT1

// A hand-made state_dict {'w': tensor (2, 3)} with a chosen size/stride/offset, as torch writes it.
std::string state_dict(const std::string& size = k(2) + k(3) + "\x86", const std::string& stride = k(3) + k(1) + "\x86",
                       int offset = 0, const std::string& storage = "FloatStorage") {
    return "\x80\x02" + g("collections", "OrderedDict") + ")R(" + u("w") + g("torch._utils", "_rebuild_tensor_v2") +
           "((" + u("storage") + g("torch", storage) + u("0") + u("cpu") + k(6) + "tQ" + k(offset) + size + stride +
           "\x89" + g("collections", "OrderedDict") + ")RtRu.";
}

std::string unpickle_error(const std::string& p) {
    return error_of([&] { unpickle_state_dict(reinterpret_cast<const uint8_t*>(p.data()), p.size()); });
}

}  // namespace

TEST_CASE("pickle: hostile .pt files are refused by name, and nothing runs") {
    std::remove(kMarker);
    REQUIRE_FALSE(marker_exists());
    struct Case { const char* file; const char* message; };
    const Case cases[] = {
        {"hostile_system.pt", "global 'posix system' is not allowed"},
        {"hostile_eval.pt", "global '__builtin__ eval' is not allowed"},
        {"hostile_module.pt", "global 'models Generator' is not allowed"},
    };
    for (const Case& c : cases) {
        SUBCASE(c.file) {
            const std::vector<uint8_t> b = fixture(c.file);
            const std::string e = error_of([&] { read_pt(b.data(), b.size()); });
            INFO(e);
            CHECK(starts_with(e, "pickle:"));
            CHECK(e.find(c.message) != std::string::npos);
            const std::string e2 = error_of([&] { load_model(b.data(), b.size(), LayerOptions{}); });
            CHECK(e2 == e);
            CHECK_FALSE(marker_exists());
        }
    }
}

TEST_CASE("pickle: the restricted machine") {
    SUBCASE("a hand-made state_dict parses") {
        const std::string p = state_dict();
        auto t = unpickle_state_dict(reinterpret_cast<const uint8_t*>(p.data()), p.size());
        REQUIRE(t.size() == 1);
        CHECK(t[0].name == "w");
        CHECK(t[0].shape == std::vector<int64_t>{2, 3});
        CHECK(t[0].storage_key == "0");
        CHECK(t[0].storage_numel == 6);
        CHECK(t[0].dtype == ElemType::F32);
    }
    SUBCASE("globals off the allowlist are refused when read, before any call") {
        CHECK(unpickle_error("\x80\x02" + g("posix", "system")) ==
              "pickle: at byte 2: global 'posix system' is not allowed (allowed: collections.OrderedDict, "
              "torch._utils._rebuild_tensor_v2, torch.*Storage)");
        CHECK(unpickle_error("\x80\x02" + g("torch._utils", "_rebuild_parameter")).find("'torch._utils _rebuild_parameter'") !=
              std::string::npos);
        CHECK(unpickle_error("\x80\x02" + g("torch", "Tensor")).find("global 'torch Tensor' is not allowed") != std::string::npos);
        CHECK(unpickle_error("\x80\x02" + g("torch", "FloatStorageX")).find("not allowed") != std::string::npos);
        CHECK(unpickle_error("\x80\x02" + g("collections", "OrderedDictX")).find("global 'collections OrderedDictX' is not allowed") != std::string::npos);
    }
    SUBCASE("storage types are data, not callables") {
        CHECK(unpickle_error("\x80\x02" + g("torch", "FloatStorage") + ")R.").find("REDUCE of a torch storage type is not allowed") !=
              std::string::npos);
    }
    SUBCASE("storage dtypes map to element types") {
        const std::string p = state_dict(k(2) + k(3) + "\x86", k(3) + k(1) + "\x86", 0, "HalfStorage");
        CHECK(unpickle_state_dict(reinterpret_cast<const uint8_t*>(p.data()), p.size())[0].dtype == ElemType::F16);
    }
    SUBCASE("strides must be row-major, and the tensor must fit its storage") {
        CHECK(unpickle_error(state_dict(k(2) + k(3) + "\x86", k(1) + k(2) + "\x86")).find("not row-major") != std::string::npos);
        CHECK(unpickle_error(state_dict(k(2) + k(3) + "\x86", k(3) + k(1) + "\x86", 1)).find("does not fit its storage") !=
              std::string::npos);
        CHECK(unpickle_error(state_dict(k(3) + k(3) + "\x86", k(3) + k(1) + "\x86")).find("does not fit its storage") !=
              std::string::npos);
        CHECK(unpickle_error(state_dict(k(2) + k(3) + "\x86", k(1) + "\x85")).find("different lengths") != std::string::npos);
        // size-1 dimensions may carry any stride (torch's own contiguity rule)
        const std::string p = state_dict(k(1) + k(6) + "\x86", k(99) + k(1) + "\x86");
        CHECK(unpickle_state_dict(reinterpret_cast<const uint8_t*>(p.data()), p.size())[0].shape ==
              std::vector<int64_t>{1, 6});
    }
    SUBCASE("opcodes outside the state_dict subset are refused") {
        CHECK(unpickle_error("\x80\x02N.").find("opcode 0x4e is not supported") != std::string::npos);  // NONE
        CHECK(unpickle_error("\x80\x02" "cos\nsystem\n").find("global 'os system'") != std::string::npos);
        CHECK(unpickle_error("\x80\x02i" "os\nsystem\n").find("opcode 0x69") != std::string::npos);    // INST
        CHECK(unpickle_error("\x80\x02\x93").find("opcode 0x93") != std::string::npos);              // STACK_GLOBAL
    }
    SUBCASE("malformed streams") {
        CHECK(unpickle_error("").find("truncated") != std::string::npos);
        CHECK(unpickle_error("\x80\x02}").find("no STOP") != std::string::npos);
        CHECK(unpickle_error("\x80\x02h\x07.").find("memo entry 7 does not exist") != std::string::npos);
        CHECK(unpickle_error("\x80\x02s.").find("stack underflow") != std::string::npos);
        CHECK(unpickle_error("\x80\x02(.").find("stack underflow") != std::string::npos);
        CHECK(unpickle_error("\x80\x02t.").find("no MARK") != std::string::npos);
        CHECK(unpickle_error("\x80\x02X\xff\xff\xff\x7f" "abc").find("runs past the end") != std::string::npos);
        CHECK(unpickle_error("\x80\x02X\x02\x00\x00\x00\xc3(."s).find("UTF-8") != std::string::npos);
        CHECK(unpickle_error("\x80\x02}}.").find("left on the stack") != std::string::npos);
        CHECK(unpickle_error("\x80\x09}.").find("unsupported protocol 9") != std::string::npos);
        CHECK(unpickle_error("\x80\x02" + std::string("c") + std::string(300, 'a')).find("too long") != std::string::npos);
    }
    SUBCASE("not a state_dict") {
        CHECK(unpickle_error("\x80\x02).").find("holds a tuple, not a state_dict") != std::string::npos);
        // a checkpoint dict {'G': {...}}: the value is a dict, not a tensor
        CHECK(unpickle_error("\x80\x02}" + u("G") + "}s.").find("'G' is a dict, not a tensor") != std::string::npos);
        CHECK(unpickle_error("\x80\x02}" + k(1) + u("x") + "s.").find("key is not a string") != std::string::npos);
    }
    SUBCASE("hostile shapes: deep nesting and self-reference end in errors, not stack overflows") {
        const std::string deep = "\x80\x02)" + std::string(200000, '\x85') + ".";
        CHECK(unpickle_error(deep).find("holds a tuple") != std::string::npos);
        const std::string cycle = "\x80\x02}q\x00"s + u("self") + "h\x00s."s;  // d['self'] = d
        CHECK(unpickle_error(cycle).find("'self' is a dict, not a tensor") != std::string::npos);
    }
}

TEST_CASE("pickle: a real data.pkl truncated or corrupted at every offset gives errors, never a crash") {
    // The zip's CRC catches corruption of a .pt file before the pickle is read; here the pickle
    // itself is damaged, as a hand-crafted file could be.
    const std::vector<uint8_t> pt = fixture("small.pt");
    ZipReader zip(pt.data(), pt.size());
    const ZipEntry* e = zip.find("small/data.pkl");
    REQUIRE(e != nullptr);
    const std::string good(reinterpret_cast<const char*>(zip.data(*e)), e->size);
    REQUIRE(unpickle_state_dict(reinterpret_cast<const uint8_t*>(good.data()), good.size()).size() == 6);

    SUBCASE("truncated") {
        for (size_t n = 0; n < good.size(); ++n) {
            INFO("length " << n);
            CHECK(starts_with(unpickle_error(good.substr(0, n)), "pickle:"));
        }
    }
    SUBCASE("one byte changed, three ways") {
        for (size_t i = 0; i < good.size(); ++i)
            for (uint8_t x : {uint8_t(0xff), uint8_t(0x01), uint8_t(0x40)}) {
                std::string b = good;
                b[i] = char(uint8_t(b[i]) ^ x);
                const std::string msg = unpickle_error(b);  // an error, or a (different) state_dict
                INFO("offset " << i << " xor " << int(x) << ": " << msg);
                CHECK((msg.empty() || starts_with(msg, "pickle:")));
            }
    }
}
