// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test policy: P2P for every pair, reachable or not. p2pmap must demote the refused ones.
 * init() and exit() record when they ran, so a test can see their order when one instance
 * replaces another.
 */
#include "p2pmap.bpf.h"

__u32 exit_kind;
__u64 exit_errors;
__u64 init_ns, exit_ns;

__u32 P2PMAP_OP(force_p2p_decide, const struct p2pmap_policy_ctx *d)
{
	return P2P;
}

s32 P2PMAP_OP(force_p2p_init)
{
	init_ns = bpf_ktime_get_ns();
	return 0;
}

void P2PMAP_OP(force_p2p_exit, const struct p2pmap_policy_exit_info *info)
{
	exit_kind = info->kind;
	exit_errors = info->errors;
	exit_ns = bpf_ktime_get_ns();
}

P2PMAP_POLICY(force_p2p, .decide = (void *)force_p2p_decide, .init = (void *)force_p2p_init,
	      .exit = (void *)force_p2p_exit);

char _license[] SEC("license") = "GPL";
