// SPDX-License-Identifier: GPL-2.0-only
/* Must not load: writes the read-only context. */
#include "p2pmap.bpf.h"

u32 P2PMAP_OP(bad_write_ctx_decide, const struct p2pmap_policy_ctx *d)
{
	((struct p2pmap_policy_ctx *)d)->req.len = 0;
	return BOUNCE;
}

P2PMAP_POLICY(bad_write_ctx, .decide = (void *)bad_write_ctx_decide);

char _license[] SEC("license") = "GPL";
