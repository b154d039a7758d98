// SPDX-License-Identifier: GPL-2.0-only
/* Must not load: reads past the end of the context. */
#include "p2pmap.bpf.h"

u32 P2PMAP_OP(bad_oob_decide, const struct p2pmap_policy_ctx *d)
{
	return ((const u64 *)d)[512] ? P2P : BOUNCE;
}

P2PMAP_POLICY(bad_oob, .decide = (void *)bad_oob_decide);

char _license[] SEC("license") = "GPL";
