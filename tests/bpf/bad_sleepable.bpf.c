// SPDX-License-Identifier: GPL-2.0-only
/* Must not load: decide() runs under RCU and must not be sleepable. */
#include "p2pmap.bpf.h"

SEC("struct_ops.s/bad_sleepable_decide")
u32 BPF_PROG(bad_sleepable_decide, const struct p2pmap_policy_ctx *d)
{
	return BOUNCE;
}

P2PMAP_POLICY(bad_sleepable, .decide = (void *)bad_sleepable_decide);

char _license[] SEC("license") = "GPL";
