// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/p2pmap: the open file, its mappings' ioctls (MAP, UNMAP, SYNC, SEGMENTS), and the
 * dispatch of the others to the objects they ask about (EXPLAIN: decide.c, STATS: stats.c,
 * VERIFY and OVERRIDE: override.c).
 *
 * Handles belong to the open file; closing it releases every mapping it still holds. The
 * node is created mode 0600; MAP additionally needs CAP_SYS_ADMIN, since it pins memory and
 * DMA-maps it. The ABI is documented in include/uapi/p2pmap.h.
 *
 * The DMA mappings of a device belong to the driver that owns it, so MAP maps only for a
 * device whose driver registered it (p2pmap_client_register(), from probe). Unregistering
 * (from remove) takes down every /dev/p2pmap mapping of the device before the driver lets go
 * of it; the files keep their handles, which then fail with ENODEV.
 */
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci-p2pdma.h>
#include <linux/rwsem.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "../include/p2pmap_args.h"
#include "client.h"
#include "trace.h"

static int max_mappings_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, UINT_MAX);
}

static const struct kernel_param_ops max_mappings_ops = {
	.set = max_mappings_set,
	.get = param_get_uint,
};

static unsigned int max_mappings_per_file = 4096;
module_param_cb(max_mappings_per_file, &max_mappings_ops, &max_mappings_per_file, 0644);
MODULE_PARM_DESC(max_mappings_per_file,
		 "Live mappings one open /dev/p2pmap may hold, 1 or more; more is EMFILE (default 4096)");

struct p2pmap_file {
	struct mutex lock;		/* protects maps, next, nr; never held across a copy */
	struct xarray maps;		/* handle -> struct p2pmap_reg */
	u32 next;			/* for cyclic handle allocation */
	unsigned int nr;
};

/* The handle @id of @f, referenced (p2pmap_reg_put()), or NULL; removed from @f if @erase. */
static struct p2pmap_reg *file_handle(struct p2pmap_file *f, u64 id, bool erase)
{
	struct p2pmap_reg *h;

	mutex_lock(&f->lock);
	h = erase ? xa_erase(&f->maps, id) : xa_load(&f->maps, id);
	if (h && erase)
		f->nr--;		/* the file's reference becomes the caller's */
	else if (h)
		kref_get(&h->ref);
	mutex_unlock(&f->lock);
	return h;
}

static long ioc_map(struct p2pmap_file *f, void __user *uarg)
{
	struct p2pmap_reg *h;
	struct p2pmap_summary sum;
	enum dma_data_direction dir;
	struct p2pmap_map arg;
	struct pci_dev *client;
	u32 argsz, id;
	int ret;

	ret = p2pmap_arg_in(&arg, sizeof(arg), sizeof(arg), uarg, &argsz);
	if (ret)
		return ret;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if ((arg.flags & ~P2PMAP_MAP_DEVICE_WRITES) || arg.reserved || arg.reserved2 ||
	    p2pmap_dir_from_uapi(arg.dir, &dir))
		return -EINVAL;
	if (!arg.len || arg.len > READ_ONCE(p2pmap_max_map_bytes) ||
	    arg.addr + arg.len < arg.addr || arg.addr + arg.len > TASK_SIZE)
		return -EINVAL;

	client = p2pmap_get_pci(&arg.client);
	if (IS_ERR(client))
		return PTR_ERR(client);
	h = p2pmap_reg_alloc();
	if (!h) {
		pci_dev_put(client);
		return -ENOMEM;
	}
	h->client = p2pmap_client_get(&client->dev);
	if (!h->client) {
		pci_info_ratelimited(client,
				     "p2pmap: MAP refused: no driver registered the device as a p2pmap client\n");
		ret = -EACCES;
		goto out_put;
	}
	ret = p2pmap_reg_charge(h, DIV_ROUND_UP(offset_in_page(arg.addr) + arg.len, PAGE_SIZE));
	if (ret)
		goto out_put;
	ret = p2pmap_reg_map(h, &client->dev, arg.addr, arg.len, dir, arg.flags, &sum);
	if (ret) {
		p2pmap_reg_uncharge(h);
		goto out_put;
	}
	pci_dev_put(client);

	/* The mapping may be taken down from here on: only @h and @sum are used. */
	mutex_lock(&f->lock);
	if (f->nr >= READ_ONCE(max_mappings_per_file)) {
		ret = -EMFILE;
		goto out_unmap;
	}
	ret = xa_alloc_cyclic(&f->maps, &id, h, XA_LIMIT(1, INT_MAX), &f->next, GFP_KERNEL);
	if (ret < 0)
		goto out_unmap;

	f->nr++;
	mutex_unlock(&f->lock);

	/* Unlocked: a copy to user memory may fault and stall for long. */
	arg.handle = id;
	arg.nr_segments = sum.nr_segments;
	arg.bytes_ram = sum.bytes_ram;
	arg.bytes_p2p = sum.bytes_p2p;
	arg.bytes_bounce = sum.bytes_bounce;
	ret = p2pmap_arg_out(uarg, &arg, sizeof(arg), argsz);
	if (ret) {
		/* Unless UNMAP or close of the id the caller never saw took it already. */
		h = file_handle(f, id, true);
		if (h) {
			p2pmap_reg_unmap(h, NULL);
			p2pmap_reg_put(h);
		}
		return ret;
	}
	return 0;

out_unmap:
	mutex_unlock(&f->lock);
	p2pmap_reg_unmap(h, NULL);
	p2pmap_reg_put(h);
	return ret;
out_put:
	pci_dev_put(client);
	p2pmap_reg_put(h);
	return ret;
}

static long ioc_unmap_sync(struct p2pmap_file *f, void __user *uarg, bool unmap)
{
	struct p2pmap_handle_arg arg;
	struct p2pmap_reg *h;
	u64 written;
	u32 argsz;
	int ret;

	ret = p2pmap_arg_in(&arg, sizeof(arg), sizeof(arg), uarg, &argsz);
	if (ret)
		return ret;
	/* WRITTEN: with UNMAP or SYNC_FOR_CPU. */
	written = arg.flags & P2PMAP_HANDLE_WRITTEN ? arg.written : U64_MAX;
	arg.flags &= ~P2PMAP_HANDLE_WRITTEN;
	if (unmap ? arg.flags :
	    (arg.flags != P2PMAP_SYNC_FOR_CPU && arg.flags != P2PMAP_SYNC_FOR_DEVICE))
		return -EINVAL;
	if (written != U64_MAX && arg.flags == P2PMAP_SYNC_FOR_DEVICE)
		return -EINVAL;
	if (!arg.handle || arg.handle > INT_MAX)
		return -ENOENT;

	h = file_handle(f, arg.handle, unmap);
	if (!h)
		return -ENOENT;
	if (unmap) {
		ret = p2pmap_reg_unmap(h, &written);
	} else {
		/* Under @use: a take-down stops the copy (@abort) and waits for it. */
		down_read(&h->use);
		if (!h->map) {
			ret = -ENODEV;
		} else {
			mutex_lock(&h->sync);
			WRITE_ONCE(h->synced, true);
			if (arg.flags == P2PMAP_SYNC_FOR_CPU)
				ret = p2pmap_sync_for_cpu_written(h->map,
								  min_t(u64, written, SIZE_MAX));
			else
				ret = p2pmap_sync_for_device(h->map);
			mutex_unlock(&h->sync);
		}
		up_read(&h->use);
	}
	p2pmap_reg_put(h);
	return ret;
}

/*
 * The segments are described in batches into a kernel buffer, each under the handle's @use
 * (a take-down waits for one batch, and SEGMENTS then fails with ENODEV); the copies to user
 * memory, which may fault and sleep for long, hold nothing. The work is linear in the
 * segments asked for and the mapping's DMA segments (p2pmap_segments_info()).
 */
#define SEGMENTS_BATCH	256

static long ioc_segments(struct p2pmap_file *f, void __user *uarg)
{
	struct p2pmap_segment *segs;
	struct p2pmap_seg_cursor cur;
	struct p2pmap_segments arg;
	struct p2pmap_reg *h;
	unsigned int i, n, total, done;
	u32 argsz;
	int ret;

	ret = p2pmap_arg_in(&arg, sizeof(arg), sizeof(arg), uarg, &argsz);
	if (ret)
		return ret;
	if (arg.flags || (arg.nr && (arg.seg_size < sizeof(*segs) || arg.seg_size > PAGE_SIZE)))
		return -EINVAL;
	if (!arg.handle || arg.handle > INT_MAX)
		return -ENOENT;
	h = file_handle(f, arg.handle, false);
	if (!h)
		return -ENOENT;
	segs = kmalloc_array(SEGMENTS_BATCH, sizeof(*segs), GFP_KERNEL);
	if (!segs) {
		ret = -ENOMEM;
		goto out_put;
	}

	for (done = 0, total = 0;; done += n) {
		down_read(&h->use);
		if (!h->map) {
			up_read(&h->use);
			ret = -ENODEV;
			goto out;
		}
		if (!done) {
			total = p2pmap_nr_segments(h->map);
			p2pmap_seg_cursor_init(h->map, &cur);
		}
		n = min3(arg.nr, total, done + SEGMENTS_BATCH) - done;
		p2pmap_segments_info(h->map, &cur, n, segs);
		if (!n)
			trace_p2pmap_segments(h->client->dev, done, cur.steps);
		up_read(&h->use);
		if (!n)
			break;
		for (i = 0; i < n; i++) {
			u64 at = arg.segs + (u64)(done + i) * arg.seg_size;
			void __user *dst = u64_to_user_ptr(at);

			if (copy_to_user(dst, &segs[i], sizeof(*segs)) ||
			    clear_user(dst + sizeof(*segs), arg.seg_size - sizeof(*segs))) {
				ret = -EFAULT;
				goto out;
			}
		}
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out;
		}
		cond_resched();
	}
	arg.nr = total;
	ret = p2pmap_arg_out(uarg, &arg, sizeof(arg), argsz);
out:
	kfree(segs);
out_put:
	p2pmap_reg_put(h);
	return ret;
}

static const struct file_operations p2pmap_fops;

/**
 * p2pmap_reg_get() - the registration behind a /dev/p2pmap handle, for a client's I/O
 * @client: the device the driver does the I/O with
 * @fd: an open /dev/p2pmap of the calling process (the user passes it with the handle)
 * @handle: a handle of @fd (struct p2pmap_map.handle)
 *
 * As an io_uring fixed-buffer index names a buffer registered with the ring, a handle names
 * a buffer registered for a client: the driver resolves it once per I/O (or keeps it for
 * longer), takes slices of it (p2pmap_slice_get()), and drops it with p2pmap_reg_put(). The
 * registration stays its file's: when the file takes it down or it is revoked, slices fail
 * with -ENODEV, while the reference stays valid.
 *
 * Context: process context.
 * Return: the registration, referenced, or an ERR_PTR: -EBADF (@fd is not open, or not
 * /dev/p2pmap), -ENOENT (no such handle), -EXDEV (the handle was made for another device).
 */
struct p2pmap_reg *p2pmap_reg_get(struct device *client, int fd, u64 handle)
{
	CLASS(fd, file)(fd);
	struct p2pmap_reg *h;

	if (fd_empty(file) || fd_file(file)->f_op != &p2pmap_fops)
		return ERR_PTR(-EBADF);
	if (!handle || handle > INT_MAX)
		return ERR_PTR(-ENOENT);
	h = file_handle(fd_file(file)->private_data, handle, false);
	if (!h)
		return ERR_PTR(-ENOENT);
	if (h->client->dev != client) {
		p2pmap_reg_put(h);
		return ERR_PTR(-EXDEV);
	}
	return h;
}
EXPORT_SYMBOL_GPL(p2pmap_reg_get);

static long p2pmap_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct p2pmap_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case P2PMAP_IOC_MAP:
		return ioc_map(f, uarg);
	case P2PMAP_IOC_UNMAP:
		return ioc_unmap_sync(f, uarg, true);
	case P2PMAP_IOC_SYNC:
		return ioc_unmap_sync(f, uarg, false);
	case P2PMAP_IOC_SEGMENTS:
		return ioc_segments(f, uarg);
	case P2PMAP_IOC_EXPLAIN:
		return p2pmap_ioc_explain(uarg);
	case P2PMAP_IOC_STATS:
		return p2pmap_ioc_stats(uarg);
	case P2PMAP_IOC_VERIFY:
		return p2pmap_ioc_verify(uarg);
	case P2PMAP_IOC_OVERRIDE:
		return p2pmap_ioc_override(uarg);
	}
	return -ENOTTY;
}

static int p2pmap_open(struct inode *inode, struct file *file)
{
	struct p2pmap_file *f = kzalloc_obj(*f, GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	xa_init_flags(&f->maps, XA_FLAGS_ALLOC1);
	file->private_data = f;
	return 0;
}

static int p2pmap_release(struct inode *inode, struct file *file)
{
	struct p2pmap_file *f = file->private_data;
	struct p2pmap_reg *h;
	unsigned long id;

	xa_for_each(&f->maps, id, h) {
		p2pmap_reg_unmap(h, NULL);
		p2pmap_reg_put(h);
	}
	xa_destroy(&f->maps);
	mutex_destroy(&f->lock);
	kfree(f);
	return 0;
}

static const struct file_operations p2pmap_fops = {
	.owner		= THIS_MODULE,
	.open		= p2pmap_open,
	.release	= p2pmap_release,
	.unlocked_ioctl	= p2pmap_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice p2pmap_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "p2pmap",
	.fops	= &p2pmap_fops,
	.mode	= 0600,
};

int p2pmap_cdev_init(void)
{
	return misc_register(&p2pmap_misc);
}

void p2pmap_cdev_exit(void)
{
	misc_deregister(&p2pmap_misc);
}
