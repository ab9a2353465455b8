# Every guest test: the program, its exit status, its exact output, and
# which QEMU machine to compare with (spike for HTIF programs).
add_guest_test(rv64i rv64i REFERENCE spike)
add_guest_test(hello hello EXPECT hello.txt)
add_guest_test(default-guest default-guest ARGS -device edu,id=edu1)
