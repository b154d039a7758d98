// SPDX-License-Identifier: GPL-2.0-only
/* Must not attach: init() refuses with -EINVAL. */
#include "p2pmap.bpf.h"

u32 P2PMAP_OP(init_fail_decide, const struct p2pmap_policy_ctx *d)
{
	return BOUNCE;
}

s32 P2PMAP_OP(init_fail_init)
{
	return -22;
}

P2PMAP_POLICY(init_fail, .decide = (void *)init_fail_decide, .init = (void *)init_fail_init);

char _license[] SEC("license") = "GPL";
