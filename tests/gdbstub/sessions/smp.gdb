# Two harts: threads, per-thread registers, all-stop. (Detaching over a pipe races
# with the guest's exit; gdbstub_tests checks D.)
set pagination off
set confirm off
target remote | @MINIQEMU@ -M virt -bios none -kernel @ELF@ -smp 2 -serial null -monitor none -gdb stdio -S
info threads
thread 2
p $mhartid
p/x $pc
thread 1
p $mhartid
stepi
p/x $pc
break main
continue
info threads
thread 2
p $mhartid
thread 1
kill
