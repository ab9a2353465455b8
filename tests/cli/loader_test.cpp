// Hostile images for -kernel, -bios, -initrd and -dtb. Whatever the file, the
// process ends by itself, soon, in a few MiB, without a signal: a user error
// gives QEMU's message and exit status 1, and what QEMU runs, runs.
//
// Each case runs under a 1 GiB address-space limit and a 5 s timeout, so a
// loader that reads a huge file whole dies of bad_alloc, and one that loops
// over a lying header is killed, instead of the test taking the machine. Its
// peak memory must stay under 32 MiB. (Under sanitizers: no address-space
// limit, and 256 MiB.)
#include "tests/support/process.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <optional>

using namespace mq::test;
using namespace std::chrono_literals;

namespace {

constexpr uint64_t MiB = 1ull << 20;
constexpr uint64_t GiB = 1ull << 30;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// Sanitizers reserve terabytes of shadow address space, and keep more memory.
constexpr uint64_t address_space_limit = 0;
constexpr uint64_t peak_rss_limit = 256 * MiB;
#else
constexpr uint64_t address_space_limit = GiB;
constexpr uint64_t peak_rss_limit = 32 * MiB;
#endif

// lui t0, 0x100; c.lui t1, 5; addi t1, t1, 0x555; sw t1, 0(t0); c.j .
// Tells virt's sifive_test finisher "pass": the guest ends with status 0.
const std::vector<uint8_t> pass_code = {0xb7, 0x02, 0x10, 0x00, 0x15, 0x63, 0x13, 0x03,
                                        0x53, 0x55, 0x23, 0xa0, 0x62, 0x00, 0x01, 0xa0};
constexpr uint64_t code_offset = 0x1000; // where pass_code lies in every ELF file below

struct Segment {
    uint64_t paddr;
    uint64_t offset;
    uint64_t filesz;
    uint64_t memsz;
};

// An ELF executable: its program headers, pass_code at code_offset, and
// optionally a symbol table header claiming `symtab_size` bytes. The file is
// `file_size` long, sparse past what is written.
struct ElfSpec {
    std::vector<Segment> segments;
    uint64_t file_size = code_offset + 16;
    std::optional<uint64_t> symtab_size;
};

void write_at(int fd, uint64_t offset, const void* data, size_t len) {
    ASSERT_EQ(pwrite(fd, data, len, static_cast<off_t>(offset)), static_cast<ssize_t>(len));
}

void write_file(const std::string& path, const std::vector<uint8_t>& bytes, uint64_t size = 0) {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0) << path;
    if (!bytes.empty()) write_at(fd, 0, bytes.data(), bytes.size());
    if (size) {
        ASSERT_EQ(ftruncate(fd, static_cast<off_t>(size)), 0);
    }
    close(fd);
}

void write_elf(const std::string& path, const ElfSpec& spec) {
    constexpr uint64_t shoff = 0x200, strtab_off = 0x300, symtab_off = 0x400;
    const char strtab[] = "\0main"; // no tohost: HTIF stays off
    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_RISCV;
    eh.e_version = EV_CURRENT;
    eh.e_entry = 0x80000000;
    eh.e_phoff = sizeof(Elf64_Ehdr);
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = static_cast<uint16_t>(spec.segments.size());
    eh.e_shentsize = sizeof(Elf64_Shdr);
    if (spec.symtab_size) {
        eh.e_shoff = shoff;
        eh.e_shnum = 3; // null, .symtab, .strtab
    }
    std::vector<uint8_t> head(code_offset + pass_code.size());
    std::memcpy(head.data(), &eh, sizeof eh);
    for (size_t i = 0; i < spec.segments.size(); i++) {
        const Segment& s = spec.segments[i];
        Elf64_Phdr ph{};
        ph.p_type = PT_LOAD;
        ph.p_flags = PF_R | PF_X;
        ph.p_offset = s.offset;
        ph.p_vaddr = ph.p_paddr = s.paddr;
        ph.p_filesz = s.filesz;
        ph.p_memsz = s.memsz;
        ph.p_align = 0x1000;
        std::memcpy(head.data() + eh.e_phoff + i * sizeof ph, &ph, sizeof ph);
    }
    if (spec.symtab_size) {
        Elf64_Shdr sh[3] = {};
        sh[1].sh_type = SHT_SYMTAB;
        sh[1].sh_offset = symtab_off;
        sh[1].sh_size = *spec.symtab_size;
        sh[1].sh_link = 2;
        sh[1].sh_entsize = sizeof(Elf64_Sym);
        sh[2].sh_type = SHT_STRTAB;
        sh[2].sh_offset = strtab_off;
        sh[2].sh_size = sizeof strtab;
        std::memcpy(head.data() + shoff, sh, sizeof sh);
        std::memcpy(head.data() + strtab_off, strtab, sizeof strtab);
        Elf64_Sym sym{};
        sym.st_name = 1;
        sym.st_value = 0x80000000;
        std::memcpy(head.data() + symtab_off + sizeof sym, &sym, sizeof sym);
    }
    std::memcpy(head.data() + code_offset, pass_code.data(), pass_code.size());
    write_file(path, head, spec.file_size);
}

// A device tree header that passes libfdt's checks and claims `totalsize` bytes.
std::vector<uint8_t> fdt_header_claiming(uint32_t totalsize) {
    // magic, totalsize, off_dt_struct, off_dt_strings, off_mem_rsvmap, version,
    // last_comp_version, boot_cpuid_phys, size_dt_strings, size_dt_struct
    const uint32_t fields[] = {0xd00dfeed, totalsize, 56, 72, 40, 17, 16, 0, 0, 16};
    std::vector<uint8_t> out;
    for (uint32_t f : fields) {
        for (int shift = 24; shift >= 0; shift -= 8)
            out.push_back(static_cast<uint8_t>(f >> shift));
    }
    return out;
}

// One ordinary segment: pass_code at the start of RAM.
Segment pass_segment() { return {0x80000000, code_offset, 16, 16}; }

struct LoaderCase {
    std::string name;
    // "{dir}" stands for the directory the inputs are in.
    std::vector<std::string> args;
    int exit_status;
    std::string err;
};

void PrintTo(const LoaderCase& c, std::ostream* os) { *os << c.name; }

// The inputs, made once per run in a directory of their own.
class CliLoader : public ::testing::TestWithParam<LoaderCase> {
public:
    static void SetUpTestSuite() {
        dir() = ::testing::TempDir() + "miniqemu-loader-" + std::to_string(getpid());
        std::filesystem::remove_all(dir());
        std::filesystem::create_directories(dir());
        auto at = [](const char* name) { return dir() + "/" + name; };
        write_file(at("pass.bin"), pass_code);
        write_elf(at("symtab-huge.elf"), {{pass_segment()}, code_offset + 16, ~0ull});
        write_elf(at("symtab-huge-in-64g.elf"), {{pass_segment()}, 64 * GiB, ~0ull});
        write_elf(at("memsz-4g.elf"), {{{0x80000000, code_offset, 16, 4 * GiB}}});
        ElfSpec eight;
        for (uint64_t i = 0; i < 8; i++)
            eight.segments.push_back({0x80000000 + i * 4 * GiB, code_offset, 16, 4 * GiB});
        write_elf(at("eight-memsz-4g.elf"), eight);
        write_elf(at("filesz-2g.elf"),
                  {{{0x80000000, code_offset, 2 * GiB, 2 * GiB}}, code_offset + 2 * GiB});
        // As ld -Ttext=0x80000000 links it: the ELF headers, then the text.
        write_elf(at("linked-at-ram-base.elf"),
                  {{{0x7ffff000, 0, code_offset + 16, code_offset + 16}}});
        write_elf(at("below-ram.elf"), {{{0x7fff0000, code_offset, 16, 16}}});
        write_file(at("sparse-2g"), {}, 2 * GiB);
        write_file(at("empty"), {});
        std::filesystem::create_directory(at("directory"));
        ASSERT_EQ(mkfifo(at("fifo").c_str(), 0644), 0);
        auto dump =
            run_process(MINIQEMU_BINARY, {"-M", "virt,dumpdtb=" + at("virt.dtb"), "-bios", "none"});
        ASSERT_EQ(dump.exit_status, 0) << dump.err;
        std::vector<uint8_t> dtb(100);
        int fd = open(at("virt.dtb").c_str(), O_RDONLY);
        ASSERT_EQ(read(fd, dtb.data(), dtb.size()), 100);
        close(fd);
        write_file(at("truncated.dtb"), dtb);
        const std::string text = "this is not a device tree\n";
        write_file(at("garbage.dtb"), {text.begin(), text.end()});
        write_file(at("garbage-600m.dtb"), {text.begin(), text.end()}, 600 * MiB);
        write_file(at("sparse-1g"), {}, GiB);
        write_file(at("claims-256m.dtb"), fdt_header_claiming(256 * MiB), 256 * MiB);
    }
    static void TearDownTestSuite() { std::filesystem::remove_all(dir()); }
    static std::string& dir() {
        static std::string d;
        return d;
    }
};

std::string expand(std::string s) {
    const std::string key = "{dir}";
    for (size_t at; (at = s.find(key)) != std::string::npos;)
        s.replace(at, key.size(), CliLoader::dir());
    return s;
}

TEST_P(CliLoader, EndInBoundedTimeAndMemory) {
    const LoaderCase& c = GetParam();
    std::vector<std::string> args = {"-M", "virt", "-nographic"};
    for (const auto& a : c.args)
        args.push_back(expand(a));
    auto r = run_process(MINIQEMU_BINARY, args, {},
                         {.timeout = 5s, .address_space_bytes = address_space_limit});
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_status, c.exit_status) << r.err;
    EXPECT_EQ(r.err, expand(c.err));
    EXPECT_EQ(r.out, "") << "stdout belongs to the guest";
    EXPECT_LT(r.max_rss_bytes, peak_rss_limit) << "a few MiB, not the size of the file";
}

// Runs the guest, which passes: what QEMU does too.
LoaderCase runs(std::string name, std::vector<std::string> args) {
    return {std::move(name), std::move(args), 0, ""};
}
LoaderCase fails(std::string name, std::vector<std::string> args, std::string err) {
    return {std::move(name), std::move(args), 1, "miniqemu: " + std::move(err) + "\n"};
}

// A guest that passes, with the device tree `path`.
std::vector<std::string> dtb(std::string path) {
    return {"-bios", "none", "-kernel", "{dir}/pass.bin", "-dtb", std::move(path)};
}
// QEMU's load_device_tree() says what went wrong, then virt says it failed.
LoaderCase fails_dtb(std::string name, std::string path, const std::string& err) {
    return fails(std::move(name), dtb(std::move(path)),
                 err + "\nminiqemu: load_device_tree() failed");
}
std::string copy_failed(const char* fdt_error) {
    return std::string("load_device_tree: Unable to copy device tree into memory: ") + fdt_error;
}

// miniqemu's own message, which says where; QEMU only says that it could not
// load the file, or that it overlaps the device tree at the top of RAM.
std::string does_not_fit(const std::string& what, const std::string& file, const char* range) {
    return "could not load " + what + " '{dir}/" + file + "': " + range +
           " does not fit in RAM (0x80000000-0x87ffffff)";
}

INSTANTIATE_TEST_SUITE_P(
    Loader, CliLoader,
    ::testing::Values(
        runs("ElfSymtabOf2To64Bytes", {"-bios", "none", "-kernel", "{dir}/symtab-huge.elf"}),
        runs("ElfSymtabOf2To64BytesIn64GiB",
             {"-bios", "none", "-kernel", "{dir}/symtab-huge-in-64g.elf"}),
        runs("KernelRaw", {"-bios", "none", "-kernel", "{dir}/pass.bin"}),
        fails("KernelElfSegmentOf4GiB", {"-bios", "none", "-kernel", "{dir}/memsz-4g.elf"},
              does_not_fit("kernel", "memsz-4g.elf", "0x80000000-0x17fffffff")),
        fails("KernelElfEightSegmentsOf4GiB",
              {"-bios", "none", "-kernel", "{dir}/eight-memsz-4g.elf"},
              does_not_fit("kernel", "eight-memsz-4g.elf", "0x80000000-0x17fffffff")),
        fails("KernelElfWith2GiBOfFileBytes", {"-bios", "none", "-kernel", "{dir}/filesz-2g.elf"},
              does_not_fit("kernel", "filesz-2g.elf", "0x80000000-0xffffffff")),
        runs("KernelElfLinkedAtRamBase",
             {"-bios", "none", "-kernel", "{dir}/linked-at-ram-base.elf"}),
        runs("BiosElfLinkedAtRamBase", {"-bios", "{dir}/linked-at-ram-base.elf"}),
        fails("KernelElfBelowRam", {"-bios", "none", "-kernel", "{dir}/below-ram.elf"},
              does_not_fit("kernel", "below-ram.elf", "0x7fff0000-0x7fff000f")),
        fails("KernelRaw2GiB", {"-bios", "none", "-kernel", "{dir}/sparse-2g"},
              does_not_fit("kernel", "sparse-2g", "0x80000000-0xffffffff")),
        fails("KernelDevZero", {"-bios", "none", "-kernel", "/dev/zero"},
              "could not load kernel '/dev/zero'"),
        fails("KernelDevNull", {"-bios", "none", "-kernel", "/dev/null"},
              "could not load kernel '/dev/null'"),
        fails("KernelEmptyFile", {"-bios", "none", "-kernel", "{dir}/empty"},
              "could not load kernel '{dir}/empty'"),
        fails("KernelDirectory", {"-bios", "none", "-kernel", "{dir}/directory"},
              "could not load kernel '{dir}/directory'"),
        fails("KernelProcSelfMem", {"-bios", "none", "-kernel", "/proc/self/mem"},
              "could not load kernel '/proc/self/mem'"),
        fails("KernelFifo", {"-bios", "none", "-kernel", "{dir}/fifo"},
              "could not load kernel '{dir}/fifo'"),
        fails("Bios2GiB", {"-bios", "{dir}/sparse-2g"},
              does_not_fit("firmware", "sparse-2g", "0x80000000-0xffffffff")),
        fails("BiosDevZero", {"-bios", "/dev/zero"}, "could not load firmware '/dev/zero'"),
        fails("BiosEmptyFile", {"-bios", "{dir}/empty"}, "could not load firmware '{dir}/empty'"),
        fails("BiosDirectory", {"-bios", "{dir}/directory"},
              "could not load firmware '{dir}/directory'"),
        fails("BiosProcSelfMem", {"-bios", "/proc/self/mem"},
              "could not load firmware '/proc/self/mem'"),
        fails("BiosNameTooLong", {"-bios", std::string(5000, 'f')},
              "Unable to load the RISC-V firmware \"" + std::string(5000, 'f') + "\""),
        fails("KernelNameTooLong", {"-bios", "none", "-kernel", std::string(5000, 'k')},
              "could not load kernel '" + std::string(5000, 'k') + "': File name too long"),
        fails("Initrd2GiBIn128MiB",
              {"-m", "128M", "-bios", "none", "-kernel", "{dir}/pass.bin", "-initrd",
               "{dir}/sparse-2g"},
              does_not_fit("ramdisk", "sparse-2g", "0x84000000-0x103ffffff")),
        fails("InitrdDirectory",
              {"-bios", "none", "-kernel", "{dir}/pass.bin", "-initrd", "{dir}/directory"},
              "could not load ramdisk '{dir}/directory'"),
        fails("InitrdProcSelfMem",
              {"-bios", "none", "-kernel", "{dir}/pass.bin", "-initrd", "/proc/self/mem"},
              "could not load ramdisk '/proc/self/mem'"),
        fails("InitrdFifo", {"-bios", "none", "-kernel", "{dir}/pass.bin", "-initrd", "{dir}/fifo"},
              "could not load ramdisk '{dir}/fifo'"),
        // QEMU takes the size from seeking to the end: these are empty initrds.
        runs("InitrdEmptyFile",
             {"-bios", "none", "-kernel", "{dir}/pass.bin", "-initrd", "{dir}/empty"}),
        runs("InitrdDevNull",
             {"-bios", "none", "-kernel", "{dir}/pass.bin", "-initrd", "/dev/null"}),
        runs("InitrdDevZero",
             {"-bios", "none", "-kernel", "{dir}/pass.bin", "-initrd", "/dev/zero"}),
        runs("DtbDumpedByVirt", dtb("{dir}/virt.dtb")),
        fails_dtb("DtbGarbage", "{dir}/garbage.dtb", copy_failed("FDT_ERR_BADMAGIC")),
        fails_dtb("Dtb600MiBOfGarbage", "{dir}/garbage-600m.dtb", copy_failed("FDT_ERR_BADMAGIC")),
        fails_dtb("DtbEmptyFile", "{dir}/empty", copy_failed("FDT_ERR_BADMAGIC")),
        fails_dtb("DtbDevZero", "/dev/zero", copy_failed("FDT_ERR_BADMAGIC")),
        fails_dtb("DtbTruncated", "{dir}/truncated.dtb", copy_failed("FDT_ERR_TRUNCATED")),
        fails_dtb("DtbDirectory", "{dir}/directory",
                  "Unable to get size of device tree file '{dir}/directory'"),
        fails_dtb("DtbProcSelfMem", "/proc/self/mem",
                  "Unable to get size of device tree file '/proc/self/mem'"),
        fails_dtb("DtbMissing", "{dir}/missing.dtb",
                  "Unable to get size of device tree file '{dir}/missing.dtb'"),
        fails_dtb("Dtb1GiB", "{dir}/sparse-1g", "Device tree file '{dir}/sparse-1g' is too large"),
        fails_dtb("DtbLargerThanRam", "{dir}/claims-256m.dtb",
                  "Device tree file '{dir}/claims-256m.dtb' is too large")),
    [](const auto& info) { return info.param.name; });

} // namespace
