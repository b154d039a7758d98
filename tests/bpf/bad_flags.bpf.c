// SPDX-License-Identifier: GPL-2.0-only
/* Must not load: a flag the module does not know. */
#include "p2pmap.bpf.h"

u32 P2PMAP_OP(bad_flags_decide, const struct p2pmap_policy_ctx *d)
{
	return BOUNCE;
}

P2PMAP_POLICY(bad_flags, .decide = (void *)bad_flags_decide, .flags = 0x80);

char _license[] SEC("license") = "GPL";
