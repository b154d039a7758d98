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

/* A constant: pure, so p2pmap asks it once per pair and input (P2PMAP_POLICY_PURE). */
P2PMAP_POLICY(bounce_all, .decide = (void *)bounce_all_decide, .flags = P2PMAP_POLICY_PURE);

char _license[] SEC("license") = "GPL";
