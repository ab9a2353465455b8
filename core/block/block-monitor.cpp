// `info block` and query-block (QEMU: block/qapi.c qmp_query_block,
// block/monitor/block-hmp-cmds.c hmp_info_block).
#include "core/block/block-internal.h"
#include "core/module.h"
#include "core/monitor.h"
#include "core/qdev/qdev.h"
#include "core/qmp/qmp.h"

#include <algorithm>
#include <cmath>

namespace mq {

namespace {

// QEMU's size_to_str(): "1 MiB", "196 KiB", "1.5 GiB".
std::string size_to_str(uint64_t bytes) {
    static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int i = 0;
    double value = static_cast<double>(bytes);
    while (value >= 1024 && i < 6) {
        value /= 1024;
        i++;
    }
    return fmt::format("{:.3g} {}", value, units[i]);
}

Json image_info(const ImageBackend& img) {
    Json image{
        {"virtual-size", img.size()}, {"filename", img.filename()}, {"format", img.format()}};
    if (img.cluster_size()) image["cluster-size"] = img.cluster_size();
    image["actual-size"] = img.file().allocated_bytes();
    image["dirty-flag"] = false;
    if (const ImageBackend* backing = img.backing()) {
        image["backing-filename-format"] = img.backing_format();
        image["full-backing-filename"] = img.full_backing_file();
        image["backing-filename"] = img.backing_file();
        image["backing-image"] = image_info(*backing);
    }
    if (img.format() == "qcow2") {
        // What miniqemu opens has no lazy refcounts, extended L2 or
        // compression type other than zlib (others are refused at open).
        Json data{{"compat", img.format_version() >= 3 ? "1.1" : "0.10"},
                  {"compression-type", "zlib"}};
        if (img.format_version() >= 3) data["lazy-refcounts"] = false;
        data["refcount-bits"] = 16;
        if (img.format_version() >= 3) {
            data["corrupt"] = false;
            data["extended-l2"] = false;
        }
        image["format-specific"] = Json{{"type", "qcow2"}, {"data", data}};
    }
    return image;
}

// HMP's names for the format-specific keys ("lazy-refcounts": "lazy refcounts").
std::string hmp_key(std::string key) {
    std::replace(key.begin(), key.end(), '-', ' ');
    return key;
}

// How many backing files are below this image.
int backing_depth(const ImageBackend& img) {
    int depth = 0;
    for (const ImageBackend* b = img.backing(); b; b = b->backing())
        depth++;
    return depth;
}

Json inserted_info(const ImageBackend& img) {
    const CacheMode& cache = img.cache();
    Json info{
        {"iops_rd", 0},
        {"detect_zeroes", "off"},
        {"image", image_info(img)},
        {"iops_wr", 0},
        {"ro", img.read_only()},
        {"node-name", img.node_name()},
        {"backing_file_depth", backing_depth(img)},
        {"drv", img.format()},
        {"iops", 0},
        {"bps_wr", 0},
        {"write_threshold", 0},
        {"encrypted", false},
        {"bps", 0},
        {"bps_rd", 0},
        {"cache",
         {{"no-flush", cache.no_flush}, {"direct", cache.direct}, {"writeback", cache.writeback}}},
        {"file", img.filename()}};
    // QEMU shows where the backing file is, not the header's name for it.
    if (img.backing()) info["backing_file"] = img.full_backing_file();
    return info;
}

// One BlockInfo; the keys in the order QEMU 7.2 sends them.
Json block_info(const BlockBackend& blk) {
    Json info = Json::object();
    const auto* img = dynamic_cast<const ImageBackend*>(&blk);
    if (blk.device()) info["io-status"] = "ok";
    info["device"] = blk.id();
    info["locked"] = false;
    info["removable"] = blk.device() == nullptr;
    if (img) info["inserted"] = inserted_info(*img);
    if (blk.device()) info["qdev"] = object_get_canonical_path(blk.device());
    info["type"] = "unknown";
    return info;
}

QmpResult qmp_query_block(const QmpArgs&) {
    Json list = Json::array();
    for (const BlockBackend* blk : blk_all())
        list.push_back(block_info(*blk));
    for (const std::string& name : blk_empty_drive_names())
        list.push_back(
            Json{{"device", name}, {"locked", false}, {"removable", true}, {"type", "unknown"}});
    return list;
}

// One image of `info block -v` after its name and format, then its backing chain.
void print_image_body(Monitor& mon, const Json& image) {
    uint64_t size = image["virtual-size"].get<uint64_t>();
    mon.printf("virtual size: {} ({} bytes)\n", size_to_str(size), size);
    mon.printf("disk size: {}\n", size_to_str(image["actual-size"].get<uint64_t>()));
    if (image.contains("cluster-size"))
        mon.printf("cluster_size: {}\n", image["cluster-size"].get<uint64_t>());
    if (image.contains("backing-filename")) {
        mon.printf("backing file: {} (actual path: {})\n",
                   image["backing-filename"].get<std::string>(),
                   image["full-backing-filename"].get<std::string>());
        mon.printf("backing file format: {}\n",
                   image["backing-filename-format"].get<std::string>());
    }
    if (image.contains("format-specific")) {
        mon.print("Format specific information:\n");
        for (const auto& [key, value] : image["format-specific"]["data"].items()) {
            mon.printf("    {}: {}\n", hmp_key(key),
                       value.is_string() ? value.get<std::string>() : value.dump());
        }
    }
    // QEMU lists the whole chain, each image after the one it backs.
    if (image.contains("backing-image")) {
        const Json& b = image["backing-image"];
        mon.printf("image: {}\nfile format: {}\n", b["filename"].get<std::string>(),
                   b["format"].get<std::string>());
        print_image_body(mon, b);
    }
}

void print_image_details(Monitor& mon, const Json& image) {
    mon.printf("\nImages:\nimage: {}\nfile format: {}\n", image["filename"].get<std::string>(),
               image["format"].get<std::string>());
    print_image_body(mon, image);
}

void print_block_info(Monitor& mon, const Json& info, bool verbose) {
    const std::string device = info["device"].get<std::string>();
    if (!info.contains("inserted")) {
        mon.printf("{}: [not inserted]\n", device);
    } else {
        const Json& ins = info["inserted"];
        mon.printf("{} ({}): {} ({}{})\n", device, ins["node-name"].get<std::string>(),
                   ins["file"].get<std::string>(), ins["drv"].get<std::string>(),
                   ins["ro"].get<bool>() ? ", read-only" : "");
    }
    if (info.contains("qdev"))
        mon.printf("    Attached to:      {}\n", info["qdev"].get<std::string>());
    if (info["removable"].get<bool>())
        mon.printf("    Removable device: not locked, tray closed\n");
    if (!info.contains("inserted")) return;
    const Json& cache = info["inserted"]["cache"];
    mon.printf("    Cache mode:       {}{}{}\n",
               cache["writeback"].get<bool>() ? "writeback" : "writethrough",
               cache["direct"].get<bool>() ? ", direct" : "",
               cache["no-flush"].get<bool>() ? ", ignore flushes" : "");
    const Json& ins = info["inserted"];
    if (ins.contains("backing_file"))
        mon.printf("    Backing file:     {} (chain depth: {})\n",
                   ins["backing_file"].get<std::string>(), ins["backing_file_depth"].get<int>());
    if (verbose) print_image_details(mon, info["inserted"]["image"]);
}

void hmp_info_block(Monitor& mon, const HmpArgs& args) {
    const Json no_args = Json::object();
    QmpResult all = qmp_query_block(QmpArgs(no_args));
    std::optional<std::string> device = args.get_str("device");
    for (size_t i = 0; i < all.value().size(); i++) {
        const Json& info = all.value()[i];
        if (device && info["device"].get<std::string>() != *device) continue;
        // QEMU separates entries by their place in the whole list, so one
        // device asked for by name may still start with a blank line.
        if (i != 0) mon.print("\n");
        print_block_info(mon, info, args.get_bool("verbose"));
    }
}

void register_block_monitor() {
    hmp_register_info({"block", "nodes:-n,verbose:-v,device:s?", "[-n] [-v] [device]",
                       "show info of one block device or all block devices (-n: show named "
                       "nodes; -v: show details)",
                       hmp_info_block});
    qmp_register_command({"query-block", {}, qmp_query_block});
}

} // namespace

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_block_monitor);
