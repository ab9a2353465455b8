// Interrupt lines (QEMU: include/hw/irq.h).
//
// A device that receives interrupts (the PLIC, a hart) owns IRQState inputs
// with a handler. A device that sends them holds QemuIrq values: small
// handles that point at someone's input, or at nothing. Raising an
// unconnected line does nothing, so a device need not care who listens.
#pragma once

#include <functional>
#include <memory>
#include <vector>

namespace mq {

struct IRQState {
    std::function<void(int n, int level)> handler;
    int n = 0;
};

class QemuIrq {
public:
    QemuIrq() = default;
    explicit QemuIrq(IRQState* target) : m_target(target) {}
    void set(int level) const {
        if (m_target) m_target->handler(m_target->n, level);
    }
    explicit operator bool() const { return m_target != nullptr; }
    IRQState* target() const { return m_target; }

private:
    IRQState* m_target = nullptr;
};

inline void qemu_set_irq(QemuIrq irq, int level) { irq.set(level); }
inline void qemu_irq_raise(QemuIrq irq) { irq.set(1); }
inline void qemu_irq_lower(QemuIrq irq) { irq.set(0); }
inline void qemu_irq_pulse(QemuIrq irq) {
    irq.set(1);
    irq.set(0);
}

// `n` inputs numbered 0..n-1, all calling `handler(n, level)`.
std::vector<std::unique_ptr<IRQState>> qemu_allocate_irqs(std::function<void(int, int)> handler,
                                                          int n);

} // namespace mq
