// SPDX-License-Identifier: GPL-2.0-only
/* Must not load: a policy name with characters outside [A-Za-z0-9_.-]. */
#include "p2pmap.bpf.h"

u32 P2PMAP_OP(bad_name_decide, const struct p2pmap_policy_ctx *d)
{
	return BOUNCE;
}

SEC(".struct_ops.link")
struct p2pmap_policy_ops bad_name = {
	.decide = (void *)bad_name_decide,
	.name = "bad name/with slash",
};

char _license[] SEC("license") = "GPL";
