// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2pmap_edu: sample DMA client driver for QEMU's "edu" device (PCI 1234:11e8).
 *
 * It is the example a driver author copies: the device's DMA engine reaches user memory,
 * RAM or P2P, through a one-shot mapping per buffer kept in the ioctl's own storage
 * (p2pmap_io_map(): a buffer within a page costs no allocation), or through slices of buffers
 * registered once (/dev/p2pmap handles, p2pmap_reg_get()); p2pmap decides per provider
 * whether the engine reads the P2P memory directly or through bounce pages. It registers
 * each device with p2pmap_client_register() in probe, so /dev/p2pmap may map for it, and
 * unregisters in remove, which takes down those mappings before the device goes.
 *
 * The edu DMA engine: 0x80 source, 0x88 destination, 0x90 count, 0x98 command (bit 0 start,
 * bit 1 edu -> RAM, bit 2 interrupt when done; bit 0 clears when done). It has a 4 KiB
 * buffer at device address 0x40000 and needs 100 ms of virtual time per transfer. QEMU (at
 * least 7.2) refuses a transfer that ends exactly at the end of that buffer and aborts the
 * whole VM, so one transfer moves at most 4095 bytes. This driver polls for completion to
 * stay short.
 *
 * Removal (unbind, hot-unplug) may come while a copy runs and files are open: @gone makes a
 * running copy stop between transfers, remove() waits for every ioctl to leave (@remove_sem)
 * before the registers and the device go, and the struct lives until the last file closes.
 *
 * A mapping goes only once the engine can no longer use it: when a transfer is abandoned
 * (removal, timeout), edu_stop() clears bus mastering and waits for the engine to be idle
 * before the copy unmaps its buffers. A driver that copies this one must do the same: unmap
 * after the device has stopped, never while it may still be reading or writing.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/idr.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../../kernel/compat.h"
#include "../../include/p2pmap.h"
#include "../../include/p2pmap_args.h"
#include "p2pmap_edu.h"

#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_CNT		0x90
#define EDU_DMA_CMD		0x98
#define EDU_CMD_RUN		BIT(0)
#define EDU_CMD_TO_RAM		BIT(1)
#define EDU_BUF_ADDR		0x40000
#define EDU_BUF_SIZE		4096
#define EDU_MAX_XFER		(EDU_BUF_SIZE - 1)
#define EDU_MAX_WINDOWS		1024
#define EDU_TIMEOUT_US		(5 * USEC_PER_SEC)

/**
 * struct edu - one edu device
 * @pdev: the device (valid while @remove_sem is held for reading and @gone is false)
 * @regs: its registers (the same)
 * @misc: /dev/p2pmap-eduN
 * @name: "p2pmap-eduN"
 * @id: N
 * @lock: one transfer at a time on the engine
 * @remove_sem: held for reading by every ioctl, for writing by remove()
 * @gone: set when removal starts; ioctls fail with -ENODEV from then on
 * @broken: the engine did not stop; bus mastering stays off and copies fail with -EIO
 * @ref: the device's reference and one per open file
 */
struct edu {
	struct pci_dev *pdev;
	void __iomem *regs;
	struct miscdevice misc;
	char name[24];
	int id;
	struct mutex lock;		/* one transfer at a time */
	struct rw_semaphore remove_sem;
	bool gone;
	bool broken;
	struct kref ref;
};

static DEFINE_IDA(edu_ida);

/*
 * Test knob: a short timeout abandons transfers while the engine still runs them. Bounded as
 * p2pmap's parameters are: 0 would make readq_poll_timeout() wait forever.
 */
static int xfer_timeout_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, 60 * USEC_PER_SEC);
}

static const struct kernel_param_ops xfer_timeout_ops = {
	.set = xfer_timeout_set,
	.get = param_get_uint,
};

static unsigned int xfer_timeout_us = EDU_TIMEOUT_US;
module_param_cb(xfer_timeout_us, &xfer_timeout_ops, &xfer_timeout_us, 0644);
MODULE_PARM_DESC(xfer_timeout_us,
		 "Time one transfer may take before it is abandoned, 1 us .. 60 s (default 5 s)");

/*
 * The edu device reaches 28 bits of address (QEMU's docs/specs/edu.rst) and silently drops
 * the bits above; "-device edu,dma_mask=..." widens it, and then this says so. The device has
 * no register that tells.
 */
static int dma_bits_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 24, 64);
}

static const struct kernel_param_ops dma_bits_ops = {
	.set = dma_bits_set,
	.get = param_get_uint,
};

static unsigned int dma_bits = 28;
module_param_cb(dma_bits, &dma_bits_ops, &dma_bits, 0444);
MODULE_PARM_DESC(dma_bits,
		 "DMA address bits of the edu devices, as QEMU's dma_mask says, 24 .. 64 (default 28)");

/* The engine is idle, or the device has gone (it reads as all ones and does no DMA). */
static bool edu_idle(u64 cmd)
{
	return !(cmd & EDU_CMD_RUN) || cmd == ~0ULL;
}

/*
 * Stop the engine before the memory of an abandoned transfer is unmapped: clear bus
 * mastering, so it reaches no memory any more, then wait until the transfer has ended (the
 * edu finishes it with its DMA dropped). Bus mastering comes back for later copies if the
 * engine went idle; if it did not, the device stays without it and is marked broken.
 */
static void edu_stop(struct edu *edu)
{
	u64 cmd;

	pci_clear_master(edu->pdev);
	if (readq_poll_timeout(edu->regs + EDU_DMA_CMD, cmd, edu_idle(cmd), 1000,
			       EDU_TIMEOUT_US)) {
		pci_err(edu->pdev, "DMA engine does not stop; bus mastering stays off\n");
		WRITE_ONCE(edu->broken, true);
		return;
	}
	if (!READ_ONCE(edu->gone))
		pci_set_master(edu->pdev);
}

/* Run one transfer between @addr (a DMA address) and the edu buffer. */
static int edu_dma(struct edu *edu, dma_addr_t addr, u32 len, bool to_ram)
{
	u64 cmd;
	int ret;

	if (READ_ONCE(edu->broken))
		return -EIO;
	writeq(to_ram ? EDU_BUF_ADDR : addr, edu->regs + EDU_DMA_SRC);
	writeq(to_ram ? addr : EDU_BUF_ADDR, edu->regs + EDU_DMA_DST);
	writeq(len, edu->regs + EDU_DMA_CNT);
	writeq(EDU_CMD_RUN | (to_ram ? EDU_CMD_TO_RAM : 0), edu->regs + EDU_DMA_CMD);
	/* Stop waiting once removal has started; the engine is stopped before anything else. */
	ret = readq_poll_timeout(edu->regs + EDU_DMA_CMD, cmd,
				 edu_idle(cmd) || READ_ONCE(edu->gone), 1000,
				 READ_ONCE(xfer_timeout_us));
	if (ret || !edu_idle(cmd)) {
		edu_stop(edu);
		return ret ?: -ENODEV;
	}
	/* All ones: the device went away before its removal reached the driver. */
	return READ_ONCE(edu->gone) || cmd == ~0ULL ? -ENODEV : 0;
}

/* The DMA address of byte @off of a mapping and how many bytes follow it contiguously. */
static dma_addr_t dma_at(struct sg_table *sgt, u64 off, u64 *avail)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (off < sg_dma_len(sg)) {
			*avail = sg_dma_len(sg) - off;
			return sg_dma_address(sg) + off;
		}
		off -= sg_dma_len(sg);
	}
	*avail = 0;
	return 0;
}

/*
 * One side of a copy: a one-shot mapping made for this copy (@io), or a registration (@reg)
 * that lends a slice per window, the buffer starting @base bytes into it.
 */
struct edu_buf {
	struct p2pmap_io io;
	struct p2pmap_reg *reg;
	u64 base;
	struct p2pmap_slice slice;
};

/* The DMA address of byte @off of a slice and how many bytes follow it contiguously. */
static dma_addr_t slice_dma_at(const struct p2pmap_slice *slice, u64 off, u64 *avail)
{
	unsigned int i;
	u32 len;

	for (i = 0; i < p2pmap_slice_nr_segs(slice); i++) {
		dma_addr_t addr = p2pmap_slice_seg(slice, i, &len);

		if (off < len) {
			*avail = len - off;
			return addr + off;
		}
		off -= len;
	}
	*avail = 0;
	return 0;
}

/* Take and sync the slice of [@off, @off + @len) of @b when it is a registration. */
static int buf_start(struct edu_buf *b, u64 off, u64 len)
{
	int ret;

	if (!b->reg)
		return 0;
	ret = p2pmap_slice_get(b->reg, b->base + off, len, &b->slice);
	if (ret)
		return ret;
	ret = p2pmap_slice_sync_for_device(&b->slice);
	if (ret)
		p2pmap_slice_put(&b->slice);
	return ret;
}

/* Give the slice back: the engine wrote its first @written bytes (@b is the destination). */
static int buf_end(struct edu_buf *b, u64 written, bool dst)
{
	int ret = 0;

	if (!b->reg)
		return 0;
	if (dst)
		ret = p2pmap_slice_sync_for_cpu(&b->slice, written);
	p2pmap_slice_put(&b->slice);
	return ret;
}

/* The DMA address of byte @off of window [@start, ...) of @b, and the bytes that follow. */
static dma_addr_t buf_dma_at(struct edu_buf *b, u64 start, u64 off, u64 *avail)
{
	if (b->reg)
		return slice_dma_at(&b->slice, off - start, avail);
	return dma_at(p2pmap_io_sgtable(&b->io), off, avail);
}

static bool buf_revoked(const struct edu_buf *b)
{
	return b->reg && p2pmap_slice_revoked(&b->slice);
}

/*
 * Move [start, start + len) from @src to @dst through the edu buffer, in chunks. A
 * registration's slices are taken for the window and put after it.
 */
static int edu_copy_window(struct edu *edu, struct edu_buf *src, struct edu_buf *dst,
			   u64 start, u64 len, u64 *moved)
{
	u64 off = start, done = 0;
	int ret, end;

	ret = buf_start(src, start, len);
	if (ret)
		return ret;
	ret = buf_start(dst, start, len);
	if (ret) {
		buf_end(src, 0, false);
		return ret;
	}
	while (done < len) {
		u64 savail, davail, n;
		dma_addr_t s = buf_dma_at(src, start, off, &savail);
		dma_addr_t d = buf_dma_at(dst, start, off, &davail);

		n = min3(len - done, savail, davail);
		n = min_t(u64, n, EDU_MAX_XFER);
		if (!n) {
			ret = -EINVAL;
			break;
		}
		/* A take-down of a registration waits for its slice: stop between transfers. */
		if (buf_revoked(src) || buf_revoked(dst)) {
			ret = -ENODEV;
			break;
		}
		ret = edu_dma(edu, s, n, false);
		if (!ret)
			ret = edu_dma(edu, d, n, true);
		if (ret)
			break;
		*moved += 2 * n;
		off += n;
		done += n;
	}
	end = buf_end(dst, done, true);
	buf_end(src, 0, false);
	return ret ?: end;
}

/*
 * Whether the windows, in order, cover the buffer from its start without a gap: then the
 * engine writes @dst from its start, and the driver knows how far it got. It maps @dst with
 * P2PMAP_MAP_DEVICE_WRITES and says how much was written at unmap: bounced P2P memory is not
 * read by the CPU at map time (a slow read of device memory on real hardware), and only what
 * the engine wrote is copied back. Other windows leave gaps the engine does not write: @dst
 * is mapped without the flag, so the gaps keep their bytes.
 */
static bool windows_from_start(const struct p2pmap_edu_window *win, u32 nr)
{
	u64 end = 0;
	u32 i;

	for (i = 0; i < nr; i++) {
		if (win[i].offset != end)
			return false;
		end += win[i].len;
	}
	return true;
}

/* Bytes of one side per path: RAM, P2P, bounced. */
static void put_summary(struct edu_buf *b, __u64 bytes[3])
{
	struct p2pmap_summary sum;

	if (b->reg)
		p2pmap_reg_summary(b->reg, &sum);
	else
		p2pmap_io_summary(&b->io, &sum);
	bytes[0] = sum.bytes_ram;
	bytes[1] = sum.bytes_p2p;
	bytes[2] = sum.bytes_bounce;
}

/*
 * Resolve one side's handle: the registration must be this device's and allow what the
 * engine does with it, and [@off, @off + @len) must be in it.
 */
static int buf_handle(struct edu *edu, struct edu_buf *b, int fd, u64 handle, u64 off,
		      u64 len, enum dma_data_direction need)
{
	enum dma_data_direction dir;

	b->reg = p2pmap_reg_get(&edu->pdev->dev, fd, handle);
	if (IS_ERR(b->reg)) {
		int ret = PTR_ERR(b->reg);

		b->reg = NULL;
		return ret;
	}
	b->base = off;
	dir = p2pmap_reg_dir(b->reg);
	if ((dir != need && dir != DMA_BIDIRECTIONAL) || off > p2pmap_reg_len(b->reg) ||
	    len > p2pmap_reg_len(b->reg) - off)
		return -EINVAL;
	return 0;
}

#define EDU_COPY_FLAGS	(P2PMAP_EDU_COPY_SRC_HANDLE | P2PMAP_EDU_COPY_DST_HANDLE)

static long edu_ioc_copy(struct edu *edu, void __user *uarg)
{
	struct p2pmap_edu_window *win = NULL, whole;
	struct edu_buf src = { }, dst = { };
	struct p2pmap_edu_copy arg;
	unsigned int dst_flags = 0;
	u32 argsz, i, nr;
	int ret, r;

	ret = p2pmap_arg_in(&arg, sizeof(arg), offsetofend(struct p2pmap_edu_copy, dma_bytes),
			    uarg, &argsz);
	if (ret)
		return ret;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if ((arg.flags & ~EDU_COPY_FLAGS) || arg.reserved || arg.reserved2 || !arg.len ||
	    arg.nr_windows > EDU_MAX_WINDOWS)
		return -EINVAL;

	nr = arg.nr_windows;
	if (nr) {
		win = memdup_array_user(u64_to_user_ptr(arg.windows), nr, sizeof(*win));
		if (IS_ERR(win))
			return PTR_ERR(win);
	} else {
		whole = (struct p2pmap_edu_window){ .offset = 0, .len = arg.len };
		win = &whole;
		nr = 1;
	}
	for (i = 0; i < nr; i++) {
		if (!win[i].len || win[i].offset >= arg.len ||
		    win[i].len > arg.len - win[i].offset) {
			ret = -EINVAL;
			goto out;
		}
	}

	if (arg.flags & P2PMAP_EDU_COPY_SRC_HANDLE)
		ret = buf_handle(edu, &src, arg.p2pmap_fd, arg.src, arg.src_off, arg.len,
				 DMA_TO_DEVICE);
	else
		ret = p2pmap_io_map(&src.io, &edu->pdev->dev, arg.src, arg.len, DMA_TO_DEVICE, 0);
	if (ret)
		goto out;
	dst_flags = windows_from_start(win, nr) ? P2PMAP_MAP_DEVICE_WRITES : 0;
	if (arg.flags & P2PMAP_EDU_COPY_DST_HANDLE)
		ret = buf_handle(edu, &dst, arg.p2pmap_fd, arg.dst, arg.dst_off, arg.len,
				 DMA_FROM_DEVICE);
	else
		ret = p2pmap_io_map(&dst.io, &edu->pdev->dev, arg.dst, arg.len, DMA_FROM_DEVICE,
				    dst_flags);
	if (ret)
		goto out;

	arg.dma_bytes = 0;
	mutex_lock(&edu->lock);
	for (i = 0; i < nr && !ret; i++)
		ret = edu_copy_window(edu, &src, &dst, win[i].offset, win[i].len, &arg.dma_bytes);
	mutex_unlock(&edu->lock);

	put_summary(&src, arg.src_bytes);
	put_summary(&dst, arg.dst_bytes);
out:
	/*
	 * Copies bounced data back into dst: with the windows from the start, the bytes the
	 * engine wrote (half of what it moved: each byte was read, then written), all of it
	 * otherwise.
	 */
	r = p2pmap_io_unmap(&dst.io, dst_flags ? arg.dma_bytes / 2 : arg.len);	/* if mapped */
	ret = ret ?: r;		/* the copy back did not deliver all of it: the copy failed */
	p2pmap_io_unmap(&src.io, SIZE_MAX);
	if (dst.reg)
		p2pmap_reg_put(dst.reg);
	if (src.reg)
		p2pmap_reg_put(src.reg);
	if (!ret)
		ret = p2pmap_arg_out(uarg, &arg, sizeof(arg), argsz);
	if (win != &whole)
		kfree(win);
	return ret;
}

static void edu_free(struct kref *ref)
{
	kfree(container_of(ref, struct edu, ref));
}

/*
 * p2pmap is about to take down some of this device's /dev/p2pmap registrations (the driver is
 * going away, or a provider of their memory is): the device must not be using them. This
 * driver gives its engine a registration only inside a COPY, through a slice per window, and
 * p2pmap's take-down waits for that slice to be put after the window's transfers; the engine
 * does nothing between transfers. So waiting for the transfer in progress to end is all this
 * does.
 */
static void edu_quiesce(struct device *dev, void *priv)
{
	struct edu *edu = priv;
	u64 cmd;

	if (readq_poll_timeout(edu->regs + EDU_DMA_CMD, cmd, edu_idle(cmd), 1000, EDU_TIMEOUT_US))
		pci_err(edu->pdev, "DMA engine does not go idle\n");
}

/*
 * Test knob for p2pmap's probe (P2PMAP_IOC_VERIFY): 1 makes every dma_copy() deliver all ones
 * (the engine reads a buffer of 0xff instead of the source, as a dropped P2P read completes),
 * 2 makes it move nothing (as a write that never lands). 0, the default, moves the data.
 */
#define EDU_FAULT_ONES		1
#define EDU_FAULT_NOTHING	2

static int probe_fault_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, EDU_FAULT_NOTHING);
}

static const struct kernel_param_ops probe_fault_ops = {
	.set = probe_fault_set,
	.get = param_get_uint,
};

static unsigned int probe_fault;
module_param_cb(probe_fault, &probe_fault_ops, &probe_fault, 0644);
MODULE_PARM_DESC(probe_fault,
		 "Test knob: p2pmap's probe sees 1 all-ones data, 2 nothing moved (default 0: real DMA)");

/* Test knob: each probe transfer first sleeps this long, so that a test acts during a probe. */
static unsigned int probe_delay_ms;
module_param(probe_delay_ms, uint, 0644);
MODULE_PARM_DESC(probe_delay_ms,
		 "Test knob: each transfer of p2pmap's probe waits this long first (default 0)");

/*
 * p2pmap's data-integrity probe: move @len bytes from @src to @dst, both DMA addresses of this
 * device (one of them a provider's P2P memory), through the edu buffer, as the copy ioctl
 * does. p2pmap holds the device's registration meanwhile; remove() sets @gone first, which
 * makes a running transfer give up, so the unregistration that waits for this call does not
 * wait long.
 */
static int edu_dma_copy(struct device *dev, void *priv, dma_addr_t dst, dma_addr_t src,
			size_t len)
{
	unsigned int fault = READ_ONCE(probe_fault);
	struct edu *edu = priv;
	dma_addr_t ones_dma = 0;
	void *ones = NULL;
	int ret;

	if (!len || len > EDU_MAX_XFER)
		return -EINVAL;
	if (READ_ONCE(probe_delay_ms))
		msleep(READ_ONCE(probe_delay_ms));
	if (fault == EDU_FAULT_NOTHING)
		return 0;
	if (fault == EDU_FAULT_ONES) {
		ones = dma_alloc_coherent(dev, len, &ones_dma, GFP_KERNEL);
		if (!ones)
			return -ENOMEM;
		memset(ones, 0xff, len);
		src = ones_dma;
	}
	mutex_lock(&edu->lock);
	ret = READ_ONCE(edu->gone) ? -ENODEV : edu_dma(edu, src, len, false);
	if (!ret)
		ret = edu_dma(edu, dst, len, true);
	mutex_unlock(&edu->lock);
	if (ones)
		dma_free_coherent(dev, len, ones, ones_dma);
	return ret;
}

static const struct p2pmap_client_ops edu_client_ops = {
	.quiesce = edu_quiesce,
	.dma_copy = edu_dma_copy,
};

/* Test knob: a device bound while it is off registers without ->dma_copy(), unverifiable. */
static bool offer_dma_copy = true;
module_param(offer_dma_copy, bool, 0644);
MODULE_PARM_DESC(offer_dma_copy,
		 "Devices bound from now on offer p2pmap's probe their DMA engine (default Y)");

static const struct p2pmap_client_ops edu_client_ops_nocopy = {
	.quiesce = edu_quiesce,
};

/* misc_open() calls this under misc_mtx, which misc_deregister() takes too. */
static int edu_open(struct inode *inode, struct file *file)
{
	struct edu *edu = container_of(file->private_data, struct edu, misc);

	kref_get(&edu->ref);
	return 0;
}

static int edu_release(struct inode *inode, struct file *file)
{
	struct edu *edu = container_of(file->private_data, struct edu, misc);

	kref_put(&edu->ref, edu_free);
	return 0;
}

static long edu_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct edu *edu = container_of(file->private_data, struct edu, misc);
	long ret;

	if (cmd != P2PMAP_EDU_IOC_COPY)
		return -ENOTTY;
	down_read(&edu->remove_sem);
	ret = READ_ONCE(edu->gone) ? -ENODEV : edu_ioc_copy(edu, (void __user *)arg);
	up_read(&edu->remove_sem);
	return ret;
}

static const struct file_operations edu_fops = {
	.owner		= THIS_MODULE,
	.open		= edu_open,
	.release	= edu_release,
	.unlocked_ioctl	= edu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu *edu;
	int ret;

	edu = kzalloc_obj(*edu, GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	edu->pdev = pdev;
	mutex_init(&edu->lock);
	init_rwsem(&edu->remove_sem);
	kref_init(&edu->ref);

	ret = pcim_enable_device(pdev);
	if (ret)
		goto err_free;
	edu->regs = pcim_iomap_region(pdev, 0, KBUILD_MODNAME);
	if (IS_ERR(edu->regs)) {
		ret = PTR_ERR(edu->regs);
		goto err_free;
	}
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(dma_bits));
	if (ret)
		goto err_free;
	pci_set_master(pdev);

	edu->id = ida_alloc(&edu_ida, GFP_KERNEL);
	if (edu->id < 0) {
		ret = edu->id;
		goto err_free;
	}
	snprintf(edu->name, sizeof(edu->name), "p2pmap-edu%d", edu->id);
	edu->misc = (struct miscdevice){
		.minor = MISC_DYNAMIC_MINOR,
		.name = edu->name,
		.fops = &edu_fops,
		.parent = &pdev->dev,
		.mode = 0600,
	};
	pci_set_drvdata(pdev, edu);
	/* /dev/p2pmap may map for this device: its mappings are ours to take down on remove. */
	ret = p2pmap_client_register(&pdev->dev, READ_ONCE(offer_dma_copy) ? &edu_client_ops :
				     &edu_client_ops_nocopy, edu);
	if (ret)
		goto err_ida;
	ret = misc_register(&edu->misc);
	if (ret)
		goto err_client;
	pci_info(pdev, "edu client /dev/%s\n", edu->name);
	return 0;

err_client:
	p2pmap_client_unregister(&pdev->dev);
err_ida:
	ida_free(&edu_ida, edu->id);
err_free:
	kfree(edu);
	return ret;
}

static void edu_remove(struct pci_dev *pdev)
{
	struct edu *edu = pci_get_drvdata(pdev);

	/* Stop a running copy between transfers, then wait until every ioctl has left. */
	WRITE_ONCE(edu->gone, true);
	down_write(&edu->remove_sem);
	up_write(&edu->remove_sem);
	/* Before the device goes: no DMA mapping of it may outlive its driver. */
	p2pmap_client_unregister(&pdev->dev);
	misc_deregister(&edu->misc);
	ida_free(&edu_ida, edu->id);
	kref_put(&edu->ref, edu_free);
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name		= KBUILD_MODNAME,
	.id_table	= edu_ids,
	.probe		= edu_probe,
	.remove		= edu_remove,
};
module_pci_driver(edu_driver);

MODULE_DESCRIPTION("p2pmap sample client driver for QEMU's edu device");
MODULE_AUTHOR("The p2pmap authors");
MODULE_LICENSE("GPL");
