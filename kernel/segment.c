// SPDX-License-Identifier: GPL-2.0-only
/*
 * Segments: a mapping's source table grouped into runs of RAM or of one provider's P2P
 * memory (the unit a decision applies to), and the pieces of the destination table that
 * stand for them: split to the client's DMA segment limits, one per page where bounced.
 */
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/pci-p2pdma.h>
#include <linux/slab.h>

#include "mapping.h"

/*
 * How much of a non-bounced entry, from physical address @phys and @len bytes long, one
 * destination entry takes: at most the client's largest segment, and never across its
 * segment boundary (dma_get_seg_boundary()), which DMA-API debug checks and hardware with such
 * a limit needs.
 */
static unsigned int piece_len(const struct p2pmap_mapping *map, phys_addr_t phys,
			      unsigned int len)
{
	unsigned long in = phys & map->seg_boundary;
	unsigned int n = min(len, map->max_seg);

	if (n && map->seg_boundary - in < n - 1)
		n = map->seg_boundary - in + 1;
	return n;
}

/*
 * How much of a bounced entry one destination entry takes: the rest of the bounce chunk it
 * starts in (a chunk starts at a page boundary of the bounced memory, or at the entry's
 * start). While the table is made the chunks are in @map->chunks, in order; afterwards the
 * destination entry itself says.
 */
static unsigned int bounce_len(const struct p2pmap_mapping *map, struct scatterlist *dsg,
			       unsigned int off, unsigned int rem)
{
	size_t size;

	if (!map->chunks)
		return dsg->length;
	size = PAGE_SIZE << page_private(map->chunks[map->chunk_pos]);
	return min_t(size_t, rem, size - off);
}

/**
 * p2pmap_walk_dst() - walk a mapping's destination table in step with its source table
 * @map: the mapping, segmented
 * @fn: called for each destination entry (see p2pmap_piece_fn), or NULL
 *
 * With @fn NULL, the walk only counts the destination entries, per segment (dst_nents) and
 * in all.
 *
 * Return: with @fn, 0 or the first non-zero value @fn returned; without, the number of
 * destination entries.
 */
int p2pmap_walk_dst(struct p2pmap_mapping *map, p2pmap_piece_fn fn)
{
	struct scatterlist *ssg = map->src->sgl, *dsg = map->own_dst.sgl;
	unsigned int s, k, count = 0;
	int ret;

	map->chunk_pos = 0;
	for (s = 0; s < map->nr_segs; s++) {
		struct p2pmap_seg *seg = &map->segs[s];
		bool bounced = seg->kind == P2PMAP_SEG_BOUNCE;

		if (!fn)
			seg->dst_nents = 0;
		for (k = 0; k < seg->src_nents; k++, ssg = sg_next(ssg)) {
			struct page *page = nth_page(sg_page(ssg), ssg->offset >> PAGE_SHIFT);
			unsigned int off = offset_in_page(ssg->offset), rem = ssg->length, n;

			do {
				n = bounced ? bounce_len(map, dsg, off, rem) :
				    piece_len(map, page_to_phys(page) + off, rem);
				count++;
				if (!fn)
					seg->dst_nents++;
				if (fn) {
					ret = fn(map, dsg, page, off, n, bounced);
					if (ret)
						return ret;
					dsg = sg_next(dsg);
				}
				if (bounced && map->chunks)
					map->chunk_pos++;
				off += n;
				page = nth_page(page, off >> PAGE_SHIFT);
				off = offset_in_page(off);
				rem -= n;
			} while (rem);
		}
	}
	return fn ? 0 : count;
}

/**
 * p2pmap_fill_piece() - fill one destination entry (a p2pmap_piece_fn)
 * @map: the mapping
 * @dsg: the destination entry
 * @page: the source page
 * @off: offset of the piece in @page
 * @len: bytes of the piece
 * @bounced: the piece is bounced
 *
 * The entry is the source memory itself, or the next bounce chunk holding its copy.
 *
 * Return: 0.
 */
int p2pmap_fill_piece(struct p2pmap_mapping *map, struct scatterlist *dsg, struct page *page,
		      unsigned int off, unsigned int len, bool bounced)
{
	struct page *bp;

	if (!bounced) {
		sg_set_page(dsg, page, len, off);
		return 0;
	}
	/* Once the copy stopped, the rest of the chunks go into the table uncopied. */
	if (map->copy_err)
		bp = map->chunks[map->chunk_pos];
	else
		bp = p2pmap_bounce_fill(map, page, off, len);
	sg_set_page(dsg, bp, len, off);
	return 0;
}

/* The provider of the last P2P page looked up: runs of one pagemap need one lookup. */
struct provider_cache {
	struct dev_pagemap *pgmap;
	struct pci_dev *provider;
};

/*
 * The kind and provider of one source entry: RAM the client reaches, RAM it does not (bounced,
 * reach.c), or P2P memory with its provider.
 */
static struct pci_dev *entry_provider(struct p2pmap_mapping *map, struct scatterlist *sg,
				      u32 *kind, struct provider_cache *pc)
{
	struct page *page = sg_page(sg);

	if (!is_pci_p2pdma_page(page)) {
		*kind = P2PMAP_SEG_RAM;
		if (map->ram_limit &&
		    !p2pmap_ram_reachable(map->client, page_to_phys(page) + sg->offset, sg->length))
			*kind = P2PMAP_SEG_BOUNCE;
		return NULL;
	}
	*kind = P2PMAP_SEG_P2P;
	if (page_pgmap(page) != pc->pgmap) {
		pc->provider = p2pmap_page_provider(page);
		pc->pgmap = pc->provider ? page_pgmap(page) : NULL;
	}
	return pc->provider;
}

/* Destination entries a non-bounced source entry takes (see piece_len()). */
static unsigned int entry_pieces(const struct p2pmap_mapping *map, struct scatterlist *sg)
{
	phys_addr_t phys = sg_phys(sg);
	unsigned int rem = sg->length, n, count = 0;

	do {
		n = piece_len(map, phys, rem);
		phys += n;
		rem -= n;
		count++;
	} while (rem);
	return count;
}

/* Room for twice the segments: beyond the inline ones, a buffer that alternates kinds. */
static int grow_segs(struct p2pmap_mapping *map, unsigned int *room)
{
	struct p2pmap_seg *more;

	/* kvmalloc() serves at most INT_MAX bytes (and warns past them). */
	if (*room > INT_MAX / 2 / sizeof(*more))
		return -ENOMEM;
	more = kvcalloc(*room * 2, sizeof(*more), GFP_KERNEL);
	if (!more)
		return -ENOMEM;
	memcpy(more, map->segs, map->nr_segs * sizeof(*more));
	if (map->segs != map->inline_segs)
		kvfree(map->segs);
	map->segs = more;
	*room *= 2;
	return 0;
}

/**
 * p2pmap_make_segments() - group the source entries into segments
 * @map: the mapping, with its source table
 *
 * A segment is a run of RAM, of RAM the client cannot reach (to bounce, reason
 * dma-unreachable), or of one provider's P2P memory. One pass over the table: each RAM or
 * P2P segment also counts the destination entries it takes mapped as it is (dst_nents; the
 * count is provisional for a P2P segment the decision bounces: a bounced segment's entries
 * are counted when its chunks are known, p2pmap_walk_dst()), and @map->nr_pieces adds them up.
 *
 * Return: 0, -ENXIO for a P2P page whose provider cannot be found, -EINVAL for an empty
 * table, -ENOMEM.
 */
int p2pmap_make_segments(struct p2pmap_mapping *map)
{
	unsigned int i, n, room = P2PMAP_INLINE_SEGS;
	struct pci_dev *prov, *prev = NULL;
	struct provider_cache pc = { };
	struct p2pmap_seg *seg = NULL;
	struct scatterlist *sg;
	u32 kind, prev_kind = 0;
	u64 off = 0;
	int ret;

	map->segs = map->inline_segs;
	map->nr_segs = 0;
	map->nr_pieces = 0;
	for_each_sgtable_sg(map->src, sg, i) {
		prov = entry_provider(map, sg, &kind, &pc);
		if (kind == P2PMAP_SEG_P2P && !prov)
			return -ENXIO;
		if (kind != prev_kind || prov != prev) {
			if (map->nr_segs == room) {
				ret = grow_segs(map, &room);
				if (ret)
					return ret;
			}
			seg = &map->segs[map->nr_segs++];
			*seg = (struct p2pmap_seg){ .kind = kind, .provider = prov, .offset = off };
			if (kind == P2PMAP_SEG_BOUNCE)
				seg->reason = P2PMAP_REASON_DMA_UNREACHABLE;
		}
		if (kind == P2PMAP_SEG_P2P)
			seg->top = max(seg->top,
				       page_to_phys(sg_page(sg)) + sg->offset + sg->length - 1);
		seg->len += sg->length;
		seg->src_nents++;
		seg->nr_pages += DIV_ROUND_UP(offset_in_page(sg->offset) + sg->length, PAGE_SIZE);
		if (kind != P2PMAP_SEG_BOUNCE) {
			n = entry_pieces(map, sg);
			seg->dst_nents += n;
			map->nr_pieces += n;
		}
		off += sg->length;
		prev_kind = kind;
		prev = prov;
	}
	return map->nr_segs ? 0 : -EINVAL;
}

/**
 * p2pmap_sum_segments() - add up what a mapping is made of, bytes per path, in @map->sum
 * @map: the mapping, with its final segment kinds
 */
void p2pmap_sum_segments(struct p2pmap_mapping *map)
{
	unsigned int s;

	memset(&map->sum, 0, sizeof(map->sum));
	map->sum.nr_segments = map->nr_segs;
	for (s = 0; s < map->nr_segs; s++) {
		const struct p2pmap_seg *seg = &map->segs[s];

		if (seg->kind == P2PMAP_SEG_RAM)
			map->sum.bytes_ram += seg->len;
		else if (seg->kind == P2PMAP_SEG_P2P)
			map->sum.bytes_p2p += seg->len;
		else
			map->sum.bytes_bounce += seg->len;
	}
}

/* Whether @map holds P2P memory of @pdev (mapped directly or bounced). */
bool p2pmap_map_uses_provider(struct p2pmap_mapping *map, struct pci_dev *pdev)
{
	unsigned int s;

	for (s = 0; s < map->nr_segs; s++)
		if (map->segs[s].kind != P2PMAP_SEG_RAM && map->segs[s].provider == pdev)
			return true;
	return false;
}

/* Whether a provider of @map's P2P memory is being unbound (p2pmap_provider_unbinding()). */
bool p2pmap_map_provider_unbinding(struct p2pmap_mapping *map)
{
	unsigned int s;

	for (s = 0; s < map->nr_segs; s++)
		if (map->segs[s].provider &&
		    p2pmap_provider_unbinding(map->segs[s].provider))
			return true;
	return false;
}

unsigned int p2pmap_nr_segments(struct p2pmap_mapping *map)
{
	return map->nr_segs;
}

/**
 * p2pmap_seg_cursor_init() - start describing a mapping's segments from its first
 * @map: the mapping
 * @c: the cursor
 */
void p2pmap_seg_cursor_init(struct p2pmap_mapping *map, struct p2pmap_seg_cursor *c)
{
	c->seg = 0;
	c->sg = map->table->sgl;
	c->i = 0;
	c->base = 0;
	c->steps = 0;
}

/**
 * p2pmap_segments_info() - describe the next segments of a mapping
 * @map: the mapping
 * @c: where the previous call stopped (p2pmap_seg_cursor_init() first)
 * @n: segments to describe, at most those left
 * @out: filled in, @n entries
 *
 * Segments and DMA segments both cover the buffer in order, so one pass over each finds
 * every segment's DMA address: the work is linear in the entries of the two tables, however
 * the calls split it.
 */
void p2pmap_segments_info(struct p2pmap_mapping *map, struct p2pmap_seg_cursor *c,
			  unsigned int n, struct p2pmap_segment *out)
{
	unsigned int end = min(c->seg + n, map->nr_segs);

	for (; c->seg < end; c->seg++, out++) {
		const struct p2pmap_seg *seg = &map->segs[c->seg];

		memset(out, 0, sizeof(*out));
		out->offset = seg->offset;
		out->len = seg->len;
		out->kind = seg->kind;
		out->reason = seg->reason;
		p2pmap_pci_addr_of(seg->provider, &out->provider);
		/* Skip the DMA segments that end before this segment starts. */
		while (c->sg && c->i < map->table->nents &&
		       seg->offset >= c->base + sg_dma_len(c->sg)) {
			c->base += sg_dma_len(c->sg);
			c->sg = sg_next(c->sg);
			c->i++;
			c->steps++;
		}
		if (!c->sg || c->i >= map->table->nents)
			continue;
		out->dma_addr = sg_dma_address(c->sg) + seg->offset - c->base;
		out->dma_contiguous = seg->offset + seg->len <= c->base + sg_dma_len(c->sg);
	}
}
