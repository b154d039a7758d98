// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/p2pmap: map user buffers for a PCI client, inspect mappings, explain decisions, read
 * the per-pair statistics.
 *
 * Handles belong to the open file; closing it releases every mapping it still holds. The
 * node is created mode 0600; MAP additionally needs CAP_SYS_ADMIN, since it pins memory and
 * DMA-maps it for any device. The ABI is documented in include/uapi/p2pmap.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci-p2pdma.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "internal.h"

struct p2pmap_file {
	struct mutex lock;		/* serialises use of mappings against UNMAP */
	struct xarray maps;		/* handle -> struct p2pmap_mapping */
	u32 next;			/* for cyclic handle allocation */
	unsigned int nr;
};

/*
 * Copy an extensible argument in: @minsz is the size of the first version of the struct.
 * Smaller is -EINVAL; larger with a non-zero tail is -E2BIG (copy_struct_from_user()), and
 * so is anything above P2PMAP_ARGSZ_MAX, whose tail is not even read.
 */
static int arg_in(void *karg, size_t ksize, size_t minsz, void __user *uarg, u32 *argsz)
{
	if (get_user(*argsz, (u32 __user *)uarg))
		return -EFAULT;
	if (*argsz < minsz)
		return -EINVAL;
	if (*argsz > P2PMAP_ARGSZ_MAX)
		return -E2BIG;
	return copy_struct_from_user(karg, ksize, uarg, *argsz);
}

static int arg_out(void __user *uarg, const void *karg, size_t ksize, u32 argsz)
{
	return copy_to_user(uarg, karg, min_t(size_t, ksize, argsz)) ? -EFAULT : 0;
}

static int dir_from_uapi(u32 dir, enum dma_data_direction *out)
{
	switch (dir) {
	case P2PMAP_DIR_TO_DEVICE:
		*out = DMA_TO_DEVICE;
		return 0;
	case P2PMAP_DIR_FROM_DEVICE:
		*out = DMA_FROM_DEVICE;
		return 0;
	case P2PMAP_DIR_BIDIRECTIONAL:
		*out = DMA_BIDIRECTIONAL;
		return 0;
	}
	return -EINVAL;
}

/* A referenced PCI device from a UAPI address, or an ERR_PTR. */
static struct pci_dev *get_pci(const struct p2pmap_pci_addr *a)
{
	struct pci_dev *pdev;

	if (a->reserved)
		return ERR_PTR(-EINVAL);
	pdev = pci_get_domain_bus_and_slot(a->domain, a->bus, a->devfn);
	return pdev ?: ERR_PTR(-ENODEV);
}

static long ioc_map(struct p2pmap_file *f, void __user *uarg)
{
	struct p2pmap_mapping *map;
	struct p2pmap_summary sum;
	enum dma_data_direction dir;
	struct p2pmap_map arg;
	struct pci_dev *client;
	u32 argsz, id;
	int ret;

	ret = arg_in(&arg, sizeof(arg), sizeof(arg), uarg, &argsz);
	if (ret)
		return ret;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (arg.flags || arg.reserved || arg.reserved2 || dir_from_uapi(arg.dir, &dir))
		return -EINVAL;
	if (!arg.len || arg.len > READ_ONCE(p2pmap_max_map_bytes) ||
	    arg.addr + arg.len < arg.addr || arg.addr + arg.len > TASK_SIZE)
		return -EINVAL;

	client = get_pci(&arg.client);
	if (IS_ERR(client))
		return PTR_ERR(client);

	/* The expensive part runs unlocked, so threads sharing a file map in parallel. */
	map = p2pmap_map_user(&client->dev, arg.addr, arg.len, dir, 0);
	pci_dev_put(client);
	if (IS_ERR(map))
		return PTR_ERR(map);

	mutex_lock(&f->lock);
	if (f->nr >= READ_ONCE(p2pmap_max_mappings_per_file)) {
		ret = -EMFILE;
		goto out_unmap;
	}
	ret = xa_alloc_cyclic(&f->maps, &id, map, XA_LIMIT(1, INT_MAX), &f->next, GFP_KERNEL);
	if (ret < 0)
		goto out_unmap;

	p2pmap_summary(map, &sum);
	arg.handle = id;
	arg.nr_segments = sum.nr_segments;
	arg.bytes_ram = sum.bytes_ram;
	arg.bytes_p2p = sum.bytes_p2p;
	arg.bytes_bounce = sum.bytes_bounce;
	ret = arg_out(uarg, &arg, sizeof(arg), argsz);
	if (ret) {
		xa_erase(&f->maps, id);
		goto out_unmap;
	}
	f->nr++;
	mutex_unlock(&f->lock);
	return 0;

out_unmap:
	mutex_unlock(&f->lock);
	p2pmap_unmap(map);
	return ret;
}

static long ioc_unmap_sync(struct p2pmap_file *f, void __user *uarg, bool unmap)
{
	struct p2pmap_handle_arg arg;
	struct p2pmap_mapping *map;
	u32 argsz;
	int ret;

	ret = arg_in(&arg, sizeof(arg), sizeof(arg), uarg, &argsz);
	if (ret)
		return ret;
	if (unmap ? arg.flags :
	    (arg.flags != P2PMAP_SYNC_FOR_CPU && arg.flags != P2PMAP_SYNC_FOR_DEVICE))
		return -EINVAL;
	if (!arg.handle || arg.handle > INT_MAX)
		return -ENOENT;

	mutex_lock(&f->lock);
	map = unmap ? xa_erase(&f->maps, arg.handle) : xa_load(&f->maps, arg.handle);
	if (!map) {
		ret = -ENOENT;
	} else if (unmap) {
		p2pmap_unmap(map);
		f->nr--;
	} else if (arg.flags == P2PMAP_SYNC_FOR_CPU) {
		p2pmap_sync_for_cpu(map);
	} else {
		p2pmap_sync_for_device(map);
	}
	mutex_unlock(&f->lock);
	return ret;
}

/*
 * The segments are described under the file's lock (UNMAP may not free the mapping
 * meanwhile), into a kernel buffer; the copy to user memory, which may fault and sleep for
 * long, runs unlocked.
 */
static long ioc_segments(struct p2pmap_file *f, void __user *uarg)
{
	struct p2pmap_segment *segs = NULL;
	struct p2pmap_segments arg;
	struct p2pmap_mapping *map;
	unsigned int i, n, total;
	u32 argsz;
	int ret;

	ret = arg_in(&arg, sizeof(arg), sizeof(arg), uarg, &argsz);
	if (ret)
		return ret;
	if (arg.flags || (arg.nr && (arg.seg_size < sizeof(*segs) || arg.seg_size > PAGE_SIZE)))
		return -EINVAL;
	if (!arg.handle || arg.handle > INT_MAX)
		return -ENOENT;

	mutex_lock(&f->lock);
	map = xa_load(&f->maps, arg.handle);
	if (!map) {
		mutex_unlock(&f->lock);
		return -ENOENT;
	}
	total = p2pmap_nr_segments(map);
	n = min(arg.nr, total);
	if (n) {
		segs = kvcalloc(n, sizeof(*segs), GFP_KERNEL);
		if (!segs) {
			mutex_unlock(&f->lock);
			return -ENOMEM;
		}
	}
	for (i = 0; i < n; i++)
		p2pmap_segment_info(map, i, &segs[i]);
	mutex_unlock(&f->lock);

	for (i = 0; i < n; i++) {
		void __user *dst = u64_to_user_ptr(arg.segs + (u64)i * arg.seg_size);

		if (copy_to_user(dst, &segs[i], sizeof(*segs)) ||
		    clear_user(dst + sizeof(*segs), arg.seg_size - sizeof(*segs))) {
			ret = -EFAULT;
			goto out;
		}
	}
	arg.nr = total;
	ret = arg_out(uarg, &arg, sizeof(arg), argsz);
out:
	kvfree(segs);
	return ret;
}

static long ioc_explain(void __user *uarg)
{
	struct p2pmap_pci_addr *cb;
	struct pci_dev *prov, *client;
	struct p2pmap_explain arg;
	struct p2pmap_request req;
	struct p2pmap_pair *pair;
	enum dma_data_direction dir;
	u32 argsz;
	int ret;

	ret = arg_in(&arg, sizeof(arg), offsetofend(struct p2pmap_explain, link_width), uarg,
		     &argsz);
	if (ret)
		return ret;
	if (arg.flags || arg.reserved || dir_from_uapi(arg.dir, &dir))
		return -EINVAL;

	prov = get_pci(&arg.provider);
	if (IS_ERR(prov))
		return PTR_ERR(prov);
	client = get_pci(&arg.client);
	if (IS_ERR(client)) {
		ret = PTR_ERR(client);
		goto out_prov;
	}
	if (!p2pmap_is_provider(prov)) {
		ret = -ENODEV;
		goto out;
	}
	pair = p2pmap_pair_get(prov, client);
	if (IS_ERR(pair)) {
		ret = PTR_ERR(pair);
		goto out;
	}
	req = (struct p2pmap_request){
		.len = arg.len,
		.nr_pages = DIV_ROUND_UP(arg.len, PAGE_SIZE),
		.dir = arg.dir,
		.total_len = arg.len,
	};
	arg.verdict = p2pmap_decide(pair, &req, &arg.reason, true);
	arg.kernel_verdict = pair->facts.kernel_verdict;
	arg.distance = pair->facts.distance;
	arg.hops_provider = pair->facts.hops_provider;
	arg.hops_client = pair->facts.hops_client;
	cb = &arg.common_bridge;
	p2pmap_pci_addr_of(pair->facts.common_bridge, cb);
	arg.has_common_bridge = !!pair->facts.common_bridge;
	arg.acs_redirect = pair->facts.acs_redirect;
	arg.link_speed_mbps = pair->facts.link_speed_mbps;
	arg.link_width = pair->facts.link_width;
	p2pmap_pci_addr_of(pair->facts.acs_bridge, &arg.acs_bridge);
	arg.has_acs_bridge = !!pair->facts.acs_bridge;
	p2pmap_pair_put(pair);
	ret = arg_out(uarg, &arg, sizeof(arg), argsz);
out:
	pci_dev_put(client);
out_prov:
	pci_dev_put(prov);
	return ret;
}

/*
 * The snapshot covers every pair (a reset must know what it takes off each); the user gets
 * the first arg.nr entries. The reset happens only once the snapshot reached the user: a
 * failed copy resets nothing.
 */
static long ioc_stats(void __user *uarg)
{
	struct p2pmap_pair_stat *buf = NULL;
	struct p2pmap_pair **pairs = NULL;
	struct p2pmap_stats arg;
	unsigned int i, cap, total, got;
	bool reset;
	u32 argsz;
	int ret;

	ret = arg_in(&arg, sizeof(arg), sizeof(arg), uarg, &argsz);
	if (ret)
		return ret;
	if ((arg.flags & ~P2PMAP_STATS_RESET) ||
	    (arg.nr && (arg.entry_size < sizeof(struct p2pmap_pair_stat) ||
			arg.entry_size > PAGE_SIZE)))
		return -EINVAL;
	reset = arg.flags & P2PMAP_STATS_RESET;
	if (reset && !capable(CAP_SYS_ADMIN))
		return -EPERM;

	/* Pairs appearing meanwhile are counted in the total (not reset), for a retry. */
	cap = reset ? p2pmap_pair_count() : min(arg.nr, p2pmap_pair_count());
	if (cap) {
		buf = kvcalloc(cap, sizeof(*buf), GFP_KERNEL);
		pairs = kvcalloc(cap, sizeof(*pairs), GFP_KERNEL);
		if (!buf || !pairs) {
			ret = -ENOMEM;
			goto out_free;
		}
	}
	total = p2pmap_stats_snapshot(buf, pairs, cap);
	got = min(cap, total);
	for (i = 0; i < min(arg.nr, got); i++) {
		void __user *dst = u64_to_user_ptr(arg.pairs + (u64)i * arg.entry_size);

		if (copy_to_user(dst, &buf[i], sizeof(*buf)) ||
		    clear_user(dst + sizeof(*buf), arg.entry_size - sizeof(*buf))) {
			ret = -EFAULT;
			goto out;
		}
	}
	arg.nr = total;
	ret = arg_out(uarg, &arg, sizeof(arg), argsz);
out:
	p2pmap_stats_release(pairs, buf, got, reset && !ret);
out_free:
	kvfree(pairs);
	kvfree(buf);
	return ret;
}

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
		return ioc_explain(uarg);
	case P2PMAP_IOC_STATS:
		return ioc_stats(uarg);
	}
	return -ENOTTY;
}

static int p2pmap_open(struct inode *inode, struct file *file)
{
	struct p2pmap_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

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
	struct p2pmap_mapping *map;
	unsigned long id;

	xa_for_each(&f->maps, id, map)
		p2pmap_unmap(map);
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
