// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bounce page pool.
 *
 * Bounced segments are backed by order-0 pages allocated on the client's NUMA node. Freed
 * pages are kept in a per-node cache of up to bounce_pool_pages pages so that steady traffic
 * does not go back to the page allocator. bounce_max_pages caps the pages in use at once:
 * a mapping reserves all its bounce pages up front and fails with -EBUSY when the cap would
 * be exceeded, so the cap never produces a partial mapping.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "internal.h"

static unsigned int bounce_pool_pages = 1024;
module_param(bounce_pool_pages, uint, 0644);
MODULE_PARM_DESC(bounce_pool_pages, "Free bounce pages kept cached per NUMA node (default 1024)");

static unsigned long bounce_max_pages = 65536;
module_param(bounce_max_pages, ulong, 0644);
MODULE_PARM_DESC(bounce_max_pages,
		 "Cap on bounce pages in use at once; more fails the mapping with EBUSY (default 65536)");

struct bounce_node {
	spinlock_t lock;		/* protects @free and @nr_free */
	struct list_head free;
	unsigned int nr_free;
};

static struct bounce_node *nodes;
static atomic_long_t in_use;
static atomic_long_t hwm;
static atomic_long_t cached;

/**
 * p2pmap_bounce_reserve() - reserve @nr bounce pages against the cap
 * @nr: pages
 *
 * Return: 0, or -EBUSY if the cap would be exceeded (nothing is reserved then).
 */
int p2pmap_bounce_reserve(unsigned long nr)
{
	long now = atomic_long_add_return(nr, &in_use);
	long old = atomic_long_read(&hwm);

	if (now > READ_ONCE(bounce_max_pages)) {
		atomic_long_sub(nr, &in_use);
		return -EBUSY;
	}
	while (now > old && !atomic_long_try_cmpxchg(&hwm, &old, now))
		;
	return 0;
}

/**
 * p2pmap_bounce_unreserve() - give back a reservation
 * @nr: pages
 */
void p2pmap_bounce_unreserve(unsigned long nr)
{
	atomic_long_sub(nr, &in_use);
}

/**
 * p2pmap_bounce_alloc() - one bounce page, from the cache of @node or the page allocator
 * @node: NUMA node of the client (NUMA_NO_NODE for any)
 *
 * Return: a page, or NULL when out of memory.
 */
struct page *p2pmap_bounce_alloc(int node)
{
	struct bounce_node *bn;
	struct page *page = NULL;

	if (node == NUMA_NO_NODE)
		node = numa_mem_id();
	bn = &nodes[node];
	if (READ_ONCE(bn->nr_free)) {
		spin_lock(&bn->lock);
		page = list_first_entry_or_null(&bn->free, struct page, lru);
		if (page) {
			list_del(&page->lru);
			bn->nr_free--;
			atomic_long_dec(&cached);
		}
		spin_unlock(&bn->lock);
	}
	if (!page)
		page = alloc_pages_node(node, GFP_KERNEL | __GFP_NOWARN, 0);
	return page;
}

/**
 * p2pmap_bounce_free() - return a page from p2pmap_bounce_alloc()
 * @page: the page
 */
void p2pmap_bounce_free(struct page *page)
{
	struct bounce_node *bn = &nodes[page_to_nid(page)];

	if (READ_ONCE(bn->nr_free) < READ_ONCE(bounce_pool_pages)) {
		spin_lock(&bn->lock);
		list_add(&page->lru, &bn->free);
		bn->nr_free++;
		atomic_long_inc(&cached);
		spin_unlock(&bn->lock);
		return;
	}
	__free_page(page);
}

unsigned long p2pmap_bounce_in_use(void)
{
	return atomic_long_read(&in_use);
}

unsigned long p2pmap_bounce_hwm(void)
{
	return atomic_long_read(&hwm);
}

unsigned long p2pmap_bounce_cached(void)
{
	return atomic_long_read(&cached);
}

int p2pmap_bounce_init(void)
{
	int n;

	nodes = kcalloc(nr_node_ids, sizeof(*nodes), GFP_KERNEL);
	if (!nodes)
		return -ENOMEM;
	for (n = 0; n < nr_node_ids; n++) {
		spin_lock_init(&nodes[n].lock);
		INIT_LIST_HEAD(&nodes[n].free);
	}
	return 0;
}

void p2pmap_bounce_exit(void)
{
	struct page *page, *tmp;
	int n;

	WARN_ON(atomic_long_read(&in_use));
	for (n = 0; n < nr_node_ids; n++) {
		list_for_each_entry_safe(page, tmp, &nodes[n].free, lru) {
			list_del(&page->lru);
			__free_page(page);
		}
	}
	kfree(nodes);
}
