/* PLIC behaviour that QEMU 7.2 gets wrong, so this test has no QEMU
 * reference:
 *  - enabling a source that is already pending must raise MEIP at once
 *    (QEMU 7.2 re-evaluates only on other register writes);
 *  - the sources are level-triggered: completing an interrupt while the
 *    device still asserts its line makes the source pending again (the
 *    PLIC spec's gateway; QEMU 7.2 latches a request only when the device
 *    updates its line, so the interrupt would be lost).
 * Uses the UART's THR-empty interrupt, PLIC source 10. */
#include "priv.h"

#define UART_IER (UART0_BASE + 1)
#define UART_IIR (UART0_BASE + 2)
#define UART_SRC 10
#define PLIC_PRIORITY(s) (PLIC_BASE + 4 * (s))
#define PLIC_PENDING (PLIC_BASE + 0x1000)
#define PLIC_ENABLE(c) (PLIC_BASE + 0x2000 + 0x80 * (c))
#define PLIC_THRESHOLD(c) (PLIC_BASE + 0x200000 + 0x1000 * (c))
#define PLIC_CLAIM(c) (PLIC_BASE + 0x200004 + 0x1000 * (c))

static int pending(unsigned src) {
    return (mmio_read32(PLIC_PENDING + 4 * (src / 32)) >> (src % 32)) & 1;
}
static int meip(void) { return (csr_read(mip) & (1ul << IRQ_MEI)) != 0; }
static int seip(void) { return (csr_read(mip) & (1ul << IRQ_SEI)) != 0; }

int main(void) {
    mmio_write32(PLIC_PRIORITY(UART_SRC), 1);
    mmio_write32(PLIC_THRESHOLD(0), 0);
    mmio_write32(PLIC_THRESHOLD(1), 0);
    mmio_write32(PLIC_ENABLE(0), 0);
    mmio_write32(PLIC_ENABLE(1), 0);

    mmio_write8(UART_IER, 0x02);
    int p = pending(UART_SRC), m_off = meip();
    mmio_write32(PLIC_ENABLE(0), 1u << UART_SRC);
    int m_on = meip();
    mmio_write32(PLIC_ENABLE(0), 0);
    int m_off2 = meip();
    mmio_write32(PLIC_ENABLE(1), 1u << UART_SRC);
    int s_on = seip();
    mmio_write32(PLIC_ENABLE(1), 0);
    int s_off = seip();
    mmio_write32(PLIC_ENABLE(0), 1u << UART_SRC);

    unsigned c1 = mmio_read32(PLIC_CLAIM(0));
    int m_claimed = meip();
    mmio_write32(PLIC_CLAIM(0), c1); /* the UART still asserts its line */
    int p_again = pending(UART_SRC), m_again = meip();
    unsigned c2 = mmio_read32(PLIC_CLAIM(0));
    (void)mmio_read8(UART_IIR); /* now the UART drops the line */
    mmio_write32(PLIC_CLAIM(0), c2);
    int p_done = pending(UART_SRC), m_done = meip();
    mmio_write8(UART_IER, 0);
    mmio_write32(PLIC_ENABLE(0), 0);

    CHECK_EQ(p, 1);
    CHECK_EQ(m_off, 0);
    CHECK_EQ(m_on, 1);
    CHECK_EQ(m_off2, 0);
    CHECK_EQ(s_on, 1);
    CHECK_EQ(s_off, 0);
    report("enable bits take effect at once (MEIP, SEIP)");
    CHECK_EQ(c1, UART_SRC);
    CHECK_EQ(m_claimed, 0);
    CHECK_EQ(p_again, 1);
    CHECK_EQ(m_again, 1);
    CHECK_EQ(c2, UART_SRC);
    CHECK_EQ(p_done, 0);
    CHECK_EQ(m_done, 0);
    report("level-triggered: pending again after complete while the line is high");
    printf("plic-level: %d failures\n", guest_failures);
    return guest_failures;
}
