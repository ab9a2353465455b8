// The NS16550A UART as a memory-mapped sysbus device ("serial-mm").
#pragma once

#include "core/chardev.h"
#include "core/qdev/sysbus.h"
#include "core/timer.h"

#include <deque>

namespace mq {

inline constexpr const char* TYPE_SERIAL_MM = "serial-mm";

struct SerialMM : SysBusDevice {
    static constexpr const char* type = TYPE_SERIAL_MM;
    MemoryRegion mmio;
    QemuIrq irq;
    Chardev* chr = nullptr; // set by the board before realize
    uint8_t regshift = 0;
    uint32_t baudbase = 115200;

    // Registers. The reset values are QEMU's.
    struct Regs {
        uint16_t divider = 0x0c;
        uint8_t rbr = 0, ier = 0, iir = 0x01, lcr = 0, mcr = 0x08 /* OUT2 */;
        uint8_t lsr = 0x60 /* TEMT | THRE */;
        uint8_t msr = 0xb0 /* DCD | DSR | CTS */;
        uint8_t scr = 0, fcr = 0;
        bool thr_ipending = false;
        bool timeout_ipending = false;
        std::deque<uint8_t> recv_fifo;
        size_t recv_fifo_itl = 1; // the FIFO trigger level
        int64_t char_transmit_time = (NANOSECONDS_PER_SECOND / 9600) * 10;
    } r;
    std::unique_ptr<QEMUTimer> fifo_timeout_timer;
};

} // namespace mq
