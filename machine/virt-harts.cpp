// The harts of the virt board. The CPU model arrives with the RISC-V
// interpreter; until then the board has interrupt controllers with nothing
// to interrupt, which is enough to drive the devices through the memory API.
#include "machine/virt.h"

namespace mq {

Status virt_create_harts(RISCVVirtState&) { return {}; }
void virt_connect_harts(RISCVVirtState&) {}
std::string virt_hart_isa_string() { return "rv64imafdc_zicntr_zicsr_zifencei_zihintpause"; }

} // namespace mq
