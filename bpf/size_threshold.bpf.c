// SPDX-License-Identifier: GPL-2.0-only
/*
 * size_threshold - bounce small transfers, go peer to peer for large ones.
 *
 * Copying a few KiB through the CPU costs less than the P2P setup on many systems (IOTLB
 * misses, the peer's BAR through a switch, posted-write ordering), and large transfers gain
 * most from P2P. So a provider's part of a mapping below min_p2p_bytes bounces; at or above it
 * the built-in rule applies (P2P where the kernel allows it, bounce elsewhere).
 *
 * min_p2p_bytes is tunable while the policy is attached: it lives in the object's .data map
 * ("size_thr.data"), which p2ppolicy or a libbpf skeleton writes, or bpftool:
 *	bpftool map update name size_thr.data key 0 0 0 0 value <8 bytes, little endian>
 */
#include "p2pmap.bpf.h"

__u64 min_p2p_bytes = 64 * 1024;

u32 P2PMAP_OP(size_threshold_decide, const struct p2pmap_policy_ctx *d)
{
	if (d->req.len < min_p2p_bytes)
		return BOUNCE;
	return p2pmap_p2p_if_allowed(d);
}

P2PMAP_POLICY(size_threshold, .decide = (void *)size_threshold_decide);

char _license[] SEC("license") = "GPL";
