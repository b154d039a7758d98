// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bounce page pool, and the copies between bounced memory and its bounce pages.
 *
 * Bounced segments are backed by order-0 pages allocated on the client's NUMA node. Freed
 * pages are kept in a per-node cache of up to bounce_pool_pages pages so that steady traffic
 * does not go back to the page allocator. bounce_max_pages caps the pages in use at once:
 * a mapping reserves all its bounce pages up front and fails with -EBUSY when the cap would
 * be exceeded, so the cap never produces a partial mapping.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/pci-p2pdma.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "iocopy.h"
#include "mapping.h"

static int pool_pages_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, UINT_MAX);
}

static const struct kernel_param_ops pool_pages_ops = {
	.set = pool_pages_set,
	.get = param_get_uint,
};

static unsigned int bounce_pool_pages = 1024;
module_param_cb(bounce_pool_pages, &pool_pages_ops, &bounce_pool_pages, 0644);
MODULE_PARM_DESC(bounce_pool_pages, "Free bounce pages kept cached per NUMA node (default 1024)");

/* The pages in use are counted in an atomic_long_t. */
static int max_pages_set(const char *val, const struct kernel_param *kp)
{
	return p2pmap_param_set_ulong(val, kp, 0, LONG_MAX);
}

static const struct kernel_param_ops max_pages_ops = {
	.set = max_pages_set,
	.get = param_get_ulong,
};

static unsigned long bounce_max_pages = 65536;
module_param_cb(bounce_max_pages, &max_pages_ops, &bounce_max_pages, 0644);
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
static struct page *p2pmap_bounce_alloc(int node)
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
static void p2pmap_bounce_free(struct page *page)
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

/*
 * A bounce page for a client whose DMA mask does not reach all memory, never from the cache:
 * from the zone p2pmap_bounce_gfp() chose, then lower ones, as dma-direct allocates. Each page
 * is checked against the mask; such pages go back to the page allocator, not the cache
 * (p2pmap_bounce_free_piece()), so a narrow client does not drain the low zones into it.
 */
static struct page *bounce_alloc_reachable(struct p2pmap_mapping *map)
{
	gfp_t gfp = map->bounce_gfp;
	struct page *page;

	for (;;) {
		page = alloc_pages_node(map->node, GFP_KERNEL | gfp | __GFP_NOWARN, 0);
		if (page && p2pmap_ram_reachable(map->client, page_to_phys(page), PAGE_SIZE))
			return page;
		if (page)
			__free_page(page);
		if (gfp & GFP_DMA)
			return page ? ERR_PTR(-EIO) : NULL;
		gfp = IS_ENABLED(CONFIG_ZONE_DMA32) && !(gfp & GFP_DMA32) ? GFP_DMA32 : GFP_DMA;
	}
}

/*
 * The copies between bounced memory and bounce pages. Device (P2P) memory only through the
 * helpers of iocopy.h, counted; bounced RAM (a narrow client's, reach.c) with memcpy().
 * @page is the first page of a physically contiguous run that holds [@off, @off + @len).
 */
static void bounce_read(void *to, struct page *page, unsigned int off, unsigned int len)
{
	const void *from = page_address(page) + off;

	if (is_pci_p2pdma_page(page)) {
		p2pmap_iocopy_from_dev(to, from, len);
		p2pmap_count(bytes_devmem_read, len);
	} else {
		memcpy(to, from, len);
	}
}

static void bounce_write(struct page *page, unsigned int off, const void *from, unsigned int len)
{
	void *to = page_address(page) + off;

	if (is_pci_p2pdma_page(page)) {
		p2pmap_iocopy_to_dev(to, from, len);
		p2pmap_count(bytes_devmem_written, len);
	} else {
		memcpy(to, from, len);
	}
}

/**
 * p2pmap_bounce_fill() - a bounce page holding a copy of part of a page
 * @map: the mapping: its client's NUMA node, and the zone its DMA mask needs
 * @page: the page bounced
 * @off: offset of the part in @page
 * @len: bytes of the part (@off + @len <= PAGE_SIZE)
 *
 * The copy lands at the same offset in the bounce page.
 *
 * Return: the bounce page, ERR_PTR(-ENOMEM) when out of memory, or ERR_PTR(-EIO) when no
 * page the client reaches can be had.
 */
struct page *p2pmap_bounce_fill(struct p2pmap_mapping *map, struct page *page, unsigned int off,
				unsigned int len)
{
	struct page *bp;

	if (map->ram_limit)
		bp = bounce_alloc_reachable(map);
	else
		bp = p2pmap_bounce_alloc(map->node);
	if (IS_ERR_OR_NULL(bp))
		return bp ?: ERR_PTR(-ENOMEM);
	/*
	 * Copy in for every direction: a device that writes only part of a FROM_DEVICE buffer
	 * must not make the copy-out write stale bounce data (or another user's data) back.
	 * Not when the caller said what the device writes (P2PMAP_MAP_DEVICE_WRITES): only that
	 * is copied back, so the copy in, a read of device memory, is not needed; the page is
	 * zeroed instead. Zero the rest of the page: pages are recycled, and a device behind an
	 * IOMMU reaches the whole page, so it must not find an earlier mapping's data there.
	 * Only the head and tail of a partly used page are written, never a page twice.
	 */
	if (map->device_writes) {
		memset(page_address(bp), 0, PAGE_SIZE);
		return bp;
	}
	if (off)
		memset(page_address(bp), 0, off);
	bounce_read(page_address(bp) + off, page, off, len);
	if (off + len < PAGE_SIZE)
		memset(page_address(bp) + off + len, 0, PAGE_SIZE - off - len);
	return bp;
}

/*
 * The pieces of a mapping's destination table (p2pmap_piece_fn): copy a bounced piece in
 * (CPU to bounce page), out (bounce page to CPU), or give its bounce page back. A copy out
 * copies only the first @map->copy_left bytes of the buffer (what the device wrote): the
 * walk goes through the buffer in order, every piece counts.
 */
int p2pmap_bounce_copy_in(struct p2pmap_mapping *map, struct scatterlist *dsg,
			  struct page *page, unsigned int off, unsigned int len, bool bounced)
{
	if (bounced)
		bounce_read(page_address(sg_page(dsg)) + off, page, off, len);
	return 0;
}

int p2pmap_bounce_copy_out(struct p2pmap_mapping *map, struct scatterlist *dsg,
			   struct page *page, unsigned int off, unsigned int len, bool bounced)
{
	unsigned int n = min_t(u64, len, map->copy_left);

	if (bounced && n) {
		bounce_write(page, off, page_address(sg_page(dsg)) + off, n);
		map->copied += n;
	}
	map->copy_left -= n;
	return map->copy_left ? 0 : 1;	/* nothing left: stop the walk */
}

int p2pmap_bounce_free_piece(struct p2pmap_mapping *map, struct scatterlist *dsg,
			     struct page *page, unsigned int off, unsigned int len, bool bounced)
{
	if (!bounced || !sg_page(dsg))
		return 0;
	if (map->ram_limit)
		__free_page(sg_page(dsg));	/* a low-zone page: not for the cache */
	else
		p2pmap_bounce_free(sg_page(dsg));
	return 0;
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
