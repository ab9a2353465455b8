/* The parallel compute benchmark: every hart the machine has runs the same
 * integer loop (a xorshift generator folded into a checksum, with loads and
 * stores to a table of its own), so -smp 2 does twice the work of -smp 1.
 * Run on host threads of their own, two harts should take about the time
 * of one. Hart 0 wakes harts 1..7 with IPIs (the ones that do not exist are
 * not there to answer), runs its own loop, waits for every hart that
 * arrived, and prints the harts and each one's checksum. */
#include "guest.h"

#define MAX_HARTS 8
#define ROUNDS 20000000

static volatile uint32_t arrived = 1, finished;
static volatile uint64_t sums[MAX_HARTS];
static uint32_t tables[MAX_HARTS][256];

static void work(unsigned long hartid) {
    uint64_t x = 88172645463325252ull + hartid, sum = 0;
    uint32_t* t = tables[hartid];
    for (uint32_t i = 0; i < ROUNDS; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint32_t k = (uint32_t)x & 255;
        t[k] += (uint32_t)(x >> 32);
        sum += t[(k * 7) & 255] ^ i;
    }
    sums[hartid] = sum;
}

static void hart_main(unsigned long hartid) {
    __asm__ volatile("amoadd.w zero, %1, (%0)" ::"r"(&arrived), "r"(1) : "memory");
    work(hartid);
    __asm__ volatile("amoadd.w zero, %1, (%0)" ::"r"(&finished), "r"(1) : "memory");
}

int main(void) {
    smp_start(MAX_HARTS, hart_main);
    work(0);
    while (finished != arrived - 1) {
    }
    __asm__ volatile("fence rw, rw" ::: "memory");
    printf("harts %u\n", (unsigned)arrived);
    for (unsigned h = 0; h < arrived; h++)
        printf("hart %u: %016lx\n", h, (unsigned long)sums[h]);
    return 0;
}
