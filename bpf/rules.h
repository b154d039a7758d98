/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * The map of the rules policy (bpf/rules.bpf.c): the contract between that policy and the
 * programs that fill it (p2ppolicy, tests). Plain __u32/__u64 so it builds for BPF (with
 * vmlinux.h) and for userspace (with <linux/types.h>).
 *
 * A rule says what to do for a (provider, client) match, per request size. Each side of a
 * match is one device by PCI address, every device with a vendor:device ID, or any device.
 * decide() looks for a rule in a fixed order, most specific first, and the first rule with a
 * size range holding the request length wins:
 *
 *	 1. provider address, client address	 5. provider address, any client
 *	 2. provider address, client ID		 6. any provider, client address
 *	 3. provider ID, client address		 7. provider ID, any client
 *	 4. provider ID, client ID		 8. any provider, client ID
 *						 9. any provider, any client
 *
 * With no such rule the built-in rule decides. That is at most nine hash lookups, however many
 * rules and devices there are.
 *
 * Once the map is frozen (BPF_MAP_FREEZE, before the policy attaches), only the first
 * decision of a pair and length range looks: the policy tells p2pmap for which lengths its
 * answer holds, and p2pmap reuses it until the rules change. A frozen map cannot be written
 * from user space any more (bpftool map update and delete fail with EPERM), so no write from
 * user space can go unseen: rules are then written by running the policy's syscall program
 * P2PMAP_RULES_WRITER (BPF_PROG_RUN) with a struct p2pmap_rules_write, which makes the
 * change and then tells p2pmap, so that the very next mapping sees it. p2ppolicy fills the
 * map through the writer, freezes it before it attaches the policy and pins the writer
 * beside the map. A map left unfrozen (the policy loaded with bpftool struct_ops register)
 * is written as any map and read on every decision: nothing is cached. Do not freeze it
 * while the policy is attached: a decision racing with the freeze may keep an answer to the
 * rules before the last write.
 */
#ifndef __P2PMAP_RULES_H
#define __P2PMAP_RULES_H

#define P2PMAP_RULES_MAP	"p2pmap_rules"	/* the map's name */
#define P2PMAP_RULES_WRITER	"p2pmap_rules_write"	/* its writer's name */
#define P2PMAP_RULES_MAX	4096		/* its capacity */
#define P2PMAP_RULE_RANGES	4		/* size ranges per rule */

/* struct p2pmap_rule_match.kind */
#define P2PMAP_MATCH_ANY	0	/* any device; @a and @b are 0 */
#define P2PMAP_MATCH_ADDR	1	/* @a = PCI domain, @b = bus << 8 | devfn */
#define P2PMAP_MATCH_ID		2	/* @a = vendor << 16 | device, @b = 0 */

/*
 * struct p2pmap_rule_range.verdict: P2PMAP_VERDICT_* (1 P2P, 2 BOUNCE, 3 REJECT) or
 * P2PMAP_RULE_BUILTIN. P2P here means "P2P where the kernel allows it, else bounce", so a rule
 * that covers unreachable pairs never counts policy errors.
 */
#define P2PMAP_RULE_BUILTIN	0

struct p2pmap_rule_match {
	__u32 kind;
	__u32 a;
	__u32 b;
};

/* The key: provider side, client side. Unused fields must be zero. */
struct p2pmap_rule_key {
	struct p2pmap_rule_match provider;
	struct p2pmap_rule_match client;
};

/* Requests of @min_len <= len <= @max_len bytes get @verdict. */
struct p2pmap_rule_range {
	__u64 min_len;
	__u64 max_len;
	__u32 verdict;
	__u32 reserved;
};

/*
 * The value: @nr_ranges ranges, tried in order. @hits counts the times the policy looked
 * the rule up and one of its ranges held the length (EXPLAIN and a shadow's runs included;
 * writers set it to 0). With the map frozen, a repeat that p2pmap answers from its verdict
 * cache does not look: the pair's statistics count every decision.
 */
struct p2pmap_rule {
	struct p2pmap_rule_range range[P2PMAP_RULE_RANGES];
	__u32 nr_ranges;
	__u32 reserved;
	__u64 hits;
};

/* struct p2pmap_rules_write.op */
#define P2PMAP_RULES_PUT	1	/* add or replace the rule for @key */
#define P2PMAP_RULES_DEL	2	/* delete it; -ENOENT if there is none */

/*
 * The context of P2PMAP_RULES_WRITER: one change. The program's return value is 0 or a
 * negative errno (-E2BIG: the map is full; -ENOENT: no rule to delete; -EINVAL: an unknown
 * @op, a reserved field not zero or more than P2PMAP_RULE_RANGES ranges).
 */
struct p2pmap_rules_write {
	__u32 op;
	__u32 reserved;
	struct p2pmap_rule_key key;
	struct p2pmap_rule rule;	/* for P2PMAP_RULES_PUT */
};

#endif /* __P2PMAP_RULES_H */
