/* The compute benchmark: integer work with loads, stores and branches (a
 * sieve, CRC-32 and a small matrix product), the same on every emulator.
 * Prints a checksum so that a wrong result cannot pass for a fast one. */
#include "guest.h"

#define N 200000
static uint8_t composite[N];
static uint32_t crc_table[256];
static int32_t ma[32][32], mb[32][32], mc[32][32];

static unsigned sieve(void) {
    unsigned count = 0;
    for (unsigned i = 0; i < N; i++)
        composite[i] = 0;
    for (unsigned i = 2; i < N; i++) {
        if (composite[i]) continue;
        count++;
        for (unsigned j = 2 * i; j < N; j += i)
            composite[j] = 1;
    }
    return count;
}

static uint32_t crc32(const uint8_t* p, unsigned n) {
    uint32_t c = ~0u;
    while (n--)
        c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return ~c;
}

static int32_t matmul(void) {
    for (int i = 0; i < 32; i++)
        for (int j = 0; j < 32; j++) {
            int32_t s = 0;
            for (int k = 0; k < 32; k++)
                s += ma[i][k] * mb[k][j];
            mc[i][j] = s;
        }
    return mc[7][13] ^ mc[31][0];
}

int main(void) {
    unsigned long start = csr_read(minstret);
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
    for (int i = 0; i < 32; i++)
        for (int j = 0; j < 32; j++) {
            ma[i][j] = i * 3 - j;
            mb[i][j] = j * 5 + i;
        }
    uint32_t sum = 0;
    for (int round = 0; round < 40; round++) {
        sum += sieve();
        sum ^= crc32(composite, N);
        sum += (uint32_t)matmul();
    }
    unsigned long retired = csr_read(minstret) - start;
    printf("compute checksum %08x\n", (unsigned)sum);
    /* Exact on miniqemu; the benchmark uses it to turn time into MIPS. */
    printf("instructions %lu\n", retired);
    /* The checksum is fixed by the workload (QEMU computes the same). */
    return sum == 0x009fdc00u ? 0 : 1;
}
