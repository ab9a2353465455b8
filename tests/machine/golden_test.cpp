// The monitor's views of this machine, in QEMU 7.2's formats, after the
// driver in the fixture has placed the BARs: `info mtree`, `info mtree -f`,
// `info pci` and `info qtree`. The expected text is in tests/golden/;
// MQ_UPDATE_GOLDEN=1 rewrites it (review the diff before committing).
#include "tests/machine/virt_fixture.h"

#include "core/qdev/qdev.h"
#include "hw/pci/pci.h"

using namespace mq;
using namespace mq::test;

namespace {

using GoldenTest = VirtTest;

void expect_golden(const std::string& name, const std::string& actual) {
    maybe_update_golden(name, actual);
    EXPECT_EQ(actual, read_golden(name)) << "golden file " << golden_path(name);
}

TEST_F(GoldenTest, InfoMtree) { expect_golden("virt-info-mtree.txt", mtree_info(false)); }

TEST_F(GoldenTest, InfoMtreeFlat) { expect_golden("virt-info-mtree-f.txt", mtree_info(true)); }

TEST_F(GoldenTest, InfoPci) { expect_golden("virt-info-pci.txt", pci_info_string()); }

TEST_F(GoldenTest, InfoQtree) { expect_golden("virt-info-qtree.txt", qdev_qtree_string()); }

TEST_F(GoldenTest, InfoPciBeforeTheDriverRan) {
    // Right after a reset nothing is mapped: QEMU shows the unmapped BARs at
    // address 0xffffffffffffffff, with the end wrapping around.
    machine().vm().reset();
    expect_golden("virt-info-pci-reset.txt", pci_info_string());
}

} // namespace
