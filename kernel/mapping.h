/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One mapping's structure, shared by map.c (deciding, bouncing and DMA-mapping it) and
 * segment.c (its segments and the pieces of its destination table). Not an API: clients see
 * struct p2pmap_mapping as an opaque handle.
 */
#ifndef _P2PMAP_MAPPING_H
#define _P2PMAP_MAPPING_H

#include <linux/rbtree.h>
#include <linux/scatterlist.h>

#include "internal.h"

#define P2PMAP_INLINE_SEGS 4
#define P2PMAP_INLINE_PAGES 16

/**
 * struct p2pmap_seg - a run of entries of one kind and provider
 * @kind: enum p2pmap_seg_kind
 * @reason: enum p2pmap_reason of the provider's decision
 * @provider: provider of P2P and bounced P2P segments, NULL for RAM (no reference: pinned
 *	pages keep it)
 * @offset: byte offset in the buffer
 * @len: bytes
 * @src_nents: entries of the source table in this segment
 * @nr_pages: pages the segment touches (an unaligned run touches one more than len / 4 KiB)
 * @dst_nents: entries of the destination table in this segment
 * @bus: mapped P2P through a switch: PCI bus addresses, which no CPU sync may touch
 * @resource: mapped P2P under a verified override: dma_map_resource() per entry, never synced
 * @top: physical address of the segment's highest byte (P2P segments), for the DMA mask
 */
struct p2pmap_seg {
	u32 kind;
	u32 reason;
	struct pci_dev *provider;
	u64 offset;
	u64 len;
	unsigned int src_nents;
	unsigned int nr_pages;
	unsigned int dst_nents;
	bool bus;
	bool resource;
	phys_addr_t top;
};

/**
 * struct p2pmap_run - consecutive destination entries DMA-mapped by one dma_map_sg() call
 * @sgl: the first entry, in the destination table
 * @nents: entries
 * @mapped: DMA segments dma_map_sg() made of them
 * @bus: PCI bus addresses only: never synced
 * @resource: a verified override's P2P memory: each entry mapped with dma_map_resource()
 *	(@mapped counts the entries mapped), never synced, unmapped with dma_unmap_resource()
 */
struct p2pmap_run {
	struct scatterlist *sgl;
	unsigned int nents;
	unsigned int mapped;
	bool bus;
	bool resource;
};

/**
 * struct p2pmap_range - memory a device-writable mapping covers, in the overlap tree
 * @rb: in its claim shard's tree, ordered by @start (map.c)
 * @start: first byte, rounded down to the DMA cache alignment
 * @last: last byte, rounded up to the end of its cache line
 */
struct p2pmap_range {
	struct rb_node rb;
	phys_addr_t start;
	phys_addr_t last;
};

/**
 * struct p2pmap_mapping - one mapping of a buffer for a client
 * @client: the DMA device (its driver's until p2pmap_unmap(); no reference held)
 * @dir: DMA direction
 * @node: NUMA node of @client, for bounce pages
 * @pages: pinned user pages (p2pmap_map_user() only)
 * @nr_pages: entries in @pages
 * @first_off: offset of the buffer in its first page
 * @len: bytes in the buffer
 * @own_src: CPU view built from @pages
 * @src: the CPU view of the memory: &@own_src or the caller's table
 * @own_dst: what the client maps when it differs from @src (bounce pages, or a caller table)
 * @dst: the DMA-mapped table: @src or &@own_dst
 * @segs: the segments, @inline_segs when they fit
 * @nr_segs: entries in @segs
 * @nr_pieces: the segments' @dst_nents added up: the destination entries when nothing bounces
 * @nr_bounce: bounce pages reserved against the cap
 * @sum: what the mapping is made of
 * @choices: one decision per provider, with a pair reference until they are counted
 * @nr_choices: entries in @choices
 * @preset: a decision made before the mapping (io.c), for decide_all() to take, or NULL
 * @ranges: the memory of a device-writable mapping, in the claim trees (@inline_range or
 *	allocated)
 * @nr_ranges: entries of @ranges in the tree
 * @max_seg: largest DMA segment the client takes
 * @seg_boundary: the client's segment boundary mask (dma_get_seg_boundary())
 * @ram_limit: p2pmap_ram_dma_limit(): RAM above it is bounced; 0: none is
 * @bounce_gfp: p2pmap_bounce_gfp(): the first zone bounce pages come from
 * @runs: when the mapping has PCI bus-address segments or a verified override's segments,
 *	@dst is DMA-mapped in runs, so the CPU syncs can pass over those (the DMA API's sync
 *	functions would not), and an override's are mapped as the resource they are
 * @nr_runs: entries in @runs; 0: @dst is mapped whole
 * @view: the DMA segments of all runs, in buffer order: the table the client uses then
 * @table: the table the client uses: @dst, or @view
 * @dma_mapped: @dst is DMA-mapped
 * @live: the mapping was handed out (so the device may have written user RAM)
 * @device_writes: P2PMAP_MAP_DEVICE_WRITES: the bounce pages are not filled from the buffer;
 *	the caller says how much the device wrote (p2pmap_unmap_written())
 * @copy_left: during a copy back, bytes of the buffer still to copy (those the device wrote)
 * @copied: during a copy back, bytes copied so far
 * @chunks: while the destination table is made, the bounce chunks, in order
 *	(p2pmap_bounce_get()); NULL once the table's entries hold them
 * @nr_chunks: entries in @chunks not yet in the table
 * @chunk_pos: the chunk p2pmap_walk_dst() is at
 * @stop: NULL for a driver's own mapping; for a /dev/p2pmap mapping, a flag that makes a
 *	copy stop with -ENODEV once true (its client's unregistration while MAP runs, then its
 *	handle's take-down): such copies also stop on a fatal signal
 * @uapi: a registration's mapping, /dev/p2pmap's or p2pmap_register()'s (@stop was set when
 *	it was made): its bounce pages stop short of the drivers' reserve
 *	(p2pmap_bounce_reserve()), and it is claimed whatever it holds (finish_map())
 * @copy_err: the copy in at map time stopped (p2pmap_bounce_fill()): the mapping fails so
 * @copy_lost: the copy back passed over memory whose provider is being unbound (it goes
 *	with the unbind): the sync or unmap that did it fails with -ENODEV
 * @copy_since: bytes copied since the last p2pmap_copy_check() that looked (bounce.c)
 * @start_ns: when mapping started, for the map tracepoint
 * @walk_priv: the state of a p2pmap_walk_dst() function that needs more than @map (slice.c)
 * @unmap_attrs: DMA attributes of the unmap (DMA_ATTR_SKIP_CPU_SYNC for a registration whose
 *	slices synced their own bytes)
 * @inline_run: room for @runs when there is one run (all of the mapping is bus addresses, or
 *	all a verified override's): the DMA segments are then @dst's own, and there is no @view
 * @inline_segs: room for the common case (this and what follows is not zeroed when a mapping
 *	is allocated: each is written before it is read)
 * @inline_pages: @pages of a small buffer (up to 64 KiB with 4 KiB pages)
 * @inline_choice: room for the common case of one provider
 * @inline_range: room for the common case of one physically contiguous run
 */
struct p2pmap_mapping {
	struct device *client;
	enum dma_data_direction dir;
	int node;
	struct page **pages;
	unsigned int nr_pages;
	unsigned int first_off;
	u64 len;
	struct sg_table own_src;
	struct sg_table *src;
	struct sg_table own_dst;
	struct sg_table *dst;
	struct p2pmap_seg *segs;
	unsigned int nr_segs;
	unsigned int nr_pieces;
	unsigned long nr_bounce;
	struct p2pmap_summary sum;
	struct p2pmap_choice *choices;
	unsigned int nr_choices;
	struct p2pmap_choice *preset;
	struct p2pmap_range *ranges;
	unsigned int nr_ranges;
	unsigned int max_seg;
	unsigned long seg_boundary;
	u64 ram_limit;
	gfp_t bounce_gfp;
	struct p2pmap_run *runs;
	unsigned int nr_runs;
	struct sg_table view;
	struct sg_table *table;
	bool dma_mapped;
	bool live;
	bool device_writes;
	u64 copy_left;
	u64 copied;
	struct page **chunks;
	unsigned int nr_chunks;
	unsigned int chunk_pos;
	const bool *stop;
	bool uapi;
	int copy_err;
	bool copy_lost;
	unsigned int copy_since;
	u64 start_ns;
	void *walk_priv;
	unsigned long unmap_attrs;
	struct p2pmap_run inline_run;
	/* Not zeroed at allocation; only inline arrays from here (alloc_mapping() checks): */
	struct p2pmap_seg inline_segs[P2PMAP_INLINE_SEGS];
	struct p2pmap_choice inline_choice;
	struct page *inline_pages[P2PMAP_INLINE_PAGES];
	struct p2pmap_range inline_range;
};

/*
 * Walk the destination table entry by entry, in step with the source table: a bounced source
 * entry stands for one destination entry per bounce chunk its pages take (bounce.c), any
 * other for one entry per piece that respects the client's segment limits (segment.c). @fn
 * sees each destination entry with the source memory it stands for; a non-zero return stops
 * the walk.
 */
typedef int (*p2pmap_piece_fn)(struct p2pmap_mapping *map, struct scatterlist *dsg,
			       struct page *page, unsigned int off, unsigned int len,
			       bool bounced);

/* segment.c: the segments of a mapping and the pieces of its destination table. */
int p2pmap_make_segments(struct p2pmap_mapping *map);
void p2pmap_sum_segments(struct p2pmap_mapping *map);
int p2pmap_walk_dst(struct p2pmap_mapping *map, p2pmap_piece_fn fn);
int p2pmap_fill_piece(struct p2pmap_mapping *map, struct scatterlist *dsg, struct page *page,
		      unsigned int off, unsigned int len, bool bounced);

/*
 * A copy reschedules, and looks whether it must stop, once per P2PMAP_COPY_SLICE bytes. CPU
 * reads of device memory are non-posted and slow (a GPU BAR reads at about 1.5 MB/s with
 * plain loads): a large bounced mapping could otherwise keep a CPU for most of a minute. One
 * slice is at most a few hundred milliseconds there, and a small mapping never looks at all.
 */
#define P2PMAP_COPY_SLICE	(256U << 10)

/* bounce.c: the copies between bounced memory and its bounce pages, and their release. */
int p2pmap_bounce_get(struct p2pmap_mapping *map);
void p2pmap_bounce_put_chunks(struct p2pmap_mapping *map);
struct page *p2pmap_bounce_fill(struct p2pmap_mapping *map, struct page *page, unsigned int off,
				unsigned int len);
int p2pmap_bounce_copy_in(struct p2pmap_mapping *map, struct scatterlist *dsg,
			  struct page *page, unsigned int off, unsigned int len, bool bounced);
int p2pmap_bounce_copy_out(struct p2pmap_mapping *map, struct scatterlist *dsg,
			   struct page *page, unsigned int off, unsigned int len, bool bounced);
int p2pmap_bounce_copy_span(void *bounce, struct page *page, unsigned int off, size_t len,
			    bool in);
int p2pmap_bounce_free_piece(struct p2pmap_mapping *map, struct scatterlist *dsg,
			     struct page *page, unsigned int off, unsigned int len, bool bounced);

/* claim.c: the overlap claims of device-writable mappings. */
int p2pmap_claim(struct p2pmap_mapping *map);
void p2pmap_unclaim(struct p2pmap_mapping *map);

/* runs.c: the destination table DMA-mapped in runs of one kind, and its CPU syncs. */
int p2pmap_runs_make(struct p2pmap_mapping *map);
int p2pmap_runs_map(struct p2pmap_mapping *map);
void p2pmap_runs_unmap(struct p2pmap_mapping *map);
void p2pmap_runs_sync(struct p2pmap_mapping *map, bool for_cpu);

#endif /* _P2PMAP_MAPPING_H */
