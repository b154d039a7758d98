// SPDX-License-Identifier: GPL-2.0-only
/*
 * holds_copy - a decide() that says its answer holds for every length, but of a copy of its
 * context on the stack: p2pmap must ignore that (and write nothing past the copy), so the
 * policy is asked every time. @calls counts the times it was asked.
 */
#include "p2pmap.bpf.h"

__u32 calls;

u32 P2PMAP_OP(holds_copy_decide, const struct p2pmap_policy_ctx *d)
{
	struct p2pmap_policy_ctx c = *d;

	__sync_fetch_and_add(&calls, 1);
	p2pmap_verdict_holds(&c, 0, ~0ULL);
	return BOUNCE;
}

P2PMAP_POLICY(holds_copy, .decide = (void *)holds_copy_decide);

char _license[] SEC("license") = "GPL";
