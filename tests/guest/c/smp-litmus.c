/* Harts that share memory (run with -smp 4): the litmus tests of RVWMO an
 * emulator must keep when it runs harts on parallel host threads.
 *  - amo: every hart adds 1 with amoadd.w, ITER times: the sum is exact.
 *  - lrsc: the same with an lr.d/sc.d loop.
 *  - lock: a spinlock taken with amoswap.w.aq and released with sw.rl
 *    (fence rw,w; sw) guards a plain load, add and store.
 *  - mp: message passing from hart 1 to hart 2: the data, fence w,w, then
 *    the flag; the reader sees the flag, fence r,r, then must see the data.
 *  - sb: store buffering (Dekker) between harts 1 and 2, with fence rw,rw
 *    between each one's store and load: both reading the other's old value
 *    is forbidden. It is the one order x86-64 does not keep by itself.
 * Hart 0 prints each result; the exit status is the number of failures. */
#include "guest.h"

#define HARTS 4
#define ITER 1000000
#define LOCK_ITER 250000
#define MP_ROUNDS 200000
#define MP_RING 4096
#define SB_ROUNDS 5000

static volatile uint32_t amo_count;
static volatile uint64_t lrsc_count;
static volatile uint32_t lock_word;
static volatile uint64_t locked_count;
static volatile uint64_t mp_data[MP_RING], mp_flag, mp_wrong;
static volatile uint64_t sb_x, sb_y, sb_done1, sb_done2;
static volatile uint64_t sb_seen1[SB_ROUNDS + 1], sb_seen2[SB_ROUNDS + 1];
static volatile uint32_t harts_done;

static void amo_add(void) {
    for (int i = 0; i < ITER; i++)
        __asm__ volatile("amoadd.w zero, %1, (%0)" ::"r"(&amo_count), "r"(1) : "memory");
}

static void lrsc_add(void) {
    for (int i = 0; i < ITER; i++) {
        uint64_t old, fail;
        __asm__ volatile("1: lr.d %0, (%2)\n"
                         "   addi %0, %0, 1\n"
                         "   sc.d %1, %0, (%2)\n"
                         "   bnez %1, 1b"
                         : "=&r"(old), "=&r"(fail)
                         : "r"(&lrsc_count)
                         : "memory");
    }
}

static void locked_add(void) {
    for (int i = 0; i < LOCK_ITER; i++) {
        uint32_t busy;
        do {
            __asm__ volatile("amoswap.w.aq %0, %1, (%2)"
                             : "=r"(busy)
                             : "r"(1), "r"(&lock_word)
                             : "memory");
        } while (busy);
        uint64_t v = locked_count; /* plain accesses, inside the lock */
        locked_count = v + 1;
        __asm__ volatile("fence rw, w\n sw zero, (%0)" ::"r"(&lock_word) : "memory");
    }
}

static void mp_writer(void) {
    for (uint64_t r = 1; r <= MP_ROUNDS; r++) {
        mp_data[r % MP_RING] = r;
        __asm__ volatile("fence w, w" ::: "memory");
        mp_flag = r;
    }
}

static void mp_reader(void) {
    uint64_t seen = 0;
    while (seen < MP_ROUNDS) {
        uint64_t f = mp_flag;
        __asm__ volatile("fence r, r" ::: "memory");
        /* Every round up to f was published: its slot holds it or a later one. */
        for (uint64_t k = f > seen + MP_RING ? f - MP_RING + 1 : seen + 1; k <= f; k++) {
            if (mp_data[k % MP_RING] < k) mp_wrong++;
        }
        seen = f;
    }
}

/* Round r: each side stores r, fences, and reads the other side's word. */
static void sb_side(volatile uint64_t* mine, volatile uint64_t* theirs, volatile uint64_t* seen,
                    volatile uint64_t* my_done, volatile uint64_t* their_done) {
    for (uint64_t r = 1; r <= SB_ROUNDS; r++) {
        while (*their_done < r - 1) {
        }
        *mine = r;
        __asm__ volatile("fence rw, rw" ::: "memory");
        seen[r] = *theirs;
        *my_done = r;
    }
}

static void hart_main(unsigned long hartid) {
    amo_add();
    lrsc_add();
    locked_add();
    if (hartid == 1) {
        mp_writer();
        sb_side(&sb_x, &sb_y, sb_seen1, &sb_done1, &sb_done2);
    } else if (hartid == 2) {
        mp_reader();
        sb_side(&sb_y, &sb_x, sb_seen2, &sb_done2, &sb_done1);
    }
    __asm__ volatile("amoadd.w zero, %1, (%0)" ::"r"(&harts_done), "r"(1) : "memory");
}

int main(void) {
    smp_start(HARTS, hart_main);
    amo_add();
    lrsc_add();
    locked_add();
    while (harts_done != HARTS - 1) {
    }
    __asm__ volatile("fence rw, rw" ::: "memory");
    printf("amo: %u\n", (unsigned)amo_count);
    CHECK(amo_count == HARTS * ITER, "amo");
    printf("lrsc: %lu\n", (unsigned long)lrsc_count);
    CHECK(lrsc_count == (uint64_t)HARTS * ITER, "lrsc");
    printf("lock: %lu\n", (unsigned long)locked_count);
    CHECK(locked_count == (uint64_t)HARTS * LOCK_ITER, "lock");
    printf("mp: %d rounds, %lu stale\n", MP_ROUNDS, (unsigned long)mp_wrong);
    CHECK(mp_wrong == 0, "mp");
    unsigned forbidden = 0;
    for (int r = 1; r <= SB_ROUNDS; r++) {
        if (sb_seen1[r] < (uint64_t)r && sb_seen2[r] < (uint64_t)r) forbidden++;
    }
    printf("sb: %d rounds, %u forbidden\n", SB_ROUNDS, forbidden);
    CHECK(forbidden == 0, "sb");
    return guest_failures;
}
