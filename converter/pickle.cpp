// Restricted unpickler for torch.save(state_dict) pickles (protocol 2).
//
// It is a data parser, not a Python VM: it knows only the opcodes torch emits for a state_dict, builds
// plain values (ints, strings, tuples, dicts, storages, tensors), and accepts exactly three kinds of GLOBAL:
// collections.OrderedDict, torch._utils._rebuild_tensor_v2 and the torch.*Storage types. Any other global
// is refused the moment it is read, by name. REDUCE is only "interpreted" for the first two, by building
// the value they would build; nothing from the file is ever imported or called.
#include "convert.h"

#include <cstdio>
#include <memory>
#include <set>
#include <unordered_map>
#include <utility>

namespace fontgan::convert {

namespace {

constexpr size_t kMaxStack = 1 << 20;      // values on the stack
constexpr size_t kMaxMemo = 1 << 20;       // memo entries
constexpr size_t kMaxGlobalLine = 256;     // "module\nname\n" line length
constexpr size_t kMaxDims = 8;

// ---------------------------------------------------------------------------------------------------
// Values

enum class Kind { Bool, Int, Str, Tuple, Dict, OrderedDictClass, RebuildTensor, StorageClass, Storage, Tensor };

struct Value;
using Ptr = std::shared_ptr<Value>;

struct Value {
    Kind kind;
    int64_t i = 0;                           // Bool/Int; Storage: numel
    std::string s;                           // Str; Storage: key; *Class: the global's name
    ElemType dtype = ElemType::F32;          // StorageClass/Storage
    std::vector<Ptr> items;                  // Tuple
    std::vector<std::pair<Ptr, Ptr>> dict;   // Dict (OrderedDict: keeps insertion order)
    PickledTensor tensor;                    // Tensor (name unset)
    explicit Value(Kind k) : kind(k) {}
};

const char* kind_name(Kind k) {
    switch (k) {
        case Kind::Bool: return "bool";
        case Kind::Int: return "int";
        case Kind::Str: return "str";
        case Kind::Tuple: return "tuple";
        case Kind::Dict: return "dict";
        case Kind::OrderedDictClass: return "collections.OrderedDict";
        case Kind::RebuildTensor: return "torch._utils._rebuild_tensor_v2";
        case Kind::StorageClass: return "a torch storage type";
        case Kind::Storage: return "storage";
        case Kind::Tensor: return "tensor";
    }
    return "?";
}

// The allowlist. Storage types map to their element type.
bool storage_type(const std::string& name, ElemType& t) {
    static const std::pair<const char*, ElemType> known[] = {
        {"FloatStorage", ElemType::F32}, {"HalfStorage", ElemType::F16}, {"BFloat16Storage", ElemType::BF16},
        {"DoubleStorage", ElemType::F64}, {"LongStorage", ElemType::I64}, {"IntStorage", ElemType::I32},
        {"ShortStorage", ElemType::I16}, {"CharStorage", ElemType::I8}, {"ByteStorage", ElemType::U8},
        {"BoolStorage", ElemType::Bool}};
    for (const auto& k : known)
        if (name == k.first) { t = k.second; return true; }
    return false;
}

// ---------------------------------------------------------------------------------------------------
// The machine

class Unpickler {
public:
    Unpickler(const uint8_t* data, size_t size) : p_(data), end_(data + size), begin_(data) {}

    // Every value is also kept here so that, whatever happened, teardown is flat: children are cleared
    // before anything is destroyed (no deep recursion on hostile nesting, no leak on dict cycles).
    ~Unpickler() {
        for (const Ptr& v : all_) { v->items.clear(); v->dict.clear(); }
    }

    Ptr run() {
        for (;;) {
            if (p_ >= end_) fail("truncated (no STOP opcode)");
            const size_t at = size_t(p_ - begin_);
            const uint8_t op = *p_++;
            op_at_ = at;
            switch (op) {
                case 0x80: {  // PROTO
                    uint8_t v = u8();
                    if (v < 2 || v > 5) fail("unsupported protocol " + std::to_string(v));
                    break;
                }
                case 'c': global(); break;
                case 'q': memo_put(u8()); break;                 // BINPUT
                case 'r': memo_put(uint32_t(le(4))); break;      // LONG_BINPUT
                case 'h': push(memo_get(u8())); break;           // BINGET
                case 'j': push(memo_get(uint32_t(le(4)))); break;  // LONG_BINGET
                case ')': push(make(Kind::Tuple)); break;        // EMPTY_TUPLE
                case '}': push(make(Kind::Dict)); break;         // EMPTY_DICT
                case '(': marks_.push_back(stack_.size()); break;  // MARK
                case 'X': {                                      // BINUNICODE
                    uint64_t n = le(4);
                    if (n > size_t(end_ - p_)) fail("string runs past the end");
                    Ptr s = make(Kind::Str);
                    s->s.assign(reinterpret_cast<const char*>(p_), n);
                    decode_utf8(s->s, where());
                    p_ += n;
                    push(s);
                    break;
                }
                case 't': push(tuple(pop_mark())); break;        // TUPLE
                case 0x85: tuple_n(1); break;                    // TUPLE1
                case 0x86: tuple_n(2); break;                    // TUPLE2
                case 0x87: tuple_n(3); break;                    // TUPLE3
                case 'J': push_int(int32_t(uint32_t(le(4)))); break;  // BININT
                case 'K': push_int(u8()); break;                 // BININT1
                case 'M': push_int(int64_t(le(2))); break;       // BININT2
                case 0x88: push_bool(true); break;               // NEWTRUE
                case 0x89: push_bool(false); break;              // NEWFALSE
                case 'Q': persistent_id(); break;                // BINPERSID
                case 'R': reduce(); break;                       // REDUCE
                case 's': {                                      // SETITEM
                    Ptr v = pop(), k = pop();
                    dict_top()->dict.emplace_back(k, v);
                    break;
                }
                case 'u': {                                      // SETITEMS
                    std::vector<Ptr> kv = pop_mark();
                    if (kv.size() % 2) fail("SETITEMS with an odd number of items");
                    Ptr d = dict_top();
                    for (size_t i = 0; i < kv.size(); i += 2) d->dict.emplace_back(kv[i], kv[i + 1]);
                    break;
                }
                case 'b': {  // BUILD: state (e.g. the state_dict's _metadata) is dropped, never applied
                    pop();
                    if (stack_.empty() || (stack_.back()->kind != Kind::Dict && stack_.back()->kind != Kind::Tensor))
                        fail("BUILD on something other than a dict or tensor");
                    break;
                }
                case '.': {  // STOP
                    Ptr r = pop();
                    if (!stack_.empty() || !marks_.empty()) fail("values left on the stack at STOP");
                    return r;
                }
                default: {
                    char hex[8];
                    std::snprintf(hex, sizeof hex, "0x%02x", op);
                    fail(std::string("opcode ") + hex + " is not supported (only the opcodes of a torch state_dict)");
                }
            }
        }
    }

    [[noreturn]] void fail(const std::string& msg) const { throw Error(where() + ": " + msg); }

private:
    const uint8_t* p_;
    const uint8_t* end_;
    const uint8_t* begin_;
    size_t op_at_ = 0;
    std::vector<Ptr> stack_;
    std::vector<size_t> marks_;
    std::unordered_map<uint32_t, Ptr> memo_;
    std::vector<Ptr> all_;

    std::string where() const { return "pickle: at byte " + std::to_string(op_at_); }

    Ptr make(Kind k) {
        Ptr v = std::make_shared<Value>(k);
        all_.push_back(v);
        return v;
    }

    uint8_t u8() {
        if (p_ >= end_) fail("truncated");
        return *p_++;
    }
    uint64_t le(size_t n) {
        if (size_t(end_ - p_) < n) fail("truncated");
        const uint64_t v = load_le(p_, n);
        p_ += n;
        return v;
    }

    void push(Ptr v) {
        if (stack_.size() >= kMaxStack) fail("stack too deep");
        stack_.push_back(std::move(v));
    }
    Ptr pop() {
        if (stack_.empty() || (!marks_.empty() && marks_.back() == stack_.size())) fail("stack underflow");
        Ptr v = std::move(stack_.back());
        stack_.pop_back();
        return v;
    }
    std::vector<Ptr> pop_mark() {
        if (marks_.empty()) fail("no MARK to pop to");
        const size_t m = marks_.back();
        marks_.pop_back();
        std::vector<Ptr> out(stack_.begin() + long(m), stack_.end());
        stack_.resize(m);
        return out;
    }
    void push_int(int64_t v) { Ptr p = make(Kind::Int); p->i = v; push(p); }
    void push_bool(bool v) { Ptr p = make(Kind::Bool); p->i = v; push(p); }
    Ptr tuple(std::vector<Ptr> items) { Ptr t = make(Kind::Tuple); t->items = std::move(items); return t; }
    void tuple_n(size_t n) {
        std::vector<Ptr> items(n);
        for (size_t i = n; i-- > 0;) items[i] = pop();
        push(tuple(std::move(items)));
    }
    Ptr dict_top() {
        if (stack_.empty() || stack_.back()->kind != Kind::Dict) fail("SETITEM(S) on something other than a dict");
        return stack_.back();
    }

    void memo_put(uint32_t idx) {
        if (stack_.empty()) fail("memo put with an empty stack");
        if (memo_.size() >= kMaxMemo && !memo_.count(idx)) fail("memo too large");
        memo_[idx] = stack_.back();
    }
    Ptr memo_get(uint32_t idx) {
        auto it = memo_.find(idx);
        if (it == memo_.end()) fail("memo entry " + std::to_string(idx) + " does not exist");
        return it->second;
    }

    std::string line() {
        std::string s;
        for (;;) {
            if (p_ >= end_) fail("truncated GLOBAL");
            char c = char(*p_++);
            if (c == '\n') return s;
            if (s.size() >= kMaxGlobalLine) fail("GLOBAL name too long");
            s += c;
        }
    }

    // GLOBAL: the allowlist, checked before anything else happens with the name
    void global() {
        const std::string module = line(), name = line();
        ElemType t;
        Ptr g;
        if (module == "collections" && name == "OrderedDict") {
            g = make(Kind::OrderedDictClass);
        } else if (module == "torch._utils" && name == "_rebuild_tensor_v2") {
            g = make(Kind::RebuildTensor);
        } else if (module == "torch" && storage_type(name, t)) {
            g = make(Kind::StorageClass);
            g->dtype = t;
        } else {
            fail("global '" + module + " " + name +
                 "' is not allowed (allowed: collections.OrderedDict, torch._utils._rebuild_tensor_v2, "
                 "torch.*Storage)");
        }
        g->s = module + "." + name;
        push(g);
    }

    // BINPERSID: ('storage', <Storage type>, key, device, numel) -> a storage reference (bytes come later)
    void persistent_id() {
        Ptr pid = pop();
        const auto& it = pid->items;
        if (pid->kind != Kind::Tuple || it.size() != 5 || it[0]->kind != Kind::Str || it[0]->s != "storage" ||
            it[1]->kind != Kind::StorageClass || it[2]->kind != Kind::Str || it[3]->kind != Kind::Str ||
            it[4]->kind != Kind::Int)
            fail("persistent id is not ('storage', <Storage type>, key, device, numel)");
        if (it[4]->i < 0) fail("negative storage size");
        if (it[2]->s.empty() || it[2]->s.find('/') != std::string::npos || it[2]->s.find("..") != std::string::npos)
            fail("bad storage key '" + it[2]->s + "'");
        Ptr s = make(Kind::Storage);
        s->dtype = it[1]->dtype;
        s->s = it[2]->s;
        s->i = it[4]->i;
        push(s);
    }

    std::vector<int64_t> int_tuple(const Ptr& v, const char* what) {
        if (v->kind != Kind::Tuple) fail(std::string(what) + " is not a tuple");
        if (v->items.size() > kMaxDims) fail(std::string(what) + " has too many dimensions");
        std::vector<int64_t> out;
        for (const Ptr& x : v->items) {
            if (x->kind != Kind::Int || x->i < 0) fail(std::string(what) + " holds something other than a size");
            out.push_back(x->i);
        }
        return out;
    }

    // REDUCE: only OrderedDict() and _rebuild_tensor_v2(...) are understood; both build plain data
    void reduce() {
        Ptr args = pop(), fn = pop();
        if (args->kind != Kind::Tuple) fail("REDUCE arguments are not a tuple");
        if (fn->kind == Kind::OrderedDictClass) {
            if (!args->items.empty()) fail("OrderedDict called with arguments");
            push(make(Kind::Dict));
            return;
        }
        if (fn->kind != Kind::RebuildTensor) fail(std::string("REDUCE of ") + kind_name(fn->kind) + " is not allowed");

        // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        const auto& a = args->items;
        if (a.size() != 6 && a.size() != 7) fail("_rebuild_tensor_v2 expects 6 or 7 arguments");
        if (a[0]->kind != Kind::Storage) fail("_rebuild_tensor_v2: first argument is not a storage");
        if (a[1]->kind != Kind::Int || a[1]->i < 0) fail("_rebuild_tensor_v2: bad storage offset");
        if (a[4]->kind != Kind::Bool) fail("_rebuild_tensor_v2: requires_grad is not a bool");
        if (a[5]->kind != Kind::Dict || !a[5]->dict.empty())
            fail("_rebuild_tensor_v2: backward hooks are not supported");
        if (a.size() == 7 && a[6]->kind != Kind::Dict) fail("_rebuild_tensor_v2: metadata is not a dict");
        std::vector<int64_t> shape = int_tuple(a[2], "tensor size"), stride = int_tuple(a[3], "tensor stride");
        if (shape.size() != stride.size()) fail("tensor size and stride have different lengths");

        // row-major (C-contiguous) only; dimensions of size 1 may carry any stride
        const size_t numel = checked_numel(shape, size_t(1) << 40, where());
        int64_t expect = 1;
        for (size_t d = shape.size(); d-- > 0;) {
            if (shape[d] != 1 && stride[d] != expect)
                fail("tensor is not row-major contiguous (stride " + std::to_string(stride[d]) + " in dimension " +
                     std::to_string(d) + ", expected " + std::to_string(expect) + ")");
            expect *= shape[d];
        }
        const uint64_t storage_numel = uint64_t(a[0]->i), offset = uint64_t(a[1]->i);
        if (offset > storage_numel || numel > storage_numel - offset)
            fail("tensor (offset " + std::to_string(offset) + ", " + std::to_string(numel) +
                 " elements) does not fit its storage of " + std::to_string(storage_numel) + " elements");

        Ptr t = make(Kind::Tensor);
        t->tensor.dtype = a[0]->dtype;
        t->tensor.storage_key = a[0]->s;
        t->tensor.storage_numel = storage_numel;
        t->tensor.offset = offset;
        t->tensor.shape = std::move(shape);
        push(t);
    }
};

}  // namespace

// ---------------------------------------------------------------------------------------------------
// state_dict: an OrderedDict of name -> tensor

std::vector<PickledTensor> unpickle_state_dict(const uint8_t* data, size_t size) {
    Ptr root;  // declared first so it is released after the unpickler has flattened every value
    Unpickler up(data, size);
    root = up.run();
    if (root->kind != Kind::Dict)
        throw Error(std::string("pickle: the file holds a ") + kind_name(root->kind) +
                    ", not a state_dict (save model.state_dict(), not the model or a checkpoint dict)");
    std::vector<PickledTensor> out;
    std::set<std::string> seen;
    for (const auto& [k, v] : root->dict) {
        if (k->kind != Kind::Str) throw Error("pickle: state_dict key is not a string");
        if (v->kind != Kind::Tensor)
            throw Error("pickle: state_dict entry '" + k->s + "' is a " + kind_name(v->kind) +
                        ", not a tensor (is this a checkpoint dict rather than a state_dict?)");
        if (!seen.insert(k->s).second) throw Error("pickle: duplicate state_dict key '" + k->s + "'");
        PickledTensor t = v->tensor;
        t.name = k->s;
        out.push_back(std::move(t));
    }
    return out;
}

}  // namespace fontgan::convert
