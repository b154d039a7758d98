/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The verdict cache of a pair (policy.c): what the active policy answered for an input it
 * said its answer depends on alone. Two kinds of policy fill it:
 *
 *  - a pure one (P2PMAP_POLICY_PURE): ->decide() is a function of the pair's fixed facts,
 *    the built-in verdict, the override state, the direction and the request's size class
 *    (enum p2pmap_size_bucket), so an answer holds for the whole class;
 *  - one whose ->decide() called p2pmap_verdict_holds() (kfunc.c): the answer holds for the
 *    same pair and inputs and every length in the range it gave, until the policy calls
 *    p2pmap_policy_changed() from a syscall program after changing what it reads.
 *
 * An entry names the policy instance that filled it (a tag never reused) and the generation
 * of the policies' data then. A replace, detach, promote or eject brings another instance or
 * none, and p2pmap_policy_changed() starts a new generation, so every older entry misses and
 * nothing has to be cleared. What else goes into
 * the built-in verdict is part of the key: the override state, and whether the client's DMA
 * mask reaches the memory (the built-in reason says dma-unreachable).
 */
#ifndef _P2PMAP_VCACHE_H
#define _P2PMAP_VCACHE_H

#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>	/* raw: a reader never sleeps, on PREEMPT_RT either */
#include <linux/types.h>

#include "../include/uapi/p2pmap.h"

/* Keys: reachable or not, override or not, three directions, the size classes. */
#define P2PMAP_VCACHE_KEYS	(2 * 2 * 3 * P2PMAP_NR_SIZE_BUCKETS)

/* An entry's @tagv: the tag of the policy instance (never 0) above the verdict. */
#define P2PMAP_VCACHE_SHIFT	2

/**
 * struct p2pmap_vcache_entry - one cached answer
 * @tagv: the policy instance's tag << P2PMAP_VCACHE_SHIFT | the verdict; 0 is empty. Only
 *	answers the policy gave without error are kept, so the reason is always
 *	P2PMAP_REASON_POLICY
 * @min_len: the shortest request the answer holds for
 * @max_len: the longest (both within the key's size class)
 * @gen: the generation of the policies' data it was given under (policy.c)
 */
struct p2pmap_vcache_entry {
	u64 tagv;
	u64 min_len;
	u64 max_len;
	u64 gen;
};

/**
 * struct p2pmap_vcache - one pair's cached verdicts
 * @lock: taken (tried) by a writer: a decision that finds it taken does not cache its answer
 * @seq: read around an entry, so that a reader never mixes two writers' entries; a reader
 *	that meets a writer misses instead of waiting, so any context may read
 * @entry: by p2pmap_vcache_key()
 */
struct p2pmap_vcache {
	raw_spinlock_t lock;	/* serializes writers of @entry */
	seqcount_raw_spinlock_t seq;
	struct p2pmap_vcache_entry entry[P2PMAP_VCACHE_KEYS];
};

static inline void p2pmap_vcache_init(struct p2pmap_vcache *c)
{
	raw_spin_lock_init(&c->lock);
	seqcount_raw_spinlock_init(&c->seq, &c->lock);
}

/* The request's size class, as the shadow statistics and the cache count it. */
static inline unsigned int p2pmap_size_bucket(u64 len)
{
	if (len < P2PMAP_SIZE_MEDIUM_MIN)
		return P2PMAP_SIZE_SMALL;
	if (len < P2PMAP_SIZE_LARGE_MIN)
		return P2PMAP_SIZE_MEDIUM;
	return P2PMAP_SIZE_LARGE;
}

/* The lengths of @len's size class: [*@min, *@max]. */
static inline void p2pmap_size_bucket_range(u64 len, u64 *min, u64 *max)
{
	switch (p2pmap_size_bucket(len)) {
	case P2PMAP_SIZE_SMALL:
		*min = 0;
		*max = P2PMAP_SIZE_MEDIUM_MIN - 1;
		break;
	case P2PMAP_SIZE_MEDIUM:
		*min = P2PMAP_SIZE_MEDIUM_MIN;
		*max = P2PMAP_SIZE_LARGE_MIN - 1;
		break;
	default:
		*min = P2PMAP_SIZE_LARGE_MIN;
		*max = U64_MAX;
	}
}

/* @dir is enum p2pmap_dir, 1 to 3 (the caller checks). */
static inline unsigned int p2pmap_vcache_key(bool unreachable, bool override, u32 dir, u64 len)
{
	return ((unreachable * 2 + override) * 3 + dir - 1) * P2PMAP_NR_SIZE_BUCKETS +
	       p2pmap_size_bucket(len);
}

/*
 * The verdict of @tag's policy for @key and @len if it answered already in generation @gen,
 * else 0.
 */
static inline u32 p2pmap_vcache_get(struct p2pmap_vcache *c, unsigned int key, u64 tag,
				    u64 gen, u64 len)
{
	struct p2pmap_vcache_entry e;
	unsigned int seq;

	seq = raw_read_seqcount(&c->seq);
	if (seq & 1)
		return 0;
	e = c->entry[key];
	if (read_seqcount_retry(&c->seq, seq))
		return 0;
	if (e.tagv >> P2PMAP_VCACHE_SHIFT != tag || e.gen != gen || len < e.min_len ||
	    len > e.max_len)
		return 0;
	return e.tagv & 3;
}

/*
 * Keep @verdict of @tag's policy for @key and lengths [@min_len, @max_len] (the caller
 * clips them to the key's size class), given in generation @gen. Skipped when another
 * decision is writing this pair's cache: the next miss fills it.
 */
static inline void p2pmap_vcache_put(struct p2pmap_vcache *c, unsigned int key, u64 tag,
				     u64 gen, u32 verdict, u64 min_len, u64 max_len)
{
	BUILD_BUG_ON(P2PMAP_VERDICT_REJECT > 3);
	if (!raw_spin_trylock(&c->lock))
		return;
	write_seqcount_begin(&c->seq);
	c->entry[key] = (struct p2pmap_vcache_entry){
		.tagv = tag << P2PMAP_VCACHE_SHIFT | verdict,
		.min_len = min_len,
		.max_len = max_len,
		.gen = gen,
	};
	write_seqcount_end(&c->seq);
	raw_spin_unlock(&c->lock);
}

#endif /* _P2PMAP_VCACHE_H */
