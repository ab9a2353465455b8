# Every guest test: the program, its exit status, its exact output, and
# which QEMU machine to compare with (spike for HTIF programs). REFERENCE
# none marks the tests of behaviour QEMU 7.2 gets wrong or crashes on; each
# program's header comment says why.
add_guest_test(rv64i rv64i REFERENCE spike)
add_guest_test(rv64m rv64m REFERENCE spike)
add_guest_test(rv64a rv64a REFERENCE spike)
add_guest_test(rv64c rv64c REFERENCE spike)
add_guest_test(zicsr zicsr REFERENCE spike)
add_guest_test(rv64fd rv64fd REFERENCE spike)
# Every half-precision instruction, in every rounding mode; QEMU 7.2 needs
# Zfh switched on (ours has it by default). zfh.txt is QEMU's output.
add_guest_test(zfh zfh EXPECT zfh.txt QEMU_ARGS -cpu rv64,Zfh=on)
add_guest_test(hello hello EXPECT hello.txt)
# With the default dma_mask, QEMU's edu prints "EDU: clamping DMA ..." on
# stdout, which we do not (we log a guest error): compare with QEMU only
# with a mask that covers RAM.
add_guest_test(default-guest default-guest ARGS -device edu,id=edu1,dma_mask=0xffffffff)
add_guest_test(default-guest-clamped default-guest REFERENCE none ARGS -device edu,id=edu1)

# Bit manipulation and scalar crypto: every result as QEMU 7.2 computes it.
add_guest_test(bitmanip bitmanip EXPECT bitmanip.txt ARGS -cpu rv64,zkn=on)
# What each extension switches, checked against QEMU 7.2 under several -cpu:
# the default (no scalar crypto), zk, the Zb* off, the rows Zbkb/Zbkc share
# with Zbb/Zbc through the crypto extensions alone, and crypto piecemeal.
add_guest_test(ext-gating-default ext-gating EXPECT ext-gating-default.txt ARGS -cpu rv64)
add_guest_test(ext-gating-zk ext-gating EXPECT ext-gating-zk.txt ARGS -cpu rv64,zk=on)
add_guest_test(ext-gating-zb-off ext-gating EXPECT ext-gating-zb-off.txt
               ARGS -cpu rv64,zba=off,zbb=off,zbc=off,zbs=off)
add_guest_test(ext-gating-zbk-not-zb ext-gating EXPECT ext-gating-zbk-not-zb.txt
               ARGS -cpu rv64,zbb=off,zbc=off,zbkb=on,zbkc=on)
add_guest_test(ext-gating-zbkb-zkne ext-gating EXPECT ext-gating-zbkb-zkne.txt
               ARGS -cpu rv64,zbkb=on,zkne=on)
add_guest_test(ext-gating-zknd-zknh-zbkx ext-gating EXPECT ext-gating-zknd-zknh-zbkx.txt
               ARGS -cpu rv64,zknd=on,zknh=on,zbkx=on)
# QEMU 7.2 has no Zicond: with it on, only the expected output; with it
# off, both emulators find czero.* illegal.
add_guest_test(zicond zicond EXPECT zicond.txt REFERENCE none)
add_guest_test(zicond-off zicond EXPECT zicond-off.txt OURS_ARGS -cpu rv64,zicond=off)

add_guest_test(traps traps EXPECT traps.txt)
add_guest_test(amo-faults amo-faults EXPECT amo-faults.txt REFERENCE none)
add_guest_test(deleg deleg EXPECT deleg.txt)
add_guest_test(sstc sstc EXPECT sstc.txt)
add_guest_test(cbo cbo EXPECT cbo.txt REFERENCE none)
add_guest_test(clint clint EXPECT clint.txt)
add_guest_test(plic plic EXPECT plic.txt)
add_guest_test(plic-level plic-level EXPECT plic-level.txt REFERENCE none)
add_guest_test(pmp pmp EXPECT pmp.txt)
add_guest_test(paging-sv39 paging-sv39 EXPECT paging-sv39.txt)
add_guest_test(paging-svext paging-svext EXPECT paging-svext.txt
               QEMU_ARGS -cpu rv64,svpbmt=on,svnapot=on,svinval=on)
add_guest_test(paging-sv48 paging-sv48 EXPECT paging-sv48.txt)
add_guest_test(robust-hart robust-hart EXPECT robust-hart.txt)
add_guest_test(triggers triggers EXPECT triggers.txt)
# Four harts sharing memory: AMO and LR/SC counters, a spinlock, message
# passing and store buffering with fences, on host threads of their own (the
# default) and round-robin on one (thread=single).
add_guest_test(smp-litmus smp-litmus EXPECT smp-litmus.txt TIMEOUT 300 ARGS -smp 4)
add_guest_test(smp-litmus-single smp-litmus EXPECT smp-litmus.txt REFERENCE none TIMEOUT 300
               ARGS -smp 4 OURS_ARGS -accel tcg,thread=single)
add_guest_test(counters counters EXPECT counters.txt REFERENCE none)

add_guest_test(edu edu EXPECT edu.txt ARGS -device edu,id=edu1,dma_mask=0xffffffff)
add_guest_test(edu-limits edu-limits EXPECT edu-limits.txt REFERENCE none
               ARGS -device edu,id=edu1,dma_mask=0xffffffff)
add_guest_test(pci-testdev pci-testdev EXPECT pci-testdev.txt ARGS -device pci-testdev)
add_guest_test(mmio-misaligned mmio-misaligned EXPECT mmio-misaligned.txt ARGS -device pci-testdev)
# Every escape attempt on strng is refused, and each refusal is a guest_errors
# line: stderr is compared too. QEMU has no strng.
add_guest_test(strng-escape strng-escape EXPECT strng-escape.txt EXPECT_STDERR strng-escape.err
               REFERENCE none ARGS -device strng -d guest_errors)
add_guest_test(echo echo EXPECT echo.txt STDIN input/echo.txt)
add_guest_test(gdb-target gdb-target EXPECT gdb-target.txt)
add_guest_test(gdb-paging gdb-paging EXPECT gdb-paging.txt)
# The benchmark workloads run as tests too, so that a broken one shows here
# rather than as a failed measurement (bench-compute prints miniqemu's exact
# instruction count, which QEMU does not match).
add_guest_test(bench-trivial bench-trivial)
add_guest_test(bench-mmio bench-mmio ARGS -device edu)
add_guest_test(bench-compute bench-compute REFERENCE none)
add_guest_test(bench-parallel bench-parallel ARGS -smp 2)
