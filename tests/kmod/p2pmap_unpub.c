// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2pmap_unpub: a P2PDMA provider that does not publish its memory (tests only).
 *
 * Binds to QEMU's ivshmem-plain device (1af4:1110) and registers its memory BAR (BAR 2) with
 * pci_p2pdma_add_resource(), without pci_p2pmem_publish(): what a driver does that keeps its
 * P2P memory to itself. p2pmap counts such a device as a provider (p2pmap_is_provider()),
 * since pci_has_p2pmem() is not exported from 6.18 on and the published flag says nothing
 * about whether a page is P2P memory.
 *
 * The memory still appears in /sys/bus/pci/devices/.../p2pmem/allocate, so the lab's tests
 * map it from user space. Writing a client's PCI address ("0000:04:00.0") to the device's
 * attribute p2pmap_selftest maps 64 KiB of pci_alloc_p2pmem() memory for that client with
 * p2pmap_map_sgtable(), the path of an in-kernel caller, and reading it back tells what
 * p2pmap made of it: "p2p=N bounce=N ram=N segments=N", or "error -ERRNO".
 */
#include <linux/device.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>

#include "../../include/p2pmap.h"

#define UNPUB_BAR	2
#define SELFTEST_LEN	SZ_64K

struct unpub {
	struct mutex lock;	/* result */
	char result[96];
};

static void selftest(struct pci_dev *prov, struct pci_dev *client, struct unpub *u)
{
	struct p2pmap_mapping *map;
	struct p2pmap_summary sum;
	struct scatterlist *sgl;
	struct sg_table sgt = { };
	unsigned int nents;

	sgl = pci_p2pmem_alloc_sgl(prov, &nents, SELFTEST_LEN);
	if (!sgl) {
		scnprintf(u->result, sizeof(u->result), "error %d\n", -ENOMEM);
		return;
	}
	sgt.sgl = sgl;
	sgt.nents = nents;
	sgt.orig_nents = nents;
	map = p2pmap_map_sgtable(&client->dev, &sgt, DMA_TO_DEVICE, 0);
	if (IS_ERR(map)) {
		scnprintf(u->result, sizeof(u->result), "error %ld\n", PTR_ERR(map));
	} else {
		p2pmap_summary(map, &sum);
		scnprintf(u->result, sizeof(u->result), "p2p=%llu bounce=%llu ram=%llu segments=%u\n",
			  sum.bytes_p2p, sum.bytes_bounce, sum.bytes_ram, sum.nr_segments);
		p2pmap_unmap(map);
	}
	pci_p2pmem_free_sgl(prov, sgl);
}

static ssize_t p2pmap_selftest_store(struct device *dev, struct device_attribute *attr,
				     const char *buf, size_t count)
{
	struct pci_dev *prov = to_pci_dev(dev), *client;
	struct unpub *u = pci_get_drvdata(prov);
	unsigned int dom, bus, slot, fn;

	if (sscanf(buf, "%x:%x:%x.%x", &dom, &bus, &slot, &fn) != 4)
		return -EINVAL;
	client = pci_get_domain_bus_and_slot(dom, bus, PCI_DEVFN(slot, fn));
	if (!client)
		return -ENODEV;
	mutex_lock(&u->lock);
	selftest(prov, client, u);
	mutex_unlock(&u->lock);
	pci_dev_put(client);
	return count;
}

static ssize_t p2pmap_selftest_show(struct device *dev, struct device_attribute *attr,
				    char *buf)
{
	struct unpub *u = pci_get_drvdata(to_pci_dev(dev));
	ssize_t ret;

	mutex_lock(&u->lock);
	ret = sysfs_emit(buf, "%s", u->result);
	mutex_unlock(&u->lock);
	return ret;
}
static DEVICE_ATTR_RW(p2pmap_selftest);

static struct attribute *unpub_attrs[] = {
	&dev_attr_p2pmap_selftest.attr,
	NULL
};
ATTRIBUTE_GROUPS(unpub);

static int unpub_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct unpub *u;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	u = devm_kzalloc(&pdev->dev, sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	ret = devm_mutex_init(&pdev->dev, &u->lock);
	if (ret)
		return ret;
	strscpy(u->result, "none\n");
	pci_set_drvdata(pdev, u);
	/* Registered, never published. */
	ret = pci_p2pdma_add_resource(pdev, UNPUB_BAR, 0, 0);
	if (ret)
		return dev_err_probe(&pdev->dev, ret, "pci_p2pdma_add_resource(BAR %d)\n", UNPUB_BAR);
	pci_info(pdev, "BAR %d registered as P2PDMA memory, not published\n", UNPUB_BAR);
	return 0;
}

/*
 * The PCI driver skeleton is samples/p2pmap_edu's. No MODULE_DEVICE_TABLE: the lab loads this
 * test module by path, and nothing should autoload it for an ivshmem device.
 */
static const struct pci_device_id unpub_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1110) },	/* ivshmem */
	{ }
};

static struct pci_driver unpub_driver = {
	.name		= KBUILD_MODNAME,
	.id_table	= unpub_ids,
	.probe		= unpub_probe,
	.dev_groups	= unpub_groups,
};
module_pci_driver(unpub_driver);

MODULE_DESCRIPTION("p2pmap test: a P2PDMA provider that does not publish its memory");
MODULE_LICENSE("GPL");
