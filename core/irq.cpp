#include "core/irq.h"

namespace mq {

std::vector<std::unique_ptr<IRQState>> qemu_allocate_irqs(std::function<void(int, int)> handler,
                                                          int n) {
    std::vector<std::unique_ptr<IRQState>> irqs;
    for (int i = 0; i < n; i++)
        irqs.push_back(std::make_unique<IRQState>(IRQState{handler, i}));
    return irqs;
}

} // namespace mq
