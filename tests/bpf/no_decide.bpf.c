// SPDX-License-Identifier: GPL-2.0-only
/* Must not load: decide() is required. */
#include "p2pmap.bpf.h"

s32 P2PMAP_OP(no_decide_init)
{
	return 0;
}

P2PMAP_POLICY(no_decide, .init = (void *)no_decide_init);

char _license[] SEC("license") = "GPL";
