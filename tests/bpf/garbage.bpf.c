// SPDX-License-Identifier: GPL-2.0-only
/* Test policy: returns a verdict that does not exist; records init() and exit(). */
#include "p2pmap.bpf.h"

__u32 bad_verdict = 42;
__u32 inits;
__u32 exit_kind;
__u64 exit_errors;
__u64 calls;

__u32 P2PMAP_OP(garbage_decide, const struct p2pmap_policy_ctx *d)
{
	__sync_fetch_and_add(&calls, 1);
	return bad_verdict;
}

s32 P2PMAP_OP(garbage_init)
{
	inits++;
	return 0;
}

void P2PMAP_OP(garbage_exit, const struct p2pmap_policy_exit_info *info)
{
	exit_kind = info->kind;
	exit_errors = info->errors;
}

P2PMAP_POLICY(garbage, .decide = (void *)garbage_decide, .init = (void *)garbage_init,
	      .exit = (void *)garbage_exit);

char _license[] SEC("license") = "GPL";
