# Every guest program. Assembly ISA tests first, then C programs.
add_guest_asm(rv64i asm/rv64i.S)
add_guest_c(hello c/hello.c)
add_guest_c(default-guest c/default-guest.c)

# Benchmark workloads (scripts/bench).
add_guest_asm(bench-trivial asm/bench-trivial.S)
add_guest_c(bench-compute c/bench-compute.c)
add_guest_c(bench-mmio c/bench-mmio.c)
