// SPDX-License-Identifier: GPL-2.0-only
/* The shipped policies, embedded in p2ppolicy through their libbpf skeletons. */
#include <stddef.h>

#include "policy.h"
#include "util.h"

#include "topology.skel.h"
#include "bounce_all.skel.h"
#include "size_threshold.skel.h"
#include "rules.skel.h"
#include "numa_local.skel.h"

const struct shipped_policy shipped_policies[] = {
	{ "topology", "the built-in rule as a policy: P2P wherever the kernel allows it",
	  topology_bpf__elf_bytes },
	{ "bounce_all", "never P2P: every P2P page is copied through system RAM",
	  bounce_all_bpf__elf_bytes },
	{ "size_threshold", "bounce requests below min_p2p_bytes (tunable), P2P above",
	  size_threshold_bpf__elf_bytes },
	{ "rules", "per-device and per-pair rules with size ranges (p2ppolicy rules, config)",
	  rules_bpf__elf_bytes },
	{ "numa_local", "P2P only between devices on the same NUMA node",
	  numa_local_bpf__elf_bytes },
};
const size_t nr_shipped_policies = ARRAY_SIZE(shipped_policies);
