// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2pmap_test: test-only helpers behind /dev/p2pmap-test (never installed).
 *
 *  - RAW: the plain kernel path (pin + sg_alloc_table_from_pages_segment + dma_map_sgtable), to show
 *    where it fails with -EREMOTEIO and p2pmap does not, and to compare costs.
 *  - SGTABLE: p2pmap_map_sgtable() on p2pmem from pci_p2pmem_alloc_sgl().
 */
#include <linux/dma-mapping.h>
#include <linux/ktime.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../../kernel/internal.h"
#include "../../kernel/iocopy.h"
#include "p2pmap_test.h"

static enum dma_data_direction to_dir(u32 dir)
{
	return dir == P2PMAP_DIR_TO_DEVICE ? DMA_TO_DEVICE :
	       dir == P2PMAP_DIR_FROM_DEVICE ? DMA_FROM_DEVICE : DMA_BIDIRECTIONAL;
}

static int raw_once(struct device *dev, unsigned long addr, size_t len,
		    enum dma_data_direction dir, struct page **pages)
{
	unsigned int off = offset_in_page(addr), nr = DIV_ROUND_UP(off + len, PAGE_SIZE);
	unsigned int gup = FOLL_PCI_P2PDMA | (dir != DMA_TO_DEVICE ? FOLL_WRITE : 0), done = 0;
	struct sg_table sgt;
	int ret;

	while (done < nr) {
		ret = pin_user_pages_fast((addr & PAGE_MASK) + ((unsigned long)done << PAGE_SHIFT),
					  nr - done, gup, pages + done);
		if (ret <= 0) {
			ret = ret ?: -EFAULT;
			goto unpin;
		}
		done += ret;
	}
	/* A correct driver keeps segments within what the device takes (DMA-API debug checks). */
	ret = sg_alloc_table_from_pages_segment(&sgt, pages, nr, off, len,
						max_t(unsigned int, dma_get_max_seg_size(dev) & PAGE_MASK,
						      PAGE_SIZE), GFP_KERNEL);
	if (ret)
		goto unpin;
	ret = dma_map_sgtable(dev, &sgt, dir, 0);
	if (!ret)
		dma_unmap_sgtable(dev, &sgt, dir, 0);
	sg_free_table(&sgt);
unpin:
	unpin_user_pages_dirty_lock(pages, done, !ret && dir != DMA_TO_DEVICE);
	return ret;
}

static int p2pmap_once(struct device *dev, unsigned long addr, size_t len,
		       enum dma_data_direction dir, unsigned int flags)
{
	struct p2pmap_mapping *map = p2pmap_map_user(dev, addr, len, dir, flags);

	if (IS_ERR(map))
		return PTR_ERR(map);
	p2pmap_unmap(map);
	return 0;
}

static int register_once(struct device *dev, unsigned long addr, size_t len,
			 enum dma_data_direction dir, unsigned int flags)
{
	struct p2pmap_reg *reg = p2pmap_register(dev, addr, len, dir, flags);

	if (IS_ERR(reg))
		return PTR_ERR(reg);
	p2pmap_unregister(reg);
	return 0;
}

/* A one-shot mapping in the caller's storage, its segments read, as a driver's request. */
static int io_once(struct device *dev, unsigned long addr, size_t len,
		   enum dma_data_direction dir, unsigned int flags)
{
	struct scatterlist *sg;
	struct p2pmap_io io;
	unsigned int i;
	u64 sum = 0;
	int ret;

	ret = p2pmap_io_map(&io, dev, addr, len, dir, flags);
	if (ret)
		return ret;
	for_each_sgtable_dma_sg(p2pmap_io_sgtable(&io), sg, i)
		sum += sg_dma_address(sg) + sg_dma_len(sg);
	OPTIMIZER_HIDE_VAR(sum);
	p2pmap_io_unmap(&io, SIZE_MAX);
	return 0;
}

/* One I/O on a registration: what a driver does per request. */
static int slice_once(struct p2pmap_reg *reg, size_t len)
{
	struct p2pmap_slice slice;
	unsigned int i;
	u32 seg_len;
	u64 sum = 0;
	int ret;

	ret = p2pmap_slice_get(reg, 0, len, &slice);
	if (ret)
		return ret;
	for (i = 0; i < p2pmap_slice_nr_segs(&slice); i++)
		sum += p2pmap_slice_seg(&slice, i, &seg_len) + seg_len;
	ret = p2pmap_slice_sync_for_device(&slice);
	if (!ret)
		ret = p2pmap_slice_sync_for_cpu(&slice, len);
	p2pmap_slice_put(&slice);
	/* The segments are used (a driver writes them to its descriptors). */
	OPTIMIZER_HIDE_VAR(sum);
	return ret;
}

static int raw_loop(struct device *dev, struct p2pmap_test_raw *arg, struct page **pages)
{
	enum dma_data_direction dir = to_dir(arg->dir);
	unsigned int flags = arg->flags & P2PMAP_TEST_RAW_DEVICE_WRITES ?
			     P2PMAP_MAP_DEVICE_WRITES : 0;
	struct p2pmap_reg *reg = NULL;
	unsigned int i;
	int ret = 0;
	u64 start;

	if (arg->flags & P2PMAP_TEST_RAW_VIA_SLICE) {
		reg = p2pmap_register(dev, arg->addr, arg->len, dir, flags);
		if (IS_ERR(reg))
			return PTR_ERR(reg);
	}
	start = ktime_get_ns();
	for (i = 0; i < arg->iterations && !ret; i++) {
		if (reg)
			ret = slice_once(reg, arg->len);
		else if (arg->flags & P2PMAP_TEST_RAW_VIA_REGISTER)
			ret = register_once(dev, arg->addr, arg->len, dir, flags);
		else if (arg->flags & P2PMAP_TEST_RAW_VIA_IO)
			ret = io_once(dev, arg->addr, arg->len, dir, flags);
		else if (arg->flags & P2PMAP_TEST_RAW_VIA_P2PMAP)
			ret = p2pmap_once(dev, arg->addr, arg->len, dir, flags);
		else
			ret = raw_once(dev, arg->addr, arg->len, dir, pages);
	}
	arg->nsec = ktime_get_ns() - start;
	if (reg)
		p2pmap_unregister(reg);
	return ret;
}

static long ioc_raw(void __user *uarg)
{
	struct p2pmap_test_raw arg;
	struct pci_dev *pdev;
	struct page **pages;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!arg.len || arg.len > SZ_1G || !arg.iterations ||
	    arg.flags & ~(P2PMAP_TEST_RAW_VIA_P2PMAP | P2PMAP_TEST_RAW_DEVICE_WRITES |
			  P2PMAP_TEST_RAW_VIA_SLICE | P2PMAP_TEST_RAW_VIA_REGISTER |
			  P2PMAP_TEST_RAW_VIA_IO) ||
	    hweight32(arg.flags & (P2PMAP_TEST_RAW_VIA_P2PMAP | P2PMAP_TEST_RAW_VIA_SLICE |
				   P2PMAP_TEST_RAW_VIA_REGISTER | P2PMAP_TEST_RAW_VIA_IO)) > 1)
		return -EINVAL;
	pdev = pci_get_domain_bus_and_slot(arg.client.domain, arg.client.bus, arg.client.devfn);
	if (!pdev)
		return -ENODEV;
	pages = kvmalloc_array(DIV_ROUND_UP(offset_in_page(arg.addr) + arg.len, PAGE_SIZE),
			       sizeof(*pages), GFP_KERNEL);
	if (!pages) {
		pci_dev_put(pdev);
		return -ENOMEM;
	}
	arg.result = raw_loop(&pdev->dev, &arg, pages);
	kvfree(pages);
	pci_dev_put(pdev);
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

/*
 * A one-shot mapping in this function's storage: which path took it, its table and summary;
 * then the misuses the API leaves alone: a second unmap, and an unmap of storage that holds
 * nothing (zeroed, or left by a failed map).
 */
static long ioc_io(void __user *uarg)
{
	struct p2pmap_test_io arg;
	struct p2pmap_summary sum;
	struct p2pmap_io io, empty = {};
	struct scatterlist *sg;
	struct pci_dev *pdev;
	unsigned int i;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	pdev = pci_get_domain_bus_and_slot(arg.client.domain, arg.client.bus, arg.client.devfn);
	if (!pdev)
		return -ENODEV;
	memset(&io, 0xa5, sizeof(io));	/* its old contents are ignored */
	arg.result = p2pmap_io_map(&io, &pdev->dev, arg.addr, arg.len, to_dir(arg.dir),
				   arg.map_flags);
	if (!arg.result) {
		arg.fast = !io.map;
		arg.nr_entries = 0;
		arg.dma_len = 0;
		for_each_sgtable_dma_sg(p2pmap_io_sgtable(&io), sg, i) {
			arg.nr_entries++;
			arg.dma_len += sg_dma_len(sg);
		}
		p2pmap_io_summary(&io, &sum);
		arg.bytes_ram = sum.bytes_ram;
		arg.bytes_p2p = sum.bytes_p2p;
		arg.bytes_bounce = sum.bytes_bounce;
		arg.result = p2pmap_io_sync_for_device(&io) ?: p2pmap_io_sync_for_cpu(&io);
		p2pmap_io_unmap(&io, SIZE_MAX);
	}
	p2pmap_io_unmap(&io, SIZE_MAX);		/* again: nothing */
	p2pmap_io_unmap(&empty, SIZE_MAX);	/* never mapped: nothing */
	pci_dev_put(pdev);
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

static long ioc_sgtable(void __user *uarg)
{
	struct p2pmap_test_sgtable arg;
	struct pci_dev *prov, *client;
	struct p2pmap_mapping *map;
	struct p2pmap_summary sum;
	struct scatterlist *sgl;
	struct sg_table sgt = {};
	unsigned int nents;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	prov = pci_get_domain_bus_and_slot(arg.provider.domain, arg.provider.bus,
					   arg.provider.devfn);
	client = pci_get_domain_bus_and_slot(arg.client.domain, arg.client.bus,
					     arg.client.devfn);
	arg.result = -ENODEV;
	if (!prov || !client)
		goto out;
	arg.result = -ENOMEM;
	sgl = pci_p2pmem_alloc_sgl(prov, &nents, arg.len);
	if (!sgl)
		goto out;
	sgt.sgl = sgl;
	sgt.orig_nents = nents;
	sgt.nents = nents;
	if (arg.flags & P2PMAP_TEST_SGTABLE_NOIO) {
		unsigned int noio = memalloc_noio_save();

		map = p2pmap_map_sgtable(&client->dev, &sgt, to_dir(arg.dir), 0);
		memalloc_noio_restore(noio);
	} else {
		map = p2pmap_map_sgtable(&client->dev, &sgt, to_dir(arg.dir), 0);
	}
	if (IS_ERR(map)) {
		arg.result = PTR_ERR(map);
	} else {
		p2pmap_summary(map, &sum);
		arg.result = 0;
		arg.nr_segments = sum.nr_segments;
		arg.bytes[0] = sum.bytes_ram;
		arg.bytes[1] = sum.bytes_p2p;
		arg.bytes[2] = sum.bytes_bounce;
		p2pmap_unmap(map);
	}
	pci_p2pmem_free_sgl(prov, sgl);
out:
	pci_dev_put(prov);
	pci_dev_put(client);
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

static long ioc_memcpy(void __user *uarg)
{
	struct p2pmap_test_memcpy arg;
	unsigned int nr, done = 0, i, p;
	struct page **pages;
	void *ram;
	long ret = 0;
	u64 start;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || !arg.len || arg.len > SZ_256M || !PAGE_ALIGNED(arg.len) ||
	    !PAGE_ALIGNED(arg.addr) || !arg.iterations)
		return -EINVAL;
	nr = arg.len >> PAGE_SHIFT;
	pages = kvmalloc_array(nr, sizeof(*pages), GFP_KERNEL);
	ram = kvmalloc(arg.len, GFP_KERNEL);
	if (!pages || !ram) {
		ret = -ENOMEM;
		goto out;
	}
	while (done < nr) {
		int n = pin_user_pages_fast(arg.addr + ((unsigned long)done << PAGE_SHIFT), nr - done,
					    FOLL_PCI_P2PDMA | FOLL_WRITE, pages + done);

		if (n <= 0) {
			ret = n ?: -EFAULT;
			goto unpin;
		}
		done += n;
	}
	start = ktime_get_ns();
	for (i = 0; i < arg.iterations; i++)
		for (p = 0; p < nr; p++) {
			void *r = ram + ((size_t)p << PAGE_SHIFT), *b = page_address(pages[p]);
			bool dev = is_pci_p2pdma_page(pages[p]);

			if (arg.to_ram && dev)
				p2pmap_iocopy_from_dev(r, b, PAGE_SIZE);
			else if (dev)
				p2pmap_iocopy_to_dev(b, r, PAGE_SIZE);
			else if (arg.to_ram)
				memcpy(r, b, PAGE_SIZE);
			else
				memcpy(b, r, PAGE_SIZE);
		}
	arg.nsec = ktime_get_ns() - start;
unpin:
	unpin_user_pages(pages, done);
out:
	kvfree(ram);
	kvfree(pages);
	if (!ret && copy_to_user(uarg, &arg, sizeof(arg)))
		ret = -EFAULT;
	return ret;
}

static long ioc_decide(void __user *uarg)
{
	struct p2pmap_shadow_choice sh;
	struct p2pmap_test_decide arg;
	struct pci_dev *prov, *client;
	struct p2pmap_request req;
	struct p2pmap_pair *pair;
	long ret = 0;
	unsigned int i;
	u64 start;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!arg.iterations || arg.flags)
		return -EINVAL;
	prov = pci_get_domain_bus_and_slot(arg.provider.domain, arg.provider.bus,
					   arg.provider.devfn);
	client = pci_get_domain_bus_and_slot(arg.client.domain, arg.client.bus, arg.client.devfn);
	if (!prov || !client) {
		ret = -ENODEV;
		goto out;
	}
	req = (struct p2pmap_request){
		.len = arg.len,
		.nr_pages = DIV_ROUND_UP(arg.len, PAGE_SIZE),
		.dir = P2PMAP_DIR_TO_DEVICE,
		.total_len = arg.len,
	};
	start = ktime_get_ns();
	for (i = 0; i < arg.iterations; i++) {
		pair = p2pmap_pair_get(prov, client);
		if (IS_ERR(pair)) {
			ret = PTR_ERR(pair);
			goto out;
		}
		/* As a mapping decides: the shadow policy too, if one is attached. */
		arg.verdict = p2pmap_decide(pair, &req, &arg.reason, &sh, false);
		p2pmap_pair_put(pair);
	}
	arg.nsec = ktime_get_ns() - start;
	if (copy_to_user(uarg, &arg, sizeof(arg)))
		ret = -EFAULT;
out:
	pci_dev_put(client);
	pci_dev_put(prov);
	return ret;
}

static long ioc_peek(void __user *uarg)
{
	struct p2pmap_test_peek arg;
	struct p2pmap_mapping *map;
	struct scatterlist *sg;
	struct pci_dev *pdev;
	unsigned int i;
	long ret = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	pdev = pci_get_domain_bus_and_slot(arg.client.domain, arg.client.bus, arg.client.devfn);
	if (!pdev)
		return -ENODEV;
	arg.nr_pages = 0;
	map = p2pmap_map_user(&pdev->dev, arg.addr, arg.len, to_dir(arg.dir), 0);
	arg.result = PTR_ERR_OR_ZERO(map);
	if (!IS_ERR(map)) {
		for_each_sgtable_sg(p2pmap_sgtable(map), sg, i) {
			/* A bounce chunk is several pages: each of them. */
			unsigned int k, n = DIV_ROUND_UP(sg->offset + sg->length, PAGE_SIZE);

			for (k = 0; k < n && !ret; k++) {
				void __user *dst = u64_to_user_ptr(arg.out +
								   (u64)arg.nr_pages * PAGE_SIZE);

				if ((u64)(arg.nr_pages + 1) * PAGE_SIZE > arg.out_len)
					break;
				if (copy_to_user(dst, page_address(sg_page(sg)) + k * PAGE_SIZE,
						 PAGE_SIZE))
					ret = -EFAULT;
				else
					arg.nr_pages++;
			}
			if (ret || k < n)
				break;
		}
		p2pmap_unmap(map);
	}
	pci_dev_put(pdev);
	if (!ret && copy_to_user(uarg, &arg, sizeof(arg)))
		ret = -EFAULT;
	return ret;
}

static long ioc_boundary(void __user *uarg)
{
	struct p2pmap_test_boundary arg;
	struct pci_dev *pdev;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	pdev = pci_get_domain_bus_and_slot(arg.client.domain, arg.client.bus, arg.client.devfn);
	if (!pdev)
		return -ENODEV;
	if (arg.flags & P2PMAP_TEST_MAX_SEG) {
		arg.old = dma_get_max_seg_size(&pdev->dev);
		dma_set_max_seg_size(&pdev->dev, arg.boundary);
	} else {
		arg.old = dma_get_seg_boundary(&pdev->dev);
		dma_set_seg_boundary(&pdev->dev, arg.boundary);
	}
	pci_dev_put(pdev);
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

static long ioc_alternate(void __user *uarg)
{
	struct p2pmap_test_alternate arg;
	struct pci_dev *prov, *client;
	struct p2pmap_mapping *map;
	struct p2pmap_summary sum;
	struct page *ram = NULL;
	struct scatterlist *sg;
	struct sg_table sgt = {};
	void *p2p = NULL;
	unsigned int i;
	long ret = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!arg.nr || arg.nr > SZ_1M)
		return -EINVAL;
	prov = pci_get_domain_bus_and_slot(arg.provider.domain, arg.provider.bus,
					   arg.provider.devfn);
	client = pci_get_domain_bus_and_slot(arg.client.domain, arg.client.bus, arg.client.devfn);
	if (!prov || !client) {
		ret = -ENODEV;
		goto out;
	}
	ram = alloc_page(GFP_KERNEL | __GFP_ZERO);
	p2p = pci_alloc_p2pmem(prov, PAGE_SIZE);
	if (!ram || !p2p) {
		ret = -ENOMEM;
		goto out;
	}
	ret = sg_alloc_table(&sgt, 2 * arg.nr, GFP_KERNEL);
	if (ret)
		goto out;
	for_each_sgtable_sg(&sgt, sg, i) {
		unsigned int off = (i / 2 * 64) % PAGE_SIZE;

		sg_set_page(sg, i % 2 ? virt_to_page(p2p) : ram, 64, off);
	}
	map = p2pmap_map_sgtable(&client->dev, &sgt, DMA_TO_DEVICE, 0);
	arg.result = PTR_ERR_OR_ZERO(map);
	arg.nr_segments = 0;
	if (!IS_ERR(map)) {
		p2pmap_summary(map, &sum);
		arg.nr_segments = sum.nr_segments;
		p2pmap_unmap(map);
	}
	sg_free_table(&sgt);
out:
	if (p2p)
		pci_free_p2pmem(prov, p2p, PAGE_SIZE);
	if (ram)
		__free_page(ram);
	pci_dev_put(client);
	pci_dev_put(prov);
	if (!ret && copy_to_user(uarg, &arg, sizeof(arg)))
		ret = -EFAULT;
	return ret;
}

/* Copy [@pos, @pos + @len) of a mapping's table, in buffer order, to or from user memory. */
static int table_copy(struct sg_table *sgt, void __user *ubuf, u64 len, bool to_user)
{
	struct scatterlist *sg;
	unsigned int i;
	u64 pos = 0;

	for_each_sgtable_sg(sgt, sg, i) {
		void *k = page_address(sg_page(sg)) + sg->offset;
		unsigned int n = min_t(u64, sg->length, len - pos);

		if (is_pci_p2pdma_page(sg_page(sg)))
			return -EXDEV;	/* not bounced: device memory, not for memcpy */
		if (to_user ? copy_to_user(ubuf + pos, k, n) : copy_from_user(k, ubuf + pos, n))
			return -EFAULT;
		pos += n;
		if (pos == len)
			break;
	}
	return 0;
}

static long ioc_bounce(void __user *uarg)
{
	struct p2pmap_test_bounce arg;
	struct p2pmap_mapping *map;
	struct pci_dev *pdev;
	long ret = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~P2PMAP_TEST_BOUNCE_WRITTEN || !arg.len || arg.len > SZ_64M)
		return -EINVAL;
	pdev = pci_get_domain_bus_and_slot(arg.client.domain, arg.client.bus, arg.client.devfn);
	if (!pdev)
		return -ENODEV;
	map = p2pmap_map_user(&pdev->dev, arg.addr, arg.len, to_dir(arg.dir), arg.map_flags);
	arg.result = PTR_ERR_OR_ZERO(map);
	if (!IS_ERR(map)) {
		struct sg_table *sgt = p2pmap_sgtable(map);

		arg.nr_entries = sgt->nents;	/* DMA segments */
		if (arg.out)
			arg.result = table_copy(sgt, u64_to_user_ptr(arg.out), arg.len, true);
		if (!arg.result && arg.in)
			arg.result = table_copy(sgt, u64_to_user_ptr(arg.in), arg.len, false);
		ret = arg.flags & P2PMAP_TEST_BOUNCE_WRITTEN ?
		      p2pmap_unmap_written(map, arg.written) : p2pmap_unmap(map);
		arg.result = arg.result ?: ret;
		ret = 0;
	}
	pci_dev_put(pdev);
	if (copy_to_user(uarg, &arg, sizeof(arg)))
		ret = -EFAULT;
	return ret;
}

/* Two driver mappings held at once: whether the overlap rule refuses the second. */
static long ioc_overlap(void __user *uarg)
{
	struct p2pmap_mapping *m1, *m2 = NULL;
	struct p2pmap_test_overlap arg;
	struct pci_dev *pdev;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	pdev = pci_get_domain_bus_and_slot(arg.client.domain, arg.client.bus, arg.client.devfn);
	if (!pdev)
		return -ENODEV;
	m1 = p2pmap_map_user(&pdev->dev, arg.addr, arg.len, to_dir(arg.dir), 0);
	arg.result = PTR_ERR_OR_ZERO(m1);
	arg.result2 = 1;
	if (!IS_ERR(m1)) {
		m2 = p2pmap_map_user(&pdev->dev, arg.addr2, arg.len2, to_dir(arg.dir), 0);
		arg.result2 = PTR_ERR_OR_ZERO(m2);
		if (!IS_ERR(m2))
			p2pmap_unmap(m2);
		p2pmap_unmap(m1);
	}
	pci_dev_put(pdev);
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

static long test_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	switch (cmd) {
	case P2PMAP_TEST_IOC_IO:
		return ioc_io((void __user *)arg);
	case P2PMAP_TEST_IOC_RAW:
		return ioc_raw((void __user *)arg);
	case P2PMAP_TEST_IOC_SGTABLE:
		return ioc_sgtable((void __user *)arg);
	case P2PMAP_TEST_IOC_DECIDE:
		return ioc_decide((void __user *)arg);
	case P2PMAP_TEST_IOC_MEMCPY:
		return ioc_memcpy((void __user *)arg);
	case P2PMAP_TEST_IOC_PEEK:
		return ioc_peek((void __user *)arg);
	case P2PMAP_TEST_IOC_BOUNDARY:
		return ioc_boundary((void __user *)arg);
	case P2PMAP_TEST_IOC_ALTERNATE:
		return ioc_alternate((void __user *)arg);
	case P2PMAP_TEST_IOC_BOUNCE:
		return ioc_bounce((void __user *)arg);
	case P2PMAP_TEST_IOC_OVERLAP:
		return ioc_overlap((void __user *)arg);
	}
	return -ENOTTY;
}

static const struct file_operations test_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= test_ioctl,
};

static struct miscdevice test_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "p2pmap-test",
	.fops	= &test_fops,
	.mode	= 0600,
};

module_misc_device(test_misc);
MODULE_DESCRIPTION("p2pmap test helpers (not for production)");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(P2PMAP_NS);
