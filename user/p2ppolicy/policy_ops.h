/* SPDX-License-Identifier: GPL-2.0-only */
/* A policy object's struct p2pmap_policy_ops data, edited before load (p2ppolicy and the tests). */
#ifndef P2PPOLICY_POLICY_OPS_H
#define P2PPOLICY_POLICY_OPS_H

#include <bpf/libbpf.h>

/*
 * OR @flags (P2PMAP_POLICY_*) into the flags of @ops, a struct_ops map of @obj not loaded
 * yet, found by name in the object's BTF, so that it works for any policy object.
 * Return: 0, -ENOENT (no struct p2pmap_policy_ops in @obj), -EINVAL (it has no flags).
 */
int policy_ops_add_flags(struct bpf_object *obj, struct bpf_map *ops, __u32 flags);

#endif /* P2PPOLICY_POLICY_OPS_H */
