# RV64F and RV64D: every instruction class in both precisions, the rounding
# modes (RMM ties included), the exception flags, NaN boxing and canonical
# NaNs, the conversions' saturation, fclass, and the traps of mstatus.FS
# and of reserved rounding modes. Values are bit patterns; see test.h.
#include "test.h"

#define NX 1
#define UF 2
#define OF 4
#define DZ 8
#define NV 16

# Singles
#define S_ONE     0x3f800000
#define S_ONE_U   0x3f800001
#define S_MONE    0xbf800000
#define S_1_5     0x3fc00000
#define S_2       0x40000000
#define S_2_25    0x40100000
#define S_2_5     0x40200000
#define S_3       0x40400000
#define S_HALF    0x3f000000
#define S_MHALF   0xbf000000
#define S_U_HALF  0x33800000 /* 2^-24: half of 1.0's ulp */
#define S_MAX     0x7f7fffff
#define S_INF     0x7f800000
#define S_MINF    0xff800000
#define S_QNAN    0x7fc00000
#define S_SNAN    0x7f800001
#define S_MAXSUB  0x007fffff
#define S_MINNORM 0x00800000

# Doubles
#define D_ONE     0x3ff0000000000000
#define D_ONE_U   0x3ff0000000000001
#define D_MONE    0xbff0000000000000
#define D_1_5     0x3ff8000000000000
#define D_2       0x4000000000000000
#define D_2_25    0x4002000000000000
#define D_2_5     0x4004000000000000
#define D_3       0x4008000000000000
#define D_HALF    0x3fe0000000000000
#define D_MHALF   0xbfe0000000000000
#define D_U_HALF  0x3ca0000000000000 /* 2^-53 */
#define D_MAX     0x7fefffffffffffff
#define D_INF     0x7ff0000000000000
#define D_MINF    0xfff0000000000000
#define D_QNAN    0x7ff8000000000000
#define D_SNAN    0x7ff0000000000001
#define D_MAXSUB  0x000fffffffffffff
#define D_MINNORM 0x0010000000000000

TEST_START
    # --- arithmetic on ordinary values ---
    TEST_FP_S(2, 0, 0x40700000, S_1_5, S_2_25, 0, fadd.s f10, f1, f2)
    TEST_FP_S(3, 0, 0xbf400000, S_1_5, S_2_25, 0, fsub.s f10, f1, f2)
    TEST_FP_S(4, 0, 0x40580000, S_1_5, S_2_25, 0, fmul.s f10, f1, f2)
    TEST_FP_S(5, 0, S_2_5, 0x41200000, 0x40800000, 0, fdiv.s f10, f1, f2)
    TEST_FP_S(6, 0, S_1_5, S_2_25, 0, 0, fsqrt.s f10, f1)
    TEST_FP_S(7, 0, 0x40e00000, S_2, S_3, S_ONE, fmadd.s f10, f1, f2, f3)
    TEST_FP_S(8, 0, 0x40a00000, S_2, S_3, S_ONE, fmsub.s f10, f1, f2, f3)
    TEST_FP_S(9, 0, 0xc0a00000, S_2, S_3, S_ONE, fnmsub.s f10, f1, f2, f3)
    TEST_FP_S(10, 0, 0xc0e00000, S_2, S_3, S_ONE, fnmadd.s f10, f1, f2, f3)
    TEST_FP_S(11, NX, 0x3eaaaaab, S_ONE, S_3, 0, fdiv.s f10, f1, f2)
    TEST_FP_D(12, 0, 0x400e000000000000, D_1_5, D_2_25, 0, fadd.d f10, f1, f2)
    TEST_FP_D(13, 0, 0xbfe8000000000000, D_1_5, D_2_25, 0, fsub.d f10, f1, f2)
    TEST_FP_D(14, 0, 0x400b000000000000, D_1_5, D_2_25, 0, fmul.d f10, f1, f2)
    TEST_FP_D(15, 0, D_2_5, 0x4024000000000000, 0x4010000000000000, 0, fdiv.d f10, f1, f2)
    TEST_FP_D(16, 0, D_1_5, D_2_25, 0, 0, fsqrt.d f10, f1)
    TEST_FP_D(17, 0, 0x401c000000000000, D_2, D_3, D_ONE, fmadd.d f10, f1, f2, f3)
    TEST_FP_D(18, 0, 0x4014000000000000, D_2, D_3, D_ONE, fmsub.d f10, f1, f2, f3)
    TEST_FP_D(19, 0, 0xc014000000000000, D_2, D_3, D_ONE, fnmsub.d f10, f1, f2, f3)
    TEST_FP_D(20, 0, 0xc01c000000000000, D_2, D_3, D_ONE, fnmadd.d f10, f1, f2, f3)
    TEST_FP_D(21, NX, 0x3ff6a09e667f3bcd, D_2, 0, 0, fsqrt.d f10, f1)
    TEST_FP_D(22, 0, 0x8000000000000000, D_ONE, D_MONE, 0, fadd.d f10, f1, f2, rdn)
    # fused: (1 + u)(1 - u) - 1 = -u^2
    TEST_FP_S(23, 0, 0xa8800000, S_ONE_U, 0x3f7ffffe, S_MONE, fmadd.s f10, f1, f2, f3)
    TEST_FP_D(24, 0, 0xb970000000000000, D_ONE_U, 0x3feffffffffffffe, D_MONE, fmadd.d f10, f1, f2, f3)

    # --- rounding modes: 1 + u/2 is a tie whose even neighbour is 1 ---
    TEST_FP_S(30, NX, S_ONE, S_ONE, S_U_HALF, 0, fadd.s f10, f1, f2, rne)
    TEST_FP_S(31, NX, S_ONE, S_ONE, S_U_HALF, 0, fadd.s f10, f1, f2, rtz)
    TEST_FP_S(32, NX, S_ONE, S_ONE, S_U_HALF, 0, fadd.s f10, f1, f2, rdn)
    TEST_FP_S(33, NX, S_ONE_U, S_ONE, S_U_HALF, 0, fadd.s f10, f1, f2, rup)
    TEST_FP_S(34, NX, S_ONE_U, S_ONE, S_U_HALF, 0, fadd.s f10, f1, f2, rmm)
    TEST_FP_S(35, NX, 0xbf800001, S_MONE, 0xb3800000, 0, fadd.s f10, f1, f2, rdn)
    TEST_FP_S(36, NX, 0xbf800001, S_MONE, 0xb3800000, 0, fadd.s f10, f1, f2, rmm)
    TEST_FP_S(37, NX, S_MONE, S_MONE, 0xb3800000, 0, fadd.s f10, f1, f2, rup)
    TEST_FP_D(38, NX, D_ONE, D_ONE, D_U_HALF, 0, fadd.d f10, f1, f2, rne)
    TEST_FP_D(39, NX, D_ONE, D_ONE, D_U_HALF, 0, fadd.d f10, f1, f2, rtz)
    TEST_FP_D(40, NX, D_ONE, D_ONE, D_U_HALF, 0, fadd.d f10, f1, f2, rdn)
    TEST_FP_D(41, NX, D_ONE_U, D_ONE, D_U_HALF, 0, fadd.d f10, f1, f2, rup)
    TEST_FP_D(42, NX, D_ONE_U, D_ONE, D_U_HALF, 0, fadd.d f10, f1, f2, rmm)
    # 1.5 * (1 + 3u) = 1.5 + 4.5u
    TEST_FP_S(43, NX, 0x3fc00004, S_1_5, 0x3f800003, 0, fmul.s f10, f1, f2, rne)
    TEST_FP_S(44, NX, 0x3fc00005, S_1_5, 0x3f800003, 0, fmul.s f10, f1, f2, rmm)
    TEST_FP_D(45, NX, 0x3ff8000000000004, D_1_5, 0x3ff0000000000003, 0, fmul.d f10, f1, f2, rne)
    TEST_FP_D(46, NX, 0x3ff8000000000005, D_1_5, 0x3ff0000000000003, 0, fmul.d f10, f1, f2, rmm)
    # 5 * min_subnormal / 2: a tie among subnormals, tiny and inexact
    TEST_FP_S(47, UF|NX, 2, 5, S_2, 0, fdiv.s f10, f1, f2, rne)
    TEST_FP_S(48, UF|NX, 3, 5, S_2, 0, fdiv.s f10, f1, f2, rmm)
    TEST_FP_D(49, UF|NX, 2, 5, D_2, 0, fdiv.d f10, f1, f2, rne)
    TEST_FP_D(50, UF|NX, 3, 5, D_2, 0, fdiv.d f10, f1, f2, rmm)
    TEST_FP_S(51, NX, S_ONE_U, S_ONE, S_ONE, S_U_HALF, fmadd.s f10, f1, f2, f3, rmm)
    TEST_FP_D(52, NX, D_ONE, D_ONE, D_ONE, D_U_HALF, fmadd.d f10, f1, f2, f3, rne)
    TEST_FP_D(53, NX, 0xbff0000000000001, D_ONE, D_ONE, D_U_HALF, fnmadd.d f10, f1, f2, f3, rmm)
    TEST_FP_S(54, NX, 0x3fb504f3, S_2, 0, 0, fsqrt.s f10, f1, rmm)
    TEST_FP_S(55, NX, 0x3fb504f4, S_2, 0, 0, fsqrt.s f10, f1, rup)
    TEST_FP_D(56, NX, 0x3ff6a09e667f3bcc, D_2, 0, 0, fsqrt.d f10, f1, rtz)
    # The dynamic mode comes from frm.
    fsrmi 4
    TEST_FP_S(57, NX, S_ONE_U, S_ONE, S_U_HALF, 0, fadd.s f10, f1, f2)
    TEST_FP_D(58, NX, D_ONE_U, D_ONE, D_U_HALF, 0, fadd.d f10, f1, f2, dyn)
    fsrmi 1
    TEST_FP_D(59, OF|NX, D_MAX, D_MAX, D_2, 0, fmul.d f10, f1, f2)
    fsrmi 0

    # --- exception flags ---
    TEST_FP_S(60, OF|NX, S_INF, S_MAX, S_2, 0, fmul.s f10, f1, f2)
    TEST_FP_S(61, OF|NX, S_MAX, S_MAX, S_2, 0, fmul.s f10, f1, f2, rtz)
    TEST_FP_D(62, OF|NX, D_MINF, 0xffefffffffffffff, D_MAX, 0, fsub.d f10, f1, f2, rmm)
    TEST_FP_S(63, 0, 0x00400000, S_MINNORM, S_HALF, 0, fmul.s f10, f1, f2)
    TEST_FP_S(64, UF|NX, 0, 1, S_HALF, 0, fmul.s f10, f1, f2)
    TEST_FP_D(65, UF|NX, 1, 1, D_HALF, 0, fmul.d f10, f1, f2, rmm)
    # Tininess is detected after rounding.
    TEST_FP_S(66, NX, S_MINNORM, S_ONE_U, S_MAXSUB, 0, fmul.s f10, f1, f2)
    TEST_FP_D(67, NX, D_MINNORM, D_ONE_U, D_MAXSUB, 0, fmul.d f10, f1, f2)
    TEST_FP_D(68, UF|NX, D_MAXSUB, D_ONE_U, D_MAXSUB, 0, fmul.d f10, f1, f2, rtz)
    TEST_FP_S(69, DZ, S_MINF, S_MONE, 0, 0, fdiv.s f10, f1, f2)
    TEST_FP_D(70, DZ, D_INF, D_ONE, 0, 0, fdiv.d f10, f1, f2)
    TEST_FP_S(71, NV, S_QNAN, 0, 0, 0, fdiv.s f10, f1, f2)
    TEST_FP_D(72, NV, D_QNAN, D_INF, D_INF, 0, fsub.d f10, f1, f2)
    TEST_FP_S(73, NV, S_QNAN, S_MONE, 0, 0, fsqrt.s f10, f1)
    TEST_FP_D(74, NV, D_QNAN, D_INF, 0, D_QNAN, fmadd.d f10, f1, f2, f3)
    TEST_FP_S(75, NV, S_QNAN, S_INF, 0, S_ONE, fmsub.s f10, f1, f2, f3)
    TEST_FP_D(76, 0, 0x8000000000000000, 0x8000000000000000, 0, 0, fsqrt.d f10, f1)
    # Flags accrue.
test_77:
    li TESTNUM, 77
    csrwi fflags, DZ
    fdiv.d f10, f1, f1
    FP_CHECK_FLAGS(DZ|NV)

    # --- canonical NaNs, and what keeps NaN bits ---
    TEST_FP_S(80, 0, S_QNAN, 0xffc12345, S_ONE, 0, fadd.s f10, f1, f2)
    TEST_FP_S(81, NV, S_QNAN, S_SNAN, S_ONE, 0, fmul.s f10, f1, f2)
    TEST_FP_D(82, 0, D_QNAN, 0xfff8000000012345, D_ONE, 0, fsub.d f10, f1, f2)
    TEST_FP_D(83, NV, D_QNAN, D_ONE, D_ONE, D_SNAN, fnmsub.d f10, f1, f2, f3)
    TEST_FP_S(84, 0, 0xffc12345, 0x7fc12345, S_MONE, 0, fsgnj.s f10, f1, f2)
    TEST_FP_D(85, 0, D_SNAN, 0xfff0000000000001, D_ONE, 0, fsgnj.d f10, f1, f2)

    # --- NaN boxing ---
test_90: # an unboxed single operand is the canonical NaN
    li TESTNUM, 90
    li t0, S_ONE
    fmv.d.x f1, t0
    fmv.w.x f2, t0
    csrwi fflags, 0
    fadd.s f10, f1, f2
    fmv.x.d t1, f10
    li t2, 0xffffffff7fc00000
    bne t1, t2, fail
    FP_CHECK_FLAGS(0)
    fclass.s a0, f1
    li t2, 1 << 9
    bne a0, t2, fail
    fsgnjn.s f10, f1, f2
    fmv.x.d t1, f10
    li t2, 0xffffffffffc00000
    bne t1, t2, fail
    fmv.x.w a0, f1 # moves take the bits as they are
    li t2, S_ONE
    bne a0, t2, fail
    fcvt.d.s f10, f1
    fmv.x.d t1, f10
    li t2, D_QNAN
    bne t1, t2, fail
    TEST_FP_X_S(91, 0, 0xffffffffbf800000, S_MONE, 0, fmv.x.w a0, f1)
test_92:
    li TESTNUM, 92
    li t0, 0x12345678bf800000
    fmv.w.x f10, t0
    fmv.x.d t1, f10
    li t2, 0xffffffffbf800000
    bne t1, t2, fail
    fmv.d.x f10, t0
    fmv.x.d t1, f10
    bne t1, t0, fail

    # --- min, max, sign injection, comparisons, fclass ---
    TEST_FP_S(100, 0, 0x80000000, 0, 0x80000000, 0, fmin.s f10, f1, f2)
    TEST_FP_S(101, 0, 0, 0x80000000, 0, 0, fmax.s f10, f1, f2)
    TEST_FP_D(102, 0, 0x8000000000000000, 0x8000000000000000, 0, 0, fmin.d f10, f1, f2)
    TEST_FP_D(103, 0, D_ONE, D_QNAN, D_ONE, 0, fmin.d f10, f1, f2)
    TEST_FP_S(104, NV, S_ONE, S_ONE, S_SNAN, 0, fmax.s f10, f1, f2)
    TEST_FP_D(105, 0, D_QNAN, 0xfff8000000000001, D_QNAN, 0, fmax.d f10, f1, f2)
    TEST_FP_S(106, 0, S_2, S_ONE, S_2, 0, fmax.s f10, f1, f2)
    TEST_FP_D(107, 0, D_MONE, D_MONE, D_ONE, 0, fmin.d f10, f1, f2)
    TEST_FP_S(108, 0, S_MONE, S_ONE, 0xc0000000, 0, fsgnj.s f10, f1, f2)
    TEST_FP_S(109, 0, S_ONE, S_ONE, 0xc0000000, 0, fsgnjn.s f10, f1, f2)
    TEST_FP_D(110, 0, D_ONE, D_MONE, 0xc000000000000000, 0, fsgnjx.d f10, f1, f2)
    TEST_FP_X_S(111, 0, 1, S_ONE, S_ONE, feq.s a0, f1, f2)
    TEST_FP_X_D(112, 0, 1, 0x8000000000000000, 0, feq.d a0, f1, f2)
    TEST_FP_X_S(113, 0, 0, S_QNAN, S_QNAN, feq.s a0, f1, f2)
    TEST_FP_X_D(114, NV, 0, D_SNAN, D_ONE, feq.d a0, f1, f2)
    TEST_FP_X_S(115, NV, 0, S_QNAN, S_ONE, flt.s a0, f1, f2)
    TEST_FP_X_D(116, NV, 0, D_ONE, D_QNAN, fle.d a0, f1, f2)
    TEST_FP_X_S(117, 0, 1, S_MONE, S_ONE, flt.s a0, f1, f2)
    TEST_FP_X_D(118, 0, 1, 0x8000000000000000, 0, fle.d a0, f1, f2)
    TEST_FP_X_D(119, 0, 0, 0x8000000000000000, 0, flt.d a0, f1, f2)
    TEST_FP_X_S(120, 0, 1 << 0, S_MINF, 0, fclass.s a0, f1)
    TEST_FP_X_S(121, 0, 1 << 1, S_MONE, 0, fclass.s a0, f1)
    TEST_FP_X_S(122, 0, 1 << 2, 0x80000001, 0, fclass.s a0, f1)
    TEST_FP_X_S(123, 0, 1 << 3, 0x80000000, 0, fclass.s a0, f1)
    TEST_FP_X_S(124, 0, 1 << 4, 0, 0, fclass.s a0, f1)
    TEST_FP_X_S(125, 0, 1 << 5, S_MAXSUB, 0, fclass.s a0, f1)
    TEST_FP_X_S(126, 0, 1 << 6, S_MINNORM, 0, fclass.s a0, f1)
    TEST_FP_X_S(127, 0, 1 << 7, S_INF, 0, fclass.s a0, f1)
    TEST_FP_X_S(128, 0, 1 << 8, S_SNAN, 0, fclass.s a0, f1)
    TEST_FP_X_S(129, 0, 1 << 9, S_QNAN, 0, fclass.s a0, f1)
    TEST_FP_X_D(130, 0, 1 << 0, D_MINF, 0, fclass.d a0, f1)
    TEST_FP_X_D(131, 0, 1 << 1, D_MONE, 0, fclass.d a0, f1)
    TEST_FP_X_D(132, 0, 1 << 2, 0x8000000000000001, 0, fclass.d a0, f1)
    TEST_FP_X_D(133, 0, 1 << 3, 0x8000000000000000, 0, fclass.d a0, f1)
    TEST_FP_X_D(134, 0, 1 << 4, 0, 0, fclass.d a0, f1)
    TEST_FP_X_D(135, 0, 1 << 5, D_MAXSUB, 0, fclass.d a0, f1)
    TEST_FP_X_D(136, 0, 1 << 6, D_MINNORM, 0, fclass.d a0, f1)
    TEST_FP_X_D(137, 0, 1 << 7, D_INF, 0, fclass.d a0, f1)
    TEST_FP_X_D(138, 0, 1 << 8, D_SNAN, 0, fclass.d a0, f1)
    TEST_FP_X_D(139, 0, 1 << 9, D_QNAN, 0, fclass.d a0, f1)

    # --- float to integer: rounding, saturation, NV ---
    TEST_FP_X_S(150, NX, 2, S_2_5, 0, fcvt.w.s a0, f1, rne)
    TEST_FP_X_S(151, NX, 3, S_2_5, 0, fcvt.w.s a0, f1, rmm)
    TEST_FP_X_D(152, NX, -3, 0xc004000000000000, 0, fcvt.l.d a0, f1, rmm)
    TEST_FP_X_D(153, NX, -3, 0xc004000000000000, 0, fcvt.w.d a0, f1, rdn)
    TEST_FP_X_D(154, NX, -2, 0xc004000000000000, 0, fcvt.l.d a0, f1, rtz)
    TEST_FP_X_S(155, NX, 3, S_2_5, 0, fcvt.lu.s a0, f1, rup)
    TEST_FP_X_S(156, NV, 0x7fffffff, S_QNAN, 0, fcvt.w.s a0, f1)
    TEST_FP_X_S(157, NV, 0xffffffff80000000, S_MINF, 0, fcvt.w.s a0, f1)
    TEST_FP_X_S(158, NV, 0xffffffffffffffff, S_INF, 0, fcvt.wu.s a0, f1)
    TEST_FP_X_S(159, NV, 0xffffffffffffffff, S_SNAN, 0, fcvt.lu.s a0, f1)
    TEST_FP_X_D(160, NV, 0x7fffffffffffffff, 0xfff8000000000000, 0, fcvt.l.d a0, f1)
    TEST_FP_X_D(161, NV, 0x7fffffff, 0x41e0000000000000, 0, fcvt.w.d a0, f1)
    TEST_FP_X_D(162, 0, 0xffffffff80000000, 0xc1e0000000000000, 0, fcvt.w.d a0, f1)
    TEST_FP_X_D(163, NV, 0x7fffffffffffffff, 0x43e0000000000000, 0, fcvt.l.d a0, f1)
    TEST_FP_X_D(164, 0, 0x8000000000000000, 0x43e0000000000000, 0, fcvt.lu.d a0, f1)
    TEST_FP_X_D(165, NV, 0, D_MONE, 0, fcvt.lu.d a0, f1)
    TEST_FP_X_S(166, 0, 0xffffffffb2d05e00, 0x4f32d05e, 0, fcvt.wu.s a0, f1)
    TEST_FP_X_S(167, NX, 0, S_MHALF, 0, fcvt.wu.s a0, f1, rtz)
    TEST_FP_X_S(168, NV, 0, S_MHALF, 0, fcvt.wu.s a0, f1, rdn)
    TEST_FP_X_D(169, NX, 0, D_MHALF, 0, fcvt.lu.d a0, f1, rne)
    TEST_FP_X_D(170, NV, 0, D_MHALF, 0, fcvt.lu.d a0, f1, rmm)
    TEST_FP_X_D(171, NV, 0xffffffffffffffff, 0x41f0000000000000, 0, fcvt.wu.d a0, f1)
    TEST_FP_X_D(172, NV, 0, D_MINF, 0, fcvt.wu.d a0, f1)

    # --- integer to float ---
    TEST_FP_FROM_X_S(180, 0, 0xc0a00000, -5, fcvt.s.w f10, a1)
    TEST_FP_FROM_X_S(181, 0, S_3, 0x100000003, fcvt.s.w f10, a1)
    TEST_FP_FROM_X_S(182, NX, 0x4f800000, 0xffffffff, fcvt.s.wu f10, a1)
    TEST_FP_FROM_X_S(183, NX, 0x4b800000, 0x1000001, fcvt.s.l f10, a1, rne)
    TEST_FP_FROM_X_S(184, NX, 0x4b800001, 0x1000001, fcvt.s.l f10, a1, rmm)
    TEST_FP_FROM_X_S(185, NX, 0xcb800001, -0x1000001, fcvt.s.l f10, a1, rdn)
    TEST_FP_FROM_X_S(186, NX, 0x5f800000, -1, fcvt.s.lu f10, a1)
    TEST_FP_FROM_X_D(187, 0, 0x41efffffffe00000, 0xffffffff, fcvt.d.wu f10, a1)
    TEST_FP_FROM_X_D(188, 0, 0xc014000000000000, -5, fcvt.d.w f10, a1)
    TEST_FP_FROM_X_D(189, NX, 0x4340000000000000, 0x20000000000001, fcvt.d.l f10, a1, rne)
    TEST_FP_FROM_X_D(190, NX, 0x4340000000000001, 0x20000000000001, fcvt.d.l f10, a1, rmm)
    TEST_FP_FROM_X_D(191, NX, 0x43f0000000000000, -1, fcvt.d.lu f10, a1)
    TEST_FP_FROM_X_D(192, 0, 0xc3e0000000000000, 0x8000000000000000, fcvt.d.l f10, a1)
    TEST_FP_FROM_X_D(193, 0, 0, 0, fcvt.d.l f10, a1)

    # --- between precisions ---
test_200:
    li TESTNUM, 200
    FP_LOAD_S(f1, S_1_5)
    csrwi fflags, 0
    fcvt.d.s f10, f1
    fmv.x.d t1, f10
    li t2, D_1_5
    bne t1, t2, fail
    FP_CHECK_FLAGS(0)
    TEST_FP_S(201, NX, S_ONE, 0, 0, 0, li t0, 0x3ff0000010000000; fmv.d.x f1, t0; fcvt.s.d f10, f1, rne)
    TEST_FP_S(202, NX, S_ONE_U, 0, 0, 0, li t0, 0x3ff0000010000000; fmv.d.x f1, t0; fcvt.s.d f10, f1, rmm)
    TEST_FP_S(203, OF|NX, S_INF, 0, 0, 0, li t0, D_MAX; fmv.d.x f1, t0; fcvt.s.d f10, f1)
    TEST_FP_S(204, UF|NX, 1, 0, 0, 0, li t0, D_MINNORM; fmv.d.x f1, t0; fcvt.s.d f10, f1, rup)
    TEST_FP_S(205, NV, S_QNAN, 0, 0, 0, li t0, D_SNAN; fmv.d.x f1, t0; fcvt.s.d f10, f1)
    TEST_FP_D(206, NV, D_QNAN, 0, 0, 0, FP_LOAD_S(f1, S_SNAN); fcvt.d.s f10, f1)
    TEST_FP_D(207, 0, 0x36a0000000000000, 0, 0, 0, FP_LOAD_S(f1, 1); fcvt.d.s f10, f1)

    # --- loads and stores ---
test_210:
    li TESTNUM, 210
    la a2, fp_data
    flw f10, 0(a2)
    fmv.x.d t1, f10
    li t2, 0xffffffff55667788
    bne t1, t2, fail
    fld f11, 8(a2)
    fmv.x.d t1, f11
    li t2, 0x0123456789abcdef
    bne t1, t2, fail
    fsw f11, 16(a2) # the low bits of an unboxed register
    lwu t1, 16(a2)
    li t2, 0x89abcdef
    bne t1, t2, fail
    fsd f10, 24(a2)
    ld t1, 24(a2)
    li t2, 0xffffffff55667788
    bne t1, t2, fail

    # --- mstatus.FS ---
test_220: # writing an f register makes FS Dirty, and SD reads 1
    li TESTNUM, 220
    li t0, 3 << 13
    csrc mstatus, t0
    li t0, 2 << 13
    csrs mstatus, t0 # Clean
    fmv.x.d t1, f10 # reads only
    feq.d t1, f10, f10
    csrr t1, mstatus
    srli t1, t1, 13
    andi t1, t1, 3
    li t2, 2
    bne t1, t2, fail
    fadd.d f10, f10, f10
    csrr t1, mstatus
    bgez t1, fail # SD
    srli t1, t1, 13
    andi t1, t1, 3
    li t2, 3
    bne t1, t2, fail

    # The trap handler below steps over 4-byte instructions.
    .option push
    .option norvc
test_221: # FS Off: every FP instruction, even fmv and fcsr, is illegal
    li TESTNUM, 221
    la t0, 1f
    csrw mtvec, t0
    li t0, 3 << 13
    csrc mstatus, t0
    li a3, 0
    fadd.s f0, f1, f2
    fmv.x.d t1, f0
    fld f0, 0(a2)
    csrr t1, fcsr
    li t2, 4
    bne a3, t2, fail
    j 2f
    .align 2
1:  csrr t0, mcause
    li t1, 2
    bne t0, t1, fail
    addi a3, a3, 1
    csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    mret
2:  la t0, 1b
    csrw mtvec, t0
    li t0, 1 << 13
    csrs mstatus, t0

test_222: # reserved rounding modes are illegal, static or from frm
    li TESTNUM, 222
    li a3, 0
    .word 0x0020d553 # fadd.s f10, f1, f2 with rm = 5
    .word 0x0220e553 # fadd.d f10, f1, f2 with rm = 6
    fsrmi 5
    fmul.d f10, f1, f2
    fsrmi 7
    fcvt.w.s a0, f1
    fsrmi 0
    li t2, 4
    bne a3, t2, fail
    la t0, trap_vector
    csrw mtvec, t0
    .option pop
    j pass

    .data
    .align 3
fp_data:
    .dword 0x1122334455667788
    .dword 0x0123456789abcdef
    .dword 0
    .dword 0
    .text
TEST_PASS
