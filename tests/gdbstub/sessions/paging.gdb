# Sv39 on, code at aliases of its physical address: a breakpoint in S-mode
# and one in U-mode, each at an address only the translation knows; stepping
# there; x/ through the translation; a watchpoint written from S-mode.
set pagination off
set confirm off
target remote | @MINIQEMU@ -M virt -bios none -kernel @ELF@ -serial null -monitor none -gdb stdio -S
# s_work as S-mode runs it: at S_ALIAS (0x2000000000) instead of 0x80000000.
break *((char *)s_work + 0x1f80000000)
continue
p $priv
p/x (unsigned long)$satp >> 60
p $a0
x/2gx (char *)&marks + 0x1f80000000
x/2gx &marks
stepi
p/x $pc - (long)s_work
delete
# s_work, running at S_ALIAS, reaches s_seen pc-relative: at its alias too.
watch *(long *)((char *)&s_seen + 0x1f80000000)
continue
p s_seen
delete
# u_work as U-mode runs it: at U_ALIAS (0x1000000000).
break *((char *)u_work + 0xf80000000)
continue
p $priv
p $a0
stepi
p/x $pc - (long)u_work
delete
continue
# The guest exits through the finisher; as with QEMU, gdb sees the connection close.
