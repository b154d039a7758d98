// SPDX-License-Identifier: GPL-2.0-only
/*
 * Slices: one I/O's part of a registration. The registration's DMA segments and bounced bytes
 * are indexed once, in buffer order, when it is made; a slice finds its first segment by a
 * binary search and counts itself in the registration's slice count (one atomic), which its
 * take-down waits for. Nothing is pinned, decided, mapped or allocated per slice.
 */
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/pci-p2pdma.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "client.h"
#include "mapping.h"

/* Index the DMA segments of a table, or of a run of it (@nosync: never CPU-synced). */
static void index_table(struct p2pmap_reg *h, struct scatterlist *sgl, unsigned int nents,
			bool nosync, u64 *off)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sg(sgl, sg, nents, i) {
		struct p2pmap_dma_seg *d = &h->segs[h->nr_segs++];

		*d = (struct p2pmap_dma_seg){
			.off = *off, .addr = sg_dma_address(sg), .len = sg_dma_len(sg),
			.nosync = nosync,
		};
		*off += d->len;
	}
}

/* Where index_span() is in its walk. */
struct span_walk {
	struct p2pmap_reg *h;
	u64 off;
};

/* A p2pmap_piece_fn: record each bounced piece (or only count them while @h->spans is NULL). */
static int index_span(struct p2pmap_mapping *map, struct scatterlist *dsg, struct page *page,
		      unsigned int off, unsigned int len, bool bounced)
{
	struct span_walk *w = map->walk_priv;
	struct p2pmap_reg *h = w->h;

	if (bounced && h->spans)
		h->spans[h->nr_spans] = (struct p2pmap_bounce_span){
			.off = w->off, .len = len,
			.bounce = page_address(sg_page(dsg)) + off,
			.page = page, .page_off = off,
		};
	h->nr_spans += bounced;
	w->off += len;
	return 0;
}

/**
 * p2pmap_slices_index() - index a registration's DMA segments and bounced bytes
 * @h: the registration, its mapping just made
 *
 * Return: 0 or -ENOMEM.
 */
int p2pmap_slices_index(struct p2pmap_reg *h)
{
	struct p2pmap_mapping *map = h->map;
	struct span_walk w = { .h = h };
	unsigned int r, n = 0;
	u64 off = 0;

	if (map->nr_runs) {
		for (r = 0; r < map->nr_runs; r++)
			n += map->runs[r].mapped;
	} else {
		n = map->dst->nents;
	}
	h->segs = &h->one;
	if (n > 1) {
		h->segs = kvmalloc_array(n, sizeof(*h->segs), GFP_KERNEL);
		if (!h->segs)
			return -ENOMEM;
	}
	if (!map->nr_runs)
		index_table(h, map->dst->sgl, map->dst->nents, false, &off);
	for (r = 0; r < map->nr_runs; r++)
		index_table(h, map->runs[r].sgl, map->runs[r].mapped,
			    map->runs[r].bus || map->runs[r].resource, &off);
	if (WARN_ON_ONCE(off != map->len))
		return -EIO;

	/*
	 * An IOMMU merges physically apart entries into one DMA segment, and the DMA API syncs
	 * a part of one as if it were physically contiguous from its start: sync such segments
	 * in pieces within the merge boundary (an IOVA granule each, contiguous). Without
	 * merging a DMA segment is one contiguous entry and a part of it syncs as itself.
	 */
	h->sync_piece = dma_get_merge_boundary(h->dev) + 1;
	h->sync_mode = !dma_dev_need_sync(h->dev) ? P2PMAP_SLICE_SYNC_NONE :
		       h->sync_piece > 1 ? P2PMAP_SLICE_SYNC_PIECES : P2PMAP_SLICE_SYNC_SEGS;
	if (!map->nr_bounce)
		return 0;
	/* Two walks of the destination table: count the bounced pieces, then record them. */
	map->walk_priv = &w;
	p2pmap_walk_dst(map, index_span);
	if (!h->nr_spans) {
		map->walk_priv = NULL;
		return 0;
	}
	h->spans = kvmalloc_array(h->nr_spans, sizeof(*h->spans), GFP_KERNEL);
	if (h->spans) {
		h->nr_spans = 0;
		w.off = 0;
		p2pmap_walk_dst(map, index_span);
	}
	map->walk_priv = NULL;
	return h->spans ? 0 : -ENOMEM;
}

void p2pmap_slices_free(struct p2pmap_reg *h)
{
	if (h->segs != &h->one)
		kvfree(h->segs);
	kvfree(h->spans);
	h->segs = NULL;
	h->spans = NULL;
}

/* The last entry of @n sorted by @off whose offset is at most @at (the first one's is 0). */
#define FIND_AT(arr, n, at) ({						\
	unsigned int lo = 0, hi = (n) - 1;				\
									\
	while (lo < hi) {						\
		unsigned int mid = (lo + hi + 1) / 2;			\
									\
		if ((arr)[mid].off <= (at))				\
			lo = mid;					\
		else							\
			hi = mid - 1;					\
	}								\
	lo;								\
})

/**
 * p2pmap_slice_get() - take a slice of a registration for one I/O
 * @reg: the registration
 * @offset: byte offset of the slice in it
 * @len: bytes, at least 1
 * @slice: the caller's storage, filled in
 *
 * Nothing is pinned, decided, mapped or allocated: the slice's DMA segments are the
 * registration's (p2pmap_slice_seg()). Sync it for the device before the I/O and for the CPU
 * after it, as with the DMA API, and put it when the device is done with it: a take-down of
 * the registration waits for that.
 *
 * Context: any context; does not sleep.
 * Return: 0, -ENODEV (the registration was taken down or revoked), -EINVAL (the slice is
 * empty or beyond the registration's end), -EBUSY (2^30 - 1 slices in flight).
 */
int p2pmap_slice_get(struct p2pmap_reg *reg, u64 offset, u64 len, struct p2pmap_slice *slice)
{
	unsigned int first, last;
	int n;

	if (!len || offset >= reg->len || len > reg->len - offset)
		return -EINVAL;
	n = atomic_read(&reg->slices);
	do {
		/* One test on the fast path: a dead count or a full one. */
		if (unlikely(n >= P2PMAP_SLICES_DEAD - 1)) {
			if (n & P2PMAP_SLICES_DEAD)
				return -ENODEV;
			WARN_ON_ONCE(1);
			return -EBUSY;
		}
	} while (!atomic_try_cmpxchg_acquire(&reg->slices, &n, n + 1));
	if (!READ_ONCE(reg->sliced))
		WRITE_ONCE(reg->sliced, true);
	first = reg->nr_segs == 1 ? 0 : FIND_AT(reg->segs, reg->nr_segs, offset);
	last = reg->nr_segs == 1 ? 0 : FIND_AT(reg->segs, reg->nr_segs, offset + len - 1);
	*slice = (struct p2pmap_slice){
		.reg = reg, .offset = offset, .len = len, .first = first,
		.nr = last - first + 1, .head = offset - reg->segs[first].off,
	};
	return 0;
}
EXPORT_SYMBOL_GPL(p2pmap_slice_get);

/**
 * p2pmap_slice_seg() - one DMA segment of a slice
 * @slice: the slice
 * @i: 0 .. p2pmap_slice_nr_segs() - 1, in buffer order
 * @len: set to the segment's length
 *
 * Return: its DMA address.
 */
dma_addr_t p2pmap_slice_seg(const struct p2pmap_slice *slice, unsigned int i, u32 *len)
{
	const struct p2pmap_dma_seg *d = &slice->reg->segs[slice->first + i];
	u64 start = i ? 0 : slice->head;
	u64 end = min_t(u64, d->len, slice->offset + slice->len - d->off);

	*len = end - start;
	return d->addr + start;
}
EXPORT_SYMBOL_GPL(p2pmap_slice_seg);

/* The CPU syncs of a slice's DMA segments, except bus addresses and resources. */
static void sync_segs(struct p2pmap_slice *slice, bool for_cpu)
{
	struct p2pmap_reg *h = slice->reg;
	unsigned int i;

	if (likely(h->sync_mode == P2PMAP_SLICE_SYNC_NONE))
		return;
	for (i = 0; i < slice->nr; i++) {
		const struct p2pmap_dma_seg *d = &h->segs[slice->first + i];
		dma_addr_t addr;
		u32 len, n;

		if (d->nosync)
			continue;
		for (addr = p2pmap_slice_seg(slice, i, &len); len; addr += n, len -= n) {
			n = len;
			if (h->sync_mode == P2PMAP_SLICE_SYNC_PIECES)
				n = min_t(u64, len, h->sync_piece - (addr & (h->sync_piece - 1)));
			if (for_cpu)
				dma_sync_single_for_cpu(h->dev, addr, n, h->dir);
			else
				dma_sync_single_for_device(h->dev, addr, n, h->dir);
		}
	}
}

/*
 * Copy the bounced bytes of [@off, @off + @len) of the registration into their bounce pages
 * (@in) or back. Reschedules every 256 KiB and stops on a fatal signal (-EINTR). Device memory
 * that is gone (bounce.c) stops a copy in with -ENODEV; a copy back delivers the rest of the
 * slice and then fails with -ENODEV, its bytes for that memory lost.
 */
static int copy_spans(struct p2pmap_reg *h, u64 off, u64 len, bool in)
{
	unsigned int s = FIND_AT(h->spans, h->nr_spans, off);
	u64 end = off + len, since = 0;
	int ret, lost = 0;

	for (; s < h->nr_spans && h->spans[s].off < end; s++) {
		const struct p2pmap_bounce_span *sp = &h->spans[s];
		u64 a = max(off, sp->off), b = min(end, sp->off + sp->len);
		u32 skip = a - sp->off;

		if (a >= b)
			continue;
		ret = p2pmap_bounce_copy_span(sp->bounce + skip, sp->page, sp->page_off + skip,
					      b - a, in);
		if (ret && in)
			return ret;
		lost = lost ?: ret;
		since += b - a;
		if (since >= P2PMAP_COPY_SLICE) {
			since = 0;
			cond_resched();
			if (fatal_signal_pending(current))
				return -EINTR;
			/*
			 * A take-down waits for this slice: a copy in (before the I/O) ends
			 * early; a copy back finishes, as the take-down will not copy it.
			 */
			if (in && atomic_read(&h->slices) & P2PMAP_SLICES_DEAD)
				return -ENODEV;
		}
	}
	return lost;
}

/**
 * p2pmap_slice_sync_for_device() - give a slice to the device
 * @slice: the slice
 *
 * For TO_DEVICE and BIDIRECTIONAL registrations, copies the slice's bounced bytes into their
 * bounce pages, then syncs its DMA segments for the device (never PCI bus addresses).
 *
 * Context: process context, may sleep when the slice has bounced bytes.
 * Return: 0, -ENODEV (a provider of the slice's memory is gone, or a take-down is waiting
 * for the slice: do not start the I/O), or -EINTR (a fatal signal stopped a long copy).
 */
int p2pmap_slice_sync_for_device(struct p2pmap_slice *slice)
{
	struct p2pmap_reg *h = slice->reg;
	int ret;

	if (h->spans && h->dir != DMA_FROM_DEVICE) {
		ret = copy_spans(h, slice->offset, slice->len, true);
		if (ret)
			return ret;
	}
	sync_segs(slice, false);
	return 0;
}
EXPORT_SYMBOL_GPL(p2pmap_slice_sync_for_device);

/**
 * p2pmap_slice_sync_for_cpu() - make a slice's device writes visible
 * @slice: the slice
 * @written: the device wrote the slice's first @written bytes and nothing after them (more
 *	than the slice means all of it)
 *
 * Syncs the slice's DMA segments for the CPU, then for FROM_DEVICE and BIDIRECTIONAL
 * registrations copies the bounced bytes the device wrote back into the buffer. Bytes of the
 * registration outside the slice are not touched.
 *
 * Context: process context, may sleep when the slice has bounced bytes.
 * Return: 0, -EINTR (a fatal signal stopped a long copy: the buffer holds the device's data
 * up to there), -ENODEV (a provider of bounced memory in the slice is gone: the bytes for its
 * memory were dropped, the rest delivered; fail the I/O).
 */
int p2pmap_slice_sync_for_cpu(struct p2pmap_slice *slice, size_t written)
{
	struct p2pmap_reg *h = slice->reg;

	sync_segs(slice, true);
	if (!h->spans || h->dir == DMA_TO_DEVICE)
		return 0;
	return copy_spans(h, slice->offset, min_t(u64, written, slice->len), false);
}
EXPORT_SYMBOL_GPL(p2pmap_slice_sync_for_cpu);

/**
 * p2pmap_slice_put() - the device is done with a slice
 * @slice: the slice; its storage is the caller's again
 *
 * Context: any context.
 */
void p2pmap_slice_put(struct p2pmap_slice *slice)
{
	struct p2pmap_reg *h = slice->reg;

	slice->reg = NULL;
	/* The take-down may free what the slice used once the count reaches it. */
	if (atomic_dec_return_release(&h->slices) == P2PMAP_SLICES_DEAD)
		complete_all(&h->slices_done);
}
EXPORT_SYMBOL_GPL(p2pmap_slice_put);

/**
 * p2pmap_slice_revoked() - whether a take-down of a slice's registration is waiting for it
 * @slice: a slice taken with p2pmap_slice_get()
 *
 * A driver doing a long I/O in parts checks it between them and ends the I/O early (as
 * with -ENODEV): the take-down, maybe a provider's unbind, waits for the slice to be put.
 *
 * Context: any context.
 * Return: true once the registration is being taken down.
 */
bool p2pmap_slice_revoked(const struct p2pmap_slice *slice)
{
	return atomic_read(&slice->reg->slices) & P2PMAP_SLICES_DEAD;
}
EXPORT_SYMBOL_GPL(p2pmap_slice_revoked);

/*
 * Refuse new slices of @h from now on (before a client's quiesce, so that the I/O it waits
 * for is the last). Any context; more than one may.
 */
void p2pmap_slices_kill(struct p2pmap_reg *h)
{
	if (!atomic_fetch_or(P2PMAP_SLICES_DEAD, &h->slices))
		complete_all(&h->slices_done);
}

/*
 * Stop new slices of @h and wait until none is in flight (every take-down does this before it
 * unmaps; more than one may). Context: process context, sleeps.
 */
void p2pmap_slices_stop(struct p2pmap_reg *h)
{
	p2pmap_slices_kill(h);
	wait_for_completion(&h->slices_done);
}
