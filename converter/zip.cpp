// Read-only zip archive view, enough for torch.save files: stored (uncompressed) entries, ZIP64 records.
// The central directory is the source of truth; every local header is checked against it, every range
// against the buffer, and each stored entry's CRC-32 is verified.
#include "convert.h"

#include <algorithm>
#include <set>

namespace fontgan::convert {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEocdSig = 0x06054b50;
constexpr uint32_t kZip64EocdSig = 0x06064b50, kZip64LocatorSig = 0x07064b50;

// true when [off, off+len) lies inside a buffer of `size` bytes (no overflow)
bool in_range(uint64_t off, uint64_t len, size_t size) { return off <= size && len <= size - off; }

}  // namespace

// ---------------------------------------------------------------------------------------------------
// End of central directory (classic, then ZIP64 when the classic fields are saturated or a locator exists)

ZipReader::ZipReader(const uint8_t* data, size_t size) : data_(data), size_(size) {
    if (size < 22) throw Error("zip: file too small to be a zip (" + std::to_string(size) + " bytes)");
    size_t eocd = size_t(-1);
    const size_t lowest = size >= 22 + 65535 ? size - 22 - 65535 : 0;
    for (size_t pos = size - 22 + 1; pos-- > lowest;) {
        if (load_le(data + pos, 4) == kEocdSig && pos + 22 + load_le(data + pos + 20, 2) <= size) {
            eocd = pos;
            break;
        }
    }
    if (eocd == size_t(-1)) throw Error("zip: end of central directory not found (not a zip, or truncated)");

    uint64_t count = load_le(data + eocd + 10, 2);
    uint64_t cd_size = load_le(data + eocd + 12, 4);
    uint64_t cd_offset = load_le(data + eocd + 16, 4);
    if (load_le(data + eocd + 4, 2) != 0 || load_le(data + eocd + 6, 2) != 0)
        throw Error("zip: multi-disk archives are not supported");

    const bool has_locator = eocd >= 20 && load_le(data + eocd - 20, 4) == kZip64LocatorSig;
    if (has_locator) {
        uint64_t z64 = load_le(data + eocd - 20 + 8, 8);
        if (!in_range(z64, 56, size) || load_le(data + z64, 4) != kZip64EocdSig)
            throw Error("zip: ZIP64 end of central directory record is missing or out of range");
        count = load_le(data + z64 + 32, 8);
        cd_size = load_le(data + z64 + 40, 8);
        cd_offset = load_le(data + z64 + 48, 8);
    } else if (count == 0xffff || cd_size == 0xffffffffu || cd_offset == 0xffffffffu) {
        throw Error("zip: ZIP64 archive without a ZIP64 locator");
    }
    if (!in_range(cd_offset, cd_size, size)) throw Error("zip: central directory lies outside the file");
    if (count > cd_size / 46) throw Error("zip: central directory claims " + std::to_string(count) + " entries");

    // -----------------------------------------------------------------------------------------------
    // Central directory entries

    std::set<std::string> names;
    uint64_t pos = cd_offset;
    const uint64_t cd_end = cd_offset + cd_size;
    for (uint64_t i = 0; i < count; ++i) {
        const std::string where = "zip: central directory entry " + std::to_string(i);
        if (cd_end - pos < 46 || load_le(data + pos, 4) != kCentralSig) throw Error(where + ": bad signature or truncated");
        const uint8_t* h = data + pos;
        const uint16_t flags = uint16_t(load_le(h + 8, 2));
        ZipEntry e;
        e.method = uint16_t(load_le(h + 10, 2));
        e.crc = uint32_t(load_le(h + 16, 4));
        uint64_t csize = load_le(h + 20, 4), usize = load_le(h + 24, 4), local = load_le(h + 42, 4);
        const uint64_t name_len = load_le(h + 28, 2), extra_len = load_le(h + 30, 2), comment_len = load_le(h + 32, 2);
        if (cd_end - pos - 46 < name_len + extra_len + comment_len) throw Error(where + ": truncated");
        e.name.assign(reinterpret_cast<const char*>(h + 46), name_len);

        // ZIP64 extended information: present fields follow the order usize, csize, offset
        const uint8_t* x = h + 46 + name_len;
        for (uint64_t xo = 0; xo + 4 <= extra_len;) {
            const uint64_t id = load_le(x + xo, 2), len = load_le(x + xo + 2, 2);
            if (xo + 4 + len > extra_len) throw Error(where + " '" + e.name + "': extra field overruns its header");
            if (id == 0x0001) {
                uint64_t f = xo + 4, fend = xo + 4 + len;
                auto take = [&](uint64_t& v) {
                    if (f + 8 > fend) throw Error(where + " '" + e.name + "': ZIP64 extra field too short");
                    v = load_le(x + f, 8);
                    f += 8;
                };
                if (usize == 0xffffffffu) take(usize);
                if (csize == 0xffffffffu) take(csize);
                if (local == 0xffffffffu) take(local);
            }
            xo += 4 + len;
        }
        pos += 46 + name_len + extra_len + comment_len;

        if (flags & 0x1) throw Error("zip: entry '" + e.name + "' is encrypted");
        if (!names.insert(e.name).second) throw Error("zip: duplicate entry '" + e.name + "'");
        if (e.method == 0 && csize != usize)
            throw Error("zip: stored entry '" + e.name + "' has different compressed and uncompressed sizes");

        // local header: must agree with the central directory on the name
        if (!in_range(local, 30, size) || load_le(data + local, 4) != kLocalSig)
            throw Error("zip: local header of '" + e.name + "' is missing or out of range");
        const uint64_t lname = load_le(data + local + 26, 2), lextra = load_le(data + local + 28, 2);
        if (!in_range(local + 30, lname + lextra, size))
            throw Error("zip: local header of '" + e.name + "' is truncated");
        if (std::string(reinterpret_cast<const char*>(data + local + 30), lname) != e.name)
            throw Error("zip: local header name differs from central directory for '" + e.name + "'");
        e.data_offset = local + 30 + lname + lextra;
        e.size = usize;
        if (!in_range(e.data_offset, csize, size))
            throw Error("zip: data of '" + e.name + "' runs past the end of the file (truncated?)");
        if (e.method == 0 && fontgan::crc32(data + e.data_offset, e.size) != e.crc)
            throw Error("zip: CRC-32 mismatch in '" + e.name + "' (corrupted file)");
        entries_.push_back(std::move(e));
    }
}

const ZipEntry* ZipReader::find(const std::string& name) const {
    for (const ZipEntry& e : entries_)
        if (e.name == name) return &e;
    return nullptr;
}

const uint8_t* ZipReader::data(const ZipEntry& e) const {
    if (e.method != 0)
        throw Error("zip: entry '" + e.name + "' is compressed (method " + std::to_string(e.method) +
                    "); only stored entries are supported, as torch.save writes them");
    return data_ + e.data_offset;
}

}  // namespace fontgan::convert
