// SPDX-License-Identifier: GPL-2.0-only
/* Must not load: p2pmap_verdict_holds() outside decide(), here from exit(). */
#include "p2pmap.bpf.h"

u32 P2PMAP_OP(bad_holds_decide, const struct p2pmap_policy_ctx *d)
{
	return d->builtin_verdict;
}

void P2PMAP_OP(bad_holds_exit, const struct p2pmap_policy_exit_info *info)
{
	struct p2pmap_policy_ctx c = {};

	p2pmap_verdict_holds(&c, 0, ~0ULL);
}

P2PMAP_POLICY(bad_holds, .decide = (void *)bad_holds_decide, .exit = (void *)bad_holds_exit);

char _license[] SEC("license") = "GPL";
