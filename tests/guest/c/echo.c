/* A UART echo: reads characters from the NS16550A (polling LSR.DR, reading
 * RBR) and writes each one back (waiting for LSR.THRE) until it reads the
 * terminator '~', then reports how many bytes it echoed and their sum. The
 * input comes from the test's STDIN file (input/echo.txt). */
#include "guest.h"

#define UART_RBR (UART0_BASE + 0)
#define UART_THR (UART0_BASE + 0)
#define UART_LSR (UART0_BASE + 5)
#define LSR_DR 0x01
#define LSR_THRE 0x20

static int getc_polled(void) {
    uint64_t t0 = mmio_read64(CLINT_BASE + 0xbff8);
    while (!(mmio_read8(UART_LSR) & LSR_DR)) {
        if (mmio_read64(CLINT_BASE + 0xbff8) - t0 > 600000000) return -1; /* 60 s without input */
    }
    return mmio_read8(UART_RBR);
}

static void putc_polled(uint8_t c) {
    while (!(mmio_read8(UART_LSR) & LSR_THRE)) {
    }
    mmio_write8(UART_THR, c);
}

int main(void) {
    printf("echo: ready\n");
    unsigned count = 0, sum = 0;
    for (;;) {
        int c = getc_polled();
        if (c < 0) {
            printf("\necho: no input for 60 s after %u bytes\n", count);
            return 1;
        }
        if (c == '~') break;
        putc_polled((uint8_t)c);
        count++;
        sum += (unsigned)c;
    }
    printf("echo: %u bytes, sum %u\n", count, sum);
    return 0;
}
