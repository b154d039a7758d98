// SPDX-License-Identifier: GPL-2.0-only
/* Benchmark helpers: attach a shipped policy from its object file; the rules worst case. */
#include <bpf/btf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../../include/uapi/p2pmap.h"
#include "policy.h"
#include "rules.h"

int rules_fill_unmatched(struct bpf_map *rules, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct p2pmap_rule_key k = {
			.provider = { P2PMAP_MATCH_ADDR, 0x100 + i / 256, i % 256 },
			.client = { P2PMAP_MATCH_ID, 0xdead0000 | i, 0 },
		};
		struct p2pmap_rule v = { .nr_ranges = 1 };

		v.range[0] = (struct p2pmap_rule_range){ 0, ~0ULL, P2PMAP_VERDICT_BOUNCE, 0 };
		if (bpf_map__update_elem(rules, &k, sizeof(k), &v, sizeof(v), 0))
			return -errno;
	}
	return 0;
}

int policy_make_shadow(struct bpf_object *obj, struct bpf_map *ops)
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
			*(__u32 *)(data + off) |= P2PMAP_POLICY_SHADOW;
			return 0;
		}
	}
	return -ENOENT;
}

static struct bpf_link *attach_file(const char *name, unsigned int nrules, bool shadow,
				    struct bpf_object **obj)
{
	struct bpf_map *map, *ops = NULL;
	struct bpf_link *link;
	char path[128];

	snprintf(path, sizeof(path), strchr(name, '/') ? "%s.bpf.o" : "bpf/%s.bpf.o", name);
	*obj = bpf_object__open_file(path, NULL);
	if (!*obj)
		goto fail;
	bpf_object__for_each_map(map, *obj)
		if (bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS)
			ops = map;
	if (!ops || (shadow && policy_make_shadow(*obj, ops)) || bpf_object__load(*obj))
		goto fail;
	bpf_object__for_each_map(map, *obj)
		if (nrules && !strcmp(bpf_map__name(map), "p2pmap_rules") &&
		    rules_fill_unmatched(map, nrules))
			goto fail;
	link = bpf_map__attach_struct_ops(ops);
	if (link)
		return link;
fail:
	fprintf(stderr, "bench: cannot attach %s%s\n", path, shadow ? " as the shadow" : "");
	bpf_object__close(*obj);
	*obj = NULL;
	return NULL;
}

struct bpf_link *policy_attach_file(const char *name, unsigned int nrules,
				    struct bpf_object **obj)
{
	return attach_file(name, nrules, false, obj);
}

struct bpf_link *policy_attach_shadow_file(const char *name, struct bpf_object **obj)
{
	return attach_file(name, 0, true, obj);
}
