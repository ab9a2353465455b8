// SPDX-License-Identifier: GPL-2.0
/*
 * A driver for QEMU's edu device (PCI 1234:11e8; QEMU's docs/specs/edu.rst), written the way a
 * real PCI driver is: probe by id, BAR0 mapped, the legacy INTx interrupt shared and
 * acknowledged, coherent DMA buffers, and a misc character device, /dev/edu, whose ioctls
 * (edu-ioctl.h) let edu-test exercise each of these.
 *
 * DMA: edu clamps the addresses it is given to its DMA mask, 28 bits unless QEMU was told
 * otherwise (-device edu,dma_mask=...). On RISC-V virt RAM starts at 2 GiB, above 28 bits, so the
 * kernel refuses a 28-bit mask; then the driver works without DMA and says so. Load it with
 * dma_bits=32 when the device has dma_mask=0xffffffff.
 */
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "edu-ioctl.h"

/* Registers in BAR0 */
#define EDU_ID 0x00
#define EDU_LIVENESS 0x04
#define EDU_FACTORIAL 0x08
#define EDU_STATUS 0x20
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98

#define EDU_STATUS_COMPUTING 0x01
#define EDU_STATUS_IRQ_FACT 0x80
#define EDU_IRQ_FACT 0x001
#define EDU_IRQ_DMA 0x100
#define EDU_DMA_START 0x1
#define EDU_DMA_TO_RAM 0x2
#define EDU_DMA_IRQ 0x4
#define EDU_DMA_BUFFER 0x40000 /* the device's own buffer, in its DMA address space */

#define EDU_ID_VALUE 0x010000ed
/* Generous: edu's DMA takes 100 ms of virtual time, and an interpreter may be slow. */
#define EDU_TIMEOUT (20 * HZ)

static unsigned int dma_bits = 28;
module_param(dma_bits, uint, 0444);
MODULE_PARM_DESC(dma_bits, "width of the device's DMA addresses (28, QEMU's default dma_mask)");

struct edu {
	struct pci_dev *pdev;
	void __iomem *regs;
	struct miscdevice misc;
	struct mutex lock; /* one operation on the device at a time */
	wait_queue_head_t irq_wait;
	spinlock_t irq_lock;
	u32 irq_seen; /* interrupt bits acknowledged since the operation began */
	bool dma; /* the DMA mask was accepted */
	void *dma_in, *dma_out;
	dma_addr_t dma_in_bus, dma_out_bus;
};

static irqreturn_t edu_irq(int irq, void *data)
{
	struct edu *edu = data;
	u32 status = ioread32(edu->regs + EDU_IRQ_STATUS);

	if (!status)
		return IRQ_NONE; /* the line is shared: someone else's */
	iowrite32(status, edu->regs + EDU_IRQ_ACK);
	spin_lock(&edu->irq_lock);
	edu->irq_seen |= status;
	spin_unlock(&edu->irq_lock);
	wake_up(&edu->irq_wait);
	return IRQ_HANDLED;
}

static void edu_irq_reset(struct edu *edu)
{
	spin_lock_irq(&edu->irq_lock);
	edu->irq_seen = 0;
	spin_unlock_irq(&edu->irq_lock);
}

static u32 edu_irq_peek(struct edu *edu)
{
	u32 seen;

	spin_lock_irq(&edu->irq_lock);
	seen = edu->irq_seen;
	spin_unlock_irq(&edu->irq_lock);
	return seen;
}

/* Waits for every bit of @bits to have been acknowledged; returns what was seen, or an error. */
static long edu_irq_wait(struct edu *edu, u32 bits, u32 *seen)
{
	long left = wait_event_interruptible_timeout(
		edu->irq_wait, (edu_irq_peek(edu) & bits) == bits, EDU_TIMEOUT);

	*seen = edu_irq_peek(edu);
	if (left < 0)
		return left;
	return left ? 0 : -ETIMEDOUT;
}

static long edu_factorial(struct edu *edu, struct edu_factorial *f)
{
	long err;

	edu_irq_reset(edu);
	iowrite32(EDU_STATUS_IRQ_FACT, edu->regs + EDU_STATUS);
	iowrite32(f->n, edu->regs + EDU_FACTORIAL);
	err = edu_irq_wait(edu, EDU_IRQ_FACT, &f->irq_status);
	if (err)
		return err;
	if (ioread32(edu->regs + EDU_STATUS) & EDU_STATUS_COMPUTING)
		return -EIO; /* interrupted before the end */
	f->result = ioread32(edu->regs + EDU_FACTORIAL);
	return 0;
}

static long edu_dma_one(struct edu *edu, u64 src, u64 dst, u32 len, u32 cmd, u32 *seen)
{
	edu_irq_reset(edu);
	writeq(src, edu->regs + EDU_DMA_SRC);
	writeq(dst, edu->regs + EDU_DMA_DST);
	writeq(len, edu->regs + EDU_DMA_COUNT);
	writeq(cmd | EDU_DMA_START | EDU_DMA_IRQ, edu->regs + EDU_DMA_CMD);
	return edu_irq_wait(edu, EDU_IRQ_DMA, seen);
}

static long edu_dma(struct edu *edu, struct edu_dma *d)
{
	u32 seen_in = 0, seen_out = 0;
	long err;

	if (!edu->dma)
		return -EOPNOTSUPP;
	if (!d->len || d->len > EDU_DMA_MAX)
		return -EINVAL;
	if (copy_from_user(edu->dma_in, u64_to_user_ptr(d->in), d->len))
		return -EFAULT;
	memset(edu->dma_out, 0, EDU_DMA_MAX);
	err = edu_dma_one(edu, edu->dma_in_bus, EDU_DMA_BUFFER, d->len, 0, &seen_in);
	if (!err)
		err = edu_dma_one(edu, EDU_DMA_BUFFER, edu->dma_out_bus, d->len, EDU_DMA_TO_RAM,
				  &seen_out);
	d->irq_status = seen_in | seen_out;
	d->bus_in = edu->dma_in_bus;
	d->bus_out = edu->dma_out_bus;
	if (err)
		return err;
	if (copy_to_user(u64_to_user_ptr(d->out), edu->dma_out, d->len))
		return -EFAULT;
	return 0;
}

static long edu_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct edu *edu = container_of(file->private_data, struct edu, misc);
	void __user *uarg = (void __user *)arg;
	union {
		u32 id;
		struct edu_liveness live;
		struct edu_factorial fact;
		struct edu_raise raise;
		struct edu_dma dma;
	} u;
	long err = 0;

	if (_IOC_TYPE(cmd) != 'E' || _IOC_SIZE(cmd) > sizeof(u))
		return -ENOTTY;
	memset(&u, 0, sizeof(u)); /* nothing of the kernel's stack goes back to the user */
	if ((_IOC_DIR(cmd) & _IOC_WRITE) && copy_from_user(&u, uarg, _IOC_SIZE(cmd)))
		return -EFAULT;
	if (mutex_lock_interruptible(&edu->lock))
		return -ERESTARTSYS;
	switch (cmd) {
	case EDU_IOC_ID:
		u.id = ioread32(edu->regs + EDU_ID);
		break;
	case EDU_IOC_LIVENESS:
		iowrite32(u.live.value, edu->regs + EDU_LIVENESS);
		u.live.readback = ioread32(edu->regs + EDU_LIVENESS);
		break;
	case EDU_IOC_FACTORIAL:
		err = edu_factorial(edu, &u.fact);
		break;
	case EDU_IOC_RAISE:
		edu_irq_reset(edu);
		iowrite32(u.raise.bits, edu->regs + EDU_IRQ_RAISE);
		err = edu_irq_wait(edu, u.raise.bits, &u.raise.irq_status);
		break;
	case EDU_IOC_DMA:
		err = edu_dma(edu, &u.dma);
		break;
	default:
		err = -ENOTTY;
	}
	mutex_unlock(&edu->lock);
	/* Results go back even on a timeout: the interrupt bits seen tell what happened. */
	if (err != -ENOTTY && (_IOC_DIR(cmd) & _IOC_READ) &&
	    copy_to_user(uarg, &u, _IOC_SIZE(cmd)))
		return -EFAULT;
	return err;
}

static const struct file_operations edu_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = edu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static int edu_setup_dma(struct edu *edu)
{
	struct device *dev = &edu->pdev->dev;

	if (dma_set_mask_and_coherent(dev, DMA_BIT_MASK(dma_bits))) {
		dev_warn(dev, "no DMA: a %u-bit DMA mask cannot reach this machine's RAM "
			      "(edu,dma_mask=0xffffffff and dma_bits=32 can)\n", dma_bits);
		return 0;
	}
	edu->dma_in = dma_alloc_coherent(dev, EDU_DMA_MAX, &edu->dma_in_bus, GFP_KERNEL);
	edu->dma_out = dma_alloc_coherent(dev, EDU_DMA_MAX, &edu->dma_out_bus, GFP_KERNEL);
	if (!edu->dma_in || !edu->dma_out)
		return -ENOMEM;
	pci_set_master(edu->pdev);
	edu->dma = true;
	return 0;
}

static void edu_free_dma(struct edu *edu)
{
	struct device *dev = &edu->pdev->dev;

	if (edu->dma_in)
		dma_free_coherent(dev, EDU_DMA_MAX, edu->dma_in, edu->dma_in_bus);
	if (edu->dma_out)
		dma_free_coherent(dev, EDU_DMA_MAX, edu->dma_out, edu->dma_out_bus);
}

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu *edu;
	u32 ident;
	int err;

	edu = kzalloc(sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	edu->pdev = pdev;
	mutex_init(&edu->lock);
	spin_lock_init(&edu->irq_lock);
	init_waitqueue_head(&edu->irq_wait);
	pci_set_drvdata(pdev, edu);

	err = pci_enable_device(pdev);
	if (err)
		goto free;
	err = pci_request_regions(pdev, "edu");
	if (err)
		goto disable;
	edu->regs = pci_iomap(pdev, 0, 0);
	if (!edu->regs) {
		err = -ENOMEM;
		goto release;
	}
	ident = ioread32(edu->regs + EDU_ID);
	if (ident != EDU_ID_VALUE) {
		dev_err(&pdev->dev, "identification register reads %#x, not %#x\n", ident,
			EDU_ID_VALUE);
		err = -ENODEV;
		goto unmap;
	}
	err = edu_setup_dma(edu);
	if (err)
		goto dma;
	err = request_irq(pdev->irq, edu_irq, IRQF_SHARED, "edu", edu);
	if (err)
		goto dma;

	edu->misc.minor = MISC_DYNAMIC_MINOR;
	edu->misc.name = "edu";
	edu->misc.fops = &edu_fops;
	edu->misc.parent = &pdev->dev;
	err = misc_register(&edu->misc);
	if (err)
		goto irq;
	dev_info(&pdev->dev, "edu %u.%u at irq %d, DMA %s\n", ident >> 24, (ident >> 16) & 0xff,
		 pdev->irq, edu->dma ? "on" : "off");
	return 0;

irq:
	free_irq(pdev->irq, edu);
dma:
	edu_free_dma(edu);
unmap:
	pci_iounmap(pdev, edu->regs);
release:
	pci_release_regions(pdev);
disable:
	pci_disable_device(pdev);
free:
	kfree(edu);
	return err;
}

static void edu_remove(struct pci_dev *pdev)
{
	struct edu *edu = pci_get_drvdata(pdev);

	misc_deregister(&edu->misc);
	free_irq(pdev->irq, edu);
	edu_free_dma(edu);
	pci_iounmap(pdev, edu->regs);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	kfree(edu);
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{}
};
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name = "edu",
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
};
module_pci_driver(edu_driver);

MODULE_DESCRIPTION("Driver for QEMU's edu PCI device");
MODULE_LICENSE("GPL");
