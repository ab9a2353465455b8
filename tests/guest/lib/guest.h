/* What every C guest needs on QEMU's virt board: the memory map, MMIO
 * accessors, the UART, the finisher, the PLIC, and trap handling. */
#ifndef GUEST_H
#define GUEST_H

#include <stdint.h>
#include <stdio.h>

#define UART0_BASE 0x10000000UL
#define TEST_BASE 0x100000UL
#define CLINT_BASE 0x2000000UL
#define PLIC_BASE 0xc000000UL
#define PCIE_ECAM_BASE 0x30000000UL
#define PCIE_PIO_BASE 0x3000000UL
#define PCIE_MMIO_BASE 0x40000000UL
#define PCIE_MMIO_SIZE 0x40000000UL
#define RTC_BASE 0x101000UL

static inline uint8_t mmio_read8(uintptr_t a) { return *(volatile uint8_t*)a; }
static inline uint16_t mmio_read16(uintptr_t a) { return *(volatile uint16_t*)a; }
static inline uint32_t mmio_read32(uintptr_t a) { return *(volatile uint32_t*)a; }
static inline uint64_t mmio_read64(uintptr_t a) { return *(volatile uint64_t*)a; }
static inline void mmio_write8(uintptr_t a, uint8_t v) { *(volatile uint8_t*)a = v; }
static inline void mmio_write16(uintptr_t a, uint16_t v) { *(volatile uint16_t*)a = v; }
static inline void mmio_write32(uintptr_t a, uint32_t v) { *(volatile uint32_t*)a = v; }
static inline void mmio_write64(uintptr_t a, uint64_t v) { *(volatile uint64_t*)a = v; }

#define csr_read(csr)                                                                              \
    ({                                                                                             \
        unsigned long __v;                                                                         \
        __asm__ volatile("csrr %0, " #csr : "=r"(__v)::"memory");                                  \
        __v;                                                                                       \
    })
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" ::"rK"(val) : "memory")
#define csr_set(csr, val) __asm__ volatile("csrs " #csr ", %0" ::"rK"(val) : "memory")
#define csr_clear(csr, val) __asm__ volatile("csrc " #csr ", %0" ::"rK"(val) : "memory")

/* The UART (polled). */
void uart_putc(char c);
int uart_getc(void); /* -1 when nothing is waiting */

/* The finisher: exit status 0 for a pass, `code` otherwise. */
void finisher_exit(int code) __attribute__((noreturn));

/* M-mode traps: install a C handler; it gets mcause and the saved
 * registers, and returns the pc to resume at. */
struct trap_frame {
    uint64_t regs[32];
    uint64_t mepc, mcause, mtval;
};
typedef uint64_t (*trap_handler)(struct trap_frame* frame);
void trap_install(trap_handler handler);

/* Sleeps until *flag is set by an interrupt handler, without the lost
 * wake-up of `while (!flag) wfi;`: interrupts stay masked while the flag is
 * tested, WFI wakes on a pending interrupt even so, and the handler runs in
 * the short window where they are unmasked. Leaves mstatus.MIE clear. */
void wait_for_flag(volatile int* flag);

/* Multi-hart programs (start.S): harts 1..harts-1 leave their WFI and run
 * fn(hartid), each on a stack of its own; the caller is hart 0. */
void smp_start(unsigned harts, void (*fn)(unsigned long hartid));

/* The PLIC, context 0 (hart 0, M-mode). */
void plic_enable(unsigned source, unsigned priority);
unsigned plic_claim(void);
void plic_complete(unsigned source);

/* Reports a check: prints "ok" / "FAIL" lines and counts failures. */
extern int guest_failures;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            guest_failures++;                                                                      \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
        }                                                                                          \
    } while (0)
#define CHECK_EQ(a, b)                                                                             \
    CHECK((uint64_t)(a) == (uint64_t)(b), "%s == 0x%llx, expected %s == 0x%llx", #a,               \
          (unsigned long long)(a), #b, (unsigned long long)(b))

#endif
