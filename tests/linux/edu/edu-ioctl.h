/* SPDX-License-Identifier: GPL-2.0 */
/* The ioctls of /dev/edu, shared by the driver (edu.c) and its test program (edu-test.c). */
#ifndef EDU_IOCTL_H
#define EDU_IOCTL_H

#include <linux/ioctl.h>
#include <linux/types.h>

struct edu_liveness {
	__u32 value; /* in: written to the liveness register */
	__u32 readback; /* out: what the register gives back (~value) */
};

struct edu_factorial {
	__u32 n; /* in */
	__u32 result; /* out: n! modulo 2^32, read after the completion interrupt */
	__u32 irq_status; /* out: the interrupt status the handler saw */
};

struct edu_raise {
	__u32 bits; /* in: written to the raise-interrupt register */
	__u32 irq_status; /* out: the interrupt status the handler saw */
};

#define EDU_DMA_MAX 4096 /* the device's buffer */

struct edu_dma {
	__u64 in; /* in: user address of len bytes, sent RAM -> device */
	__u64 out; /* in: user address of len bytes, filled device -> RAM */
	__u32 len;
	__u32 irq_status; /* out: both transfers' interrupt bits, or'ed */
	__u64 bus_in; /* out: the bus addresses the device was given */
	__u64 bus_out;
};

#define EDU_IOC_ID _IOR('E', 1, __u32)
#define EDU_IOC_LIVENESS _IOWR('E', 2, struct edu_liveness)
#define EDU_IOC_FACTORIAL _IOWR('E', 3, struct edu_factorial)
#define EDU_IOC_RAISE _IOWR('E', 4, struct edu_raise)
#define EDU_IOC_DMA _IOWR('E', 5, struct edu_dma)

#endif
