// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DMA side of a mapping: its destination table mapped for the client in runs, one
 * dma_map_sg() (or one dma_map_resource() per entry, for a verified override's P2P memory)
 * per run of one kind, the runs' DMA segments listed in buffer order, and CPU syncs that
 * never touch a PCI bus address.
 */
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "mapping.h"

/*
 * CPU syncs of the DMA-mapped table that never touch a PCI bus-address segment: the DMA API's
 * sync functions do not skip them (map and unmap do), and on a non-coherent platform without
 * an IOMMU a sync of a bus address is cache maintenance on an unrelated physical address.
 * Such a segment is device memory with no CPU cache to maintain. A table without one is
 * synced whole.
 */
void p2pmap_runs_sync(struct p2pmap_mapping *map, bool for_cpu)
{
	unsigned int r;

	if (!map->nr_runs) {
		if (for_cpu)
			dma_sync_sgtable_for_cpu(map->client, map->dst, map->dir);
		else
			dma_sync_sgtable_for_device(map->client, map->dst, map->dir);
		return;
	}
	for (r = 0; r < map->nr_runs; r++) {
		const struct p2pmap_run *run = &map->runs[r];

		if (run->bus || run->resource)
			continue;
		if (for_cpu)
			dma_sync_sg_for_cpu(map->client, run->sgl, run->nents, map->dir);
		else
			dma_sync_sg_for_device(map->client, run->sgl, run->nents, map->dir);
	}
}

/* Unmap the first @run->mapped entries of a verified override's run. */
static void unmap_resource_run(struct p2pmap_mapping *map, struct p2pmap_run *run)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sg(run->sgl, sg, run->mapped, i)
		dma_unmap_resource(map->client, sg_dma_address(sg), sg_dma_len(sg), map->dir, 0);
}

/*
 * Map a verified override's run: the provider's memory as the resource it is, for the client
 * (through the IOMMU where there is one), entry by entry, as drivers map a peer's BAR. These
 * are device memory: no CPU sync ever touches them.
 */
static int map_resource_run(struct p2pmap_mapping *map, struct p2pmap_run *run)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sg(run->sgl, sg, run->nents, i) {
		dma_addr_t addr = dma_map_resource(map->client, sg_phys(sg), sg->length,
						   map->dir, 0);

		if (dma_mapping_error(map->client, addr))
			return -EIO;
		sg_dma_address(sg) = addr;
		sg_dma_len(sg) = sg->length;
		run->mapped = i + 1;
	}
	return 0;
}

/* Unmap what p2pmap_runs_map() (or one dma_map_sgtable() where there are no runs) mapped. */
void p2pmap_runs_unmap(struct p2pmap_mapping *map)
{
	unsigned int r;

	if (!map->nr_runs) {
		dma_unmap_sgtable(map->client, map->dst, map->dir, map->unmap_attrs);
		return;
	}
	for (r = 0; r < map->nr_runs; r++) {
		if (!map->runs[r].mapped)
			continue;
		if (map->runs[r].resource)
			unmap_resource_run(map, &map->runs[r]);
		else
			dma_unmap_sg_attrs(map->client, map->runs[r].sgl, map->runs[r].nents,
					   map->dir, map->unmap_attrs);
	}
}

/* Segment @b starts a new run after @a: a different way of DMA-mapping it. */
static bool new_run(const struct p2pmap_seg *a, const struct p2pmap_seg *b)
{
	return a->bus != b->bus || a->resource != b->resource;
}

/*
 * Cut the destination table into runs of segments that are all PCI bus addresses or none,
 * and all a verified override's P2P memory or none, when there are several kinds. Each run
 * is DMA-mapped on its own: DMA segments then never span two runs, so the client's table
 * lists them in buffer order, and the CPU syncs of a run are the DMA API's own, for exactly
 * what one dma_map_sg() call mapped (an override's run is never synced).
 */
int p2pmap_runs_make(struct p2pmap_mapping *map)
{
	struct scatterlist *sg = map->dst->sgl;
	struct p2pmap_run *run = NULL;
	unsigned int s, k, n = 0;
	bool any = false;

	for (s = 0; s < map->nr_segs; s++) {
		any |= map->segs[s].bus || map->segs[s].resource;
		if (!s || new_run(&map->segs[s - 1], &map->segs[s]))
			n++;
	}
	if (!any)
		return 0;
	map->runs = &map->inline_run;
	if (n > 1) {
		map->runs = kvcalloc(n, sizeof(*map->runs), GFP_KERNEL);
		if (!map->runs)
			return -ENOMEM;
	}
	for (s = 0; s < map->nr_segs; s++) {
		if (!s || new_run(&map->segs[s - 1], &map->segs[s])) {
			run = &map->runs[map->nr_runs++];
			run->sgl = sg;
			run->bus = map->segs[s].bus;
			run->resource = map->segs[s].resource;
		}
		run->nents += map->segs[s].dst_nents;
		for (k = 0; k < map->segs[s].dst_nents; k++)
			sg = sg_next(sg);
	}
	return 0;
}

/*
 * DMA-map the runs, and list their DMA segments in @map->view (one run: @dst holds them).
 */
int p2pmap_runs_map(struct p2pmap_mapping *map)
{
	struct scatterlist *sg, *vsg;
	unsigned int r, i, total = 0;
	int ret;

	for (r = 0; r < map->nr_runs; r++) {
		struct p2pmap_run *run = &map->runs[r];

		if (run->resource) {
			ret = map_resource_run(map, run);
			if (ret)
				goto fail;
			total += run->mapped;
			continue;
		}
		run->mapped = dma_map_sg(map->client, run->sgl, run->nents, map->dir);
		if (!run->mapped) {
			ret = -EIO;
			goto fail;
		}
		total += run->mapped;
		/* A run the PCI core did not map to bus addresses after all is synced. */
		for_each_sg(run->sgl, sg, run->mapped, i)
			run->bus &= sg_dma_is_bus_address(sg);
	}
	if (map->nr_runs == 1) {
		/* One run starts at @dst's first entry: its DMA segments are @dst's own. */
		map->dst->nents = total;
		return 0;
	}
	ret = sg_alloc_table(&map->view, total, GFP_KERNEL);
	if (ret)
		goto fail;
	vsg = map->view.sgl;
	for (r = 0; r < map->nr_runs; r++) {
		for_each_sg(map->runs[r].sgl, sg, map->runs[r].mapped, i) {
			sg_dma_address(vsg) = sg_dma_address(sg);
			sg_dma_len(vsg) = sg_dma_len(sg);
			vsg = sg_next(vsg);
		}
	}
	map->view.nents = total;
	map->table = &map->view;
	return 0;

fail:
	p2pmap_runs_unmap(map);
	for (r = 0; r < map->nr_runs; r++)
		map->runs[r].mapped = 0;
	return ret;
}
