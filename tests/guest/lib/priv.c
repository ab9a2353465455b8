/* Privilege-mode helpers: see priv.h. */
#include "priv.h"

static trap_handler m_user, s_user;
static uint8_t lower_stack[32768] __attribute__((aligned(16)));

extern uint64_t priv_enter(uint64_t a0, uint64_t a1, uintptr_t sp);
extern void priv_resume(uint64_t result) __attribute__((noreturn));

/* The return ECALL of priv_return, or the illegal instruction of
 * priv_return_illegal, with the magic values. */
static int is_return(const struct trap_frame* f) {
    if (f->regs[17] != PRIV_MAGIC_A7 || f->regs[16] != PRIV_MAGIC_A6) return 0;
    /* Any ECALL with the magic values: priv_enter clears a6/a7, so only a
     * lower-mode program that means it (priv_return, or a copy of that
     * sequence elsewhere) sets them. */
    if (f->mcause == 8 || f->mcause == 9) return 1;
    if (f->mcause == 2) return f->mepc == (uintptr_t)priv_return_csrr;
    return 0;
}

static uint64_t m_wrapper(struct trap_frame* f) {
    if (is_return(f) && ((csr_read(mstatus) & MSTATUS_MPP) >> 11) != PRV_M) {
        priv_resume(f->regs[10]);
    }
    if (m_user) return m_user(f);
    printf("unexpected M-mode trap: mcause 0x%lx mepc 0x%lx mtval 0x%lx\n",
           (unsigned long)f->mcause, (unsigned long)f->mepc, (unsigned long)f->mtval);
    finisher_exit(98);
}

void priv_install(trap_handler m_handler) {
    m_user = m_handler;
    trap_install(m_wrapper);
    /* QEMU 7.2 refuses an mret to S/U (illegal instruction) while no PMP
     * entry is configured, and S/U need a PMP entry to reach memory anyway. */
    pmp_allow_all();
}

uint64_t s_trap_dispatch(struct trap_frame* f) {
    if (is_return(f)) {
        if (f->mcause == 2) {
            printf("run_lower: the return path is delegated (medeleg bit 2 set)\n");
            finisher_exit(96);
        }
        /* Back to M-mode through an illegal instruction, from S-mode. */
        csr_set(sstatus, MSTATUS_SPP);
        return (uintptr_t)priv_return_illegal;
    }
    if (s_user) return s_user(f);
    printf("unexpected S-mode trap: scause 0x%lx sepc 0x%lx stval 0x%lx\n",
           (unsigned long)f->mcause, (unsigned long)f->mepc, (unsigned long)f->mtval);
    finisher_exit(97);
}

void s_trap_install(trap_handler s_handler) {
    s_user = s_handler;
    csr_write(stvec, (uintptr_t)s_trap_entry);
}

void pmp_allow_all(void) {
    csr_write(pmpaddr15, ~0ul);
    uint64_t cfg = csr_read(pmpcfg2);
    cfg &= ~(0xfful << 56);
    cfg |= 0x1ful << 56; /* NAPOT, RWX */
    csr_write(pmpcfg2, cfg);
}

uintptr_t lower_stack_top(void) { return (uintptr_t)(lower_stack + sizeof lower_stack); }

uint64_t run_lower_at(int mode, uintptr_t pc, uint64_t a0, uint64_t a1, uintptr_t sp) {
    uint64_t saved_mstatus = csr_read(mstatus);
    trap_install(m_wrapper);
    csr_clear(mstatus, MSTATUS_MPP);
    csr_set(mstatus, (uint64_t)mode << 11);
    csr_write(mepc, pc);
    uint64_t result = priv_enter(a0, a1, sp);
    csr_clear(mstatus, MSTATUS_MIE);
    csr_set(mstatus, saved_mstatus & MSTATUS_MIE);
    return result;
}

uint64_t run_lower(int mode, lower_fn fn, uint64_t arg) {
    return run_lower_at(mode, (uintptr_t)lower_trampoline, arg, (uintptr_t)fn, lower_stack_top());
}

unsigned insn_len(uintptr_t pc) { return (*(volatile uint16_t*)pc & 3) == 3 ? 4 : 2; }

struct trap_record m_rec, s_rec;

void trap_records_reset(void) {
    m_rec.count = 0;
    m_rec.cause = m_rec.epc = m_rec.tval = m_rec.status = ~0ul;
    s_rec.count = 0;
    s_rec.cause = s_rec.epc = s_rec.tval = s_rec.status = ~0ul;
}

static uint64_t record(struct trap_record* r, struct trap_frame* f, uint64_t status) {
    r->count++;
    r->cause = f->mcause;
    r->epc = f->mepc;
    r->tval = f->mtval;
    r->status = status;
    if (f->mcause == 0 || f->mcause == 1 || f->mcause == 12) return f->regs[1];
    return f->mepc + insn_len(f->mepc);
}

uint64_t record_m_trap(struct trap_frame* f) { return record(&m_rec, f, csr_read(mstatus)); }
uint64_t record_s_trap(struct trap_frame* f) {
    /* SUM on while the handler reads the instruction: it may be in a U page. */
    uint64_t status = csr_read(sstatus);
    csr_set(sstatus, MSTATUS_SUM);
    uint64_t next = record(&s_rec, f, status);
    csr_write(sstatus, status);
    return next;
}

void report(const char* name) {
    static int reported;
    printf("%s: %s\n", name, guest_failures == reported ? "ok" : "FAILED");
    reported = guest_failures;
}
