// SPDX-License-Identifier: GPL-2.0-only
/*
 * topology - the built-in rule, written out as a policy.
 *
 * P2P wherever the kernel's topology check (pci_p2pdma_distance()) allows the pair: the two
 * devices share an upstream switch without ACS redirect, or sit below a host bridge the kernel
 * trusts to route peer-to-peer traffic, or the operator enabled a verified override for the
 * pair. Every other pair bounces through system RAM. The result
 * is what p2pmap does with no policy, except that the decisions are recorded as the policy's
 * (reason "policy"): a starting point to copy, and a check that the policy path itself works.
 */
#include "p2pmap.bpf.h"

u32 P2PMAP_OP(topology_decide, const struct p2pmap_policy_ctx *d)
{
	switch (d->path.kernel_verdict) {
	case P2PMAP_KV_BUS_ADDR:	/* common upstream switch: PCI bus addresses */
	case P2PMAP_KV_HOST_BRIDGE:	/* through a whitelisted host bridge */
		return P2P;
	default:			/* P2PMAP_KV_NOT_SUPPORTED */
		return d->override ? P2P : BOUNCE;	/* a verified override in force */
	}
}

/* The path and the override alone decide: pure, so p2pmap caches its answer per pair. */
P2PMAP_POLICY(topology, .decide = (void *)topology_decide, .flags = P2PMAP_POLICY_PURE);

char _license[] SEC("license") = "GPL";
