// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shipped policies, embedded in p2ppolicy through their libbpf skeletons. Which ones:
 * bpf/policies.mk, the one list, from which the Makefile generates shipped_list.h (the
 * skeletons' includes and P2PMAP_SHIPPED()). What each does is said here: a listed policy
 * without its DESC_<name> does not compile.
 */
#include <stddef.h>

#include "policy.h"
#include "util.h"

#include "shipped_list.h"

#define DESC_topology "the built-in rule as a policy: P2P wherever the kernel allows it"
#define DESC_bounce_all "never P2P: every P2P page is copied through system RAM"
#define DESC_size_threshold "bounce requests below min_p2p_bytes (tunable), P2P above"
#define DESC_rules "per-device and per-pair rules with size ranges (p2ppolicy rules, config)"
#define DESC_numa_local "P2P only between devices on the same NUMA node"

#define SHIPPED_ENTRY(name) { #name, DESC_##name, name##_bpf__elf_bytes },
const struct shipped_policy shipped_policies[] = { P2PMAP_SHIPPED(SHIPPED_ENTRY) };
const size_t nr_shipped_policies = ARRAY_SIZE(shipped_policies);
