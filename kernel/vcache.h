/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The verdict cache of a pair (policy.c): what a policy that declares itself pure
 * (P2PMAP_POLICY_PURE) answered for each input it may depend on. A pure policy's ->decide()
 * is a function of the pair's fixed facts, the built-in verdict, the override state, the
 * direction and the request's size class (enum p2pmap_size_bucket) alone, so its answer for
 * one such key holds until the policy itself goes. An entry names the policy instance that
 * filled it (a tag never reused); a replace, detach, promote or eject brings another
 * instance or none, so every older entry misses and nothing has to be cleared. What else
 * goes into the built-in verdict is part of the key: the override state, and whether the
 * client's DMA mask reaches the memory (the built-in reason says dma-unreachable).
 */
#ifndef _P2PMAP_VCACHE_H
#define _P2PMAP_VCACHE_H

#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/types.h>

#include "../include/uapi/p2pmap.h"

/* An entry is read and written whole: a 64-bit kernel's (as PCI_P2PDMA needs). */
static_assert(IS_ENABLED(CONFIG_64BIT));

/* Keys: reachable or not, override or not, three directions, the size classes. */
#define P2PMAP_VCACHE_KEYS	(2 * 2 * 3 * P2PMAP_NR_SIZE_BUCKETS)

/*
 * An entry: the tag of the policy instance (never 0) above the verdict. Only answers the
 * policy gave without error are kept, so the reason is always P2PMAP_REASON_POLICY.
 */
#define P2PMAP_VCACHE_SHIFT	2

/**
 * struct p2pmap_vcache - one pair's cached verdicts of a pure policy
 * @entry: by p2pmap_vcache_key(); 0 is empty. Read and written whole, without a lock: a
 *	decision that finds an entry of its own policy instance has that instance's answer
 */
struct p2pmap_vcache {
	u64 entry[P2PMAP_VCACHE_KEYS];
};

/* The request's size class, as the shadow statistics and the cache count it. */
static inline unsigned int p2pmap_size_bucket(u64 len)
{
	if (len < P2PMAP_SIZE_MEDIUM_MIN)
		return P2PMAP_SIZE_SMALL;
	if (len < P2PMAP_SIZE_LARGE_MIN)
		return P2PMAP_SIZE_MEDIUM;
	return P2PMAP_SIZE_LARGE;
}

/* @dir is enum p2pmap_dir, 1 to 3 (the caller checks). */
static inline unsigned int p2pmap_vcache_key(bool unreachable, bool override, u32 dir, u64 len)
{
	return ((unreachable * 2 + override) * 3 + dir - 1) * P2PMAP_NR_SIZE_BUCKETS +
	       p2pmap_size_bucket(len);
}

/* The verdict of @tag's policy for @key if it answered already, else 0. */
static inline u32 p2pmap_vcache_get(const struct p2pmap_vcache *c, unsigned int key, u64 tag)
{
	u64 e = READ_ONCE(c->entry[key]);

	return e >> P2PMAP_VCACHE_SHIFT == tag ? e & 3 : 0;
}

static inline void p2pmap_vcache_put(struct p2pmap_vcache *c, unsigned int key, u64 tag,
				     u32 verdict)
{
	BUILD_BUG_ON(P2PMAP_VERDICT_REJECT > 3);
	WRITE_ONCE(c->entry[key], tag << P2PMAP_VCACHE_SHIFT | verdict);
}

#endif /* _P2PMAP_VCACHE_H */
