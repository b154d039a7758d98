// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2pmap_slow: makes p2pmap's bounce copies as slow as CPU access to a GPU BAR (about
 * 1.5 MB/s with plain loads), for the safety tests: the lab's emulated CMBs copy far faster
 * than real device memory, so a copy that never yields would go unseen there.
 *
 * A kprobe on each copy callback spins before every bounced piece it copies, us_per_kib for
 * each KiB of the piece (a piece is at most one bounce chunk, 64 KiB). The spin runs with
 * preemption off, as a slow non-posted read does; p2pmap itself must reschedule between
 * pieces, and must not call the callbacks for pieces it no longer copies.
 */
#include <linux/delay.h>
#include <linux/kprobes.h>
#include <linux/module.h>

#include "../../kernel/internal.h"
#include "../../kernel/mapping.h"

static unsigned int us_per_kib;
module_param(us_per_kib, uint, 0644);
MODULE_PARM_DESC(us_per_kib, "Spin this long per KiB of each bounced piece p2pmap copies (640: 1.6 MB/s; default 0)");

static void spin(unsigned long len)
{
	unsigned long us = (len * READ_ONCE(us_per_kib)) >> 10;

	for (; us > 1000; us -= 1000)
		mdelay(1);
	udelay(us);
}

/*
 * p2pmap_bounce_fill(map, page, off, len): always a bounced piece, read from the buffer but
 * for a P2PMAP_MAP_DEVICE_WRITES mapping, whose chunk is only zeroed (RAM, at RAM's speed).
 */
static int fill_pre(struct kprobe *kp, struct pt_regs *regs)
{
	const struct p2pmap_mapping *map = (void *)regs_get_kernel_argument(regs, 0);

	if (!map->device_writes)
		spin(regs_get_kernel_argument(regs, 3));
	return 0;
}

/* p2pmap_bounce_copy_in/out(map, dsg, page, off, len, bounced): every piece of the table. */
static int copy_pre(struct kprobe *kp, struct pt_regs *regs)
{
	if (regs_get_kernel_argument(regs, 5) & 0xff)
		spin(regs_get_kernel_argument(regs, 4));
	return 0;
}

/* The map-time copy in, SYNC_FOR_DEVICE's copy in, and every copy back. */
static struct kprobe probes[] = {
	{ .symbol_name = "p2pmap_bounce_fill", .pre_handler = fill_pre },
	{ .symbol_name = "p2pmap_bounce_copy_in", .pre_handler = copy_pre },
	{ .symbol_name = "p2pmap_bounce_copy_out", .pre_handler = copy_pre },
};

static struct kprobe *probe_list[ARRAY_SIZE(probes)];

static int __init slow_init(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(probes); i++)
		probe_list[i] = &probes[i];
	return register_kprobes(probe_list, ARRAY_SIZE(probes));
}

static void __exit slow_exit(void)
{
	unregister_kprobes(probe_list, ARRAY_SIZE(probes));
}

module_init(slow_init);
module_exit(slow_exit);
MODULE_DESCRIPTION("Slows p2pmap's bounce copies to device-memory speed, for the lab's safety tests");
MODULE_LICENSE("GPL");
