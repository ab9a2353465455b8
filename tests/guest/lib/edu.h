/* QEMU's edu device as its driver sees it: the registers in BAR 0 and the
 * bits of the DMA command register (QEMU docs/specs/edu.rst). */
#pragma once

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8

#define EDU_ID 0x00         /* 0x010000ed: major.minor version and 0xed */
#define EDU_LIVENESS 0x04   /* reads back the bitwise inverse of what was written */
#define EDU_FACTORIAL 0x08  /* write n, read n! once EDU_STATUS says done */
#define EDU_STATUS 0x20     /* bit 0: computing; bit 7: interrupt when done */
#define EDU_IRQ_STATUS 0x24 /* why the interrupt is raised */
#define EDU_IRQ_RAISE 0x60  /* writes set bits in the interrupt status */
#define EDU_IRQ_ACK 0x64    /* writes clear them */
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_BUFFER 0x40000ul /* the device's 4 KiB DMA buffer, in DMA addresses */

#define DMA_RUN 1    /* start; reads 1 while the transfer runs */
#define DMA_TO_RAM 2 /* direction: device buffer to RAM (else RAM to device) */
#define DMA_IRQ 4    /* raise interrupt 0x100 when done */
