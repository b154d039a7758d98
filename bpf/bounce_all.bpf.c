// SPDX-License-Identifier: GPL-2.0-only
/*
 * bounce_all - never peer to peer: every P2P page is copied through system RAM.
 *
 * For debugging a device pairing suspected of corrupting P2P traffic, for comparing the two
 * paths on the same workload, or for machines whose switches are known to misroute P2P TLPs.
 * RAM pages are not affected: only the pages of P2P providers are bounced.
 */
#include "p2pmap.bpf.h"

u32 P2PMAP_OP(bounce_all_decide, const struct p2pmap_policy_ctx *d)
{
	return BOUNCE;
}

P2PMAP_POLICY(bounce_all, .decide = (void *)bounce_all_decide);

char _license[] SEC("license") = "GPL";
