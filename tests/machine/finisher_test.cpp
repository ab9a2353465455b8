// The sifive_test finisher ends the machine for good (the first shutdown
// request wins), so it is tested in a process of its own.
#include "tests/machine/virt_fixture.h"

#include <gmock/gmock.h>

using namespace mq;
using namespace mq::test;
using ::testing::HasSubstr;

namespace {

using FinisherTest = VirtTest;

// Writes `value` to the finisher and ends the process the way the main loop
// would: with the requested exit code, or 100 when nothing was requested.
[[noreturn]] void finish(uint32_t value) {
    (void)address_space_stl(address_space_memory(), kFinisherBase, value);
    if (qemu_shutdown_requested() != ShutdownCause::GuestShutdown) std::_Exit(100);
    std::_Exit(qemu_shutdown_exit_code());
}

TEST_F(FinisherTest, PassEndsWithStatusZero) {
    GTEST_FLAG_SET(death_test_style, "threadsafe"); // edu's worker threads are running
    EXPECT_EXIT(finish(0x5555), ::testing::ExitedWithCode(0), "");
}

TEST_F(FinisherTest, FailCarriesTheCodeInTheUpperHalf) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(finish(0x3333 | (0x42 << 16)), ::testing::ExitedWithCode(0x42), "");
}

TEST_F(FinisherTest, ExitCodeThree) {
    ASSERT_EQ(qemu_shutdown_requested(), ShutdownCause::None);
    // Other values are a guest's mistake: logged, nothing else happens.
    EXPECT_EQ(wr32(kFinisherBase, 0x1234), MEMTX_OK);
    EXPECT_EQ(wr32(kFinisherBase + 4, 0x5555), MEMTX_OK) << "only offset 0 counts";
    EXPECT_EQ(qemu_shutdown_requested(), ShutdownCause::None);
    auto errors = machine().take_guest_errors();
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_THAT(errors[0], HasSubstr("sifive_test_write"));
    EXPECT_EQ(rd32(kFinisherBase), 0u);
    EXPECT_EQ(wr8(kFinisherBase, 0x55), MEMTX_DECODE_ERROR) << "2- and 4-byte writes only";
    // A reset request is not a shutdown (without -no-reboot).
    EXPECT_EQ(wr32(kFinisherBase, 0x7777), MEMTX_OK);
    EXPECT_EQ(qemu_shutdown_requested(), ShutdownCause::None);

    EXPECT_EQ(wr32(kFinisherBase, 0x3333 | (3 << 16)), MEMTX_OK);
    EXPECT_EQ(qemu_shutdown_requested(), ShutdownCause::GuestShutdown);
    EXPECT_EQ(qemu_shutdown_exit_code(), 3);
    // The first request wins.
    EXPECT_EQ(wr32(kFinisherBase, 0x5555), MEMTX_OK);
    EXPECT_EQ(qemu_shutdown_exit_code(), 3);
}

} // namespace
