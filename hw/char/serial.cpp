// The NS16550A UART (QEMU: hw/char/serial.c, hw/char/serial-mm.c).
//
// Eight byte-wide registers (regshift 0 on virt):
//   0  RBR read / THR write / DLL when LCR.DLAB
//   1  IER / DLM when LCR.DLAB
//   2  IIR read / FCR write
//   3  LCR   4  MCR   5  LSR   6  MSR   7  SCR
// Transmitted bytes go straight to the chardev. Received bytes fill a
// 16-byte FIFO (or the single RBR when FIFOs are off); the chardev holds
// back the rest until there is room. The interrupt line follows QEMU's
// priority: line status, character timeout, data ready at the FIFO trigger
// level, THR empty, modem status.
#include "hw/char/serial.h"

#include "core/log.h"
#include "core/module.h"

namespace mq {

namespace {

constexpr uint8_t UART_LCR_DLAB = 0x80;
constexpr uint8_t UART_IER_RDI = 0x01;  // receive data available
constexpr uint8_t UART_IER_THRI = 0x02; // THR empty
constexpr uint8_t UART_IER_RLSI = 0x04; // line status
constexpr uint8_t UART_IER_MSI = 0x08;  // modem status
constexpr uint8_t UART_IIR_NO_INT = 0x01;
constexpr uint8_t UART_IIR_ID = 0x06;
constexpr uint8_t UART_IIR_MSI = 0x00;
constexpr uint8_t UART_IIR_THRI = 0x02;
constexpr uint8_t UART_IIR_RDI = 0x04;
constexpr uint8_t UART_IIR_RLSI = 0x06;
constexpr uint8_t UART_IIR_CTI = 0x0c;
constexpr uint8_t UART_IIR_FE = 0xc0; // FIFOs enabled
constexpr uint8_t UART_FCR_FE = 0x01;
constexpr uint8_t UART_FCR_RFR = 0x02;
constexpr uint8_t UART_FCR_XFR = 0x04;
constexpr uint8_t UART_LSR_DR = 0x01;
constexpr uint8_t UART_LSR_OE = 0x02;
constexpr uint8_t UART_LSR_BI = 0x10;
constexpr uint8_t UART_LSR_THRE = 0x20;
constexpr uint8_t UART_LSR_TEMT = 0x40;
constexpr uint8_t UART_LSR_INT_ANY = 0x1e;
constexpr uint8_t UART_MCR_LOOP = 0x10;
constexpr uint8_t UART_MSR_ANY_DELTA = 0x0f;
constexpr size_t UART_FIFO_LENGTH = 16;

} // namespace

namespace {

void serial_update_irq(SerialMM& s) {
    auto& u = s.r;
    uint8_t iir = UART_IIR_NO_INT;
    if ((u.ier & UART_IER_RLSI) && (u.lsr & UART_LSR_INT_ANY)) {
        iir = UART_IIR_RLSI;
    } else if ((u.ier & UART_IER_RDI) && u.timeout_ipending) {
        iir = UART_IIR_CTI;
    } else if ((u.ier & UART_IER_RDI) && (u.lsr & UART_LSR_DR) &&
               (!(u.fcr & UART_FCR_FE) || u.recv_fifo.size() >= u.recv_fifo_itl)) {
        iir = UART_IIR_RDI;
    } else if ((u.ier & UART_IER_THRI) && u.thr_ipending) {
        iir = UART_IIR_THRI;
    } else if ((u.ier & UART_IER_MSI) && (u.msr & UART_MSR_ANY_DELTA)) {
        iir = UART_IIR_MSI;
    }
    u.iir = iir | (u.iir & 0xf0);
    qemu_set_irq(s.irq, iir != UART_IIR_NO_INT);
}

void serial_update_parameters(SerialMM& s) {
    auto& u = s.r;
    if (u.divider == 0 || u.divider > s.baudbase) return;
    int frame = 1 + ((u.lcr & 0x03) + 5) + ((u.lcr & 0x04) ? 2 : 1) + ((u.lcr & 0x08) ? 1 : 0);
    int64_t speed = s.baudbase / u.divider;
    u.char_transmit_time = (NANOSECONDS_PER_SECOND / speed) * frame;
}

void serial_receive_byte(SerialMM& s, uint8_t ch) {
    auto& u = s.r;
    if (u.fcr & UART_FCR_FE) {
        if (u.recv_fifo.size() >= UART_FIFO_LENGTH) {
            u.lsr |= UART_LSR_OE; // overrun: the byte is lost
        } else {
            u.recv_fifo.push_back(ch);
        }
        u.lsr |= UART_LSR_DR;
        // The character timeout: 4 character times without new data.
        u.timeout_ipending = false;
        s.fifo_timeout_timer->mod_ns(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
                                     u.char_transmit_time * 4);
    } else {
        if (u.lsr & UART_LSR_DR) u.lsr |= UART_LSR_OE;
        u.rbr = ch;
        u.lsr |= UART_LSR_DR;
    }
    serial_update_irq(s);
}

size_t serial_can_receive(SerialMM& s) {
    auto& u = s.r;
    if (u.mcr & UART_MCR_LOOP) return 0; // loopback: the wire is disconnected
    if (u.fcr & UART_FCR_FE) {
        if (u.recv_fifo.size() >= UART_FIFO_LENGTH) return 0;
        return u.recv_fifo.size() < u.recv_fifo_itl ? u.recv_fifo_itl - u.recv_fifo.size() : 1;
    }
    return (u.lsr & UART_LSR_DR) ? 0 : 1;
}

void serial_transmit(SerialMM& s, uint8_t ch) {
    auto& u = s.r;
    if (u.mcr & UART_MCR_LOOP) {
        serial_receive_byte(s, ch);
    } else if (s.chr) {
        s.chr->write(&ch, 1);
    }
    u.lsr |= UART_LSR_THRE | UART_LSR_TEMT;
    u.thr_ipending = true;
    serial_update_irq(s);
}

uint64_t serial_read(SerialMM& s, hwaddr addr) {
    auto& u = s.r;
    switch (addr & 7) {
    case 0:
        if (u.lcr & UART_LCR_DLAB) return u.divider & 0xff;
        {
            uint8_t ret;
            if (u.fcr & UART_FCR_FE) {
                ret = u.recv_fifo.empty() ? 0 : u.recv_fifo.front();
                if (!u.recv_fifo.empty()) u.recv_fifo.pop_front();
                if (u.recv_fifo.empty()) {
                    u.lsr &= ~UART_LSR_DR;
                    s.fifo_timeout_timer->del();
                } else {
                    s.fifo_timeout_timer->mod_ns(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
                                                 u.char_transmit_time * 4);
                }
                u.timeout_ipending = false;
            } else {
                ret = u.rbr;
                u.lsr &= ~UART_LSR_DR;
            }
            serial_update_irq(s);
            if (s.chr && !(u.mcr & UART_MCR_LOOP)) s.chr->accept_input();
            return ret;
        }
    case 1: return (u.lcr & UART_LCR_DLAB) ? (u.divider >> 8) & 0xff : u.ier;
    case 2: {
        uint8_t ret = u.iir;
        // Reading IIR while it reports THR empty acknowledges that interrupt.
        if ((ret & UART_IIR_ID) == UART_IIR_THRI) {
            u.thr_ipending = false;
            serial_update_irq(s);
        }
        return ret;
    }
    case 3: return u.lcr;
    case 4: return u.mcr;
    case 5: {
        uint8_t ret = u.lsr;
        // Reading LSR clears break and overrun.
        if (u.lsr & (UART_LSR_BI | UART_LSR_OE)) {
            u.lsr &= ~(UART_LSR_BI | UART_LSR_OE);
            serial_update_irq(s);
        }
        return ret;
    }
    case 6: {
        if (u.mcr & UART_MCR_LOOP) {
            // Loopback: the modem inputs follow the modem outputs.
            uint8_t ret = (u.mcr & 0x0c) << 4;
            ret |= (u.mcr & 0x02) << 3;
            ret |= (u.mcr & 0x01) << 5;
            return ret;
        }
        uint8_t ret = u.msr;
        if (u.msr & UART_MSR_ANY_DELTA) {
            u.msr &= 0xf0;
            serial_update_irq(s);
        }
        return ret;
    }
    default: return u.scr;
    }
}

void serial_write(SerialMM& s, hwaddr addr, uint8_t val) {
    auto& u = s.r;
    switch (addr & 7) {
    case 0:
        if (u.lcr & UART_LCR_DLAB) {
            u.divider = (u.divider & 0xff00) | val;
            serial_update_parameters(s);
        } else {
            u.thr_ipending = false;
            u.lsr &= ~UART_LSR_THRE;
            serial_update_irq(s);
            serial_transmit(s, val);
        }
        break;
    case 1:
        if (u.lcr & UART_LCR_DLAB) {
            u.divider = static_cast<uint16_t>((u.divider & 0x00ff) | (val << 8));
            serial_update_parameters(s);
        } else {
            uint8_t changed = (u.ier ^ val) & 0x0f;
            u.ier = val & 0x0f;
            // Enabling the THR interrupt while THR is empty fires it.
            if ((changed & UART_IER_THRI) && (u.ier & UART_IER_THRI) && (u.lsr & UART_LSR_THRE)) {
                u.thr_ipending = true;
            }
            serial_update_irq(s);
        }
        break;
    case 2: {
        // The clear bits act on the written value; only FE, DMA mode and the
        // trigger level are kept (QEMU: serial_ioport_write).
        uint8_t fcr = val;
        if ((fcr ^ u.fcr) & UART_FCR_FE)
            fcr |= UART_FCR_XFR | UART_FCR_RFR; // toggling FE clears both
        if (fcr & UART_FCR_RFR) {
            u.lsr &= ~(UART_LSR_DR | UART_LSR_BI);
            s.fifo_timeout_timer->del();
            u.timeout_ipending = false;
            u.recv_fifo.clear();
        }
        if (fcr & UART_FCR_XFR) {
            u.lsr |= UART_LSR_THRE;
            u.thr_ipending = true;
        }
        u.fcr = fcr & 0xc9;
        if (u.fcr & UART_FCR_FE) {
            u.iir |= UART_IIR_FE;
            static constexpr size_t kTrigger[] = {1, 4, 8, 14};
            u.recv_fifo_itl = kTrigger[(val >> 6) & 3];
        } else {
            u.iir &= ~UART_IIR_FE;
        }
        serial_update_irq(s);
        if (s.chr) s.chr->accept_input();
        break;
    }
    case 3:
        u.lcr = val;
        serial_update_parameters(s);
        break;
    case 4: {
        bool was_loop = u.mcr & UART_MCR_LOOP;
        u.mcr = val & 0x1f;
        if (was_loop && !(u.mcr & UART_MCR_LOOP) && s.chr) s.chr->accept_input();
        break;
    }
    case 5: break; // LSR is read-only
    case 6: break; // MSR is read-only
    default: u.scr = val; break;
    }
}

void serial_mm_reset(DeviceState& dev) {
    auto& s = static_cast<SerialMM&>(dev);
    s.fifo_timeout_timer->del();
    s.r = SerialMM::Regs{};
    serial_update_irq(s);
}

Status serial_mm_realize(DeviceState& dev) {
    auto& s = static_cast<SerialMM&>(dev);
    s.fifo_timeout_timer = std::make_unique<QEMUTimer>(SCALE_NS, [&s] {
        if (!s.r.recv_fifo.empty()) {
            s.r.timeout_ipending = true;
            serial_update_irq(s);
        }
    });
    MemoryRegionOps ops;
    ops.read = [&s](hwaddr addr, unsigned) { return serial_read(s, addr >> s.regshift); };
    ops.write = [&s](hwaddr addr, uint64_t v, unsigned) {
        serial_write(s, addr >> s.regshift, static_cast<uint8_t>(v));
    };
    ops.valid.min_access_size = 1;
    ops.valid.max_access_size = 8;
    ops.impl.min_access_size = 1;
    ops.impl.max_access_size = 1;
    memory_region_init_io(&s.mmio, &s, std::move(ops), "serial", 8u << s.regshift);
    sysbus_init_mmio(&s, &s.mmio);
    sysbus_init_irq(&s, &s.irq);
    if (s.chr) {
        s.chr->attach(CharFrontend{
            .can_receive = [&s] { return serial_can_receive(s); },
            .receive =
                [&s](const uint8_t* buf, size_t len) {
                    for (size_t i = 0; i < len; i++)
                        serial_receive_byte(s, buf[i]);
                },
            .event =
                [&s](ChrEvent e) {
                    if (e == CHR_EVENT_BREAK) {
                        s.r.lsr |= UART_LSR_BI | UART_LSR_DR;
                        serial_update_irq(s);
                    }
                },
        });
    }
    return {};
}

void serial_mm_class_init(ObjectClass& klass) {
    auto& dc = class_cast<DeviceClass>(klass);
    dc.realize = serial_mm_realize;
    dc.reset = serial_mm_reset;
    device_class_set_props(dc, {qdev_prop("regshift", &SerialMM::regshift, uint8_t{0}),
                                qdev_prop("baudbase", &SerialMM::baudbase, 115200u)});
}

void register_serial_types() {
    type_register_static(TypeInfo{
        .name = TYPE_SERIAL_MM,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_new = new_instance<SerialMM>,
        .class_init = serial_mm_class_init,
    });
}

} // namespace

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_serial_types);
