// SPDX-License-Identifier: GPL-2.0-only
/* A policy object's struct p2pmap_policy_ops data, edited before load. */
#include <errno.h>
#include <string.h>

#include <bpf/btf.h>

#include "policy_ops.h"

int policy_ops_add_flags(struct bpf_object *obj, struct bpf_map *ops, __u32 flags)
{
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_member *m;
	const struct btf_type *t;
	size_t size;
	char *data = bpf_map__initial_value(ops, &size);
	__s32 id = btf ? btf__find_by_name_kind(btf, "p2pmap_policy_ops", BTF_KIND_STRUCT) : -1;
	int i;

	if (!data || id < 0)
		return -ENOENT;
	t = btf__type_by_id(btf, id);
	for (i = 0, m = btf_members(t); i < btf_vlen(t); i++, m++) {
		__u32 off = btf_member_bit_offset(t, i) / 8;

		if (!strcmp(btf__name_by_offset(btf, m->name_off), "flags") &&
		    off + sizeof(__u32) <= size) {
			*(__u32 *)(data + off) |= flags;
			return 0;
		}
	}
	return -EINVAL;
}
