# One hart: breakpoints, stepping, finish, registers, memory, watchpoints.
set pagination off
set confirm off
target remote | @MINIQEMU@ -M virt -bios none -kernel @ELF@ -serial null -monitor none -gdb stdio -S
break add_twice
continue
bt
print a
print b
print counter
finish
next
print results[0]
step
step
step
print a
next
print sum
stepi
info registers pc
p/x $mstatus
p $priv
p scale
info registers fa0
x/4gx &results
delete
watch counter
continue
continue
delete
hbreak gdb-target.c:22
continue
next
p scale
info threads
kill
