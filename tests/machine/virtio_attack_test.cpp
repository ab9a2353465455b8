// Hostile drivers: the ring-level attacks and a seeded ring fuzz against
// virtio-blk and virtio-rng, over mmio and pci (the machine and the driver
// are virtio_test.cpp's). QEMU's answer, which these pin down: the device is
// marked broken with a guest_errors line, hands nothing back, a modern one
// sets NEEDS_RESET, and a reset makes it work again.
#include "tests/machine/virtio_driver.h"

namespace mq::test {
namespace {

// ---------------------------------------------------------------------------
// Ring-level attacks
// ---------------------------------------------------------------------------

struct Attack {
    const char* name;
    // Sets up the ring of a blk device (16 entries) and kicks it.
    std::function<void(VirtioTest&, VirtioDriver&)> run;
};

// A valid GET_ID request's pieces, for the attacks to break.
hwaddr good_hdr(VirtioDriver& d) {
    hwaddr h = d.scratch(0x2000);
    (void)address_space_stl(address_space_memory(), h, T_GET_ID);
    (void)address_space_stq(address_space_memory(), h + 8, 0);
    return h;
}

void kick(VirtioDriver& d, uint16_t head) {
    d.offer(head);
    d.notify();
}

const std::vector<Attack>& attacks() {
    constexpr hwaddr kRamEnd = kRamBase + kRamSize;
    static const std::vector<Attack> list = {
        {"loop",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, D_NEXT, 1);
             d.desc(1, d.data(), 64, D_NEXT | D_WRITE, 2);
             d.desc(2, d.data(64), 64, D_NEXT | D_WRITE, 1);
             kick(d, 0);
         }},
        {"self-loop",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(3, good_hdr(d), 16, D_NEXT, 3);
             kick(d, 3);
         }},
        {"next past the ring",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, D_NEXT, 16);
             kick(d, 0);
         }},
        {"next far past the ring",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, D_NEXT, 0xffff);
             kick(d, 0);
         }},
        {"head past the ring",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, 0);
             kick(d, 16);
         }},
        {"head 0xffff", [](VirtioTest&, VirtioDriver& d) { kick(d, 0xffff); }},
        {"avail idx jumps past the ring",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, D_NEXT, 1);
             d.desc(1, d.data(), 21, D_WRITE);
             d.set_avail_idx(17);
             d.notify();
         }},
        {"avail idx goes backwards",
         [](VirtioTest&, VirtioDriver& d) {
             d.set_avail_idx(0xffff);
             d.notify();
         }},
        {"zero-length descriptor",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, D_NEXT, 1);
             d.desc(1, d.data(), 0, D_WRITE | D_NEXT, 2);
             d.desc(2, d.data(), 21, D_WRITE);
             kick(d, 0);
         }},
        {"buffer outside RAM",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, 0x20000000, 16, D_NEXT, 1);
             d.desc(1, d.data(), 21, D_WRITE);
             kick(d, 0);
         }},
        {"buffer in MMIO",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, D_NEXT, 1);
             d.desc(1, kUartBase, 21, D_WRITE);
             kick(d, 0);
         }},
        {"device-writable buffer in ROM",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, D_NEXT, 1);
             d.desc(1, kMromBase, 21, D_WRITE);
             kick(d, 0);
         }},
        {"buffer crossing the end of RAM",
         [kRamEnd](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, D_NEXT, 1);
             d.desc(1, kRamEnd - 8, 21, D_WRITE);
             kick(d, 0);
         }},
        {"buffer address wraps",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, D_NEXT, 1);
             d.desc(1, ~uint64_t(0) - 4, 21, D_WRITE);
             kick(d, 0);
         }},
        {"huge length",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, D_NEXT, 1);
             d.desc(1, kRamBase, 0xffffffff, D_WRITE);
             kick(d, 0);
         }},
        {"indirect table of bad size",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, d.scratch(0x3000), 15, D_INDIRECT);
             kick(d, 0);
         }},
        {"empty indirect table",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, d.scratch(0x3000), 0, D_INDIRECT);
             kick(d, 0);
         }},
        {"indirect table too long",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, kRamBase, 16 * 1025, D_INDIRECT);
             kick(d, 0);
         }},
        {"indirect table outside RAM",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, 0x20000000, 64, D_INDIRECT);
             kick(d, 0);
         }},
        {"indirect in an indirect table",
         [](VirtioTest&, VirtioDriver& d) {
             hwaddr t = d.scratch(0x3000);
             VirtioDriver::desc_at(t, 0, good_hdr(d), 16, D_NEXT, 1);
             VirtioDriver::desc_at(t, 1, d.scratch(0x3800), 32, D_INDIRECT, 0);
             d.desc(0, t, 32, D_INDIRECT);
             kick(d, 0);
         }},
        {"indirect after a plain descriptor",
         [](VirtioTest&, VirtioDriver& d) {
             hwaddr t = d.scratch(0x3000);
             VirtioDriver::desc_at(t, 0, d.data(), 21, D_WRITE, 0);
             d.desc(0, good_hdr(d), 16, D_NEXT, 1);
             d.desc(1, t, 16, D_INDIRECT);
             kick(d, 0);
         }},
        {"loop in an indirect table",
         [](VirtioTest&, VirtioDriver& d) {
             hwaddr t = d.scratch(0x3000);
             VirtioDriver::desc_at(t, 0, good_hdr(d), 16, D_NEXT, 1);
             VirtioDriver::desc_at(t, 1, d.data(), 21, D_WRITE | D_NEXT, 0);
             d.desc(0, t, 32, D_INDIRECT);
             kick(d, 0);
         }},
        {"next past an indirect table",
         [](VirtioTest&, VirtioDriver& d) {
             hwaddr t = d.scratch(0x3000);
             VirtioDriver::desc_at(t, 0, good_hdr(d), 16, D_NEXT, 2);
             VirtioDriver::desc_at(t, 1, d.data(), 21, D_WRITE, 0);
             d.desc(0, t, 32, D_INDIRECT);
             kick(d, 0);
         }},
        {"writable before readable",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, d.data(), 21, D_WRITE | D_NEXT, 1);
             d.desc(1, good_hdr(d), 16, 0);
             kick(d, 0);
         }},
        {"no status byte",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, 0);
             kick(d, 0);
         }},
        {"header too short",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 15, D_NEXT, 1);
             d.desc(1, d.data(), 21, D_WRITE);
             kick(d, 0);
         }},
        {"more in flight than the ring holds",
         [](VirtioTest&, VirtioDriver& d) {
             // Reads complete on the main loop, which does not run here: the
             // first ring's worth stays in flight, and one more is too many.
             hwaddr h = d.scratch(0x2100);
             (void)address_space_stl(address_space_memory(), h, T_IN);
             (void)address_space_stq(address_space_memory(), h + 8, 1);
             d.desc(0, h, 16, D_NEXT, 1);
             d.desc(1, d.data(), 513, D_WRITE);
             for (unsigned i = 0; i < d.num(); i++)
                 d.offer(0);
             d.notify();
             kick(d, 0);
         }},
        {"device-writable header only",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, d.data(), 64, D_WRITE);
             kick(d, 0);
         }},
    };
    return list;
}

class VirtioAttackTest : public VirtioTest,
                         public ::testing::WithParamInterface<std::tuple<Bus, size_t>> {};

TEST_P(VirtioAttackTest, DeviceBreaksAndResetRecovers) {
    auto [bus, index] = GetParam();
    const Attack& attack = attacks().at(index);
    SCOPED_TRACE(attack.name);
    VirtioDriver d = blk(bus);
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    (void)machine().take_guest_errors();
    attack.run(*this, d);
    for (int i = 0; i < 5; i++)
        run_main_loop();
    EXPECT_EQ(d.used_idx(), 0) << "nothing comes back";
    auto errors = machine().take_guest_errors();
    bool named = false;
    for (const auto& e : errors)
        named |= e.starts_with("virtio-blk: ");
    EXPECT_TRUE(named) << "a guest_errors line from virtio-blk; got " << errors.size() << " lines";
    if (d.modern()) {
        EXPECT_TRUE(d.status() & S_NEEDS_RESET) << "modern: DEVICE_NEEDS_RESET";
        EXPECT_TRUE(line(d.irq())) << "with a config-change interrupt";
        EXPECT_EQ(d.take_isr(), 2);
    } else {
        EXPECT_EQ(d.status() & S_NEEDS_RESET, 0) << "legacy has no NEEDS_RESET";
    }
    // Broken: even a good request is ignored until a reset.
    d.desc(8, good_hdr(d), 16, D_NEXT, 9);
    d.desc(9, d.data(), 21, D_WRITE);
    d.offer(8);
    d.notify();
    run_main_loop();
    EXPECT_EQ(d.used_idx(), 0);

    ASSERT_EQ(d.init(d.usual_features()) & ~S_FEATURES_OK, S_ACKNOWLEDGE | S_DRIVER | S_DRIVER_OK);
    EXPECT_FALSE(line(d.irq()));
    BlkResult r = blk_request(d, T_GET_ID, 0, d.data(), 20, true);
    EXPECT_TRUE(r.done);
    EXPECT_EQ(r.status, BLK_OK);
    fill(d.data(), 512, 3);
    EXPECT_EQ(blk_request(d, T_IN, 1, d.data(), 512, true, 3).status, BLK_OK);
    EXPECT_EQ(ram(d.data(), 1)[0], seed_byte(image_of(bus), 0));
}

INSTANTIATE_TEST_SUITE_P(Attacks, VirtioAttackTest,
                         ::testing::Combine(::testing::Values(Bus::Mmio, Bus::Pci),
                                            ::testing::Range(size_t(0), attacks().size())),
                         [](const ::testing::TestParamInfo<std::tuple<Bus, size_t>>& info) {
                             std::string name = attacks().at(std::get<1>(info.param)).name;
                             for (char& c : name)
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             return std::string(std::get<0>(info.param) == Bus::Mmio ? "Mmio_"
                                                                                     : "Pci_") +
                                    name;
                         });

// Rings in places they should not be: the device must not crash or hang,
// and a reset brings it back. (These are not errors the device can see in
// every case: a used ring in MMIO just writes the registers.)
TEST_P(VirtioBusTest, RingsOnTheDevicesOwnRegisters) {
    for (bool is_blk : {true, false}) {
        VirtioDriver d = is_blk ? blk(GetParam()) : rng(GetParam());
        ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
        if (d.modern()) {
            // The used ring's first element (head 0, then the length) lands
            // on the status register (MMIO: a reset in the middle of the
            // push) or on queue_desc (PCI: the ring moves under the device).
            hwaddr used = d.base() + (d.pci() ? hwaddr(PCI_Q_DESCLO) : hwaddr(MMIO_STATUS)) - 4;
            if (d.pci()) {
                d.common_w(PCI_Q_SELECT, 0, 2);
                d.common_w(PCI_Q_USEDLO, uint32_t(used), 4);
                d.common_w(PCI_Q_USEDHI, uint32_t(used >> 32), 4);
            } else {
                d.mmio_w(MMIO_QUEUE_USED_LOW, uint32_t(used));
                d.mmio_w(MMIO_QUEUE_USED_HIGH, uint32_t(used >> 32));
            }
        }
        // A read completes on the main loop, outside any MMIO callback.
        hwaddr h = d.scratch(0x2000);
        (void)wr32(h, T_IN);
        (void)wr64(h + 8, 1);
        d.desc(0, h, 16, D_NEXT, 1);
        d.desc(1, d.data(), 513, D_WRITE);
        d.offer(0);
        d.notify();
        for (int i = 0; i < 20; i++) {
            run_main_loop();
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        // Descriptors read from the device's own registers.
        d.set_status(0);
        ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
        if (d.modern()) {
            if (d.pci()) {
                d.common_w(PCI_Q_DESCLO, uint32_t(d.base()), 4);
                d.common_w(PCI_Q_DESCHI, uint32_t(d.base() >> 32), 4);
            } else {
                d.mmio_w(MMIO_QUEUE_DESC_LOW, uint32_t(d.base()));
                d.mmio_w(MMIO_QUEUE_DESC_HIGH, uint32_t(d.base() >> 32));
            }
            d.offer(0);
            d.notify();
            run_main_loop();
        }
        ASSERT_EQ(d.init(d.usual_features()) & S_DRIVER_OK, S_DRIVER_OK);
        EXPECT_TRUE(works(d, is_blk));
    }
}

// A ring of big reads: the device takes on 8 MiB of them at a time (each
// needs a host buffer until it completes) and the rest when room comes
// back. The driver sees how far the device has looked in avail_event.
TEST_P(VirtioBusTest, BigRequestsWaitInTheRingForHostBuffers) {
    VirtioDriver d = blk(GetParam());
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    ASSERT_TRUE(d.usual_features() & F_EVENT_IDX);
    constexpr uint32_t kRead = uint32_t(kImageSize); // the whole disk, 1 MiB
    hwaddr h = d.scratch(0x2000);
    (void)wr32(h, T_IN);
    (void)wr64(h + 8, 0);
    d.desc(0, h, 16, D_NEXT, 1);
    d.desc(1, d.data(), kRead + 1, D_WRITE); // the data, then the status byte
    for (unsigned i = 0; i < d.num(); i++)
        d.offer(0);
    d.notify();
    EXPECT_EQ(d.avail_event(), 8) << "8 MiB of 1 MiB reads taken on, the rest left in the ring";
    EXPECT_EQ(d.used_idx(), 0);
    for (int i = 0; i < 2000 && d.used_idx() != d.num(); i++) {
        run_main_loop();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_EQ(d.used_idx(), d.num()) << "every read completes as room comes back";
    EXPECT_EQ(d.avail_event(), d.num());
    for (uint16_t i = 0; i < d.num(); i++)
        EXPECT_EQ(d.used_len(i), kRead + 1);
    EXPECT_EQ(ram(d.data(kRead), 1)[0], BLK_OK);
    EXPECT_EQ(ram(d.data(kSector), 1)[0], seed_byte(image_of(GetParam()), 0));
    EXPECT_TRUE(machine().take_guest_errors().empty());
}

// ---------------------------------------------------------------------------
// A randomized ring and register fuzz
// ---------------------------------------------------------------------------

class RingFuzzer {
public:
    RingFuzzer(VirtioDriver& d, uint32_t seed) : m_d(d), m_rng(seed) {}

    uint64_t r(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(m_rng); }

    uint64_t address() {
        switch (r(8)) {
        case 0: return m_rng();                     // anywhere
        case 1: return kRamBase + kRamSize - r(64); // the end of RAM
        case 2: return m_d.base() + r(0x200);       // its own registers
        case 3: return kMromBase + r(0x100);        // ROM
        case 4: return m_d.desc_addr() + r(0x1000); // its own rings
        default: return m_d.data(r(0x8000));        // its buffers
        }
    }
    uint32_t length() {
        switch (r(6)) {
        case 0: return 0;
        case 1: return 0xffffffff;
        case 2: return uint32_t(m_rng());
        case 3: return 16 * uint32_t(r(70));
        default: return uint32_t(r(1100));
        }
    }

    void step() {
        switch (r(10)) {
        case 0:
        case 1:
        case 2:
            m_d.desc(unsigned(r(m_d.num())), address(), length(), uint16_t(r(8)),
                     uint16_t(r(4) ? r(m_d.num() + 2) : m_rng()));
            break;
        case 3:
            VirtioDriver::desc_at(m_d.scratch(0x3000), unsigned(r(70)), address(), length(),
                                  uint16_t(r(8)), uint16_t(r(72)));
            break;
        case 4: m_d.offer(uint16_t(r(5) ? r(m_d.num()) : m_rng())); break;
        case 5:
            if (r(4) == 0) m_d.set_avail_idx(uint16_t(m_rng()));
            m_d.notify(uint32_t(r(8) ? 0 : r(4)));
            break;
        case 6: {
            // A random header for whatever chain points at the scratch page.
            hwaddr h = m_d.scratch(0x2000);
            static const uint32_t types[] = {T_IN,      T_OUT,          T_FLUSH, T_GET_ID,
                                             T_DISCARD, T_WRITE_ZEROES, 7};
            (void)address_space_stl(address_space_memory(), h,
                                    r(8) ? types[r(7)] : uint32_t(m_rng()));
            (void)address_space_stq(address_space_memory(), h + 8, 1024 + r(kSectors));
            break;
        }
        case 7: register_write(); break;
        case 8:
            (void)VirtioDriver::rd(m_d.base() + r(0x4000 / (m_d.pci() ? 1 : 32)), 1u << r(3));
            break;
        default: drain_main_loop(); break;
        }
    }

    // VirtTest::run_main_loop, which this class cannot reach.
    static void drain_main_loop() {
        BqlUnlockGuard unlocked;
        auto& ctx = main_loop_context();
        ctx.restart();
        ctx.poll();
    }

private:
    void register_write() {
        uint32_t v = r(3) ? uint32_t(r(0x20)) : uint32_t(m_rng());
        if (r(50) == 0) {
            m_d.set_status(0);
            return;
        }
        if (m_d.pci()) {
            static const std::pair<hwaddr, unsigned> fields[] = {
                {PCI_DFSELECT, 4},  {PCI_GFSELECT, 4}, {PCI_GF, 4},       {0x10, 2},
                {PCI_STATUS, 1},    {PCI_Q_SELECT, 2}, {PCI_Q_SIZE, 2},   {0x1a, 2},
                {PCI_Q_ENABLE, 2},  {PCI_Q_DESCLO, 4}, {PCI_Q_DESCHI, 4}, {PCI_Q_AVAILLO, 4},
                {PCI_Q_AVAILHI, 4}, {PCI_Q_USEDLO, 4}, {PCI_Q_USEDHI, 4}, {0x2000, 1},
                {0x2020, 1},        {0x1000, 1},       {0x3000, 2},       {0x13, 1}};
            auto [off, size] = fields[r(std::size(fields))];
            if (r(10) == 0) size = 1u << r(3);
            VirtioDriver::wr(m_d.base() + off, v, size);
        } else {
            hwaddr off = r(10) ? 4 * r(0x44) : r(0x200);
            if (off == MMIO_STATUS && r(2)) v &= 0xf;
            VirtioDriver::wr(m_d.base() + off, v, r(10) ? 4 : 1u << r(2));
        }
    }

    VirtioDriver& m_d;
    std::mt19937_64 m_rng;
};

TEST_P(VirtioBusTest, RandomRingsLeaveTheDeviceRecoverable) {
    for (bool is_blk : {true, false}) {
        VirtioDriver d = is_blk ? blk(GetParam()) : rng(GetParam());
        SCOPED_TRACE(transport_name(d.transport()));
        ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
        RingFuzzer fuzz(d, 20240601);
        for (int i = 0; i < 2000; i++) {
            fuzz.step();
            if (i % 200 == 199) {
                ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
            }
        }
        run_main_loop();
        ASSERT_EQ(d.init(d.usual_features()) & S_DRIVER_OK, S_DRIVER_OK);
        EXPECT_TRUE(works(d, is_blk));
        (void)machine().take_guest_errors();
    }
}

} // namespace
} // namespace mq::test
