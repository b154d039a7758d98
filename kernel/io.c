// SPDX-License-Identifier: GPL-2.0-only
/*
 * One-shot mappings in the caller's storage (struct p2pmap_io): the common small I/O, a buffer
 * of up to P2PMAP_IO_PAGES pages of one kind (RAM, or P2P memory of one provider), is pinned,
 * decided and DMA-mapped with nothing allocated, as nvme-pci maps a small request without a
 * scatterlist of its own. Its table lives in the caller's struct, so the cost is the pin, the
 * decision and the DMA API's own map. Anything else (more pages, a mix, memory that must
 * bounce, a verified override's resource mapping, a client that is not PCI) goes through
 * p2pmap_map_user(), whose mapping the struct then holds: the calls below work the same on
 * both.
 */
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/error-injection.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/pci.h>

#include "internal.h"
#include "trace.h"

/*
 * Decide for @io's P2P memory, @nr pages from @page up to @top: 0 and *@fast, the general
 * path's choice in @ch, or an errno.
 */
static int io_decide(struct p2pmap_io *io, struct device *client, struct page *page,
		     unsigned int nr, phys_addr_t top, struct p2pmap_choice *ch, bool *fast)
{
	struct pci_dev *provider = p2pmap_page_provider(page);
	int ret;
	u32 kv;

	if (!provider)
		return -ENXIO;
	if (!dev_is_pci(client))
		return 0;	/* no pair to decide for: the general path says why */
	*ch = (struct p2pmap_choice){
		.provider = provider,
		.req.dir = p2pmap_dir_to_uapi(io->dir),
		.req.len = io->len,
		.req.total_len = io->len,
		.req.nr_pages = nr,
		.req.top = top,
	};
	ret = p2pmap_choose(ch, client);
	if (ret)
		return ret;
	if (ch->verdict == P2PMAP_VERDICT_REJECT)
		return -EPERM;
	kv = ch->pair->facts.kernel_verdict;
	*fast = ch->verdict == P2PMAP_VERDICT_P2P &&
		(kv == P2PMAP_KV_BUS_ADDR || kv == P2PMAP_KV_HOST_BRIDGE);
	return 0;
}

/*
 * The DMA mapping itself, on its own so fault injection can fail it (as p2pmap_dma_map()).
 * One run of RAM is one dma_map_page(), as nvme-pci maps a simple request: no walk of the
 * table, which the DMA API's map_sg and unmap_sg would take. P2P memory goes through
 * dma_map_sgtable() whatever its length: only the table's map knows the pair's bus address.
 */
static noinline int p2pmap_io_dma_map(struct device *client, struct p2pmap_io *io)
{
	struct scatterlist *sg = io->sg;
	dma_addr_t addr;

	if (!io->single)
		return dma_map_sgtable(client, &io->sgt, io->dir, 0);
	addr = dma_map_page(client, sg_page(sg), sg->offset, sg->length, io->dir);
	if (dma_mapping_error(client, addr))
		return -ENOMEM;
	sg_dma_address(sg) = addr;
	sg_dma_len(sg) = sg->length;
	io->sgt.nents = 1;
	return 0;
}
ALLOW_ERROR_INJECTION(p2pmap_io_dma_map, ERRNO);

/* Undo p2pmap_io_dma_map() (which does the CPU sync; dma-direct skips a bus-address entry). */
static void io_dma_unmap(struct device *client, struct p2pmap_io *io)
{
	if (io->single)
		dma_unmap_page(client, sg_dma_address(io->sg), sg_dma_len(io->sg), io->dir);
	else
		dma_unmap_sgtable(client, &io->sgt, io->dir, 0);
}

/* Count @ch's decision (if one was made) with @ret, and drop its pair. */
static void io_put_choice(struct p2pmap_choice *ch, int ret)
{
	if (!ch->pair)
		return;
	p2pmap_stats_account(ch, 1, ret);
	p2pmap_pair_put(ch->pair);
	ch->pair = NULL;
}

/* The general path, with the decision made already for @ch's provider (if any). */
static int io_map_general(struct p2pmap_io *io, struct device *client, unsigned long uaddr,
			  size_t len, unsigned int flags, struct p2pmap_choice *ch)
{
	struct p2pmap_mapping *map;

	map = p2pmap_map_user_decided(client, uaddr, len, io->dir, flags, ch);
	/*
	 * A decision the mapping did not take (it failed first, or the page changed under the
	 * repin) was still made: counted, with the mapping's outcome.
	 */
	io_put_choice(ch, IS_ERR(map) ? PTR_ERR(map) : 0);
	if (IS_ERR(map))
		return PTR_ERR(map);
	io->map = map;
	io->dev = client;
	return 0;
}

/*
 * Lay [@off, @off + @len) of the @nr pinned @pages out as @io's table: physically contiguous
 * pages merge into one entry within the client's segment size and boundary. False unless
 * they are all RAM the client reaches or all P2P memory of one pagemap, and every entry fits
 * those limits (the general path then segments, decides per provider, bounces and splits);
 * *@top: the highest physical address of the buffer.
 */
static bool io_lay_out(struct p2pmap_io *io, struct device *client, struct page **pages,
		       unsigned int nr, u32 off, size_t len, phys_addr_t *top)
{
	unsigned long mask = dma_get_seg_boundary(client);
	unsigned int max_seg = dma_get_max_seg_size(client), i, n = 0;
	bool p2p = is_pci_p2pdma_page(pages[0]);
	struct dev_pagemap *pgmap = p2p ? page_pgmap(pages[0]) : NULL;
	/* As the general path: RAM is checked page by page only for a client that needs it. */
	bool ram_limited = !p2p && p2pmap_ram_dma_limit(client);
	struct scatterlist *sg = NULL;
	phys_addr_t start = 0, end = 0;
	size_t left = len;
	bool zdev = false;

	*top = 0;
	for (i = 0; i < nr; i++) {
		u32 po = i ? 0 : off, pl = min_t(size_t, PAGE_SIZE - po, left);
		phys_addr_t phys = page_to_phys(pages[i]) + po;

		zdev |= !p2p && is_zone_device_page(pages[i]);
		if (is_pci_p2pdma_page(pages[i]) != p2p ||
		    (p2p && page_pgmap(pages[i]) != pgmap) ||
		    (ram_limited && !p2pmap_ram_reachable(client, phys, pl)))
			return false;
		if (sg && phys == end && pages[i] == pages[i - 1] + 1 &&
		    sg->length + pl <= max_seg && (start & mask) + sg->length + pl - 1 <= mask) {
			sg->length += pl;
		} else {
			if (pl > max_seg || (phys & mask) + pl - 1 > mask)
				return false;
			if (sg)
				sg_unmark_end(sg);
			sg = &io->sg[n++];
			/* sg_init_table(sg, 1) inline: its memset call cost ~120 instructions */
			memset(sg, 0, sizeof(*sg));
			sg_mark_end(sg);
			sg_set_page(sg, pages[i], pl, po);
			start = phys;
		}
		end = phys + pl;
		/* The pages need not rise: the highest byte is the reach that matters. */
		*top = max(*top, end - 1);
		left -= pl;
	}
	io->sgt.sgl = io->sg;
	io->sgt.orig_nents = n;
	io->sgt.nents = 0;
	io->ram = !p2p;
	/*
	 * ZONE_DEVICE RAM (fsdax, device-dax, device-coherent) stays in a table: 6.18's
	 * dma_map_page() refuses such a page under DMA-API debug, dma_map_sg() does not.
	 */
	io->single = io->ram && n == 1 && !zdev;
	return true;
}

static void io_trace_failed(struct device *client, size_t len, enum dma_data_direction dir,
			    u64 ns, int ret)
{
	if (trace_p2pmap_map_enabled())
		trace_p2pmap_map(client, len, p2pmap_dir_to_uapi(dir), 0, 0, 0, 0,
				 ns ? ktime_get_ns() - ns : 0, ret);
}

/**
 * p2pmap_io_map() - pin user memory and DMA-map it for a client, in the caller's storage
 * @io: the caller's storage (e.g. in its per-request data); its old contents are ignored
 * @client: as for p2pmap_map_user()
 * @uaddr: as for p2pmap_map_user()
 * @len: as for p2pmap_map_user()
 * @dir: as for p2pmap_map_user()
 * @flags: as for p2pmap_map_user()
 *
 * p2pmap_map_user() for a driver that keeps the mapping in its own request: the same pins,
 * decisions, bounce path and rules (DOC: One-shot mappings), but a buffer of up to
 * %P2PMAP_IO_PAGES pages that the client reaches directly (RAM, or P2P memory of one provider
 * that the decision sends peer to peer) costs no allocation and no table of p2pmap's. Read
 * the DMA segments with p2pmap_io_sgtable().
 * The table points into @io: do not copy or move @io while it is mapped.
 *
 * Context: as for p2pmap_map_user().
 * Return: 0, or an error as from p2pmap_map_user() (@io then holds nothing), or, on the
 * storage's own path, -EIO (a DMA address beyond the client's mask) or an error of the DMA
 * API's map (-ENOMEM: no IOVA space for it; -EREMOTEIO: P2P memory the DMA API refuses to
 * map for the client).
 */
int p2pmap_io_map(struct p2pmap_io *io, struct device *client, unsigned long uaddr, size_t len,
		  enum dma_data_direction dir, unsigned int flags)
{
	u32 off = offset_in_page(uaddr), gup = FOLL_PCI_P2PDMA;
	u64 ns = trace_p2pmap_map_enabled() ? ktime_get_ns() : 0;
	/*
	 * Not cleared on entry (CONFIG_INIT_STACK_ALL_ZERO would, 200 bytes per I/O): only the
	 * pages the pin wrote are read, and the choice only once ch.pair is set.
	 */
	struct page *pages[P2PMAP_IO_PAGES] __uninitialized;
	unsigned int nr = DIV_ROUND_UP((u64)off + len, PAGE_SIZE);
	struct p2pmap_choice ch __uninitialized;
	phys_addr_t top;
	bool fast;
	int ret;

	/*
	 * Nothing in it until the map succeeds: p2pmap_io_unmap() leaves it alone. Every field
	 * is set here but the table's entries (the caller's storage need not be zeroed).
	 */
	io->map = NULL;
	io->dev = NULL;
	io->sgt = (struct sg_table){ .sgl = io->sg };
	io->len = len;
	io->nr_pages = 0;
	io->dir = dir;
	io->bus = false;
	io->ram = false;
	io->single = false;
	ch.pair = NULL;
	/* @len first: @nr is only meaningful for a length the fast path may take. */
	if (!len || len > READ_ONCE(p2pmap_max_map_bytes) || nr > P2PMAP_IO_PAGES || !client ||
	    !valid_dma_direction(dir) || (flags & ~P2PMAP_MAP_DEVICE_WRITES) ||
	    ((flags & P2PMAP_MAP_DEVICE_WRITES) && dir != DMA_FROM_DEVICE) ||
	    /* device-writable, and the DMA API may not map it in place: the general path's claim */
	    (dir != DMA_TO_DEVICE && !p2pmap_dma_in_place(client)))
		return io_map_general(io, client, uaddr, len, flags, &ch);

	if (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL)
		gup |= FOLL_WRITE;
	ret = pin_user_pages_fast(uaddr & PAGE_MASK, nr, gup, pages);
	if (ret != nr) {
		if (ret > 0)	/* part of it: the general path pins in as many calls as needed */
			unpin_user_pages(pages, ret);
		if (ret >= 0)
			return io_map_general(io, client, uaddr, len, flags, &ch);
		p2pmap_count(map_errors, 1);
		io_trace_failed(client, len, dir, ns, ret);
		return ret;
	}
	fast = io_lay_out(io, client, pages, nr, off, len, &top);
	if (fast && !io->ram) {
		ret = io_decide(io, client, pages[0], nr, top, &ch, &fast);
		if (ret)
			goto unpin;
		fast &= !!ch.pair;
	}
	if (!fast) {
		unpin_user_pages(pages, nr);
		return io_map_general(io, client, uaddr, len, flags, &ch);
	}

	ret = p2pmap_io_dma_map(client, io);
	if (ret)
		goto unpin;
	/* What the DMA API made of it, not what the pair's facts predict (swiotlb, dma_ops). */
	io->bus = sg_dma_is_bus_address(io->sg);
	if (!p2pmap_dma_table_reachable(client, &io->sgt)) {
		dev_warn_ratelimited(client,
				     "p2pmap: a DMA address beyond the device's mask; mapping refused\n");
		io_dma_unmap(client, io);
		ret = -EIO;
		goto unpin;
	}
	io_put_choice(&ch, 0);
	io->dev = client;
	io->nr_pages = nr;
	p2pmap_count(pinned_pages, nr);
	if (io->ram)
		p2pmap_count(bytes_ram, len);
	else
		p2pmap_count(bytes_p2p, len);
	p2pmap_count(maps, 1);
	p2pmap_count(mappings_active, 1);
	if (trace_p2pmap_map_enabled())
		trace_p2pmap_map(client, len, p2pmap_dir_to_uapi(dir), 1, io->ram ? len : 0,
				 io->ram ? 0 : len, 0, ns ? ktime_get_ns() - ns : 0, 0);
	return 0;

unpin:
	unpin_user_pages(pages, nr);
	io_put_choice(&ch, ret);
	p2pmap_count(map_errors, 1);
	io_trace_failed(client, len, dir, ns, ret);
	return ret;
}
EXPORT_SYMBOL_GPL(p2pmap_io_map);

/**
 * p2pmap_io_sgtable() - the DMA-mapped table of a one-shot mapping
 * @io: mapped by p2pmap_io_map()
 *
 * Walk it with for_each_sgtable_dma_sg(), as the table of p2pmap_sgtable(). Sync it only
 * through p2pmap_io_sync_for_device() and p2pmap_io_sync_for_cpu(): a run of RAM is mapped
 * with dma_map_page(), which the DMA API's table syncs must not be given.
 * Return: the table, valid until p2pmap_io_unmap().
 */
struct sg_table *p2pmap_io_sgtable(struct p2pmap_io *io)
{
	return io->map ? p2pmap_sgtable(io->map) : &io->sgt;
}
EXPORT_SYMBOL_GPL(p2pmap_io_sgtable);

/**
 * p2pmap_io_summary() - what a one-shot mapping is made of
 * @io: mapped by p2pmap_io_map(), or holding nothing (all zero)
 * @sum: filled in, as by p2pmap_summary()
 */
void p2pmap_io_summary(struct p2pmap_io *io, struct p2pmap_summary *sum)
{
	memset(sum, 0, sizeof(*sum));
	if (io->map) {
		p2pmap_summary(io->map, sum);
	} else if (io->dev) {
		sum->nr_segments = 1;	/* one kind, one provider */
		if (io->ram)
			sum->bytes_ram = io->len;
		else
			sum->bytes_p2p = io->len;
	}
}
EXPORT_SYMBOL_GPL(p2pmap_io_summary);

/**
 * p2pmap_io_sync_for_device() - hand a one-shot mapping to the device again
 * @io: mapped by p2pmap_io_map()
 *
 * As p2pmap_sync_for_device(); a page of PCI bus addresses is never synced.
 * Context: as p2pmap_sync_for_device().
 * Return: 0 or an error of p2pmap_sync_for_device().
 */
int p2pmap_io_sync_for_device(struct p2pmap_io *io)
{
	if (io->map)
		return p2pmap_sync_for_device(io->map);
	if (io->single)
		dma_sync_single_for_device(io->dev, sg_dma_address(io->sg), sg_dma_len(io->sg),
					   io->dir);
	else if (!io->bus)
		dma_sync_sgtable_for_device(io->dev, &io->sgt, io->dir);
	return 0;
}
EXPORT_SYMBOL_GPL(p2pmap_io_sync_for_device);

/**
 * p2pmap_io_sync_for_cpu() - let the CPU see what the device wrote
 * @io: mapped by p2pmap_io_map()
 *
 * As p2pmap_sync_for_cpu(); a page of PCI bus addresses is never synced.
 * Context: as p2pmap_sync_for_cpu().
 * Return: 0 or an error of p2pmap_sync_for_cpu().
 */
int p2pmap_io_sync_for_cpu(struct p2pmap_io *io)
{
	if (io->map)
		return p2pmap_sync_for_cpu(io->map);
	if (io->single)
		dma_sync_single_for_cpu(io->dev, sg_dma_address(io->sg), sg_dma_len(io->sg),
					io->dir);
	else if (!io->bus)
		dma_sync_sgtable_for_cpu(io->dev, &io->sgt, io->dir);
	return 0;
}
EXPORT_SYMBOL_GPL(p2pmap_io_sync_for_cpu);

/**
 * p2pmap_io_unmap() - unmap a one-shot mapping, saying how much of it the device wrote
 * @io: mapped by p2pmap_io_map(); holds nothing afterwards
 * @written: as for p2pmap_unmap_written() (SIZE_MAX: all of it)
 *
 * Storage that holds nothing (zero-initialised, a failed map, unmapped already) is left alone;
 * an unmap of storage that is neither zeroed nor written by p2pmap_io_map() is the driver's
 * bug, as an unmap of an address the DMA API never gave.
 *
 * Context: process context, may sleep.
 * Return: 0, or as p2pmap_unmap_written() for a mapping that took the general path (a bounced
 * buffer whose copy back did not deliver all of the device's data: fail the I/O). @io holds
 * nothing afterwards either way.
 */
int p2pmap_io_unmap(struct p2pmap_io *io, size_t written)
{
	u64 ns = trace_p2pmap_unmap_enabled() ? ktime_get_ns() : 0;
	struct device *client = io->dev;
	/* Dirty only RAM the device may have written; P2P pages have no backing store. */
	bool dirty = io->ram && (io->dir == DMA_FROM_DEVICE || io->dir == DMA_BIDIRECTIONAL);
	struct scatterlist *sg;
	unsigned int i;
	int ret;

	if (io->map) {
		ret = p2pmap_unmap_written(io->map, written);
		io->map = NULL;
		io->dev = NULL;
		return ret;
	}
	if (!client)
		return 0;
	io_dma_unmap(client, io);
	/*
	 * Entry by entry: one call per run costs less than gathering the pages for one
	 * unpin_user_pages_dirty_lock(), which steps through the array page by page (+380
	 * instructions, measured, for 64 KiB of P2P memory in one run).
	 */
	for_each_sgtable_sg(&io->sgt, sg, i)
		unpin_user_page_range_dirty_lock(sg_page(sg),
						 DIV_ROUND_UP(sg->offset + sg->length, PAGE_SIZE),
						 dirty);
	io->dev = NULL;
	p2pmap_count(pinned_pages, -(s64)io->nr_pages);
	p2pmap_count(mappings_active, -1);
	if (trace_p2pmap_unmap_enabled())
		trace_p2pmap_unmap(client, io->len, 0, ns ? ktime_get_ns() - ns : 0);
	return 0;
}
EXPORT_SYMBOL_GPL(p2pmap_io_unmap);
