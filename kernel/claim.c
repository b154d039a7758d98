// SPDX-License-Identifier: GPL-2.0-only
/*
 * Overlap claims: no cache line of a device-writable mapping is in another one.
 */
#include <linux/dma-mapping.h>
#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "mapping.h"

/*
 * Every claimed device-writable (FROM_DEVICE, BIDIRECTIONAL) mapping's memory (p2pmap_claim()
 * says which are), by physical address.
 * Two of them may not share a cache line: on a non-coherent platform the CPU cache
 * maintenance of one would corrupt what the device wrote through the other, and two bounced
 * mappings of one buffer would both copy back. DMA-API debug reports such overlaps too.
 *
 * The trees are sharded by 1 GiB of physical address space, each under a spinlock, so
 * mappings of different memory do not queue on one lock; a range that crosses a shard
 * boundary is claimed in pieces (p2pmap_claim()).
 *
 * The ranges in a tree never overlap (that is what the tree enforces), so ordered by start
 * they are ordered by end too, and a plain rbtree does: the only ranges a new one could
 * overlap are its neighbours in that order, and the descent that finds its place passes
 * both (range_insert()). No interval tree, and no augmented data to keep up on insert and
 * erase.
 */
#define CLAIM_SHARD_SHIFT	30
#define CLAIM_SHARD_BITS	6

static struct claim_shard {
	spinlock_t lock;		/* protects tree */
	struct rb_root tree;
} ____cacheline_aligned_in_smp claim_shards[1 << CLAIM_SHARD_BITS] = {
	[0 ... (1 << CLAIM_SHARD_BITS) - 1] = {
		.lock = __SPIN_LOCK_UNLOCKED(claim_shards.lock),
		.tree = RB_ROOT,
	},
};

/*
 * Put @rg into @root unless it overlaps a range there. Each node the descent passes either
 * lies wholly before @rg, wholly after it, or overlaps it; the neighbours @rg would have are
 * among the nodes passed, so finding none that overlaps proves there is none.
 *
 * Return: true if inserted, false if @rg overlaps a range in @root.
 */
static bool range_insert(struct p2pmap_range *rg, struct rb_root *root)
{
	struct rb_node **link = &root->rb_node, *parent = NULL;

	while (*link) {
		struct p2pmap_range *r = rb_entry(*link, struct p2pmap_range, rb);

		parent = *link;
		if (rg->last < r->start)
			link = &parent->rb_left;
		else if (rg->start > r->last)
			link = &parent->rb_right;
		else
			return false;
	}
	rb_link_node(&rg->rb, parent, link);
	rb_insert_color(&rg->rb, root);
	return true;
}

static struct claim_shard *shard_of(phys_addr_t addr)
{
	return &claim_shards[hash_64(addr >> CLAIM_SHARD_SHIFT, CLAIM_SHARD_BITS)];
}

/*
 * Lock shard @sh, keeping the one *@held if it is @sh already: consecutive pieces of a buffer
 * mostly lie in one shard, and take its lock once, for up to CLAIM_BATCH pieces (*@batch
 * counts them) so that a large buffer does not hold it long. NULL unlocks what is held.
 */
#define CLAIM_BATCH	32

static void shard_switch(struct claim_shard **held, struct claim_shard *sh, unsigned int *batch)
{
	if (*held == sh && ++*batch < CLAIM_BATCH)
		return;
	*batch = 0;
	if (*held)
		spin_unlock(&(*held)->lock);
	if (sh)
		spin_lock(&sh->lock);
	*held = sh;
}

/* Take a device-writable mapping's memory out of the overlap trees. */
void p2pmap_unclaim(struct p2pmap_mapping *map)
{
	struct claim_shard *held = NULL;
	unsigned int r, batch = 0;

	for (r = 0; r < map->nr_ranges; r++) {
		shard_switch(&held, shard_of(map->ranges[r].start), &batch);
		rb_erase(&map->ranges[r].rb, &held->tree);
	}
	shard_switch(&held, NULL, &batch);
	map->nr_ranges = 0;
}

/* The cache-aligned memory of @sg, and how many claim shards it spans. */
static unsigned int sg_claim_span(struct scatterlist *sg, phys_addr_t align, phys_addr_t *start,
				  phys_addr_t *last)
{
	phys_addr_t phys = sg_phys(sg);

	*start = ALIGN_DOWN(phys, align);
	*last = ALIGN(phys + sg->length, align) - 1;
	return (*last >> CLAIM_SHARD_SHIFT) - (*start >> CLAIM_SHARD_SHIFT) + 1;
}

/*
 * Claim the memory of a device-writable mapping: no cache line of it may be in another
 * device-writable mapping (see claim_shards). The source table is what the memory is, for
 * RAM, P2P and bounced entries alike (two bounced mappings of one buffer would both copy
 * back into it). Mappings the device only reads may overlap anything.
 *
 * Each piece is checked and inserted under its shard's lock, which is held across consecutive
 * pieces in the same shard. Two mappings that overlap may then both fail, when each claimed a
 * piece the other needs: only the first of two mappings made one after the other is sure to
 * succeed.
 *
 * Which mappings are claimed is finish_map()'s choice (map.c).
 *
 * Return: 0, -EADDRINUSE if the memory overlaps another device-writable mapping, -ENOMEM.
 */
int p2pmap_claim(struct p2pmap_mapping *map)
{
	phys_addr_t align = max_t(unsigned int, L1_CACHE_BYTES, dma_get_cache_alignment());
	struct claim_shard *held = NULL;
	unsigned int n = 0, r = 0, i, batch = 0;
	phys_addr_t start, last;
	struct scatterlist *sg;
	int ret = 0;

	if (map->dir == DMA_TO_DEVICE)
		return 0;
	for_each_sgtable_sg(map->src, sg, i)
		n += sg_claim_span(sg, align, &start, &last);
	map->ranges = &map->inline_range;
	if (n > 1) {
		/* kvmalloc() serves at most INT_MAX bytes (and warns past them). */
		if (n > INT_MAX / sizeof(*map->ranges))
			return -ENOMEM;
		map->ranges = kvcalloc(n, sizeof(*map->ranges), GFP_KERNEL);
		if (!map->ranges)
			return -ENOMEM;
	}
	for_each_sgtable_sg(map->src, sg, i) {
		sg_claim_span(sg, align, &start, &last);
		while (start <= last) {
			phys_addr_t end = start | (BIT_ULL(CLAIM_SHARD_SHIFT) - 1);
			struct p2pmap_range *rg = &map->ranges[r];

			end = min(end, last);
			rg->start = start;
			rg->last = end;
			shard_switch(&held, shard_of(start), &batch);
			if (!range_insert(rg, &held->tree)) {
				ret = -EADDRINUSE;
				goto out;
			}
			map->nr_ranges = ++r;
			if (end == last)
				break;
			start = end + 1;
		}
	}
out:
	shard_switch(&held, NULL, &batch);
	if (ret)
		p2pmap_unclaim(map);
	return ret;
}
