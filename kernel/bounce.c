// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bounce page pool, and the copies between bounced memory and its bounce pages.
 *
 * Bounced segments are backed by chunks of up to 64 KiB (see P2PMAP_BOUNCE_MAX_ORDER)
 * allocated on the client's NUMA node. Freed chunks are kept in a per-node cache of up to
 * bounce_pool_pages pages so that steady traffic does not go back to the page allocator.
 * bounce_max_pages caps the pages in use at once: a mapping reserves all its bounce pages up
 * front and fails with -EBUSY when the cap would be exceeded, so the cap never produces a
 * partial mapping. A chunk holds exactly the pages it stands for, so the cap counts the same
 * pages as with single pages. The last bounce_reserve_pages of the cap are drivers' own: a
 * /dev/p2pmap mapping that would reach into them fails, so user space holding handles cannot
 * starve the in-kernel callers.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/pci-p2pdma.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "iocopy.h"
#include "mapping.h"

static void pool_trim(void);

/* A lower cap gives the cached chunks above it back to the page allocator at once. */
static int pool_pages_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_uint_minmax(val, kp, 0, UINT_MAX);

	if (!ret)
		pool_trim();
	return ret;
}

static const struct kernel_param_ops pool_pages_ops = {
	.set = pool_pages_set,
	.get = param_get_uint,
};

static unsigned int bounce_pool_pages = 1024;
module_param_cb(bounce_pool_pages, &pool_pages_ops, &bounce_pool_pages, 0644);
MODULE_PARM_DESC(bounce_pool_pages,
		 "Free bounce pages kept cached per NUMA node; lowering it frees the rest (default 1024)");

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

static unsigned long bounce_reserve_pages = 16384;
module_param_cb(bounce_reserve_pages, &max_pages_ops, &bounce_reserve_pages, 0644);
MODULE_PARM_DESC(bounce_reserve_pages,
		 "Pages of bounce_max_pages that only drivers' own mappings may use; /dev/p2pmap's fail with EBUSY short of them (default 16384)");

/*
 * Bounce memory comes in chunks of up to 2^P2PMAP_BOUNCE_MAX_ORDER pages (64 KiB with 4 KiB
 * pages): one destination entry, one DMA segment and one copy per chunk rather than per page.
 * A chunk is a naturally aligned block from the page allocator (not a compound page), with its
 * order in page_private() of its first page. Larger orders are tried without working hard for
 * them (__GFP_NORETRY), then smaller ones, down to single pages: a fragmented machine gets
 * the mapping all the same, in more pieces. A chunk never exceeds the client's largest DMA
 * segment, and being naturally aligned it never crosses its segment boundary.
 */
#define P2PMAP_BOUNCE_MAX_ORDER	4
#define P2PMAP_BOUNCE_ORDERS	(P2PMAP_BOUNCE_MAX_ORDER + 1)

struct bounce_node {
	spinlock_t lock;		/* protects @free and @nr_free */
	struct list_head free[P2PMAP_BOUNCE_ORDERS];	/* cached chunks, by order */
	unsigned int nr_free;		/* pages in them */
};

static struct bounce_node *nodes;
static atomic_long_t in_use;
static atomic_long_t hwm;
static atomic_long_t cached;

/**
 * p2pmap_bounce_reserve() - reserve @nr bounce pages against the cap
 * @nr: pages
 * @uapi: for a /dev/p2pmap mapping, which stops bounce_reserve_pages short of the cap
 *
 * Return: 0 (always for @nr 0), or -EBUSY if the cap would be exceeded (nothing is reserved
 * then).
 */
int p2pmap_bounce_reserve(unsigned long nr, bool uapi)
{
	unsigned long cap = READ_ONCE(bounce_max_pages);
	long now, old;

	/* Nothing to reserve passes any cap, and leaves the atomic every CPU shares alone. */
	if (!nr)
		return 0;
	if (uapi) {
		unsigned long keep = READ_ONCE(bounce_reserve_pages);

		cap = cap > keep ? cap - keep : 0;
	}
	now = atomic_long_add_return(nr, &in_use);
	old = atomic_long_read(&hwm);
	if (now > cap) {
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
	if (nr)
		atomic_long_sub(nr, &in_use);
}

static gfp_t order_gfp(unsigned int order)
{
	return GFP_KERNEL | __GFP_NOWARN | (order ? __GFP_NORETRY : 0);
}

/* Take a cached chunk of @order off @bn's list, or NULL; under bn->lock. */
static struct page *pool_take(struct bounce_node *bn, unsigned int order)
{
	struct page *page = list_first_entry_or_null(&bn->free[order], struct page, lru);

	if (page) {
		list_del(&page->lru);
		bn->nr_free -= 1U << order;
		atomic_long_sub(1L << order, &cached);
	}
	return page;
}

/* A cached chunk of @order on @node, or NULL. */
static struct page *pool_get(int node, unsigned int order)
{
	struct bounce_node *bn = &nodes[node];
	struct page *page;

	if (!READ_ONCE(bn->nr_free))
		return NULL;
	spin_lock(&bn->lock);
	page = pool_take(bn, order);
	spin_unlock(&bn->lock);
	return page;
}

/*
 * A chunk for a client whose DMA mask does not reach all memory, never from the cache: from
 * the zone p2pmap_bounce_gfp() chose, then lower ones, as dma-direct allocates. Each chunk is
 * checked against the mask, all of it; such chunks go back to the page allocator, not the
 * cache (chunk_free()), so a narrow client does not drain the low zones into it.
 */
static struct page *bounce_alloc_reachable(struct p2pmap_mapping *map, unsigned int order)
{
	gfp_t gfp = map->bounce_gfp;
	struct page *page;

	for (;;) {
		page = alloc_pages_node(map->node, order_gfp(order) | gfp, order);
		if (page && p2pmap_ram_reachable(map->client, page_to_phys(page),
						 PAGE_SIZE << order))
			return page;
		if (page)
			__free_pages(page, order);
		if (gfp & GFP_DMA)
			return page ? ERR_PTR(-EIO) : NULL;
		gfp = IS_ENABLED(CONFIG_ZONE_DMA32) && !(gfp & GFP_DMA32) ? GFP_DMA32 : GFP_DMA;
	}
}

/*
 * A chunk of at most 2^*@order pages for @map's client, on its NUMA node: from the cache or
 * the page allocator, the largest it can get; *@order says what it got.
 */
static struct page *chunk_alloc(struct p2pmap_mapping *map, unsigned int *order)
{
	int node = map->node == NUMA_NO_NODE ? numa_mem_id() : map->node;
	struct page *page;

	for (;;) {
		if (map->ram_limit) {
			page = bounce_alloc_reachable(map, *order);
		} else {
			page = pool_get(node, *order);
			if (!page)
				page = alloc_pages_node(node, order_gfp(*order), *order);
		}
		if (!IS_ERR_OR_NULL(page) || !*order)
			break;
		(*order)--;
	}
	if (!IS_ERR_OR_NULL(page))
		set_page_private(page, *order);
	return page;
}

/* Return a chunk from chunk_alloc(); a narrow client's (@low) goes back to the allocator. */
static void chunk_free(struct page *page, bool low)
{
	unsigned int order = page_private(page);
	struct bounce_node *bn = &nodes[page_to_nid(page)];

	set_page_private(page, 0);
	if (!low && READ_ONCE(bn->nr_free) + (1U << order) <= READ_ONCE(bounce_pool_pages)) {
		spin_lock(&bn->lock);
		/* Again under the lock: pool_trim() may have just lowered the cap. */
		if (bn->nr_free + (1U << order) <= READ_ONCE(bounce_pool_pages)) {
			list_add(&page->lru, &bn->free[order]);
			bn->nr_free += 1U << order;
			atomic_long_add(1L << order, &cached);
			spin_unlock(&bn->lock);
			return;
		}
		spin_unlock(&bn->lock);
	}
	__free_pages(page, order);
}

/* Give back the cached chunks above bounce_pool_pages, on every node. */
static void pool_trim(void)
{
	struct page *page;
	unsigned int o;
	int n;

	if (!nodes)
		return;		/* set at load, before p2pmap_bounce_init() (see there) */
	for (n = 0; n < nr_node_ids; n++) {
		struct bounce_node *bn = &nodes[n];

		for (;;) {
			page = NULL;
			spin_lock(&bn->lock);
			/* A cached chunk's order is the list it is on. */
			for (o = 0; o < P2PMAP_BOUNCE_ORDERS &&
			     bn->nr_free > READ_ONCE(bounce_pool_pages); o++) {
				page = pool_take(bn, o);
				if (page)
					break;
			}
			spin_unlock(&bn->lock);
			if (!page)
				break;
			__free_pages(page, o);
			cond_resched();
		}
	}
}

/* The largest chunk order the client takes as one DMA segment. */
static unsigned int max_order(const struct p2pmap_mapping *map)
{
	unsigned int order = P2PMAP_BOUNCE_MAX_ORDER;

	while (order && ((PAGE_SIZE << order) > map->max_seg ||
			 (PAGE_SIZE << order) - 1 > map->seg_boundary))
		order--;
	return order;
}

/**
 * p2pmap_bounce_get() - take the bounce chunks of a mapping, before its table is made
 * @map: the mapping, decided, with @map->nr_bounce pages reserved
 *
 * Each bounced source entry gets chunks for the pages it touches, in order, largest first:
 * @map->chunks, which p2pmap_walk_dst() then follows (one destination entry per chunk) and
 * p2pmap_bounce_fill() fills. What is left there when the mapping fails,
 * p2pmap_bounce_put_chunks() frees.
 *
 * Return: 0, -ENOMEM, or -EIO when no memory the client reaches can be had.
 */
int p2pmap_bounce_get(struct p2pmap_mapping *map)
{
	unsigned int max = max_order(map), s, k;
	struct scatterlist *sg = map->src->sgl;

	map->chunks = kvmalloc_array(map->nr_bounce, sizeof(*map->chunks), GFP_KERNEL);
	if (!map->chunks)
		return -ENOMEM;
	map->nr_chunks = 0;
	for (s = 0; s < map->nr_segs; s++) {
		const struct p2pmap_seg *seg = &map->segs[s];

		for (k = 0; k < seg->src_nents; k++, sg = sg_next(sg)) {
			unsigned long left = DIV_ROUND_UP(offset_in_page(sg->offset) + sg->length,
							  PAGE_SIZE);

			while (seg->kind == P2PMAP_SEG_BOUNCE && left) {
				unsigned int order = min_t(unsigned int, max, ilog2(left));
				struct page *page = chunk_alloc(map, &order);

				if (IS_ERR_OR_NULL(page))
					return page ? PTR_ERR(page) : -ENOMEM;
				map->chunks[map->nr_chunks++] = page;
				left -= 1UL << order;
			}
		}
	}
	return 0;
}

/**
 * p2pmap_bounce_put_chunks() - free the chunks p2pmap_bounce_get() took and no table holds
 * @map: the mapping
 *
 * Once the table is filled, the chunks are its entries' (p2pmap_bounce_free_piece()):
 * call this with @map->nr_chunks 0 then, to free the list alone.
 */
void p2pmap_bounce_put_chunks(struct p2pmap_mapping *map)
{
	unsigned int i;

	for (i = 0; i < map->nr_chunks; i++)
		chunk_free(map->chunks[i], map->ram_limit);
	kvfree(map->chunks);
	map->chunks = NULL;
	map->nr_chunks = 0;
}

/* A provider that is gone for good (surprise removal): its BAR is not there to read or write. */
static bool provider_gone(struct pci_dev *provider)
{
	return READ_ONCE(provider->error_state) == pci_channel_io_perm_failure;
}

/*
 * Whether the device memory a copy reads from is still there: -ENODEV when its provider is
 * gone (each read would wait out a completion timeout, or fault). The copy in at map time
 * (@filling) looks at every provider of the mapping, one look each (its decisions, which are
 * still there while it is being made), and also stops when one is being unbound: the unbind
 * waits for the mapping's pins. Later copies look at the provider of @page.
 */
static int providers_check(struct p2pmap_mapping *map, struct page *page, bool filling)
{
	struct pci_dev *provider;
	unsigned int i;

	if (filling) {
		for (i = 0; i < map->nr_choices; i++) {
			provider = map->choices[i].provider;
			if (provider_gone(provider) || p2pmap_provider_unbinding(provider))
				return -ENODEV;
		}
		return 0;
	}
	if (!is_pci_p2pdma_page(page))
		return 0;
	provider = p2pmap_page_provider(page);
	return !provider || provider_gone(provider) ? -ENODEV : 0;
}

/*
 * Whether a copy of @map goes on after @len more bytes. Every copy reschedules. A
 * /dev/p2pmap mapping's copy (@map->stop set) also stops: -EINTR on a fatal signal (its task
 * is being killed), -ENODEV when *@map->stop (its client's unregistration, its handle's
 * take-down). A copy from @page (NULL: a copy to device memory, which posted writes make
 * harmless) stops as providers_check() says. A driver's own mapping is copied whole unless
 * its device memory is gone: its caller cannot tell a short copy from failed I/O.
 */
static int copy_check(struct p2pmap_mapping *map, unsigned int len, struct page *page,
		      bool filling)
{
	map->copy_since += len;
	if (likely(map->copy_since < P2PMAP_COPY_SLICE))
		return 0;
	map->copy_since = 0;
	cond_resched();
	if (map->stop) {
		if (fatal_signal_pending(current))
			return -EINTR;
		if (READ_ONCE(*map->stop))
			return -ENODEV;
	}
	return page ? providers_check(map, page, filling) : 0;
}

/*
 * The copies between bounced memory and bounce chunks. Device (P2P) memory only through the
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

/*
 * A device that is gone (surprise removal: its channel failed for good) has no memory left to
 * write: what the client wrote for it is lost, and the CPU does not write into a BAR that is
 * no longer there. A device in error recovery (frozen) may come back: it is written.
 * Return: false when the bytes were dropped, so the caller can say the data was lost.
 */
static bool bounce_write(struct page *page, unsigned int off, const void *from,
			 unsigned int len)
{
	void *to = page_address(page) + off;

	if (is_pci_p2pdma_page(page)) {
		struct pci_dev *provider = p2pmap_page_provider(page);

		if (!provider || provider_gone(provider))
			return false;
		p2pmap_iocopy_to_dev(to, from, len);
		p2pmap_count(bytes_devmem_written, len);
	} else {
		memcpy(to, from, len);
	}
	return true;
}

/**
 * p2pmap_bounce_fill() - the next bounce chunk of a mapping, holding a copy of a piece
 * @map: the mapping, its chunks taken (p2pmap_bounce_get()); @map->chunk_pos is the chunk
 * @page: first page of the piece bounced (physically contiguous with the rest of it)
 * @off: offset of the piece in @page
 * @len: bytes of the piece (@off + @len <= the chunk's size)
 *
 * The copy lands at the same offset in the chunk. When the copy must stop (copy_check()),
 * @map->copy_err says why, and p2pmap_fill_piece() puts the chunks that follow into the
 * table without a copy: the table is still made whole, so that the failed mapping releases
 * as any other.
 *
 * Return: the chunk's first page.
 */
struct page *p2pmap_bounce_fill(struct p2pmap_mapping *map, struct page *page, unsigned int off,
				unsigned int len)
{
	struct page *bp = map->chunks[map->chunk_pos];
	size_t size = PAGE_SIZE << page_private(bp);

	/*
	 * Copy in for every direction: a device that writes only part of a FROM_DEVICE buffer
	 * must not make the copy-out write stale bounce data (or another user's data) back.
	 * Not when the caller said what the device writes (P2PMAP_MAP_DEVICE_WRITES): only that
	 * is copied back, so the copy in, a read of device memory, is not needed; the chunk is
	 * zeroed instead. Zero the rest of the chunk: chunks are recycled, and a device behind an
	 * IOMMU reaches all of it, so it must not find an earlier mapping's data there. Only the
	 * head and tail of a partly used chunk are written, never a byte twice.
	 */
	if (map->device_writes) {
		memset(page_address(bp), 0, size);
		return bp;
	}
	map->copy_err = copy_check(map, len, page, true);
	if (map->copy_err)
		return bp;
	if (off)
		memset(page_address(bp), 0, off);
	bounce_read(page_address(bp) + off, page, off, len);
	if (off + len < size)
		memset(page_address(bp) + off + len, 0, size - off - len);
	return bp;
}

/*
 * The pieces of a mapping's destination table (p2pmap_piece_fn): copy a bounced piece in
 * (CPU to bounce page), out (bounce page to CPU), or give its bounce page back. A copy out
 * copies only the first @map->copy_left bytes of the buffer (what the device wrote): the
 * walk goes through the buffer in order, every piece counts. A copy that must stop
 * (copy_check()) ends the walk with its error in @map->copy_err.
 */
int p2pmap_bounce_copy_in(struct p2pmap_mapping *map, struct scatterlist *dsg,
			  struct page *page, unsigned int off, unsigned int len, bool bounced)
{
	if (!bounced)
		return 0;
	map->copy_err = copy_check(map, len, page, false);
	if (map->copy_err)
		return map->copy_err;
	bounce_read(page_address(sg_page(dsg)) + off, page, off, len);
	return 0;
}

int p2pmap_bounce_copy_out(struct p2pmap_mapping *map, struct scatterlist *dsg,
			   struct page *page, unsigned int off, unsigned int len, bool bounced)
{
	unsigned int n = min_t(u64, len, map->copy_left);

	if (bounced && n) {
		map->copy_err = copy_check(map, n, NULL, false);
		if (map->copy_err)
			return map->copy_err;
		if (bounce_write(page, off, page_address(sg_page(dsg)) + off, n))
			map->copied += n;
		else
			map->copy_lost = true;	/* the walk goes on: the rest is delivered */
	}
	map->copy_left -= n;
	return map->copy_left ? 0 : 1;	/* nothing left: stop the walk */
}

/**
 * p2pmap_bounce_copy_span() - copy bounced bytes of a registration's slice
 * @bounce: kernel address of their copy in a bounce chunk
 * @page: first page of the bounced memory, physically contiguous for @len bytes
 * @off: offset of the first byte in @page
 * @len: bytes, at most one bounce chunk
 * @in: into the chunk (the memory is read) or back (it is written)
 *
 * Return: 0, or -ENODEV when the device memory is gone (surprise removal): nothing was read,
 * or the write was dropped, as bounce_write() says.
 */
int p2pmap_bounce_copy_span(void *bounce, struct page *page, unsigned int off, size_t len,
			    bool in)
{
	page = nth_page(page, off >> PAGE_SHIFT);
	off = offset_in_page(off);
	if (in) {
		if (is_pci_p2pdma_page(page)) {
			struct pci_dev *provider = p2pmap_page_provider(page);

			if (!provider || provider_gone(provider))
				return -ENODEV;
		}
		bounce_read(bounce, page, off, len);
		return 0;
	}
	return bounce_write(page, off, bounce, len) ? 0 : -ENODEV;
}

int p2pmap_bounce_free_piece(struct p2pmap_mapping *map, struct scatterlist *dsg,
			     struct page *page, unsigned int off, unsigned int len, bool bounced)
{
	if (bounced && sg_page(dsg))
		chunk_free(sg_page(dsg), map->ram_limit);
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

/*
 * The parameters' files exist while the module initialises and exits: @nodes is published
 * and withdrawn under the parameters' lock, which pool_pages_set() runs under.
 */
int p2pmap_bounce_init(void)
{
	struct bounce_node *nd;
	int n, o;

	nd = kcalloc(nr_node_ids, sizeof(*nd), GFP_KERNEL);
	if (!nd)
		return -ENOMEM;
	for (n = 0; n < nr_node_ids; n++) {
		spin_lock_init(&nd[n].lock);
		for (o = 0; o < P2PMAP_BOUNCE_ORDERS; o++)
			INIT_LIST_HEAD(&nd[n].free[o]);
	}
	kernel_param_lock(THIS_MODULE);
	nodes = nd;
	kernel_param_unlock(THIS_MODULE);
	return 0;
}

void p2pmap_bounce_exit(void)
{
	struct page *page, *tmp;
	int n, o;

	WARN_ON(atomic_long_read(&in_use));
	kernel_param_lock(THIS_MODULE);
	for (n = 0; n < nr_node_ids; n++) {
		for (o = 0; o < P2PMAP_BOUNCE_ORDERS; o++) {
			list_for_each_entry_safe(page, tmp, &nodes[n].free[o], lru) {
				list_del(&page->lru);
				__free_pages(page, o);
			}
		}
	}
	kfree(nodes);
	nodes = NULL;
	kernel_param_unlock(THIS_MODULE);
}
