// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2pmap: P2P-aware GUP and dual-path DMA mapping, with per-pair decisions.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "internal.h"

/*
 * A mapping counts its pages, and the entries of its tables, in unsigned int: with a page
 * more for an unaligned buffer and one bounce entry per page, 2 * pages + 2 must fit. The
 * setter refuses 0 and anything above this with EINVAL and keeps the old value.
 */
#define P2PMAP_MAX_MAP_BYTES_LIMIT	((unsigned long)(INT_MAX / 2) << PAGE_SHIFT)

unsigned long p2pmap_max_map_bytes = 1UL << 30;

static int max_map_bytes_set(const char *val, const struct kernel_param *kp)
{
	unsigned long v;
	int ret;

	ret = kstrtoul(val, 0, &v);
	if (ret)
		return ret;
	if (!v || v > P2PMAP_MAX_MAP_BYTES_LIMIT)
		return -EINVAL;
	WRITE_ONCE(p2pmap_max_map_bytes, v);
	return 0;
}

static const struct kernel_param_ops max_map_bytes_ops = {
	.set = max_map_bytes_set,
	.get = param_get_ulong,
};

module_param_cb(max_map_bytes, &max_map_bytes_ops, &p2pmap_max_map_bytes, 0644);
MODULE_PARM_DESC(max_map_bytes,
		 "Largest buffer one mapping may cover, 1 .. 4 TiB with 4 KiB pages (default 1 GiB)");

unsigned int p2pmap_max_mappings_per_file = 4096;
module_param_named(max_mappings_per_file, p2pmap_max_mappings_per_file, uint, 0644);
MODULE_PARM_DESC(max_mappings_per_file,
		 "Live mappings one open /dev/p2pmap may hold; more is EMFILE (default 4096)");

static int __init p2pmap_init(void)
{
	int ret;

	ret = p2pmap_bounce_init();
	if (ret)
		return ret;
	ret = p2pmap_pair_init();
	if (ret)
		goto err_bounce;
	ret = p2pmap_sysfs_init();
	if (ret)
		goto err_pair;
	ret = p2pmap_cdev_init();
	if (ret)
		goto err_sysfs;
	ret = p2pmap_policy_init();
	if (ret)
		goto err_cdev;
	pr_info("version %s loaded\n", P2PMAP_VERSION);
	return 0;

err_cdev:
	p2pmap_cdev_exit();
err_sysfs:
	p2pmap_sysfs_exit();
err_pair:
	p2pmap_pair_exit();
err_bounce:
	p2pmap_bounce_exit();
	return ret;
}

static void __exit p2pmap_exit(void)
{
	p2pmap_policy_exit();
	p2pmap_cdev_exit();
	p2pmap_sysfs_exit();
	p2pmap_pair_exit();
	p2pmap_bounce_exit();
}

module_init(p2pmap_init);
module_exit(p2pmap_exit);

MODULE_DESCRIPTION("P2P-aware GUP and dual-path DMA mapping with BPF policies");
MODULE_AUTHOR("The p2pmap authors");
MODULE_LICENSE("GPL");
MODULE_VERSION(P2PMAP_VERSION);
