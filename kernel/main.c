// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2pmap: P2P-aware GUP and dual-path DMA mapping, with per-pair decisions.
 */
#include <linux/module.h>

#include "client.h"

/**
 * p2pmap_param_set_ulong() - set an unsigned long module parameter within bounds
 * @val: the value written
 * @kp: the parameter (its arg points to the unsigned long)
 * @min: smallest value accepted
 * @max: largest value accepted
 *
 * The unsigned long counterpart of param_set_uint_minmax(), for the setters of
 * module_param_cb().
 *
 * Return: 0, -EINVAL for a value out of bounds, or kstrtoul()'s error; the old value stays
 * on error.
 */
int p2pmap_param_set_ulong(const char *val, const struct kernel_param *kp,
			   unsigned long min, unsigned long max)
{
	unsigned long v;
	int ret;

	ret = kstrtoul(val, 0, &v);
	if (ret)
		return ret;
	if (v < min || v > max)
		return -EINVAL;
	WRITE_ONCE(*(unsigned long *)kp->arg, v);
	return 0;
}

static int __init p2pmap_init(void)
{
	int ret;

	p2pmap_stats_init();
	p2pmap_reach_init();
	ret = p2pmap_map_init();
	if (ret)
		return ret;
	ret = p2pmap_bounce_init();
	if (ret)
		goto err_map;
	ret = p2pmap_pair_init();
	if (ret)
		goto err_bounce;
	ret = p2pmap_sysfs_init();
	if (ret)
		goto err_pair;
	ret = p2pmap_watch_init();
	if (ret)
		goto err_sysfs;
	ret = p2pmap_cdev_init();
	if (ret)
		goto err_watch;
	ret = p2pmap_policy_init();
	if (ret)
		goto err_cdev;
	pr_info("version %s loaded\n", P2PMAP_VERSION);
	return 0;

err_cdev:
	p2pmap_cdev_exit();
err_watch:
	p2pmap_watch_exit();
	p2pmap_client_exit();
err_sysfs:
	p2pmap_sysfs_exit();
err_pair:
	p2pmap_pair_exit();
err_bounce:
	p2pmap_bounce_exit();
err_map:
	p2pmap_map_exit();
	return ret;
}

static void __exit p2pmap_exit(void)
{
	p2pmap_policy_exit();
	p2pmap_cdev_exit();
	p2pmap_watch_exit();
	p2pmap_client_exit();
	p2pmap_sysfs_exit();
	p2pmap_pair_exit();
	p2pmap_bounce_exit();
	p2pmap_map_exit();
}

module_init(p2pmap_init);
module_exit(p2pmap_exit);

MODULE_DESCRIPTION("P2P-aware GUP and dual-path DMA mapping with BPF policies");
MODULE_AUTHOR("The p2pmap authors");
MODULE_LICENSE("GPL");
MODULE_VERSION(P2PMAP_VERSION);
