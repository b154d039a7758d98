// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2pmap: P2P-aware GUP and dual-path DMA mapping, with per-pair decisions.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "internal.h"

unsigned long p2pmap_max_map_bytes = 1UL << 30;
module_param_named(max_map_bytes, p2pmap_max_map_bytes, ulong, 0644);
MODULE_PARM_DESC(max_map_bytes, "Largest buffer one mapping may cover (default 1 GiB)");

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
