// The device tree of `-M virt -m 256M`, dumped by the real binary and
// decompiled by dtc, against the one QEMU 7.2 generates
// (tests/golden/qemu-virt-256M.dts, a copy of ../shared/specs/), less the
// nodes of devices we do not model, the random rng-seed and the ISA string.
// The ISA properties QEMU 7.2 does not emit (riscv,isa-base and
// riscv,isa-extensions, which QEMU 9 adds; the cache-block sizes) are
// checked on their own, against -cpu.
#include "tests/machine/virt_fixture.h"
#include "tests/support/process.h"
#include "tests/support/temp_file.h"

#include <gmock/gmock.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <sstream>
#include <unistd.h>

using namespace mq::test;

namespace {

std::string find_in_path(const std::string& program) {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        std::filesystem::path candidate = std::filesystem::path(dir) / program;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    return {};
}

// Drops the nodes named in `drop` (with everything inside them), blank
// lines, and the values of rng-seed and riscv,isa.
std::string normalize_dts(const std::string& dts) {
    static const std::regex dropped(
        R"(^\s*(fw-cfg@[0-9a-f]+|flash@[0-9a-f]+|platform-bus@[0-9a-f]+|virtio_mmio@[0-9a-f]+) \{$)");
    static const std::regex rng_seed(R"(^(\s*rng-seed = ).*;$)");
    static const std::regex isa(R"(^(\s*riscv,isa = ).*;$)");
    static const std::regex newer_isa(
        R"(^\s*riscv,(isa-base|isa-extensions|cbom-block-size|cboz-block-size|cbop-block-size) = .*;$)");
    std::stringstream in(dts);
    std::string out, line;
    int skip_depth = 0;
    while (std::getline(in, line)) {
        if (skip_depth > 0) {
            if (line.ends_with("{")) skip_depth++;
            if (line.ends_with("};")) skip_depth--;
            continue;
        }
        if (std::regex_match(line, dropped)) {
            skip_depth = 1;
            continue;
        }
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        if (std::regex_match(line, newer_isa)) continue;
        line = std::regex_replace(line, rng_seed, "$1<random>;");
        line = std::regex_replace(line, isa, "$1\"<isa>\";");
        out += line + "\n";
    }
    return out;
}

TEST(VirtFdt, MatchesQemusTreeForWhatWeModel) {
    std::string dtc = find_in_path("dtc");
    if (dtc.empty()) GTEST_SKIP() << "dtc is not installed";
    TempFile dtb_file("virt-256M.dtb");
    const std::string& dtb = dtb_file.path();

    // -bios none: no firmware to find; the tree does not depend on it.
    auto dump =
        run_process(MINIQEMU_BINARY, {"-M", "virt,dumpdtb=" + dtb, "-m", "256M", "-bios", "none"});
    ASSERT_EQ(dump.exit_status, 0) << dump.err;
    EXPECT_EQ(dump.out, "");
    EXPECT_EQ(dump.err, "miniqemu: info: dtb dumped to " + dtb + ". Exiting.\n");

    auto decompiled = run_process(dtc, {"-q", "-I", "dtb", "-O", "dts", dtb});
    ASSERT_EQ(decompiled.exit_status, 0) << decompiled.err;
    std::string reference = read_golden("qemu-virt-256M.dts");
    ASSERT_FALSE(reference.starts_with("<missing"));
    EXPECT_EQ(normalize_dts(decompiled.out), normalize_dts(reference));
}

// The cpu node's ISA properties of `-cpu ARG` (each line as dtc prints it).
std::vector<std::string> isa_lines(const std::string& cpu) {
    TempFile dtb_file("virt-isa.dtb");
    const std::string& dtb = dtb_file.path();
    auto dump = run_process(MINIQEMU_BINARY, {"-M", "virt,dumpdtb=" + dtb, "-cpu", cpu});
    EXPECT_EQ(dump.exit_status, 0) << dump.err;
    auto decompiled = run_process(find_in_path("dtc"), {"-q", "-I", "dtb", "-O", "dts", dtb});
    std::vector<std::string> lines;
    std::stringstream in(decompiled.out);
    bool in_cpu0 = false;
    for (std::string line; std::getline(in, line);) {
        if (line.find("cpu@0 {") != std::string::npos) in_cpu0 = true;
        if (in_cpu0 && line.find("riscv,") != std::string::npos) {
            lines.push_back(line.substr(line.find_first_not_of(" \t")));
        }
        if (in_cpu0 && line.find("interrupt-controller {") != std::string::npos) break;
    }
    return lines;
}

TEST(VirtFdt, IsaPropertiesFollowTheCpuOption) {
    if (find_in_path("dtc").empty()) GTEST_SKIP() << "dtc is not installed";
    auto lines = isa_lines("rv64,zihintpause=off,zicntr=off,zba=off,zbb=off,zbc=off,zbs=off,"
                           "zicond=off,zihpm=off,sscofpmf=off,debug=off,zihintntl=off,zfh=off,"
                           "zfhmin=off,zicbom=off,zicbop=off,zicboz=off,sstc=off,svinval=off,"
                           "svnapot=off,svpbmt=off");
    EXPECT_THAT(lines, ::testing::Contains("riscv,isa = \"rv64imafdc_zicsr_zifencei\";"));
    EXPECT_THAT(lines, ::testing::Contains("riscv,isa-base = \"rv64i\";"));
    EXPECT_THAT(lines, ::testing::Contains("riscv,isa-extensions = "
                                           "\"i\\0m\\0a\\0f\\0d\\0c\\0zicsr\\0zifencei\";"));
    EXPECT_THAT(lines, ::testing::Not(::testing::Contains(::testing::HasSubstr("block-size"))));
    auto cbo = isa_lines("rv64,cboz_blocksize=128");
    EXPECT_THAT(cbo, ::testing::Contains("riscv,cbom-block-size = <0x40>;"));
    EXPECT_THAT(cbo, ::testing::Contains("riscv,cboz-block-size = <0x80>;"));
    EXPECT_THAT(cbo, ::testing::Contains("riscv,cbop-block-size = <0x40>;"));
    auto no_fd = isa_lines("rv64,f=off,d=off,zfh=off,zfhmin=off");
    EXPECT_THAT(no_fd, ::testing::Contains(::testing::StartsWith("riscv,isa = \"rv64imac_")));
    // The default: the RVA22 set and what QEMU's rv64 adds; zk adds the crypto bundles.
    EXPECT_THAT(isa_lines("rv64"),
                ::testing::Contains("riscv,isa = \"rv64imafdc_zicbom_zicbop_zicboz_zicond_zicntr_"
                                    "zicsr_zifencei_zihintntl_zihintpause_zihpm_zfh_zfhmin_zba_"
                                    "zbb_zbc_zbs_sdtrig_sscofpmf_sstc_svinval_svnapot_svpbmt\";"));
    EXPECT_THAT(isa_lines("rv64,zk=on"),
                ::testing::Contains(::testing::HasSubstr(
                    "_zba_zbb_zbc_zbkb_zbkc_zbkx_zbs_zk_zkn_zknd_zkne_zknh_zkr_zkt")));
}

TEST(VirtFdt, NormalizingTheReferenceDropsExactlyTheUnmodelledNodes) {
    std::string ref = normalize_dts(read_golden("qemu-virt-256M.dts"));
    EXPECT_EQ(ref.find("virtio_mmio"), std::string::npos);
    EXPECT_NE(ref.find("compatible = \"riscv-virtio\";"), std::string::npos);
    EXPECT_EQ(ref.find("fw-cfg"), std::string::npos);
    EXPECT_EQ(ref.find("flash@"), std::string::npos);
    EXPECT_EQ(ref.find("platform-bus"), std::string::npos);
    EXPECT_NE(ref.find("pmu {"), std::string::npos) << "modelled: the SBI PMU's counters";
    EXPECT_NE(ref.find("plic@c000000 {"), std::string::npos);
    EXPECT_NE(ref.find("pci@30000000 {"), std::string::npos);
    EXPECT_NE(ref.find("rng-seed = <random>;"), std::string::npos);
    EXPECT_NE(ref.find("riscv,isa = \"<isa>\";"), std::string::npos);
    // Every opened node is closed.
    size_t opens = 0, closes = 0;
    std::stringstream in(ref);
    for (std::string line; std::getline(in, line);) {
        opens += line.ends_with("{");
        closes += line.ends_with("};");
    }
    EXPECT_EQ(opens, closes);
}

} // namespace
