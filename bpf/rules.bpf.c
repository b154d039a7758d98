// SPDX-License-Identifier: GPL-2.0-only
/*
 * rules - per-device and per-pair rules, with size ranges, from a map that p2ppolicy fills.
 *
 * The operator's tool for a known machine: "never P2P from this NVMe to that NIC", "P2P for
 * 1 MiB and up from every device 1b36:0010 to this GPU", "reject mappings of this provider's
 * memory by that client". The map and the lookup order are described in rules.h; a request
 * no rule covers gets the built-in rule. P2P in a rule means P2P where the kernel allows it,
 * so broad rules are safe on pairs that cannot go peer to peer.
 *
 * With the map frozen, each answer says for which lengths it holds (p2pmap_verdict_holds()),
 * so p2pmap asks once per pair and range: the map then changes only through
 * p2pmap_rules_write(), which tells p2pmap when the change is made.
 */
#include "p2pmap.bpf.h"
#include "rules.h"

#define EINVAL	22	/* vmlinux.h has types, not the uapi's macros */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, P2PMAP_RULES_MAX);
	__type(key, struct p2pmap_rule_key);
	__type(value, struct p2pmap_rule);
} p2pmap_rules SEC(".maps");

/*
 * Frozen (BPF_MAP_FREEZE, for good): user space can no longer write the map, so every change
 * goes through p2pmap_rules_write(). Read through the map's kernel struct (CO-RE).
 */
static __always_inline bool rules_frozen(void)
{
	return ((struct bpf_map *)&p2pmap_rules)->frozen;
}

static __always_inline void match_addr(struct p2pmap_rule_match *m,
				       const struct p2pmap_policy_dev *d)
{
	m->kind = P2PMAP_MATCH_ADDR;
	m->a = d->domain;
	m->b = (u32)d->bus << 8 | d->devfn;
}

static __always_inline void match_id(struct p2pmap_rule_match *m,
				     const struct p2pmap_policy_dev *d)
{
	m->kind = P2PMAP_MATCH_ID;
	m->a = (u32)d->vendor << 16 | d->device;
	m->b = 0;
}

static __always_inline void match_any(struct p2pmap_rule_match *m)
{
	m->kind = P2PMAP_MATCH_ANY;
	m->a = 0;
	m->b = 0;
}

/*
 * The verdict of the rule for @key if one of its ranges holds the request's length, else 0
 * (no match). [*@lo, *@hi] is narrowed to the lengths that get the same outcome here: the
 * matching range, or the gap between the ranges that do not hold the length.
 */
static __always_inline u32 lookup(const struct p2pmap_rule_key *key,
				  const struct p2pmap_policy_ctx *d, u64 *lo, u64 *hi)
{
	struct p2pmap_rule *r = bpf_map_lookup_elem(&p2pmap_rules, key);
	u64 len = d->req.len;
	u32 i, v;

	if (!r)
		return 0;
	for (i = 0; i < P2PMAP_RULE_RANGES; i++) {
		struct p2pmap_rule_range *rg = &r->range[i];

		if (i >= r->nr_ranges)
			break;
		if (len < rg->min_len) {
			if (rg->min_len - 1 < *hi)
				*hi = rg->min_len - 1;
			continue;
		}
		if (len > rg->max_len) {
			if (rg->max_len + 1 > *lo)
				*lo = rg->max_len + 1;
			continue;
		}
		if (rg->min_len > *lo)
			*lo = rg->min_len;
		if (rg->max_len < *hi)
			*hi = rg->max_len;
		__sync_fetch_and_add(&r->hits, 1);
		v = rg->verdict;
		if (v == P2P)
			return p2pmap_p2p_if_allowed(d);
		if (v == BOUNCE || v == REJECT)
			return v;
		return d->builtin_verdict;	/* P2PMAP_RULE_BUILTIN (or unknown) */
	}
	return 0;
}

/* 0: addr, 1: id, 2: any; the nine (provider, client) kinds in the order of rules.h. */
static const u8 order[9][2] = {
	{ 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 },
	{ 0, 2 }, { 2, 0 }, { 1, 2 }, { 2, 1 }, { 2, 2 },
};

static __always_inline void set_match(struct p2pmap_rule_match *m, u8 kind,
				      const struct p2pmap_policy_dev *d)
{
	if (kind == 0)
		match_addr(m, d);
	else if (kind == 1)
		match_id(m, d);
	else
		match_any(m);
}

u32 P2PMAP_OP(rules_decide, const struct p2pmap_policy_ctx *d)
{
	/* Before the lookups: a map frozen after them could have held a write since. */
	bool frozen = rules_frozen();
	struct p2pmap_rule_key key = {};
	u64 lo = 0, hi = ~0ULL;
	u32 i, v = 0;

	for (i = 0; i < 9 && !v; i++) {
		set_match(&key.provider, order[i][0], &d->provider);
		set_match(&key.client, order[i][1], &d->client);
		v = lookup(&key, d, &lo, &hi);
	}
	/* The devices, the path, the override and the length decided: nothing else. */
	if (frozen)
		p2pmap_verdict_holds(d, lo, hi);
	return v ?: d->builtin_verdict;
}

/*
 * The one writer of the rules: one change per run (BPF_PROG_RUN with a struct
 * p2pmap_rules_write), and p2pmap told once it is made.
 */
SEC("syscall")
int p2pmap_rules_write(struct p2pmap_rules_write *w)
{
	struct p2pmap_rule_key key = w->key;
	struct p2pmap_rule rule = w->rule;
	long ret;
	u32 i;

	if (w->reserved)
		return -EINVAL;
	switch (w->op) {
	case P2PMAP_RULES_PUT:
		if (rule.nr_ranges > P2PMAP_RULE_RANGES || rule.reserved)
			return -EINVAL;
		for (i = 0; i < P2PMAP_RULE_RANGES; i++)
			if (rule.range[i].reserved)
				return -EINVAL;
		ret = bpf_map_update_elem(&p2pmap_rules, &key, &rule, BPF_ANY);
		break;
	case P2PMAP_RULES_DEL:
		ret = bpf_map_delete_elem(&p2pmap_rules, &key);
		break;
	default:
		return -EINVAL;
	}
	if (!ret)
		p2pmap_policy_changed();
	return ret;
}

P2PMAP_POLICY(rules, .decide = (void *)rules_decide);

char _license[] SEC("license") = "GPL";
