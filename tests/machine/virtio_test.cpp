// Virtio devices on the virt machine, driven by a tiny test-side driver
// (split rings in guest RAM, written through the system address space) over
// three transports: virtio-mmio version 1 (legacy) or version 2 (modern),
// and modern virtio-pci. One process sees one virtio-mmio version (the
// board's slots share `force-legacy`): ctest runs this binary twice, the
// second time with MQ_VIRTIO_MMIO=modern (`-global
// virtio-mmio.force-legacy=false`) and only the mmio tests.
//
// The machine adds, on temporary raw images made when it is built:
//   mmio slot 7 (PLIC 8): virtio-blk-device on hd0, serial MQ-MMIO-DISK
//   mmio slot 6 (PLIC 7): virtio-blk-device on hd2, readonly=on
//   mmio slot 5 (PLIC 6): virtio-rng-device
//   pci: virtio-blk-pci on hd1 (serial MQ-PCI-DISK), virtio-rng-pci
// Every image starts with sector 1 holding a known pattern.
//
// Beyond the happy paths, the ring-level attacks pin down QEMU's answer to
// a hostile driver: the device is marked broken with a guest_errors line,
// hands nothing back, a modern one sets NEEDS_RESET, and a reset makes it
// work again.
#include "tests/machine/virtio_driver.h"

namespace mq::test {
namespace {

// ---------------------------------------------------------------------------
// Identity
// ---------------------------------------------------------------------------

TEST_F(VirtioTest, MmioSlotsIdentifyThemselves) {
    for (int i = 0; i < kMmioSlots; i++) {
        SCOPED_TRACE(i);
        EXPECT_EQ(rd32(mmio_slot(i) + MMIO_MAGIC), 0x74726976u) << "\"virt\"";
        EXPECT_EQ(rd32(mmio_slot(i) + MMIO_VERSION), mmio_modern() ? 2u : 1u);
        EXPECT_EQ(rd32(mmio_slot(i) + MMIO_VENDOR_ID), 0x554d4551u) << "\"QEMU\"";
    }
    // -device fills the slots from the top, in command-line order.
    EXPECT_EQ(rd32(mmio_slot(kBlkSlot) + MMIO_DEVICE_ID), 2u);
    EXPECT_EQ(rd32(mmio_slot(kBlkRoSlot) + MMIO_DEVICE_ID), 2u);
    EXPECT_EQ(rd32(mmio_slot(kRngSlot) + MMIO_DEVICE_ID), 4u);
    for (int i = 0; i < kRngSlot; i++) {
        EXPECT_EQ(rd32(mmio_slot(i) + MMIO_DEVICE_ID), 0u) << "empty slot " << i;
        EXPECT_EQ(rd32(mmio_slot(i) + MMIO_STATUS), 0u);
        (void)wr32(mmio_slot(i) + MMIO_STATUS, 7); // ignored
        EXPECT_EQ(rd32(mmio_slot(i) + MMIO_STATUS), 0u);
    }
    EXPECT_EQ(rd32(mmio_slot(kBlkSlot) + MMIO_QUEUE_NUM_MAX), 256u);
    EXPECT_EQ(rd32(mmio_slot(kRngSlot) + MMIO_QUEUE_NUM_MAX), 8u);
    // The block config space: capacity in sectors, blk_size.
    EXPECT_EQ(rd32(mmio_slot(kBlkSlot) + MMIO_CONFIG), uint32_t(kSectors));
    EXPECT_EQ(rd32(mmio_slot(kBlkSlot) + MMIO_CONFIG + 4), 0u);
    EXPECT_EQ(rd32(mmio_slot(kBlkSlot) + MMIO_CONFIG + 20), 512u);
}

TEST_F(VirtioTest, PciIdentityAndCapabilities) {
    struct Want {
        const PciFunction* f;
        uint16_t device;
        uint32_t class_code;
    };
    for (auto [f, device, class_code] :
         {Want{m_blk_pci, 0x1042, 0x010000}, Want{m_rng_pci, 0x1044, 0x00ff00}}) {
        SCOPED_TRACE(device);
        EXPECT_EQ(f->vendor, 0x1af4);
        EXPECT_EQ(f->device, device);
        EXPECT_EQ(f->revision, 1);
        EXPECT_EQ(f->class_code, class_code);
        EXPECT_EQ(f->interrupt_pin, 1);
        EXPECT_EQ(pci_cfg_read16(f->slot, 0, 0x2c), 0x1af4) << "subsystem vendor";
        const PciBar& bar = f->bars[4];
        ASSERT_TRUE(bar.present);
        EXPECT_TRUE(bar.is64);
        EXPECT_TRUE(bar.prefetch);
        EXPECT_EQ(bar.size, 0x4000u);
        for (int i = 0; i < 4; i++)
            EXPECT_FALSE(f->bars[i].present) << "modern only: no legacy I/O BAR " << i;

        ASSERT_TRUE(pci_cfg_read16(f->slot, 0, 0x06) & 0x10) << "Status.CapabilitiesList";
        struct Cap {
            uint8_t len, bar;
            uint32_t offset, length, multiplier;
        };
        std::map<int, Cap> caps;
        int walked = 0;
        for (uint8_t pos = pci_cfg_read8(f->slot, 0, 0x34) & 0xfc; pos; walked++) {
            ASSERT_LT(walked, 48) << "capability list loops";
            ASSERT_GE(pos, 0x40);
            if (pci_cfg_read8(f->slot, 0, pos) == 0x09) {
                int type = pci_cfg_read8(f->slot, 0, pos + 3);
                EXPECT_EQ(caps.count(type), 0u) << "cfg_type " << type << " twice";
                caps[type] =
                    Cap{pci_cfg_read8(f->slot, 0, pos + 2), pci_cfg_read8(f->slot, 0, pos + 4),
                        pci_cfg_read32(f->slot, 0, pos + 8), pci_cfg_read32(f->slot, 0, pos + 12),
                        type == 2 ? pci_cfg_read32(f->slot, 0, pos + 16) : 0};
            }
            pos = pci_cfg_read8(f->slot, 0, pos + 1) & 0xfc;
        }
        ASSERT_EQ(caps.size(), 4u);
        const uint32_t offsets[] = {0, 0x0000, 0x3000, 0x1000, 0x2000};
        for (int type = 1; type <= 4; type++) {
            SCOPED_TRACE(type);
            ASSERT_EQ(caps.count(type), 1u);
            EXPECT_EQ(caps[type].bar, 4);
            EXPECT_EQ(caps[type].offset, offsets[type]);
            EXPECT_EQ(caps[type].length, 0x1000u);
            EXPECT_EQ(caps[type].len, type == 2 ? 20 : 16);
        }
        EXPECT_EQ(caps[2].multiplier, 4u) << "notify_off_multiplier";
        hwaddr b = bar.cpu_addr();
        EXPECT_EQ(rd16(b + PCI_NUMQ), 1u);
        (void)wr16(b + PCI_Q_SELECT, 0);
        EXPECT_EQ(rd16(b + PCI_Q_NOFF), 0u);
    }
}

TEST_F(VirtioTest, PciCommonConfigNarrowReads) {
    hwaddr b = m_blk_pci->bars[4].cpu_addr();
    (void)wr8(b + PCI_STATUS, S_ACKNOWLEDGE);
    (void)wr16(b + PCI_Q_SELECT, 0);
    // A field read from its start, narrower than it is: its low bytes.
    EXPECT_EQ(rd8(b + PCI_Q_SIZE), 0u) << "256 = 0x100";
    EXPECT_EQ(rd8(b + PCI_NUMQ), 1u);
    // Bytes in the middle of a field read as 0, as QEMU's switch on the
    // offset gives; they are not the bytes of some other register.
    EXPECT_EQ(rd8(b + PCI_Q_SELECT + 1), 0u);
    EXPECT_EQ(rd8(b + PCI_NUMQ + 1), 0u);
    EXPECT_EQ(rd8(b + PCI_Q_SIZE + 1), 0u);
    EXPECT_EQ(rd8(b + PCI_Q_ENABLE + 1), 0u);
    EXPECT_EQ(rd8(b + PCI_DF + 1), 0u);
    EXPECT_EQ(rd8(b + PCI_STATUS), S_ACKNOWLEDGE);
    (void)wr8(b + PCI_STATUS, 0);
}

TEST_F(VirtioTest, PciWithoutBusMasteringTheDeviceReachesNoMemory) {
    VirtioDriver d = pci_dev(*m_blk_pci, 0);
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    pci_set_command(m_blk_pci->slot, 0, 0x0002); // memory decode only
    fill(d.data(), 512, 9);
    hwaddr h = d.scratch(0x2000);
    (void)wr32(h, T_OUT);
    (void)wr64(h + 8, 50);
    d.desc(0, h, 16, D_NEXT, 1);
    d.desc(1, d.data(), 512, D_NEXT, 2);
    d.desc(2, d.data(0x800), 1, D_WRITE);
    d.offer(0);
    d.notify();
    for (int i = 0; i < 5; i++)
        run_main_loop();
    EXPECT_EQ(d.used_idx(), 0);
    EXPECT_EQ(read_image(1, 50 * kSector, 512), std::vector<uint8_t>(512, 0))
        << "nothing was read from guest memory";
    pci_set_command(m_blk_pci->slot, 0, 0x0007);
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    EXPECT_TRUE(works(d, true));
}

TEST_P(VirtioBusTest, BlkWriteCacheIsSwitchable) {
    VirtioDriver d = blk(GetParam());
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    constexpr hwaddr kWce = 32;
    EXPECT_EQ(d.config(kWce, 1), 1u) << "writeback by default";
    d.config_w(kWce, 0, 1);
    EXPECT_EQ(d.config(kWce, 1), 0u);
    fill(d.data(), 512, 5);
    EXPECT_EQ(blk_request(d, T_OUT, 60, d.data(), 512, false).status, BLK_OK);
    EXPECT_EQ(read_image(image_of(GetParam()), 60 * kSector, 512), ram(d.data(), 512));
    d.set_status(0);
    EXPECT_EQ(d.config(kWce, 1), 1u) << "a reset brings writeback back";
    // Without CONFIG_WCE the byte is read-only.
    ASSERT_TRUE(d.init(d.usual_features() & ~bit(11)) & S_DRIVER_OK);
    d.config_w(kWce, 0, 1);
    EXPECT_EQ(d.config(kWce, 1), 1u);
}

// ---------------------------------------------------------------------------
// Feature negotiation and status
// ---------------------------------------------------------------------------

TEST_P(VirtioBusTest, FeaturesOffered) {
    VirtioDriver d = blk(GetParam());
    uint64_t f = d.device_features();
    EXPECT_TRUE(f & F_INDIRECT);
    EXPECT_TRUE(f & F_EVENT_IDX);
    EXPECT_TRUE(f & F_BLK_FLUSH);
    EXPECT_TRUE(f & F_BLK_DISCARD);
    EXPECT_TRUE(f & F_BLK_WRITE_ZEROES);
    EXPECT_FALSE(f & F_BLK_RO) << "the drive is writable";
    EXPECT_FALSE(f & F_RING_PACKED);
    EXPECT_EQ(bool(f & F_VERSION_1), d.modern());
    if (!d.modern()) {
        EXPECT_EQ(f >> 32, 0u) << "legacy has 32 feature bits";
    }
}

TEST_P(VirtioBusTest, FeaturesOkRefusedForBitsNotOffered) {
    VirtioDriver d = blk(GetParam());
    if (!d.modern()) GTEST_SKIP() << "legacy virtio-mmio has no FEATURES_OK";
    d.set_status(0);
    d.set_status(S_ACKNOWLEDGE | S_DRIVER);
    d.write_driver_features(d.device_features() | F_RING_PACKED);
    d.set_status(S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
    EXPECT_EQ(d.status(), S_ACKNOWLEDGE | S_DRIVER) << "FEATURES_OK must not stick";
    // Without VERSION_1 on a modern transport the spec lets the device
    // refuse too, but QEMU takes it; only the unoffered bit is checked.
    d.set_status(0);
    EXPECT_EQ(d.status(), 0);
    EXPECT_EQ(d.init(d.usual_features()), S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    // Once FEATURES_OK is set, the features are fixed.
    d.write_driver_features(F_VERSION_1);
    EXPECT_EQ(blk_request(d, T_GET_ID, 0, d.data(), 20, true).status, BLK_OK);
}

TEST_P(VirtioBusTest, StatusZeroResets) {
    VirtioDriver d = blk(GetParam());
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    EXPECT_TRUE(d.queue_ready());
    d.set_status(0);
    EXPECT_EQ(d.status(), 0);
    EXPECT_FALSE(d.queue_ready());
    // The queue is gone: a kick does nothing.
    (void)wr32(d.scratch(), T_GET_ID);
    d.desc(0, d.scratch(), 16, D_NEXT, 1);
    d.desc(1, d.data(), 21, D_WRITE);
    d.offer(0);
    d.notify();
    run_main_loop();
    EXPECT_EQ(d.used_idx(), 0);
    // And it comes back.
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    EXPECT_EQ(blk_request(d, T_GET_ID, 0, d.data(), 20, true).status, BLK_OK);
}

// ---------------------------------------------------------------------------
// virtio-blk
// ---------------------------------------------------------------------------

TEST_P(VirtioBusTest, BlkReadsTheImage) {
    VirtioDriver d = blk(GetParam());
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    fill(d.data(), 1024, 0);
    BlkResult r = blk_request(d, T_IN, 1, d.data(), 512, true);
    ASSERT_TRUE(r.done);
    EXPECT_EQ(r.status, BLK_OK);
    EXPECT_EQ(r.len, 513u) << "data and status";
    auto got = ram(d.data(), 512);
    for (size_t i = 0; i < 512; i++)
        ASSERT_EQ(got[i], seed_byte(image_of(GetParam()), i)) << i;
}

TEST_P(VirtioBusTest, BlkWriteThenReadBack) {
    VirtioDriver d = blk(GetParam());
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    fill(d.data(), 2048, 0x31);
    auto written = ram(d.data(), 2048);
    BlkResult w = blk_request(d, T_OUT, 8, d.data(), 2048, false);
    ASSERT_TRUE(w.done);
    EXPECT_EQ(w.status, BLK_OK);
    EXPECT_EQ(w.len, 1u) << "only the status byte was written";
    EXPECT_EQ(blk_request(d, T_FLUSH, 0, 0, 0, false, 3).status, BLK_OK);
    EXPECT_EQ(read_image(image_of(GetParam()), 8 * kSector, 2048), written) << "on the host file";

    fill(d.data(0x1000), 2048, 0);
    BlkResult r = blk_request(d, T_IN, 8, d.data(0x1000), 2048, true, 6);
    ASSERT_TRUE(r.done);
    EXPECT_EQ(r.status, BLK_OK);
    EXPECT_EQ(ram(d.data(0x1000), 2048), written);
    EXPECT_EQ(d.used_idx(), 3);
}

TEST_P(VirtioBusTest, BlkGetId) {
    VirtioDriver d = blk(GetParam());
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    fill(d.data(), 32, 0xff);
    BlkResult r = blk_request(d, T_GET_ID, 0, d.data(), 20, true);
    EXPECT_EQ(r.status, BLK_OK);
    EXPECT_EQ(r.len, 21u);
    auto id = ram(d.data(), 20);
    std::string want = GetParam() == Bus::Mmio ? "MQ-MMIO-DISK" : "MQ-PCI-DISK";
    EXPECT_EQ(std::string(id.begin(), id.begin() + want.size()), want);
    for (size_t i = want.size(); i < 20; i++)
        EXPECT_EQ(id[i], 0) << "NUL-padded";
}

TEST_P(VirtioBusTest, BlkDiscardAndWriteZeroes) {
    VirtioDriver d = blk(GetParam());
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    fill(d.data(), 4 * kSector, 0x77);
    ASSERT_EQ(blk_request(d, T_OUT, 32, d.data(), 4 * kSector, false).status, BLK_OK);
    // One segment: sector, num_sectors, flags.
    hwaddr seg = d.scratch(0x2000);
    (void)wr64(seg, 33);
    (void)wr32(seg + 8, 2);
    (void)wr32(seg + 12, 0);
    EXPECT_EQ(blk_request(d, T_WRITE_ZEROES, 0, seg, 16, false, 3).status, BLK_OK);
    fill(d.data(0x1000), 4 * kSector, 0x11);
    ASSERT_EQ(blk_request(d, T_IN, 32, d.data(0x1000), 4 * kSector, true, 6).status, BLK_OK);
    auto back = ram(d.data(0x1000), 4 * kSector);
    auto orig = ram(d.data(), 4 * kSector);
    for (size_t i = 0; i < 4 * kSector; i++) {
        bool zeroed = i >= kSector && i < 3 * kSector;
        ASSERT_EQ(back[i], zeroed ? 0 : orig[i]) << i;
    }
    EXPECT_EQ(read_image(image_of(GetParam()), 33 * kSector, 2 * kSector),
              std::vector<uint8_t>(2 * kSector, 0));
    (void)wr32(seg + 12, 1); // UNMAP is allowed for write-zeroes
    EXPECT_EQ(blk_request(d, T_WRITE_ZEROES, 0, seg, 16, false, 9).status, BLK_OK);
    // Discard: done (whether the range reads as zeroes afterwards is not promised).
    (void)wr32(seg + 12, 0);
    EXPECT_EQ(blk_request(d, T_DISCARD, 0, seg, 16, false, 12).status, BLK_OK);
    // Flags discard does not know, a range past the end, two segments.
    (void)wr32(seg + 12, 1);
    EXPECT_EQ(blk_request(d, T_DISCARD, 0, seg, 16, false, 15).status, BLK_UNSUPP);
    (void)wr64(seg, kSectors - 1);
    (void)wr32(seg + 12, 0);
    EXPECT_EQ(blk_request(d, T_WRITE_ZEROES, 0, seg, 16, false, 18).status, BLK_IOERR);
    EXPECT_EQ(blk_request(d, T_DISCARD, 0, seg, 32, false, 21).status, BLK_UNSUPP);
}

TEST_P(VirtioBusTest, BlkOutOfRangeIsIoError) {
    VirtioDriver d = blk(GetParam());
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    EXPECT_EQ(blk_request(d, T_IN, kSectors, d.data(), 512, true).status, BLK_IOERR);
    EXPECT_EQ(blk_request(d, T_IN, kSectors - 1, d.data(), 1024, true, 3).status, BLK_IOERR);
    EXPECT_EQ(blk_request(d, T_OUT, kSectors, d.data(), 512, false, 6).status, BLK_IOERR);
    EXPECT_EQ(blk_request(d, T_IN, ~uint64_t(0), d.data(), 512, true, 9).status, BLK_IOERR);
    EXPECT_EQ(blk_request(d, T_IN, uint64_t(1) << 55, d.data(), 512, true, 12).status, BLK_IOERR);
    EXPECT_EQ(blk_request(d, T_IN, 0, d.data(), 100, true, 15).status, BLK_IOERR)
        << "not a whole sector";
    EXPECT_EQ(blk_request(d, T_IN, kSectors - 1, d.data(), 512, true, 18).status, BLK_OK);
    EXPECT_EQ(blk_request(d, 99, 0, d.data(), 512, true, 21).status, BLK_UNSUPP);
    EXPECT_EQ(blk_request(d, 0x7fffffff, 0, 0, 0, false, 24).status, BLK_UNSUPP);
    EXPECT_EQ(d.used_idx(), 9) << "each one handed back";
    EXPECT_EQ(d.status() & S_NEEDS_RESET, 0) << "an I/O error is not a broken device";
}

TEST_F(VirtioTest, MmioBlkReadOnlyDrive) {
    VirtioDriver d = mmio_dev(kBlkRoSlot);
    EXPECT_TRUE(d.device_features() & F_BLK_RO);
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    fill(d.data(), 512, 1);
    EXPECT_EQ(blk_request(d, T_OUT, 1, d.data(), 512, false).status, BLK_IOERR);
    hwaddr seg = d.scratch(0x2000);
    (void)wr64(seg, 1);
    (void)wr32(seg + 8, 1);
    (void)wr32(seg + 12, 0);
    EXPECT_EQ(blk_request(d, T_WRITE_ZEROES, 0, seg, 16, false, 3).status, BLK_IOERR);
    EXPECT_EQ(blk_request(d, T_DISCARD, 0, seg, 16, false, 6).status, BLK_IOERR);
    ASSERT_EQ(blk_request(d, T_IN, 1, d.data(), 512, true, 9).status, BLK_OK);
    auto got = ram(d.data(), 512);
    for (size_t i = 0; i < 512; i++)
        ASSERT_EQ(got[i], seed_byte(2, i)) << "untouched, byte " << i;
    EXPECT_EQ(read_image(2, kSector, 4), (std::vector<uint8_t>{seed_byte(2, 0), seed_byte(2, 1),
                                                               seed_byte(2, 2), seed_byte(2, 3)}));
}

TEST_P(VirtioBusTest, BlkIndirectDescriptors) {
    VirtioDriver d = blk(GetParam());
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    hwaddr table = d.scratch(0x3000);
    hwaddr hdr = d.scratch(0x2000), status = hdr + 0x40;
    fill(d.data(), 1024, 0x40);
    auto written = ram(d.data(), 1024);
    // A write in four pieces: header, two data halves, status.
    (void)wr32(hdr, T_OUT);
    (void)wr32(hdr + 4, 0);
    (void)wr64(hdr + 8, 40);
    (void)wr8(status, BLK_NOT_DONE);
    VirtioDriver::desc_at(table, 0, hdr, 16, D_NEXT, 1);
    VirtioDriver::desc_at(table, 1, d.data(), 512, D_NEXT, 2);
    VirtioDriver::desc_at(table, 2, d.data(512), 512, D_NEXT, 3);
    VirtioDriver::desc_at(table, 3, status, 1, D_WRITE, 0);
    d.desc(5, table, 4 * 16, D_INDIRECT);
    d.offer(5);
    d.notify();
    ASSERT_TRUE(wait_used(d, 0));
    EXPECT_EQ(d.used_id(0), 5u);
    EXPECT_EQ(rd8(status), BLK_OK);
    EXPECT_EQ(read_image(image_of(GetParam()), 40 * kSector, 1024), written);
    // And a read back, through a table whose chain (from entry 0) jumps about.
    (void)wr32(hdr, T_IN);
    (void)wr8(status, BLK_NOT_DONE);
    fill(d.data(0x1000), 1024, 0);
    VirtioDriver::desc_at(table, 0, hdr, 16, D_NEXT, 5);
    VirtioDriver::desc_at(table, 5, d.data(0x1000), 1024, D_NEXT | D_WRITE, 3);
    VirtioDriver::desc_at(table, 3, status, 1, D_WRITE, 0);
    d.desc(9, table, 8 * 16, D_INDIRECT);
    d.offer(9);
    d.notify();
    ASSERT_TRUE(wait_used(d, 1));
    EXPECT_EQ(d.used_id(1), 9u);
    EXPECT_EQ(d.used_len(1), 1025u);
    EXPECT_EQ(rd8(status), BLK_OK);
    EXPECT_EQ(ram(d.data(0x1000), 1024), written);
}

// ---------------------------------------------------------------------------
// Interrupts
// ---------------------------------------------------------------------------

TEST_P(VirtioBusTest, InterruptReachesThePlicAndIsrClearsIt) {
    VirtioDriver d = blk(GetParam());
    int src = d.irq();
    if (GetParam() == Bus::Mmio) {
        EXPECT_EQ(src, 8) << "slot 7 is PLIC source 8";
    }
    // Without NOTIFY_ON_EMPTY (legacy), which would interrupt on an empty
    // ring whatever the flags say.
    ASSERT_TRUE(d.init(d.usual_features() & ~F_EVENT_IDX & ~bit(24)) & S_DRIVER_OK);
    EXPECT_FALSE(line(src));
    EXPECT_FALSE(plic_pending(src));
    ASSERT_EQ(blk_request(d, T_IN, 1, d.data(), 512, true).status, BLK_OK);
    EXPECT_TRUE(line(src));
    EXPECT_TRUE(plic_pending(src));
    if (d.pci()) {
        EXPECT_TRUE(pci_cfg_read16(m_blk_pci->slot, 0, 0x06) & 0x08) << "Status.Interrupt";
    }
    EXPECT_EQ(d.take_isr(), 1) << "a used buffer";
    EXPECT_FALSE(line(src)) << "reading (PCI) or acknowledging (MMIO) the ISR lowers the line";
    if (d.pci()) {
        EXPECT_FALSE(pci_cfg_read16(m_blk_pci->slot, 0, 0x06) & 0x08);
    }
    EXPECT_EQ(d.take_isr(), 0);
    // The PLIC latched it; claim and complete.
    (void)wr32(plic_priority(src), 1);
    (void)wr32(plic_enable_word(0, src), 1u << (src % 32));
    EXPECT_EQ(rd32(plic_claim(0)), uint32_t(src));
    (void)wr32(plic_claim(0), src);
    EXPECT_FALSE(plic_pending(src));
    (void)wr32(plic_enable_word(0, src), 0);
    (void)wr32(plic_priority(src), 0);

    // VRING_AVAIL_F_NO_INTERRUPT: no interrupt for the next one.
    d.set_avail_flags(1);
    ASSERT_EQ(blk_request(d, T_IN, 1, d.data(), 512, true, 3).status, BLK_OK);
    EXPECT_FALSE(line(src));
    EXPECT_EQ(d.take_isr(), 0);
    // A reset lowers a raised line too.
    d.set_avail_flags(0);
    ASSERT_EQ(blk_request(d, T_IN, 1, d.data(), 512, true, 6).status, BLK_OK);
    EXPECT_TRUE(line(src));
    d.set_status(0);
    EXPECT_FALSE(line(src));
}

TEST_P(VirtioBusTest, EventIdxUsedEventIsRespected) {
    VirtioDriver d = blk(GetParam());
    ASSERT_TRUE(d.device_features() & F_EVENT_IDX);
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    int src = d.irq();
    // used_event = 0: the first completion (used idx 0 -> 1) interrupts.
    d.set_used_event(0);
    ASSERT_EQ(blk_request(d, T_GET_ID, 0, d.data(), 20, true).status, BLK_OK);
    EXPECT_EQ(d.avail_event(), 1) << "the device says how far it has read";
    EXPECT_TRUE(line(src));
    EXPECT_EQ(d.take_isr(), 1);
    // "Interrupt me once the used index passes 3": not at 2 or 3, at 4.
    d.set_used_event(3);
    for (uint16_t n = 2; n <= 4; n++) {
        SCOPED_TRACE(n);
        ASSERT_EQ(blk_request(d, T_IN, 1, d.data(), 512, true, 3 * n).status, BLK_OK);
        EXPECT_EQ(d.used_idx(), n);
        EXPECT_EQ(d.avail_event(), n);
        EXPECT_EQ(line(src), n == 4);
        if (!d.pci()) {
            EXPECT_EQ(d.peek_isr(), n == 4 ? 1 : 0);
        }
    }
    EXPECT_EQ(d.take_isr(), 1);
    // The flag is ignored with EVENT_IDX: used_event alone decides.
    d.set_avail_flags(1);
    d.set_used_event(4);
    ASSERT_EQ(blk_request(d, T_GET_ID, 0, d.data(), 20, true, 20).status, BLK_OK);
    EXPECT_TRUE(line(src));
    EXPECT_EQ(d.take_isr(), 1);
    // An event already passed is not signalled again.
    ASSERT_EQ(blk_request(d, T_GET_ID, 0, d.data(), 20, true, 23).status, BLK_OK);
    EXPECT_FALSE(line(src));
}

// ---------------------------------------------------------------------------
// virtio-rng
// ---------------------------------------------------------------------------

TEST_P(VirtioBusTest, RngFillsBuffers) {
    VirtioDriver d = rng(GetParam());
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    std::vector<std::vector<uint8_t>> reads;
    address_space_write(sys(), d.data(), std::vector<uint8_t>(256, 0).data(), 256);
    for (uint16_t i = 0; i < 3; i++) {
        d.desc(i, d.data(64 * i), 64, D_WRITE);
        d.offer(i);
        d.notify();
        ASSERT_TRUE(wait_used(d, i));
        EXPECT_EQ(d.used_id(i), i);
        EXPECT_EQ(d.used_len(i), 64u);
        reads.push_back(ram(d.data(64 * i), 64));
        EXPECT_NE(reads.back(), std::vector<uint8_t>(64, 0));
    }
    EXPECT_NE(reads[0], reads[1]);
    EXPECT_NE(reads[1], reads[2]);
    // A chain of two buffers is filled across both.
    d.desc(4, d.data(0x100), 8, D_WRITE | D_NEXT, 5);
    d.desc(5, d.data(0x108), 8, D_WRITE);
    d.offer(4);
    d.notify();
    ASSERT_TRUE(wait_used(d, 3));
    EXPECT_EQ(d.used_len(3), 16u);
    EXPECT_EQ(d.take_isr() & 1, 1);
}

} // namespace

VIRTIO_BUSES(VirtioBusTest);

} // namespace mq::test
