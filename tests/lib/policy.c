// SPDX-License-Identifier: GPL-2.0-only
/* Policy helpers of the lab's programs: attach a shipped policy from its object file; the rules worst case. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../../include/uapi/p2pmap.h"
#include "../../user/p2ppolicy/policy_ops.h"
#include "../../user/p2ppolicy/rules_write.h"
#include "policy.h"
#include "rules.h"

int rules_fill_unmatched(struct bpf_map *rules, struct bpf_program *writer, unsigned int n,
			 bool freeze)
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		struct p2pmap_rule_key k = {
			.provider = { P2PMAP_MATCH_ADDR, 0x100 + i / 256, i % 256 },
			.client = { P2PMAP_MATCH_ID, 0xdead0000 | i, 0 },
		};
		struct p2pmap_rule v = { .nr_ranges = 1 };

		v.range[0] = (struct p2pmap_rule_range){ 0, ~0ULL, P2PMAP_VERDICT_BOUNCE, 0 };
		ret = rules_write(bpf_program__fd(writer), P2PMAP_RULES_PUT, &k, &v);
		if (ret)
			return ret;
	}
	return freeze && bpf_map_freeze(bpf_map__fd(rules)) ? -errno : 0;
}

int policy_make_shadow(struct bpf_object *obj, struct bpf_map *ops)
{
	return policy_ops_add_flags(obj, ops, P2PMAP_POLICY_SHADOW);
}

static struct bpf_link *attach_file(const char *name, unsigned int nrules, bool freeze,
				    bool shadow, struct bpf_object **obj)
{
	struct bpf_map *map, *ops = NULL;
	struct bpf_program *writer;
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
	map = bpf_object__find_map_by_name(*obj, P2PMAP_RULES_MAP);
	writer = bpf_object__find_program_by_name(*obj, P2PMAP_RULES_WRITER);
	if (nrules && (!map || !writer || rules_fill_unmatched(map, writer, nrules, freeze)))
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
	return attach_file(name, nrules, true, false, obj);
}

struct bpf_link *policy_attach_unfrozen(const char *name, unsigned int nrules,
					struct bpf_object **obj)
{
	return attach_file(name, nrules, false, false, obj);
}

struct bpf_link *policy_attach_shadow_file(const char *name, struct bpf_object **obj)
{
	return attach_file(name, 0, false, true, obj);
}
