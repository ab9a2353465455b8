// miniqemu: a RISC-V virt machine with QEMU's command line and object model.
#include "cmdline/vl.h"

int main(int argc, char** argv) { return mq::qemu_main(argc, argv); }
