// -drive and the list of drives (QEMU: blockdev.c drive_new, and
// block/block-backend.c for the list and attaching a device).
#include "core/block/block-internal.h"
#include "core/keyval.h"

#include <algorithm>
#include <cstdio>
#include <random>

namespace mq {

namespace {

std::vector<std::unique_ptr<BlockBackend>> g_drives;
// The default drives only show in the monitor: they hold no medium.
std::vector<std::string> g_empty_drives;
int g_node_counter = 0;

// QEMU names anonymous nodes "#block" + a counter + two random digits.
std::string generate_node_name() {
    static std::mt19937 rng{std::random_device{}()};
    return fmt::format("#block{}{:02}", g_node_counter++,
                       std::uniform_int_distribution<int>(0, 99)(rng));
}

struct InterfaceName {
    std::string_view name;
    BlockInterfaceType type;
    int max_devs; // units per bus, 0 when the index is the unit
};

// QEMU's if_name[] and if_max_devs[].
constexpr InterfaceName kInterfaces[] = {
    {"none", BlockInterfaceType::None, 0},     {"ide", BlockInterfaceType::Ide, 2},
    {"scsi", BlockInterfaceType::Scsi, 7},     {"floppy", BlockInterfaceType::Floppy, 0},
    {"pflash", BlockInterfaceType::Pflash, 0}, {"mtd", BlockInterfaceType::Mtd, 0},
    {"sd", BlockInterfaceType::Sd, 0},         {"virtio", BlockInterfaceType::Virtio, 0},
};

// The keys -drive takes (a QEMU key miniqemu does not know is reported as
// the format not supporting it, which is what QEMU says for unknown keys).
constexpr std::string_view kDriveKeys[] = {"file",     "if",     "index", "format",   "id",
                                           "readonly", "cache",  "media", "snapshot", "discard",
                                           "aio",      "werror", "rerror"};

// The formats QEMU knows but miniqemu does not open.
// clang-format off
constexpr std::string_view kOtherQemuFormats[] = {
    "blkdebug", "blklogwrites", "blkverify", "bochs", "cloop", "compress", "copy-before-write",
    "copy-on-read", "dmg", "file", "host_cdrom", "host_device", "luks", "nbd", "null-aio",
    "null-co", "nvme", "parallels", "preallocate", "qcow", "qed", "quorum", "replication",
    "snapshot-access", "ssh", "throttle", "vdi", "vhdx", "vmdk", "vpc", "vvfat"};
// clang-format on

Result<bool> parse_on_off(const PropertyBag& bag, std::string_view key, std::string_view name) {
    const std::string* v = bag.get(key);
    if (!v) return false;
    if (*v == "on") return true;
    if (*v == "off") return false;
    return make_error("Parameter '{}' expects 'on' or 'off'", name);
}

Result<CacheMode> parse_cache(const std::string& mode) {
    if (mode == "writeback") return CacheMode{true, false, false};
    if (mode == "none" || mode == "off") return CacheMode{true, true, false};
    if (mode == "writethrough") return CacheMode{false, false, false};
    if (mode == "directsync") return CacheMode{false, true, false};
    if (mode == "unsafe") return CacheMode{true, false, true};
    return make_error("invalid cache option");
}

// The options -drive itself checks (QEMU's drive_new and blockdev_init),
// before anything is opened.
Status check_drive_options(const PropertyBag& bag) {
    if (const std::string* m = bag.get("media"); m && *m != "disk" && *m != "cdrom")
        return make_error("'{}' invalid media", *m);
    if (const std::string* w = bag.get("werror");
        w && *w != "enospc" && *w != "ignore" && *w != "stop" && *w != "report")
        return make_error("'{}' invalid write error action", *w);
    if (const std::string* r = bag.get("rerror");
        r && *r != "ignore" && *r != "stop" && *r != "report")
        return make_error("'{}' invalid read error action", *r);
    if (auto snapshot = parse_on_off(bag, "snapshot", "snapshot"); !snapshot)
        return snapshot.take_error();
    return {};
}

// The options the block layer checks once the file is open (QEMU's
// bdrv_open): they come after "Could not open".
Status check_open_options(const PropertyBag& bag, const DriveConfig& config) {
    for (const auto& [key, value] : bag) {
        if (std::ranges::find(kDriveKeys, key) == std::end(kDriveKeys))
            return make_error("Block format '{}' does not support the option '{}'", config.format,
                              key);
    }
    if (const std::string* d = bag.get("discard");
        d && *d != "ignore" && *d != "off" && *d != "unmap" && *d != "on")
        return make_error("Invalid discard option");
    if (const std::string* a = bag.get("aio")) {
        if (*a != "threads" && *a != "native" && *a != "io_uring")
            return make_error("invalid aio option");
        if (*a == "native" && !config.cache.direct)
            return make_error("aio=native was specified, but it requires cache.direct=on, "
                              "which was not specified.");
    }
    if (const std::string* s = bag.get("snapshot"); s && *s == "on")
        return make_error("snapshot=on is not supported by miniqemu");
    return {};
}

bool unit_taken(BlockInterfaceType type, int index) {
    return std::ranges::any_of(
        g_drives, [&](const auto& d) { return d->if_type() == type && d->index() == index; });
}

// Reads the first bytes to tell qcow2 from raw, as QEMU's probing does.
std::string probe_format(const HostFile& file) {
    uint8_t head[8] = {};
    if (!file.pread(0, head, sizeof head)) return "raw";
    return qcow2_probe(head, sizeof head) ? "qcow2" : "raw";
}

// Opens the file and the format on it; -drive and backing files alike.
Result<std::unique_ptr<ImageBackend>> open_image(DriveConfig& config, uint32_t shared) {
    auto file = HostFile::open(config.filename,
                               config.read_only ? OpenMode::ReadOnly : OpenMode::ReadWrite);
    if (!file) return file.take_error();
    (*file)->set_sync(config.cache.writeback ? Sync::Never : Sync::AfterEachWrite);
    (*file)->set_ignore_flush(config.cache.no_flush);
    // Every open reads consistently and lets others do anything (QEMU's
    // lock on byte 100 alone); a device asks for more when it attaches.
    if (auto st = (*file)->set_perm(BLK_PERM_CONSISTENT_READ, shared); !st) return st.take_error();
    if (config.format.empty()) {
        config.format = probe_format(**file);
        config.probed = true;
        // QEMU warns about -drive only; a backing file's format is its
        // image's business.
        if (config.format == "raw" && config.backing_depth == 0) {
            std::fprintf(stderr,
                         "WARNING: Image format was not specified for '%s' and probing guessed "
                         "raw.\n         Automatically detecting the format is dangerous for raw "
                         "images, write operations on block 0 will be restricted.\n         "
                         "Specify the 'raw' format explicitly to remove the restrictions.\n",
                         config.filename.c_str());
        }
    }
    if (config.format == "raw") return raw_open(config, std::move(*file));
    if (config.format == "qcow2") return qcow2_open(config, std::move(*file));
    return make_error("Unsupported format '{}': miniqemu opens raw and qcow2 images only",
                      config.format);
}

Result<int> parse_index(const PropertyBag& bag) {
    const std::string* s = bag.get("index");
    if (!s) return -1;
    char* end = nullptr;
    long v = std::strtol(s->c_str(), &end, 0);
    if (s->empty() || *end) return make_error("Parameter 'index' expects a number");
    return static_cast<int>(v);
}

// Fills in everything but the image: QEMU's drive_new up to blockdev_init.
Status parse_drive(const PropertyBag& bag, DriveConfig& config, const InterfaceName*& iface) {
    iface = &kInterfaces[0]; // virt's default is if=none
    if (const std::string* if_name = bag.get("if")) {
        auto it = std::ranges::find(kInterfaces, *if_name, &InterfaceName::name);
        if (it == std::end(kInterfaces) && *if_name != "xen")
            return make_error("unsupported bus type '{}'", *if_name);
        iface = it == std::end(kInterfaces) ? nullptr : it;
    }
    auto index = parse_index(bag);
    if (!index) return index.take_error();
    auto cache = parse_cache(bag.get("cache") ? *bag.get("cache") : "writeback");
    if (!cache) return cache.take_error();
    config.cache = *cache;
    auto ro = parse_on_off(bag, "readonly", "read-only");
    if (!ro) return ro.take_error();
    if (auto st = check_drive_options(bag); !st) return st;
    config.read_only = *ro || (bag.get("media") && *bag.get("media") == "cdrom");
    const std::string* discard = bag.get("discard");
    config.discard_unmap = discard && (*discard == "unmap" || *discard == "on");
    config.if_type = iface ? iface->type : BlockInterfaceType::None;
    config.index = *index;
    if (iface && *index >= 0 && unit_taken(config.if_type, *index))
        return make_error("drive with bus=0, unit={} (index={}) exists", *index, *index);
    if (iface && *index < 0) {
        config.index = 0;
        while (unit_taken(config.if_type, config.index))
            config.index++;
    }
    if (const std::string* id = bag.get("id")) {
        if (!id_wellformed(*id)) return id_malformed_error();
        config.id = *id;
    } else if (iface) {
        config.id = fmt::format("{}{}", iface->name, config.index);
    }
    if (blk_by_name(config.id)) return make_error("Duplicate ID '{}' for drive", config.id);
    const std::string* format = bag.get("format");
    if (format) {
        if (*format != "raw" && *format != "qcow2" &&
            std::ranges::find(kOtherQemuFormats, *format) == std::end(kOtherQemuFormats))
            return make_error("Unknown driver '{}'", *format);
        config.format = *format;
    }
    const std::string* file = bag.get("file");
    if (!file || file->empty()) {
        if (format || file) return make_error("A block device must be specified for \"file\"");
        return make_error("Device needs media, but drive is empty");
    }
    config.filename = *file;
    return {};
}

Result<BlockBackend*> drive_new_checked(const PropertyBag& bag) {
    DriveConfig config;
    const InterfaceName* iface = nullptr;
    if (auto st = parse_drive(bag, config, iface); !st) return st.take_error();
    auto image = open_image(config, BLK_PERM_ALL);
    if (!image) return image.take_error();
    if (auto st = check_open_options(bag, config); !st) return st.take_error();
    if (!iface ||
        (iface->type != BlockInterfaceType::None && iface->type != BlockInterfaceType::Virtio)) {
        // virt has no IDE, SCSI, floppy, SD or MTD controller that takes a
        // -drive, and miniqemu has no pflash (QEMU's virt does). QEMU finds
        // out last, when it looks for drives no device took.
        int max = iface ? iface->max_devs : 0;
        int idx = std::max(config.index, 0);
        return make_error("machine type does not support if={},bus={},unit={}", *bag.get("if"),
                          max ? idx / max : 0, max ? idx % max : idx);
    }
    // QEMU plugs a virtio-blk-pci for each if=virtio drive while it reads
    // the -drive: its permissions are taken now, so that a locking
    // conflict names this option.
    if (config.if_type == BlockInterfaceType::Virtio) {
        if (auto st = (*image)->take_device_permissions(); !st) return st.take_error();
    }
    g_drives.push_back(std::move(*image));
    return g_drives.back().get();
}

} // namespace

ImageBackend::ImageBackend(const DriveConfig& config, std::unique_ptr<HostFile> file)
    : m_file(std::move(file)), m_cache(config.cache), m_discard_unmap(config.discard_unmap),
      m_probed(config.probed) {
    m_id = config.id;
    m_filename = config.filename;
    m_format = config.format;
    m_read_only = config.read_only;
    m_write_cache = config.cache.writeback;
    m_if_type = config.if_type;
    m_index = config.index;
    g_node_counter++; // the protocol node, as QEMU counts it
    m_node_name = generate_node_name();
}

Result<std::unique_ptr<ImageBackend>>
image_open_backing(const DriveConfig& parent, const std::string& path, const std::string& format) {
    // An image that is its own backing file, or a chain of them, stops here
    // (QEMU's limit on a chain is the stack; ours is explicit).
    constexpr int kMaxBackingDepth = 16;
    if (parent.backing_depth >= kMaxBackingDepth)
        return make_error("Backing chain of '{}' is deeper than {} images", parent.filename,
                          kMaxBackingDepth);
    DriveConfig config;
    config.filename = path;
    config.format = format;
    config.read_only = true;
    config.cache = parent.cache;
    config.backing_depth = parent.backing_depth + 1;
    // A backing file must not change under the image (QEMU's default
    // permissions for a COW child): nobody else may write or resize it.
    return open_image(config, BLK_PERM_ALL & ~(BLK_PERM_WRITE | BLK_PERM_RESIZE));
}

Status ImageBackend::set_device_permissions(bool attached) {
    if (!attached) return m_file->set_perm(BLK_PERM_CONSISTENT_READ, BLK_PERM_ALL);
    // virtio-blk's blkconf_apply_backend_options: read, write unless
    // read-only, and share everything but writing (share-rw=off).
    uint32_t perm = BLK_PERM_CONSISTENT_READ;
    uint32_t shared = BLK_PERM_ALL & ~(BLK_PERM_WRITE | extra_write_perm());
    if (!m_read_only) perm |= BLK_PERM_WRITE | extra_write_perm();
    return m_file->set_perm(perm, shared);
}

Status ImageBackend::check_request(uint64_t offset, uint64_t len, bool write) const {
    if (write && m_read_only) return make_error("Could not write image: Permission denied");
    if (offset > size() || len > size() - offset)
        return make_error("Request out of range: offset {} length {}", offset, len);
    return {};
}

Status BlockBackend::attach(DeviceState* dev) {
    if (m_device && m_device != dev)
        return make_error("Drive '{}' is already in use by another device", m_id);
    if (auto st = set_device_permissions(true); !st) return st;
    m_device = dev;
    return {};
}

void BlockBackend::detach() {
    m_device = nullptr;
    (void)set_device_permissions(false);
}

Result<BlockBackend*> drive_new(std::string_view spec) {
    auto bag = keyval_parse(spec, "");
    if (!bag) return bag.take_error();
    return drive_new_checked(*bag);
}

BlockBackend* blk_by_name(std::string_view id) {
    for (auto& d : g_drives)
        if (d->id() == id) return d.get();
    return nullptr;
}

std::vector<BlockBackend*> blk_all() {
    std::vector<BlockBackend*> all;
    for (auto& d : g_drives)
        all.push_back(d.get());
    return all;
}

void blk_flush_all() {
    for (auto& d : g_drives)
        if (!d->read_only()) (void)d->flush();
}

void blk_remove_all() {
    g_drives.clear();
    g_empty_drives.clear();
}

void blk_add_default_drives() {
    // The default CD-ROM sits at if=none index 2 unless a drive is there.
    if (!unit_taken(BlockInterfaceType::None, 2)) g_empty_drives.push_back("none2");
    g_empty_drives.push_back("floppy0");
    g_empty_drives.push_back("sd0");
}

const std::vector<std::string>& blk_empty_drive_names() { return g_empty_drives; }

} // namespace mq
