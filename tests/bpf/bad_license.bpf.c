// SPDX-License-Identifier: GPL-2.0-only
/* Must not load: struct_ops programs need a GPL-compatible license. */
#include "p2pmap.bpf.h"

u32 P2PMAP_OP(bad_license_decide, const struct p2pmap_policy_ctx *d)
{
	return BOUNCE;
}

P2PMAP_POLICY(bad_license, .decide = (void *)bad_license_decide);

char _license[] SEC("license") = "Proprietary";
