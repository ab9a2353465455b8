# Over TCP (-gdb tcp::PORT): a breakpoint, a global, the monitor, then detach:
# the guest runs to its end and miniqemu exits 0.
set pagination off
set confirm off
target remote :@PORT@
break add_twice if a == 2
continue
print a
print counter
monitor info status
detach
