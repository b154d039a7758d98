// SPDX-License-Identifier: GPL-2.0-only
/*
 * pure_sized - a pure policy (P2PMAP_POLICY_PURE) whose answer depends on the size class and
 * the direction: P2P for 64 KiB and up, or whatever the device writes; small_verdict for the
 * rest. small_verdict is .rodata, fixed at load. @calls counts the times p2pmap asked it, so
 * a test sees which decisions came from the verdict cache.
 */
#include "p2pmap.bpf.h"

const volatile __u32 small_verdict = BOUNCE;
__u32 calls;

u32 P2PMAP_OP(pure_sized_decide, const struct p2pmap_policy_ctx *d)
{
	__sync_fetch_and_add(&calls, 1);
	if (d->req.len >= 64 * 1024 || d->req.dir == P2PMAP_DIR_FROM_DEVICE)
		return P2P;
	return small_verdict;
}

P2PMAP_POLICY(pure_sized, .decide = (void *)pure_sized_decide, .flags = P2PMAP_POLICY_PURE);

char _license[] SEC("license") = "GPL";
