/* The program the gdb tests (tests/gdbstub) debug: globals, a function with
 * arguments and locals, a loop, floating point. Built without optimisation,
 * so that every variable lives where gdb can find it. */
#pragma GCC optimize("O0")
#include "guest.h"

volatile long counter;
long results[4];
double scale = 1.5;

long add_twice(long a, long b) {
    long sum = a + b;
    sum += b;
    return sum;
}

int main(void) {
    for (int i = 0; i < 4; i++) {
        results[i] = add_twice(i, 10);
        counter = counter + 1;
    }
    scale = scale * 2.0;
    printf("gdb-target: %ld %ld\n", results[3], counter);
    return 0;
}
