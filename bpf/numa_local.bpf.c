// SPDX-License-Identifier: GPL-2.0-only
/*
 * numa_local - peer to peer only between devices on the same NUMA node.
 *
 * P2P traffic between devices on different sockets crosses the inter-socket link, where many
 * platforms forward it slowly or not at all, while a bounce through RAM local to each device
 * stays on fast paths. So a pair goes P2P only when both devices report the same NUMA node
 * and the kernel allows the pair; everything else bounces.
 *
 * A device with no NUMA node (-1: firmware did not say, typical of single-node machines)
 * counts as local to every node, so on such machines this is the built-in rule.
 */
#include "p2pmap.bpf.h"

u32 P2PMAP_OP(numa_local_decide, const struct p2pmap_policy_ctx *d)
{
	s32 p = d->provider.numa_node, c = d->client.numa_node;

	if (p >= 0 && c >= 0 && p != c)
		return BOUNCE;
	return p2pmap_p2p_if_allowed(d);
}

P2PMAP_POLICY(numa_local, .decide = (void *)numa_local_decide);

char _license[] SEC("license") = "GPL";
