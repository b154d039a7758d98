// SPDX-License-Identifier: GPL-2.0-only
/*
 * One-shot mappings in the caller's storage (struct p2pmap_io): the common small I/O, a buffer
 * within one page, is pinned, decided and DMA-mapped with nothing allocated, as nvme-pci
 * maps a one-page request without a scatterlist of its own. The page's one-entry table lives
 * in the caller's struct, so the cost is the pin, the decision and the DMA API's own map.
 * Anything else (more than a page, RAM or P2P memory that must bounce, a verified override's
 * resource mapping, a client that is not PCI) goes through p2pmap_map_user(), whose mapping
 * the struct then holds: the calls below work the same on both.
 */
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/error-injection.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/pci.h>

#include "internal.h"
#include "trace.h"

/* Decide for @io's P2P @page: 0 and *@fast, the general path's choice in @ch, or an errno. */
static int io_decide(struct p2pmap_io *io, struct device *client, struct page *page, u32 off,
		     struct p2pmap_choice *ch, bool *fast)
{
	struct pci_dev *provider = p2pmap_page_provider(page);
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
		.req.nr_pages = 1,
		.req.top = page_to_phys(page) + off + io->len - 1,
	};
	ch->pair = p2pmap_pair_get(provider, to_pci_dev(client));
	if (IS_ERR(ch->pair)) {
		int ret = PTR_ERR(ch->pair);

		ch->pair = NULL;
		return ret;
	}
	ch->verdict = p2pmap_decide(ch->pair, &ch->req, &ch->reason, &ch->shadow, false);
	if (ch->verdict == P2PMAP_VERDICT_REJECT)
		return -EPERM;
	kv = ch->pair->facts.kernel_verdict;
	*fast = ch->verdict == P2PMAP_VERDICT_P2P &&
		(kv == P2PMAP_KV_BUS_ADDR || kv == P2PMAP_KV_HOST_BRIDGE);
	return 0;
}

/* The DMA mapping itself, on its own so fault injection can fail it (as p2pmap_dma_map()). */
static noinline int p2pmap_io_dma_map(struct device *client, struct sg_table *sgt,
				      enum dma_data_direction dir)
{
	return dma_map_sgtable(client, sgt, dir, 0);
}
ALLOW_ERROR_INJECTION(p2pmap_io_dma_map, ERRNO);

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
 * Can the client take [@phys, +@len) as one DMA segment as it is? Within its segment size and
 * boundary, and, for a device-writable mapping, on a coherent device: the overlap claim is
 * the general path's (on a non-coherent one, cache maintenance of one mapping destroys what
 * the device wrote through another).
 */
static bool io_one_segment(struct device *client, phys_addr_t phys, size_t len,
			   enum dma_data_direction dir)
{
	unsigned long mask = dma_get_seg_boundary(client);

	if (len > dma_get_max_seg_size(client) || (phys & mask) + len - 1 > mask)
		return false;
	return dir == DMA_TO_DEVICE || dev_is_dma_coherent(client);
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
 * decisions, bounce path and rules (DOC: One-shot mappings), but a buffer within one page
 * that the client reaches directly (RAM, or P2P memory the decision sends peer to peer) costs
 * no allocation and no table of p2pmap's. Read the DMA segments with p2pmap_io_sgtable().
 * The table points into @io: do not copy or move @io while it is mapped.
 *
 * Context: as for p2pmap_map_user().
 * Return: 0, or an error as from p2pmap_map_user() (@io then holds nothing), or, for a
 * one-page buffer, -EIO (a DMA address beyond the client's mask) or an error of the DMA API's
 * map (-EREMOTEIO: P2P memory the DMA API refuses to map for the client).
 */
int p2pmap_io_map(struct p2pmap_io *io, struct device *client, unsigned long uaddr, size_t len,
		  enum dma_data_direction dir, unsigned int flags)
{
	u32 off = offset_in_page(uaddr), gup = FOLL_PCI_P2PDMA;
	struct p2pmap_choice ch = {};
	u64 ns = trace_p2pmap_map_enabled() ? ktime_get_ns() : 0;
	bool fast = true;
	struct page *page;
	int ret;

	/* Nothing in it until the map succeeds: p2pmap_io_unmap() leaves it alone. */
	*io = (struct p2pmap_io){ .dir = dir, .len = len };
	if (len > PAGE_SIZE - off || !client || !valid_dma_direction(dir) ||
	    (flags & ~P2PMAP_MAP_DEVICE_WRITES) ||
	    ((flags & P2PMAP_MAP_DEVICE_WRITES) && dir != DMA_FROM_DEVICE) || !len ||
	    len > READ_ONCE(p2pmap_max_map_bytes))
		return io_map_general(io, client, uaddr, len, flags, &ch);

	if (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL)
		gup |= FOLL_WRITE;
	ret = pin_user_pages_fast(uaddr & PAGE_MASK, 1, gup, &page);
	if (ret != 1) {
		ret = ret < 0 ? ret : -EFAULT;
		p2pmap_count(map_errors, 1);
		io_trace_failed(client, len, dir, ns, ret);
		return ret;
	}
	if (is_pci_p2pdma_page(page)) {
		ret = io_decide(io, client, page, off, &ch, &fast);
		if (ret)
			goto unpin;
		fast &= !!ch.pair;
	} else {
		fast = p2pmap_ram_reachable(client, page_to_phys(page) + off, len);
		io->ram = true;
	}
	fast &= io_one_segment(client, page_to_phys(page) + off, len, dir);
	if (!fast) {
		unpin_user_page(page);
		return io_map_general(io, client, uaddr, len, flags, &ch);
	}

	sg_init_table(&io->sg, 1);
	sg_set_page(&io->sg, page, len, off);
	io->sgt = (struct sg_table){ .sgl = &io->sg, .orig_nents = 1 };
	ret = p2pmap_io_dma_map(client, &io->sgt, dir);
	if (ret)
		goto unpin;
	/* What the DMA API made of it, not what the pair's facts predict (swiotlb, dma_ops). */
	io->bus = sg_dma_is_bus_address(&io->sg);
	if (!p2pmap_dma_table_reachable(client, &io->sgt)) {
		dev_warn_ratelimited(client,
				     "p2pmap: a DMA address beyond the device's mask; mapping refused\n");
		dma_unmap_sgtable(client, &io->sgt, dir, 0);
		ret = -EIO;
		goto unpin;
	}
	io_put_choice(&ch, 0);
	io->dev = client;
	p2pmap_count(pinned_pages, 1);
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
	unpin_user_page(page);
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
 * Walk it with for_each_sgtable_dma_sg(), as the table of p2pmap_sgtable().
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
		sum->nr_segments = 1;
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
	if (!io->bus)
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
	if (!io->bus)
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
 */
void p2pmap_io_unmap(struct p2pmap_io *io, size_t written)
{
	u64 ns = trace_p2pmap_unmap_enabled() ? ktime_get_ns() : 0;
	struct device *client = io->dev;
	struct page *page = sg_page(&io->sg);

	if (io->map) {
		p2pmap_unmap_written(io->map, written);
		io->map = NULL;
		io->dev = NULL;
		return;
	}
	if (!client)
		return;
	/* The unmap does the CPU sync (dma-direct skips a PCI bus-address entry). */
	dma_unmap_sgtable(client, &io->sgt, io->dir, 0);
	unpin_user_pages_dirty_lock(&page, 1,
				    io->ram && (io->dir == DMA_FROM_DEVICE ||
						io->dir == DMA_BIDIRECTIONAL));
	io->dev = NULL;
	p2pmap_count(pinned_pages, -1);
	p2pmap_count(mappings_active, -1);
	if (trace_p2pmap_unmap_enabled())
		trace_p2pmap_unmap(client, io->len, 0, ns ? ktime_get_ns() - ns : 0);
}
EXPORT_SYMBOL_GPL(p2pmap_io_unmap);
