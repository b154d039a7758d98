// SPDX-License-Identifier: GPL-2.0-only
/*
 * P2P-aware GUP and dual-path DMA mapping: the exported client API.
 *
 *   pin (FOLL_PCI_P2PDMA) -> CPU sg_table -> segments (RAM, or P2P by provider)
 *   -> one decision per provider -> bounce pages replace bounced P2P entries
 *   -> one dma_map_sgtable() for the client
 *
 * The kernel's dma_map_sgtable() maps RAM and P2P pages alike (PCI bus addresses for pairs
 * behind a common switch), but fails the whole list with -EREMOTEIO as soon as one P2P page
 * is unreachable. p2pmap only hands it what the client can reach: bounced segments become
 * ordinary RAM pages, copied in at map time and copied back on sync/unmap.
 */
#include <linux/dma-mapping.h>
#include <linux/error-injection.h>
#include <linux/hash.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "mapping.h"
#include "trace.h"

/*
 * The largest buffer a mapping can serve: its page array (one pointer per page, a page more
 * for an unaligned buffer) is one kvmalloc(), which refuses (and warns about) more than
 * INT_MAX bytes; with 8-byte pointers and 4 KiB pages that is just under 1 TiB. The counts of
 * pages and table entries (unsigned int, one bounce entry per page) fit well within that.
 * The setter refuses 0 and anything above this with EINVAL and keeps the old value.
 */
#define P2PMAP_MAX_MAP_BYTES_LIMIT \
	((unsigned long)(INT_MAX / sizeof(struct page *) - 1) << PAGE_SHIFT)

unsigned long p2pmap_max_map_bytes = 1UL << 30;

static int max_map_bytes_set(const char *val, const struct kernel_param *kp)
{
	return p2pmap_param_set_ulong(val, kp, 1, P2PMAP_MAX_MAP_BYTES_LIMIT);
}

static const struct kernel_param_ops max_map_bytes_ops = {
	.set = max_map_bytes_set,
	.get = param_get_ulong,
};

module_param_cb(max_map_bytes, &max_map_bytes_ops, &p2pmap_max_map_bytes, 0644);
MODULE_PARM_DESC(max_map_bytes,
		 "Largest buffer one mapping may cover, 1 .. just under 1 TiB with 4 KiB pages (default 1 GiB)");

/* Mappings are made and freed per I/O: a cache of their own, of their exact size. */
static struct kmem_cache *mapping_cache;

int p2pmap_map_init(void)
{
	mapping_cache = KMEM_CACHE(p2pmap_mapping, 0);
	return mapping_cache ? 0 : -ENOMEM;
}

void p2pmap_map_exit(void)
{
	kmem_cache_destroy(mapping_cache);
}

/**
 * p2pmap_dir_from_uapi() - the DMA direction of a UAPI one (enum p2pmap_dir)
 * @dir: P2PMAP_DIR_*
 * @out: the direction
 *
 * Return: 0, or -EINVAL for a value the UAPI does not know.
 */
int p2pmap_dir_from_uapi(u32 dir, enum dma_data_direction *out)
{
	switch (dir) {
	case P2PMAP_DIR_TO_DEVICE:
		*out = DMA_TO_DEVICE;
		return 0;
	case P2PMAP_DIR_FROM_DEVICE:
		*out = DMA_FROM_DEVICE;
		return 0;
	case P2PMAP_DIR_BIDIRECTIONAL:
		*out = DMA_BIDIRECTIONAL;
		return 0;
	}
	return -EINVAL;
}

static bool dir_reads_back(enum dma_data_direction dir)
{
	return dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL;
}

/*
 * One decision per provider in the mapping. Fills in each P2P segment's final kind and reason
 * and returns the bounce pages needed, or a negative errno (-EPERM when a provider is
 * rejected). The choices stay in @map, with their pair references, until they are counted.
 */
static long decide_all(struct p2pmap_mapping *map)
{
	unsigned int s, c, room = 1;
	struct p2pmap_choice *ch;
	long bounce_pages = 0;
	int ret;

	/*
	 * Gather the providers and what the mapping asks of each. The array grows with the
	 * providers, not with the segments: a buffer that alternates RAM and P2P pages of one
	 * provider has one choice however many segments it has.
	 */
	ch = &map->inline_choice;
	map->choices = ch;
	for (s = 0; s < map->nr_segs; s++) {
		struct p2pmap_seg *seg = &map->segs[s];

		if (seg->kind != P2PMAP_SEG_P2P)
			continue;
		for (c = 0; c < map->nr_choices && ch[c].provider != seg->provider; c++)
			;
		if (c == map->nr_choices) {
			if (c == room) {
				struct p2pmap_choice *more;

				more = kcalloc(room * 2, sizeof(*more), GFP_KERNEL);
				if (!more)
					return -ENOMEM;
				memcpy(more, ch, c * sizeof(*ch));
				if (ch != &map->inline_choice)
					kfree(ch);
				ch = more;
				map->choices = ch;
				room *= 2;
			}
			ch[c] = (struct p2pmap_choice){
				.provider = seg->provider,
				.req.dir = p2pmap_dir_to_uapi(map->dir),
				.req.total_len = map->len,
			};
			map->nr_choices++;
		}
		ch[c].req.len += seg->len;
		ch[c].req.nr_pages += seg->nr_pages;
		ch[c].req.top = max(ch[c].req.top, seg->top);
	}
	if (!map->nr_choices)
		map->choices = NULL;	/* no P2P memory, but RAM may still bounce (reach.c) */

	for (c = 0; c < map->nr_choices; c++) {
		struct p2pmap_choice *pre = map->preset;

		if (pre && pre->pair && pre->provider == ch[c].provider) {
			/*
			 * Decided already (io.c): the decision and its pair are the mapping's,
			 * unless the provider's unbind started since (the repin may have slept).
			 */
			if (p2pmap_provider_unbinding(ch[c].provider))
				return -ENODEV;
			ch[c].pair = pre->pair;
			ch[c].verdict = pre->verdict;
			ch[c].reason = pre->reason;
			ch[c].shadow = pre->shadow;
			pre->pair = NULL;
			continue;
		}
		ret = p2pmap_choose(&ch[c], map->client);
		if (ret)
			return ret;
	}
	for (c = 0; c < map->nr_choices; c++)
		if (ch[c].verdict == P2PMAP_VERDICT_REJECT)
			return -EPERM;

	/* Final kinds, and one bounce page per page a bounced entry touches (seg->nr_pages). */
	for (s = 0; s < map->nr_segs; s++) {
		struct p2pmap_seg *seg = &map->segs[s];

		if (seg->kind == P2PMAP_SEG_P2P) {
			for (c = 0; ch[c].provider != seg->provider; c++)
				;
			seg->reason = ch[c].reason;
			if (ch[c].verdict != P2PMAP_VERDICT_P2P) {
				seg->kind = P2PMAP_SEG_BOUNCE;
			} else {
				u32 kv = ch[c].pair ? ch[c].pair->facts.kernel_verdict : 0;

				seg->bus = kv == P2PMAP_KV_BUS_ADDR;
				/* P2P on a refused pair: a verified override (decide.c). */
				seg->resource = kv == P2PMAP_KV_NOT_SUPPORTED;
			}
		}
		if (seg->kind == P2PMAP_SEG_BOUNCE)
			bounce_pages += seg->nr_pages;
	}
	return bounce_pages;
}

/* Count the decisions (once, whatever the outcome) and drop the pair references. */
static void put_choices(struct p2pmap_mapping *map, int ret)
{
	unsigned int c;

	if (!map->choices)
		return;
	p2pmap_stats_account(map->choices, map->nr_choices, ret);
	for (c = 0; c < map->nr_choices; c++)
		if (map->choices[c].pair)
			p2pmap_pair_put(map->choices[c].pair);
	if (map->choices != &map->inline_choice)
		kfree(map->choices);
	map->choices = NULL;
	map->nr_choices = 0;
}

/*
 * Build the table the client maps: take the bounce chunks, then the table, then copy bounced
 * data in. After the table is allocated only the copy can fail (a fatal signal, a take-down:
 * copy_check() in bounce.c), and the table is made whole even then, so release() frees it as
 * any other.
 * When the bounce cap refuses the pages, the bounced providers' reason becomes
 * P2PMAP_REASON_BOUNCE_CAP, so their pairs' statistics say why the mapping failed.
 */
static int build_dst(struct p2pmap_mapping *map, unsigned long nr_bounce)
{
	unsigned int c, nents;
	int ret;

	/*
	 * A bounce chunk is at least a page and is one DMA segment: a client whose segments
	 * are smaller, or may not cross a boundary inside a page, cannot take one.
	 */
	if (nr_bounce && (map->max_seg < PAGE_SIZE || map->seg_boundary < PAGE_SIZE - 1))
		return -EOPNOTSUPP;
	ret = p2pmap_bounce_reserve(nr_bounce, map->uapi);
	if (ret) {
		for (c = 0; c < map->nr_choices; c++)
			if (map->choices[c].verdict == P2PMAP_VERDICT_BOUNCE)
				map->choices[c].reason = P2PMAP_REASON_BOUNCE_CAP;
		return ret;
	}
	map->nr_bounce = nr_bounce;
	if (nr_bounce) {
		ret = p2pmap_bounce_get(map);
		if (ret)
			return ret;
	}

	nents = p2pmap_walk_dst(map, NULL);
	ret = sg_alloc_table(&map->own_dst, nents, GFP_KERNEL);
	if (ret)
		return ret;
	map->dst = &map->own_dst;
	p2pmap_walk_dst(map, p2pmap_fill_piece);
	map->nr_chunks = 0;		/* the table's entries hold them now */
	p2pmap_bounce_put_chunks(map);
	if (map->copy_err)
		return map->copy_err;
	if (map->sum.bytes_bounce && !map->device_writes)
		trace_p2pmap_bounce_copy(map->client, map->sum.bytes_bounce, true);
	return 0;
}

/* Undo whatever part of a mapping exists. Safe on a partly built mapping. */
static void release(struct p2pmap_mapping *map)
{
	unsigned int s;

	if (map->dma_mapped)
		p2pmap_runs_unmap(map);
	if (map->view.sgl)
		sg_free_table(&map->view);
	if (map->runs != &map->inline_run)
		kvfree(map->runs);
	p2pmap_unclaim(map);
	if (map->ranges != &map->inline_range)
		kvfree(map->ranges);
	p2pmap_bounce_put_chunks(map);	/* taken, not yet in a table (a failure) */
	if (map->dst == &map->own_dst) {
		if (map->nr_bounce)
			p2pmap_walk_dst(map, p2pmap_bounce_free_piece);
		sg_free_table(&map->own_dst);
	}
	p2pmap_bounce_unreserve(map->nr_bounce);
	if (map->src == &map->own_src)
		sg_free_table(&map->own_src);

	if (map->pages) {
		/*
		 * Dirty only RAM the device may have written, directly or through a bounce page;
		 * P2P pages have no backing store.
		 */
		bool dirty = dir_reads_back(map->dir) && map->live;
		unsigned int p = 0;

		for (s = 0; s < map->nr_segs; s++) {
			const struct p2pmap_seg *seg = &map->segs[s];
			u64 last = map->first_off + seg->offset + seg->len - 1;
			unsigned int end = last >> PAGE_SHIFT;

			unpin_user_pages_dirty_lock(map->pages + p, end + 1 - p,
						    dirty && !seg->provider);
			p = end + 1;
		}
		if (p < map->nr_pages)
			unpin_user_pages(map->pages + p, map->nr_pages - p);
		p2pmap_count(pinned_pages, -(s64)map->nr_pages);
		if (map->pages != map->inline_pages)
			kvfree(map->pages);
	}
	if (map->segs != map->inline_segs)
		kvfree(map->segs);
	put_choices(map, -EINVAL);	/* only if a failure left them */
	kmem_cache_free(mapping_cache, map);
}

static struct p2pmap_mapping *alloc_mapping(struct device *client, enum dma_data_direction dir,
					    unsigned int flags)
{
	struct p2pmap_mapping *map;

	if (!client || (flags & ~P2PMAP_MAP_DEVICE_WRITES) || !valid_dma_direction(dir))
		return ERR_PTR(-EINVAL);
	/* A device that reads the buffer needs the bounce pages filled. */
	if ((flags & P2PMAP_MAP_DEVICE_WRITES) && dir != DMA_FROM_DEVICE)
		return ERR_PTR(-EINVAL);
	map = kmem_cache_alloc(mapping_cache, GFP_KERNEL);
	if (!map)
		return ERR_PTR(-ENOMEM);
	/*
	 * Only the fields before the inline arrays start zeroed: each inline array is written
	 * before it is read. Nothing else may follow inline_segs (mapping.h).
	 */
	BUILD_BUG_ON(offsetof(struct p2pmap_mapping, inline_choice) !=
		     offsetofend(struct p2pmap_mapping, inline_segs) ||
		     offsetof(struct p2pmap_mapping, inline_pages) !=
		     offsetofend(struct p2pmap_mapping, inline_choice) ||
		     offsetof(struct p2pmap_mapping, inline_range) !=
		     offsetofend(struct p2pmap_mapping, inline_pages) ||
		     offsetofend(struct p2pmap_mapping, inline_range) != sizeof(*map));
	memset(map, 0, offsetof(struct p2pmap_mapping, inline_segs));
	map->start_ns = trace_p2pmap_map_enabled() ? ktime_get_ns() : 0;
	map->client = client;		/* the caller's until p2pmap_unmap(), as in the DMA API */
	map->dir = dir;
	map->device_writes = flags & P2PMAP_MAP_DEVICE_WRITES;
	map->node = dev_to_node(client);
	map->segs = map->inline_segs;
	map->max_seg = dma_get_max_seg_size(client);
	map->seg_boundary = dma_get_seg_boundary(client);
	map->ram_limit = p2pmap_ram_dma_limit(client);
	map->bounce_gfp = p2pmap_bounce_gfp(client, map->ram_limit);
	return map;
}

/* For the map tracepoint: 0 if tracing started while this mapping was being made. */
static u64 map_ns(struct p2pmap_mapping *map)
{
	return map->start_ns ? ktime_get_ns() - map->start_ns : 0;
}

/* A mapping failed: count and trace it, and undo what exists. */
static struct p2pmap_mapping *map_failed(struct p2pmap_mapping *map, int ret)
{
	p2pmap_count(map_errors, 1);
	put_choices(map, ret);
	if (trace_p2pmap_map_enabled())
		trace_p2pmap_map(map->client, map->len, p2pmap_dir_to_uapi(map->dir), 0, 0, 0, 0,
				 map_ns(map), ret);
	release(map);
	return ERR_PTR(ret);
}

/*
 * The DMA mapping itself, on its own so fault injection can fail it (fail_function: a
 * failed IOMMU or swiotlb mapping is rare and otherwise untestable).
 */
static noinline int p2pmap_dma_map(struct p2pmap_mapping *map)
{
	if (map->nr_runs)
		return p2pmap_runs_map(map);
	return dma_map_sgtable(map->client, map->dst, map->dir, 0);
}
ALLOW_ERROR_INJECTION(p2pmap_dma_map, ERRNO);

/*
 * Segment, claim, decide, bounce, DMA-map: the common part of both entry points.
 *
 * A registration's mapping (/dev/p2pmap's, p2pmap_register()'s) is claimed before its
 * decisions, whatever they say. A driver's one-I/O mapping is claimed after them, and only
 * if p2pmap bounces part of it or the DMA API may not map it in place
 * (p2pmap_dma_in_place()): otherwise no copy back and no cache maintenance touches it, so
 * an overlap can garble only the overlapping bytes, as two dma_map_sg() of one buffer can,
 * the DMA API's contract (docs/contract.md); nor are its own entries checked against each
 * other. The claims of the others then keep them apart from each other, not from it.
 */
static struct p2pmap_mapping *finish_map(struct p2pmap_mapping *map)
{
	long nr_bounce;
	int ret, pieces;

	ret = p2pmap_make_segments(map);
	if (ret)
		return map_failed(map, ret);
	ret = map->uapi ? p2pmap_claim(map) : 0;
	if (ret)
		return map_failed(map, ret);
	nr_bounce = decide_all(map);
	if (nr_bounce < 0)
		return map_failed(map, nr_bounce);
	if (!map->uapi && (nr_bounce || !p2pmap_dma_in_place(map->client))) {
		ret = p2pmap_claim(map);
		if (ret)
			return map_failed(map, ret);
	}
	p2pmap_sum_segments(map);
	pieces = nr_bounce ? 0 : map->nr_pieces;
	if (nr_bounce || map->src != &map->own_src || pieces != map->src->orig_nents) {
		ret = build_dst(map, nr_bounce);
		if (ret)
			return map_failed(map, ret);
	} else {
		map->dst = map->src;
	}
	map->table = map->dst;
	ret = p2pmap_runs_make(map);
	if (ret)
		return map_failed(map, ret);

	/*
	 * A plain map (in runs if there are PCI bus addresses): the DMA API does the CPU sync
	 * for the device itself, skipping bus-address entries, and DMA-API debug keeps its
	 * overlap check (p2pmap_claim() refused the overlaps its rule covers already).
	 */
	ret = p2pmap_dma_map(map);
	if (ret)
		return map_failed(map, ret);
	map->dma_mapped = true;
	if (!p2pmap_dma_table_reachable(map->client, map->table)) {
		/* Never hand a client an address its mask cannot reach (reach.c). */
		dev_warn_ratelimited(map->client,
				     "p2pmap: a DMA address beyond the device's mask; mapping refused\n");
		return map_failed(map, -EIO);
	}
	map->live = true;

	put_choices(map, 0);
	p2pmap_count(bytes_ram, map->sum.bytes_ram);
	p2pmap_count(bytes_p2p, map->sum.bytes_p2p);
	p2pmap_count(bytes_bounce, map->sum.bytes_bounce);
	p2pmap_count(maps, 1);
	p2pmap_count(mappings_active, 1);
	/* Only pay for the clock when someone listens. */
	if (trace_p2pmap_map_enabled())
		trace_p2pmap_map(map->client, map->len, p2pmap_dir_to_uapi(map->dir),
				 map->nr_segs, map->sum.bytes_ram, map->sum.bytes_p2p,
				 map->sum.bytes_bounce, map_ns(map), 0);
	return map;
}

/*
 * Pin all of [@start, +@nr pages) into @pages, as many calls as GUP needs. Return: 0, or a
 * negative errno with nothing pinned.
 */
static int pin_range(unsigned long start, unsigned int nr, unsigned int gup, struct page **pages)
{
	unsigned int done = 0;
	int ret;

	while (done < nr) {
		ret = pin_user_pages_fast(start + ((unsigned long)done << PAGE_SHIFT), nr - done,
					  gup, pages + done);
		if (ret <= 0) {
			unpin_user_pages(pages, done);
			return ret ?: -EFAULT;
		}
		done += ret;
	}
	return 0;
}

/*
 * Pin @nr pages from @start into @pages. Short-term: one FOLL_PCI_P2PDMA pin of them all.
 * Long-term (a registration): RAM is pinned with FOLL_LONGTERM, which migrates it out of
 * ZONE_MOVABLE and CMA first; the kernel refuses that for P2P pages (a pagemap must stay
 * removable), so those keep a short-term pin and the registration is revocable. All-RAM is
 * one long-term pin; otherwise the range is pinned short-term and each RAM run in it pinned
 * again long-term. Return: 0, or a negative errno with nothing pinned.
 */
static int pin_pages(unsigned long start, unsigned int nr, unsigned int gup, bool longterm,
		     struct page **pages)
{
	unsigned int i = 0, run, k;
	int ret;

	if (longterm && !pin_range(start, nr, gup | FOLL_LONGTERM, pages))
		return 0;
	ret = pin_range(start, nr, gup | FOLL_PCI_P2PDMA, pages);
	if (ret || !longterm)
		return ret;
	while (i < nr) {
		for (run = 0; i + run < nr && !is_pci_p2pdma_page(pages[i + run]); run++)
			;
		if (!run) {
			i++;
			continue;
		}
		unpin_user_pages(pages + i, run);
		ret = pin_range(start + ((unsigned long)i << PAGE_SHIFT), run,
				gup | FOLL_LONGTERM, pages + i);
		if (ret) {
			/* Changed under us (now P2P, or a hole): unpin all but the lost run. */
			for (k = 0; k < nr; k++)
				if (k < i || k >= i + run)
					unpin_user_page(pages[k]);
			return ret;
		}
		i += run;
	}
	return 0;
}

/*
 * p2pmap_map_user() in two steps, for /dev/p2pmap and registrations: p2pmap_pin_user() pins
 * the buffer (long-term if @longterm, see pin_pages()) and makes its CPU table, touching
 * nothing of the client's driver, so that a fault that stalls for long (userfaultfd, FUSE)
 * holds no lock a teardown needs; p2pmap_map_pinned() does the rest. A copy that @stop (when
 * not NULL) turns true stops, and the mapping fails with -ENODEV, as it does if @stop is true
 * at the start.
 */
struct p2pmap_mapping *p2pmap_pin_user(struct device *client, unsigned long uaddr, size_t len,
				       enum dma_data_direction dir, unsigned int flags,
				       bool longterm)
{
	unsigned int gup = 0, max_seg;
	struct p2pmap_mapping *map;
	unsigned long end;
	int ret;

	if (!len || len > READ_ONCE(p2pmap_max_map_bytes) || check_add_overflow(uaddr, len, &end))
		return ERR_PTR(-EINVAL);
	map = alloc_mapping(client, dir, flags);
	if (IS_ERR(map))
		return map;

	map->len = len;
	map->first_off = offset_in_page(uaddr);
	map->nr_pages = DIV_ROUND_UP(map->first_off + len, PAGE_SIZE);
	map->pages = map->inline_pages;
	if (map->nr_pages > P2PMAP_INLINE_PAGES)
		map->pages = kvmalloc_array(map->nr_pages, sizeof(*map->pages), GFP_KERNEL);
	if (!map->pages) {
		ret = -ENOMEM;
		goto fail;
	}
	if (dir_reads_back(dir))
		gup |= FOLL_WRITE;
	ret = pin_pages(uaddr & PAGE_MASK, map->nr_pages, gup, longterm, map->pages);
	if (ret) {
		if (map->pages != map->inline_pages)
			kvfree(map->pages);
		map->pages = NULL;
		goto fail;
	}
	p2pmap_count(pinned_pages, map->nr_pages);

	max_seg = max_t(unsigned int, map->max_seg & PAGE_MASK, PAGE_SIZE);
	ret = sg_alloc_table_from_pages_segment(&map->own_src, map->pages, map->nr_pages,
						map->first_off, len, max_seg, GFP_KERNEL);
	if (ret) {
		/* release() unpins: own_src is empty and there are no segments yet. */
		map->src = NULL;
		goto fail;
	}
	map->src = &map->own_src;
	return map;

fail:
	return map_failed(map, ret);
}

struct p2pmap_mapping *p2pmap_map_pinned(struct p2pmap_mapping *map, const bool *stop)
{
	map->stop = stop;
	map->uapi = !!stop;
	if (stop && READ_ONCE(*stop))
		return map_failed(map, -ENODEV);
	map = finish_map(map);
	if (!IS_ERR(map))
		map->stop = NULL;
	return map;
}

/* From now on a copy of @map stops once *@stop is true (see p2pmap_map_pinned()). */
void p2pmap_map_set_stop(struct p2pmap_mapping *map, const bool *stop)
{
	map->stop = stop;
}

/*
 * The unmap of @map is to leave the CPU's view alone (DMA_ATTR_SKIP_CPU_SYNC): its user synced
 * what it needed, and a swiotlb or cache sync of all of it would overwrite later CPU writes.
 */
void p2pmap_map_skip_cpu_sync(struct p2pmap_mapping *map)
{
	map->unmap_attrs = DMA_ATTR_SKIP_CPU_SYNC;
}

/**
 * p2pmap_map_user() - pin user memory and DMA-map it for a client
 * @client: the device that will do the DMA; the mapping is its bound driver's, which unmaps
 *	it before its remove() returns, as with the DMA API (p2pmap takes no device reference)
 * @uaddr: user virtual address of the buffer, in the current process; any alignment
 * @len: bytes, 1 .. max_map_bytes (module parameter)
 * @dir: DMA direction
 * @flags: 0, or P2PMAP_MAP_DEVICE_WRITES (DMA_FROM_DEVICE only): the bounce pages are not
 *	filled from the buffer; the device writes the buffer from its start and the caller says
 *	how far at p2pmap_unmap_written() (p2pmap_unmap(): all of it)
 *
 * The buffer may mix system RAM with P2P memory of any number of providers (for example
 * p2pmem mapped from /sys/bus/pci/devices/.../p2pmem/allocate). Pages are pinned with
 * pin_user_pages_fast(FOLL_PCI_P2PDMA): short-term pins, because the kernel refuses
 * FOLL_LONGTERM for P2P pages (a pagemap must stay removable), so do not keep a mapping
 * beyond the I/O it serves. For each provider the client's path is decided once (built-in
 * rule or the attached policy); P2P memory the client cannot or should not reach directly
 * is replaced by bounce pages, filled from the P2P memory now and copied back by
 * p2pmap_sync_for_cpu() and p2pmap_unmap() for FROM_DEVICE and BIDIRECTIONAL mappings.
 * Filling them reads the P2P memory with the CPU, the slowest part of the bounce path on real
 * hardware; P2PMAP_MAP_DEVICE_WRITES skips it (see @flags).
 *
 * The table keeps to the rules of include/p2pmap.h (DOC: DMA addresses, Bounce buffers).
 *
 * Context: process context, may sleep; allocates with GFP_KERNEL and may fault in user
 * pages, so an I/O path maps resident memory under memalloc_noio_save().
 * Return: the mapping, or an ERR_PTR: -EINVAL (bad argument, range or flag), -EFAULT (range not
 * mapped, or not writable for a device-written mapping), -ENOMEM, -EBUSY (bounce cap),
 * -EPERM (a provider was rejected), -ENXIO (a P2P page whose provider cannot be found),
 * -EADDRINUSE (device-writable and overlapping another device-writable mapping, where the
 * overlap rule applies: DOC: DMA addresses), -ENODEV (a
 * provider or the client is being removed), -EOPNOTSUPP (memory to bounce for a client whose
 * DMA segment size or boundary is under a page). On error nothing is left pinned, allocated
 * or mapped.
 */
struct p2pmap_mapping *p2pmap_map_user(struct device *client, unsigned long uaddr,
				       size_t len, enum dma_data_direction dir,
				       unsigned int flags)
{
	return p2pmap_map_user_decided(client, uaddr, len, dir, flags, NULL);
}
EXPORT_SYMBOL_GPL(p2pmap_map_user);

/*
 * p2pmap_map_user() with the decision for one provider made already (@preset, or NULL): a
 * mapping of that provider takes it, its pair reference and its count, and clears
 * @preset->pair; a mapping of other memory leaves it to the caller.
 */
struct p2pmap_mapping *p2pmap_map_user_decided(struct device *client, unsigned long uaddr,
					       size_t len, enum dma_data_direction dir,
					       unsigned int flags, struct p2pmap_choice *preset)
{
	struct p2pmap_mapping *map = p2pmap_pin_user(client, uaddr, len, dir, flags, false);

	if (IS_ERR(map))
		return map;
	map->preset = preset;
	map = p2pmap_map_pinned(map, NULL);
	if (!IS_ERR(map))
		map->preset = NULL;
	return map;
}

/**
 * p2pmap_map_sgtable() - DMA-map kernel-owned memory for a client
 * @client: the device that will do the DMA; the mapping is its bound driver's, which unmaps
 *	it before its remove() returns, as with the DMA API (p2pmap takes no device reference)
 * @sgt: CPU scatterlist of the memory (RAM and/or P2P pages, e.g. from
 *	pci_p2pmem_alloc_sgl()), no entry empty; the caller keeps it unchanged and alive until
 *	p2pmap_unmap()
 * @dir: DMA direction
 * @flags: 0, or P2PMAP_MAP_DEVICE_WRITES (DMA_FROM_DEVICE only): the bounce pages are not
 *	filled from the buffer; the device writes the buffer from its start and the caller says
 *	how far at p2pmap_unmap_written() (p2pmap_unmap(): all of it)
 *
 * The same segmenting, decisions and bounce path as p2pmap_map_user(), for memory that the
 * kernel already owns, so kernel callers use the same SGL->DMA path. @sgt itself is not
 * DMA-mapped: p2pmap_sgtable() returns the table the client must use.
 *
 * Context: process context, may sleep; allocates with GFP_KERNEL. It touches no user memory,
 * so it is the entry point for I/O paths: called inside a memalloc_noio_save() scope, none of
 * its allocations recurses into I/O.
 * Return: the mapping or an ERR_PTR as for p2pmap_map_user().
 */
struct p2pmap_mapping *p2pmap_map_sgtable(struct device *client, struct sg_table *sgt,
					  enum dma_data_direction dir, unsigned int flags)
{
	struct p2pmap_mapping *map;
	struct scatterlist *sg;
	unsigned int i;

	if (!sgt || !sgt->orig_nents)
		return ERR_PTR(-EINVAL);
	/* An empty entry would have no bounce chunk to step over in the destination walk. */
	for_each_sgtable_sg(sgt, sg, i)
		if (!sg->length)
			return ERR_PTR(-EINVAL);
	map = alloc_mapping(client, dir, flags);
	if (IS_ERR(map))
		return map;
	map->src = sgt;
	for_each_sgtable_sg(sgt, sg, i)
		map->len += sg->length;
	return finish_map(map);
}
EXPORT_SYMBOL_GPL(p2pmap_map_sgtable);

/**
 * p2pmap_sgtable() - the DMA-mapped table of a mapping
 * @map: the mapping
 *
 * Walk it with for_each_sgtable_dma_sg(): only its DMA addresses and lengths are for the
 * client (@nents of them; @orig_nents and the CPU pages are not the client's to use).
 * Bounced segments show bounce pages, not the caller's memory, and a mapping with PCI
 * bus-address segments among others lists the DMA segments of its runs without CPU pages:
 * the CPU must not use it to reach the buffer.
 *
 * Return: the table, valid until p2pmap_unmap().
 */
struct sg_table *p2pmap_sgtable(struct p2pmap_mapping *map)
{
	return map->table;
}
EXPORT_SYMBOL_GPL(p2pmap_sgtable);

/**
 * p2pmap_summary() - what a mapping is made of
 * @map: the mapping
 * @sum: filled in: segments and bytes per path
 */
void p2pmap_summary(struct p2pmap_mapping *map, struct p2pmap_summary *sum)
{
	*sum = map->sum;
}
EXPORT_SYMBOL_GPL(p2pmap_summary);

/*
 * Copy the bounce pages of a device-written mapping back into the buffer: its first @written
 * bytes, the part the device wrote. 0, or the copy's error when it had to stop (bounce.c:
 * -EINTR, -ENODEV): the buffer then holds the device's data up to where it stopped.
 */
/*
 * Copy one piece back, except into P2P memory whose provider is being unbound: that memory
 * goes with the unbind, and a revoke's copy back into it would only delay the unbind (at a
 * GPU BAR's speed, by seconds per MiB). The piece is then passed on as not bounced, which
 * only counts it as done, and the copy back fails with -ENODEV once it has done the rest.
 */
static int copy_out_piece(struct p2pmap_mapping *map, struct scatterlist *dsg,
			  struct page *page, unsigned int off, unsigned int len, bool bounced)
{
	/* Lost only if a byte of it was to be copied: the walk visits one piece past the end. */
	if (bounced && map->copy_left && is_pci_p2pdma_page(page)) {
		struct pci_dev *provider = p2pmap_page_provider(page);

		if (provider && p2pmap_provider_unbinding(provider)) {
			map->copy_lost = true;
			bounced = false;
		}
	}
	return p2pmap_bounce_copy_out(map, dsg, page, off, len, bounced);
}

static int copy_back(struct p2pmap_mapping *map, u64 written)
{
	if (!map->nr_bounce || !dir_reads_back(map->dir))
		return 0;
	map->copy_left = min(written, map->len);
	map->copied = 0;
	map->copy_err = 0;
	map->copy_lost = false;
	map->copy_since = 0;
	p2pmap_walk_dst(map, copy_out_piece);
	trace_p2pmap_bounce_copy(map->client, map->copied, false);
	return map->copy_err ?: map->copy_lost ? -ENODEV : 0;
}

/**
 * p2pmap_sync_for_device() - give the buffer back to the device after CPU writes
 * @map: the mapping
 *
 * For TO_DEVICE and BIDIRECTIONAL mappings, copies the buffer's current content into the
 * bounce pages, then syncs the table for the device, except its PCI bus-address segments
 * (P2P memory reached through a switch has no CPU cache to maintain).
 *
 * Context: process context, may sleep: a long copy reschedules.
 * Return: 0, or -ENODEV when a provider of the buffer is gone (surprise removal): the device
 * must not be started on the buffer then, since its bounce pages hold only part of it.
 */
int p2pmap_sync_for_device(struct p2pmap_mapping *map)
{
	if (map->nr_bounce && map->dir != DMA_FROM_DEVICE) {
		map->copy_err = 0;
		map->copy_since = 0;
		p2pmap_walk_dst(map, p2pmap_bounce_copy_in);
		if (map->copy_err)
			return map->copy_err;
		trace_p2pmap_bounce_copy(map->client, map->sum.bytes_bounce, true);
	}
	p2pmap_runs_sync(map, false);
	return 0;
}
EXPORT_SYMBOL_GPL(p2pmap_sync_for_device);

/**
 * p2pmap_sync_for_cpu() - make device writes visible in the buffer
 * @map: the mapping
 *
 * Syncs the table for the CPU (never its PCI bus-address segments), then for FROM_DEVICE
 * and BIDIRECTIONAL mappings copies the bounce pages back into the buffer's P2P memory. For
 * a P2PMAP_MAP_DEVICE_WRITES mapping this says the device wrote all of the buffer.
 *
 * Context: process context, may sleep (see p2pmap_sync_for_cpu_written()).
 * Return: as p2pmap_sync_for_cpu_written().
 */
int p2pmap_sync_for_cpu(struct p2pmap_mapping *map)
{
	return p2pmap_sync_for_cpu_written(map, map->len);
}
EXPORT_SYMBOL_GPL(p2pmap_sync_for_cpu);

/**
 * p2pmap_sync_for_cpu_written() - make device writes visible, saying how much was written
 * @map: the mapping
 * @written: the device wrote the first @written bytes of the buffer, and nothing after them
 *	(more than the buffer's length means all of it)
 *
 * As p2pmap_sync_for_cpu(), but only the first @written bytes of bounced memory are copied
 * back; the rest of the buffer is not touched. The mapping stays the device's: a later sync
 * or unmap copies back what it says then.
 *
 * Context: process context, may sleep: a long copy reschedules.
 * Return: 0, or -ENODEV when part of the buffer is P2P memory whose provider is being
 * unbound or is gone: the device's bytes for it were dropped (that memory goes with the
 * unbind), the rest delivered. (A /dev/p2pmap mapping's copy back also stops on a fatal
 * signal or a take-down: -EINTR, -ENODEV.)
 */
int p2pmap_sync_for_cpu_written(struct p2pmap_mapping *map, size_t written)
{
	p2pmap_runs_sync(map, true);
	return copy_back(map, written);
}
EXPORT_SYMBOL_GPL(p2pmap_sync_for_cpu_written);

/**
 * p2pmap_unmap() - unmap, copy back, unpin and free a mapping
 * @map: the mapping; invalid afterwards
 *
 * For FROM_DEVICE and BIDIRECTIONAL mappings the bounced data is copied back first; user
 * RAM the device may have written is marked dirty. For a P2PMAP_MAP_DEVICE_WRITES mapping
 * this says the device wrote all of the buffer; p2pmap_unmap_written() says how much.
 *
 * Context: process context, may sleep; the copy back reschedules.
 * Return: as p2pmap_unmap_written().
 */
int p2pmap_unmap(struct p2pmap_mapping *map)
{
	return p2pmap_unmap_written(map, map->len);
}
EXPORT_SYMBOL_GPL(p2pmap_unmap);

/**
 * p2pmap_unmap_written() - unmap a mapping, saying how much of it the device wrote
 * @map: the mapping; invalid afterwards
 * @written: the device wrote the first @written bytes of the buffer, and nothing after them
 *	(more than the buffer's length means all of it)
 *
 * As p2pmap_unmap(), but only the first @written bytes of bounced memory are copied back;
 * the rest of the buffer keeps what it held. With a P2PMAP_MAP_DEVICE_WRITES mapping, which
 * skipped the copy in at map time, this is what makes a short device write (a short read
 * from a disk or the network) safe; without it, it saves the copy of what was not written.
 *
 * The mapping is gone whatever this returns; an error says the device's data did not all
 * reach the buffer, and the I/O must fail.
 *
 * Context: process context, may sleep.
 * Return: 0, or the copy back's error: -ENODEV (part of the buffer is P2P memory whose
 * provider is being unbound or is gone: the device's bytes for it were dropped, the rest
 * delivered); a /dev/p2pmap mapping's copy also stops on a fatal signal (-EINTR: the
 * buffer holds the device's data up to there).
 */
int p2pmap_unmap_written(struct p2pmap_mapping *map, size_t written)
{
	u64 start = trace_p2pmap_unmap_enabled() ? ktime_get_ns() : 0;
	struct device *client = map->client;	/* still the caller's after release() */
	u64 len = map->len, bounced = map->sum.bytes_bounce;
	int ret;

	/* The unmap does the CPU sync, and skips PCI bus-address entries. */
	p2pmap_runs_unmap(map);
	map->dma_mapped = false;
	ret = copy_back(map, written);
	p2pmap_count(mappings_active, -1);
	release(map);
	if (trace_p2pmap_unmap_enabled())
		trace_p2pmap_unmap(client, len, bounced, start ? ktime_get_ns() - start : 0);
	return ret;
}
EXPORT_SYMBOL_GPL(p2pmap_unmap_written);

