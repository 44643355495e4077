// torch.save(state_dict) files: a zip holding <root>/data.pkl (the restricted pickle) and one raw
// little-endian entry <root>/data/<key> per storage. The root folder's name varies between torch versions
// and file names, so it is taken from the one entry that ends in "data.pkl".
#include "convert.h"

namespace fontgan::convert {

TensorList read_pt(const uint8_t* data, size_t size) {
    ZipReader zip(data, size);

    // -----------------------------------------------------------------------------------------------
    // root folder

    const ZipEntry* pkl = nullptr;
    for (const ZipEntry& e : zip.entries()) {
        const std::string& n = e.name;
        if (n == "data.pkl" || (n.size() > 9 && n.compare(n.size() - 9, 9, "/data.pkl") == 0)) {
            if (pkl) throw Error("pt: more than one data.pkl ('" + pkl->name + "', '" + n + "')");
            pkl = &e;
        }
    }
    if (!pkl) throw Error("pt: no data.pkl in the zip (not a torch.save file?)");
    const std::string root = pkl->name.substr(0, pkl->name.size() - 8);  // "<root>/" or ""

    // -----------------------------------------------------------------------------------------------
    // tensors: pickle metadata + storage bytes

    std::vector<PickledTensor> pickled = unpickle_state_dict(zip.data(*pkl), pkl->size);
    TensorList out;
    out.reserve(pickled.size());
    for (const PickledTensor& pt : pickled) {
        const std::string where = "pt: tensor '" + pt.name + "'";
        const std::string entry = root + "data/" + pt.storage_key;
        const ZipEntry* e = zip.find(entry);
        if (!e) throw Error(where + ": storage entry '" + entry + "' is missing");
        const size_t es = elem_size(pt.dtype);
        if (pt.storage_numel > e->size / es || e->size != pt.storage_numel * es)
            throw Error(where + ": storage '" + entry + "' holds " + std::to_string(e->size) + " bytes, expected " +
                        std::to_string(pt.storage_numel) + " x " + std::to_string(es));
        Tensor t;
        t.name = pt.name;
        t.shape = pt.shape;
        const size_t numel = checked_numel(pt.shape, pt.storage_numel, where);  // pickle checked the fit
        t.data = decode_floats(pt.dtype, zip.data(*e) + pt.offset * es, numel, where);
        out.push_back(std::move(t));
    }
    return out;
}

}  // namespace fontgan::convert
