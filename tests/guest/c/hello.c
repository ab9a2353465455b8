/* The smallest C guest: printf over the UART, exit through the finisher. */
#include "guest.h"

int main(void) {
    printf("Hello from a C guest on %s!\n", "virt");
    return 0;
}
