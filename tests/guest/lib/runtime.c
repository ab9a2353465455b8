/* The guest runtime: picolibc's stdio on the NS16550A, exit through the
 * finisher, M-mode trap dispatch, and the PLIC. */
#include "guest.h"

#include <stdlib.h>

int guest_failures;

void uart_putc(char c) {
    while (!(mmio_read8(UART0_BASE + 5) & 0x20)) { /* wait for THR empty */
    }
    mmio_write8(UART0_BASE, (uint8_t)c);
}

int uart_getc(void) {
    if (!(mmio_read8(UART0_BASE + 5) & 0x01)) return -1;
    return mmio_read8(UART0_BASE);
}

static int stdio_put(char c, FILE* f) {
    (void)f;
    uart_putc(c);
    return (unsigned char)c;
}

static int stdio_get(FILE* f) {
    (void)f;
    int c;
    while ((c = uart_getc()) < 0) {
    }
    return c;
}

static FILE guest_stdio = FDEV_SETUP_STREAM(stdio_put, stdio_get, NULL, _FDEV_SETUP_RW);
FILE* const stdin = &guest_stdio;
FILE* const stdout = &guest_stdio;
FILE* const stderr = &guest_stdio;

void finisher_exit(int code) {
    mmio_write32(TEST_BASE, code == 0 ? 0x5555 : (((uint32_t)code << 16) | 0x3333));
    for (;;) {
    }
}

void _exit(int code) { finisher_exit(code); }

/* --- traps --- */
static trap_handler current_handler;
extern void trap_entry(void);

void trap_install(trap_handler handler) {
    current_handler = handler;
    csr_write(mtvec, (uintptr_t)trap_entry);
}

uint64_t trap_dispatch(struct trap_frame* frame) {
    if (!current_handler) {
        printf("unexpected trap: mcause 0x%lx mepc 0x%lx mtval 0x%lx\n",
               (unsigned long)frame->mcause, (unsigned long)frame->mepc,
               (unsigned long)frame->mtval);
        finisher_exit(99);
    }
    return current_handler(frame);
}

extern void (*volatile smp_entry)(unsigned long);

void smp_start(unsigned harts, void (*fn)(unsigned long hartid)) {
    smp_entry = fn;
    __asm__ volatile("fence rw, rw" ::: "memory");
    for (unsigned h = 1; h < harts; h++)
        mmio_write32(CLINT_BASE + 4 * h, 1); /* msip: the IPI that ends its WFI */
}

void wait_for_flag(volatile int* flag) {
    csr_clear(mstatus, 1 << 3);
    while (!*flag) {
        __asm__ volatile("wfi");
        csr_set(mstatus, 1 << 3);
        csr_clear(mstatus, 1 << 3);
    }
}

/* --- the PLIC, context 0 --- */
void plic_enable(unsigned source, unsigned priority) {
    mmio_write32(PLIC_BASE + 4 * source, priority);
    uintptr_t enable = PLIC_BASE + 0x2000 + 4 * (source / 32);
    mmio_write32(enable, mmio_read32(enable) | (1u << (source % 32)));
    mmio_write32(PLIC_BASE + 0x200000, 0); /* threshold */
}

unsigned plic_claim(void) { return mmio_read32(PLIC_BASE + 0x200004); }
void plic_complete(unsigned source) { mmio_write32(PLIC_BASE + 0x200004, source); }
