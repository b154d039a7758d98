/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * p2pmap: in-kernel API for DMA client drivers.
 *
 * One call turns user memory (RAM and/or PCI P2P pages) or a kernel sg_table into a
 * DMA-mapped sg_table for a client device. For every P2P provider in the buffer, p2pmap
 * decides (built-in rule or an attached BPF policy) whether the client reaches the memory
 * peer to peer or through bounce buffers in system RAM. A mapping is never partially valid:
 * on any error everything is unwound and an ERR_PTR is returned.
 *
 * Typical use:
 *
 *	map = p2pmap_map_user(&pdev->dev, uaddr, len, DMA_FROM_DEVICE, 0);
 *	if (IS_ERR(map))
 *		return PTR_ERR(map);
 *	for_each_sgtable_dma_sg(p2pmap_sgtable(map), sg, i)
 *		program_device(sg_dma_address(sg), sg_dma_len(sg));
 *	wait_for_device();
 *	ret = p2pmap_unmap(map);	// copies bounced data back to the user's P2P memory;
 *	return ret;			// an error: the device's data did not all arrive
 *
 * Every call's kernel-doc says what it needs and returns; the DOC: sections below are the
 * rules the calls share (scripts/kernel-doc -rst renders them).
 */
#ifndef _P2PMAP_H
#define _P2PMAP_H

#include <linux/dma-direction.h>
#include <linux/scatterlist.h>
#include <linux/types.h>

#include "uapi/p2pmap.h"	/* P2PMAP_MAP_DEVICE_WRITES, the flag of both map calls */

struct device;
struct p2pmap_mapping;
struct p2pmap_reg;

/**
 * DOC: Ownership
 *
 * - A mapping belongs to its client's bound driver, as with the DMA API: p2pmap_map_user()
 *   and p2pmap_map_sgtable() take no reference on the client, and the driver stops the
 *   device and unmaps before its remove() returns (a device reference alone does not keep
 *   DMA state valid after an unbind). Stop the device before p2pmap_unmap().
 * - /dev/p2pmap maps only for a device whose driver registered it
 *   (devm_p2pmap_client_register() or p2pmap_client_register() in probe); other devices are
 *   refused with EACCES. Unregistering waits for MAPs in flight, calls @quiesce of
 *   &struct p2pmap_client_ops, then unmaps and unpins the device's /dev/p2pmap mappings,
 *   copying bounced data back, and returns only when every take-down of them (a file's
 *   UNMAP or close, a provider's revoke) has finished. Their handles then fail with ENODEV.
 *   A driver unmaps its own mappings before it unregisters.
 * - @quiesce runs with a device lock held (the provider's in a revoke, the client's in its
 *   remove()): it must not take any device's lock, nor wait for anything that does.
 * - A file's UNMAP or close of a handle does not wait for a device, and @quiesce is called
 *   by every other take-down only: a driver does not start DMA on a /dev/p2pmap handle's
 *   mapping (p2pmap_edu's COPY maps its own buffers).
 * - @dma_copy (verification) is called with the registration held: remove() makes a running
 *   call return before it unregisters. For a pair with an enabled override, P2P segments
 *   are mapped with dma_map_resource() in their own runs and never synced.
 */

/**
 * DOC: Revocation
 *
 * Pins on P2P memory are short-term and revocable (the kernel refuses FOLL_LONGTERM for
 * them): keep a mapping for the I/O it serves. When a provider's driver starts to unbind
 * (BUS_NOTIFY_UNBIND_DRIVER, before its remove(), also on hot removal), every /dev/p2pmap
 * mapping holding its memory is revoked: the client's driver is quiesced, the mapping is
 * unmapped and unpinned, and its handle fails with ENODEV. Nothing is copied back into the
 * memory of a provider whose unbind has started (that memory goes with it; other memory of
 * the buffer is copied back as usual), and nothing at all is written to a provider whose
 * channel is offline. New mappings of the provider fail with ENODEV until a driver binds it
 * again, and its entries in p2pmap's pagemap-to-provider cache are dropped at the start of
 * the unbind. In-kernel mappings are their driver's to end. No pair is created for a PCI
 * device whose removal has started (ENODEV); a forgotten pair drops its device references
 * after an RCU grace period.
 */

/**
 * DOC: DMA addresses
 *
 * - Two device-writable mappings (DMA_FROM_DEVICE, DMA_BIDIRECTIONAL) may not share a cache
 *   line of memory (64 bytes, or the platform's DMA alignment if larger), whatever client or
 *   file made them: the second fails with -EADDRINUSE. DMA_TO_DEVICE mappings may overlap
 *   anything, and so may, as with the DMA API's own maps, a driver's one-I/O mapping that
 *   only an overlap's own bytes could suffer from: a p2pmap_io_map() held in its struct (DOC:
 *   One-shot mappings), and a p2pmap_map_user() or p2pmap_map_sgtable() that p2pmap does not
 *   bounce (RAM the client reaches, P2P memory decided peer to peer), where the DMA API maps
 *   it in place on a platform without DMA cache maintenance (no swiotlb, DMA ops, untrusted
 *   device or memory encryption for the client): no copy back and no cache maintenance
 *   touches it, and its own entries are not checked against each other either.
 *   Registrations and /dev/p2pmap mappings are always claimed. DMA-API debug's own overlap
 *   check stays on.
 * - The DMA-mapped table respects the client's dma_get_max_seg_size() and
 *   dma_get_seg_boundary().
 * - A client is never given an address above its DMA mask and bus_dma_limit: P2P memory it
 *   cannot reach at its bus address (through a switch) or physical address (through the
 *   host bridge, no translating IOMMU) is bounced with reason dma-unreachable, whatever the
 *   policy says; so is RAM above the mask where dma-direct would fail, into bounce pages from
 *   ZONE_DMA32 or ZONE_DMA. Every DMA address of a table is checked before the mapping is
 *   handed out (EIO otherwise).
 * - No CPU sync touches a PCI bus-address segment: a mapping with such segments is mapped in
 *   runs (one dma_map_sg() per run) and only the other runs are synced, each as it was
 *   mapped; p2pmap_sgtable() lists every run's DMA segments in buffer order and leaves its
 *   CPU-side entries unset.
 * - Context: process context, may sleep, GFP_KERNEL. On a block I/O or filesystem path, call
 *   inside memalloc_noio_save() (or memalloc_nofs_save()), and prefer p2pmap_map_sgtable(),
 *   which touches no user memory.
 */

/**
 * DOC: Bounce buffers
 *
 * - Bounce pages hold nothing but the caller's bytes: the rest of each page is zero, so a
 *   device reaching whole pages never sees an earlier mapping's data. They come in naturally
 *   aligned chunks of up to 64 KiB, each one DMA segment within the client's limits; a
 *   client whose segment size or boundary is under a page cannot take one (EOPNOTSUPP).
 * - A bounced DMA_FROM_DEVICE mapping is filled from the P2P memory at map time, a CPU read
 *   of device memory. P2PMAP_MAP_DEVICE_WRITES says the device writes the buffer from its
 *   start: the chunks are zeroed instead. p2pmap_unmap_written() and
 *   p2pmap_sync_for_cpu_written() copy back only the first bytes the device wrote;
 *   p2pmap_unmap() and p2pmap_sync_for_cpu() mean all of it, and so does every take-down a
 *   driver did not size (a /dev/p2pmap close or revoke): bytes the device did not write then
 *   come back as the zeroes the chunks started with. A device that writes with gaps does not
 *   use the flag.
 * - CPU access to device memory is naturally aligned (arm64 maps it as Device memory) and
 *   counted in /sys/kernel/p2pmap/bytes_devmem_read and bytes_devmem_written.
 * - The last bounce_reserve_pages of bounce_max_pages serve drivers' own mappings only:
 *   a /dev/p2pmap mapping that would reach into them fails with EBUSY.
 */

/**
 * DOC: Hostile timing
 *
 * - Every CPU copy of bounced memory reschedules every 256 KiB; a copy from device memory
 *   stops with ENODEV when its provider is gone for good. The copies of a /dev/p2pmap
 *   mapping also stop on a fatal signal (MAP fails whole with EINTR, SYNC returns EINTR, a
 *   take-down still frees everything); a driver's own mappings are copied whole.
 * - Nothing a teardown needs is held across GUP or a copy: MAP pins before it takes its
 *   client's lock, a copy in at map time stops (ENODEV) when the client unregisters or a
 *   provider of the buffer unbinds, and a SYNC's copy stops when a take-down of its handle
 *   waits.
 * - Take-downs of a handle are serialised: when UNMAP returns, nothing copies into the
 *   buffer any more. A revoke or unregistration that comes during a take-down's copy back
 *   waits for it.
 * - A copy back that could not deliver all of the device's data, because part of the buffer
 *   is P2P memory of a provider being unbound or gone, delivers the rest and fails with
 *   ENODEV: the unmap calls (p2pmap_unmap(), p2pmap_io_unmap()), UNMAP and the sync calls
 *   say so, and the I/O must fail rather than report a buffer it never got.
 * - The pages a /dev/p2pmap handle pins are charged to its owner's RLIMIT_MEMLOCK
 *   (mm->pinned_vm): over the limit MAP fails with ENOMEM, CAP_IPC_LOCK lifts the limit.
 *   A driver's own one-I/O mappings are not charged.
 * - SEGMENTS is linear in the segments and stops on a fatal signal; STATS holds one CPU's
 *   statistics lock at a time, so monitoring does not stall the data path.
 */

/**
 * struct p2pmap_client_ops - what p2pmap may ask of a registered client's driver
 * @quiesce: optional; p2pmap is about to take down the device's /dev/p2pmap mappings (in
 *	p2pmap_client_unregister(), or a provider's revoke): stop every DMA the device may
 *	still do to them before returning. May sleep. Called with a device lock held (the
 *	client's in its remove(), the provider's in its unbind): it must not take any device's
 *	lock, nor wait for anything that does.
 * @dma_copy: optional; move @len bytes from DMA address @src to DMA address @dst with the
 *	device's own DMA engine, and return once the data has landed (0) or a negative errno.
 *	p2pmap calls it only to verify a (provider, client) pair (P2PMAP_IOC_VERIFY): one of
 *	the addresses is the provider's P2P memory, mapped for @dev with dma_map_resource(),
 *	the other RAM mapped for @dev; @len is at most %P2PMAP_PROBE_MAX_LEN. Called with the
 *	registration held: p2pmap_client_unregister() waits for it, so the driver's remove
 *	must make a running call return (e.g. -ENODEV) rather than wait for it. May sleep. A
 *	client without it cannot be verified (EOPNOTSUPP).
 */
struct p2pmap_client_ops {
	void (*quiesce)(struct device *dev, void *priv);
	int (*dma_copy)(struct device *dev, void *priv, dma_addr_t dst, dma_addr_t src,
			size_t len);
};

/* The most a probe asks of ->dma_copy() in one call. */
#define P2PMAP_PROBE_MAX_LEN	4032

int p2pmap_client_register(struct device *dev, const struct p2pmap_client_ops *ops, void *priv);
int devm_p2pmap_client_register(struct device *dev, const struct p2pmap_client_ops *ops,
				void *priv);
void p2pmap_client_unregister(struct device *dev);

/**
 * struct p2pmap_summary - what a mapping is made of
 * @nr_segments: runs of RAM, P2P or bounced pages
 * @bytes_ram: bytes of system RAM mapped as is
 * @bytes_p2p: bytes of P2P memory mapped directly
 * @bytes_bounce: bytes of P2P memory replaced by bounce buffers
 */
struct p2pmap_summary {
	unsigned int nr_segments;
	u64 bytes_ram;
	u64 bytes_p2p;
	u64 bytes_bounce;
};

struct p2pmap_mapping *p2pmap_map_user(struct device *client, unsigned long uaddr,
				       size_t len, enum dma_data_direction dir,
				       unsigned int flags);
struct p2pmap_mapping *p2pmap_map_sgtable(struct device *client, struct sg_table *sgt,
					  enum dma_data_direction dir, unsigned int flags);
struct sg_table *p2pmap_sgtable(struct p2pmap_mapping *map);
void p2pmap_summary(struct p2pmap_mapping *map, struct p2pmap_summary *sum);
int p2pmap_sync_for_device(struct p2pmap_mapping *map);
int p2pmap_sync_for_cpu(struct p2pmap_mapping *map);
int p2pmap_unmap(struct p2pmap_mapping *map);
int p2pmap_sync_for_cpu_written(struct p2pmap_mapping *map, size_t written);
int p2pmap_unmap_written(struct p2pmap_mapping *map, size_t written);

/**
 * DOC: One-shot mappings
 *
 * A driver that maps a user buffer per I/O can keep the mapping in its own per-request data
 * (struct p2pmap_io, as blk-mq's per-request area holds struct nvme_iod): p2pmap_io_map() is
 * p2pmap_map_user() with the same pins, decisions, bounce path and rules, but a buffer of up
 * to %P2PMAP_IO_PAGES pages that the client reaches directly, all RAM or all P2P memory of one
 * provider that the decision sends peer to peer, is mapped with nothing allocated: one pin
 * call, one decision (none for RAM), and one dma_map_page() for a physically contiguous run of
 * RAM or one dma_map_sgtable() of a table in the caller's struct.
 * Every other buffer goes through p2pmap_map_user(), its mapping held in the struct, and the
 * calls are the same.
 *
 * - The struct's own path is taken only where an overlap with another device-writable mapping
 *   could harm nothing but the overlapping bytes themselves, so it is not claimed against
 *   other mappings (the general path's -EADDRINUSE): its entries are within the client's DMA
 *   segment size and boundary, p2pmap does not bounce them, and a device-writable one is
 *   mapped so only where the DMA API maps it in place on a platform without DMA cache
 *   maintenance (elsewhere cache maintenance or a swiotlb copy back of one mapping can
 *   destroy what a device wrote through another, so it takes the general path).
 *   Overlapping device-writable buffers are then the driver's and its user's race, as with
 *   dma_map_page(): their bytes end as either device wrote them.
 * - The table points into the struct: it is not copied or moved while mapped. The struct is
 *   the caller's: p2pmap_io_unmap() of one that holds nothing (zero-initialised, a failed
 *   map, unmapped already) does nothing; one neither zeroed nor written by p2pmap_io_map()
 *   is the driver's bug, as an unmap of an address the DMA API never gave.
 */

/* The most pages a one-shot mapping holds in the caller's storage (64 KiB in 4 KiB pages). */
#define P2PMAP_IO_PAGES 16

/**
 * struct p2pmap_io - a one-shot mapping, in the caller's storage
 * @map: the general path's mapping, or NULL (p2pmap's: read it through the calls below, as
 *	all members)
 * @dev: the client while mapped, else NULL
 * @sgt: the table in @sg
 * @sg: its entries: the pinned pages, physically contiguous ones merged, then their DMA
 *	addresses
 * @len: bytes
 * @nr_pages: pages pinned
 * @dir: DMA direction
 * @bus: the entries are PCI bus addresses: no CPU sync touches them
 * @ram: the pages are RAM (dirtied at unmap if the device may have written them)
 * @single: one entry of RAM, mapped, synced and unmapped as one page range
 *	(dma_map_page()), not as a table
 */
struct p2pmap_io {
	struct p2pmap_mapping *map;
	struct device *dev;
	struct sg_table sgt;
	struct scatterlist sg[P2PMAP_IO_PAGES];
	u32 len;
	u32 nr_pages;
	enum dma_data_direction dir;
	bool bus;
	bool ram;
	bool single;
};

int p2pmap_io_map(struct p2pmap_io *io, struct device *client, unsigned long uaddr, size_t len,
		  enum dma_data_direction dir, unsigned int flags);
struct sg_table *p2pmap_io_sgtable(struct p2pmap_io *io);
void p2pmap_io_summary(struct p2pmap_io *io, struct p2pmap_summary *sum);
int p2pmap_io_sync_for_device(struct p2pmap_io *io);
int p2pmap_io_sync_for_cpu(struct p2pmap_io *io);
int p2pmap_io_unmap(struct p2pmap_io *io, size_t written);

/**
 * DOC: Registrations
 *
 * A registration is a user buffer pinned, decided and DMA-mapped once for a client, for many
 * I/Os: per I/O a driver takes a slice (an offset and a length) and gets its DMA segments
 * without pinning, deciding or mapping anything, as with io_uring's fixed buffers or an
 * RDMA memory region. Every /dev/p2pmap MAP is a registration, and a driver resolves its
 * handle from the file it was given (p2pmap_reg_get()); a driver registers its own with
 * p2pmap_register().
 *
 * - RAM of a registration is pinned long-term (FOLL_LONGTERM: pages in ZONE_MOVABLE or CMA
 *   are migrated out first, so memory offline and CMA allocations proceed); P2P memory cannot
 *   be, so it is pinned short-term and the registration is revocable. All of its pages are
 *   charged to RLIMIT_MEMLOCK of the process whose memory it is (ENOMEM beyond the limit,
 *   CAP_IPC_LOCK lifts it) until it is taken down.
 * - It is taken down by p2pmap_unregister() or the file's UNMAP or close, or revoked: by the
 *   unbind of a provider of its memory and by its client's unregistration (the client's
 *   @quiesce of &struct p2pmap_client_ops is called first). A take-down stops new slices
 *   (p2pmap_slice_get() fails with -ENODEV), waits until every slice in flight is put, and
 *   only then unmaps and unpins: a driver puts the slices of its I/Os in @quiesce's wake, or
 *   the take-down waits for them to complete.
 * - An unmap of any of the range revokes it too, without @quiesce: munmap(), an mremap() that
 *   moves it (even one that then fails), a MAP_FIXED mapping over it, shmdt(), and the end of
 *   the address space when its last user goes (exit, exec). New slices fail with -ENODEV from
 *   the unmap on, and a work item takes the registration down once the slices in flight are
 *   put, copying nothing back (the user gave the range up); its pages stay pinned and charged
 *   until then, so DMA in flight never lands in pages the kernel gave to someone else. Other
 *   changes of the mapping (MADV_DONTNEED, mprotect()) leave the registration the pages it
 *   pinned, as io_uring's fixed buffers keep theirs. A kernel without CONFIG_MMU_NOTIFIER
 *   does not see unmaps.
 * - Slices of one registration may be in flight at once, from any number of threads. Bounce
 *   pages are the registration's own for its life: a slice's syncs copy only the slice's
 *   bytes, and reschedule every 256 KiB. A long I/O checks p2pmap_slice_revoked() between
 *   its parts, so that a take-down does not wait for all of it.
 * - Once a slice was taken, a take-down copies nothing back (each slice's
 *   p2pmap_slice_sync_for_cpu() did); p2pmap_unregister() never does. A /dev/p2pmap handle
 *   its user ever SYNCed copies back at UNMAP and close as a mapping does.
 */

/**
 * struct p2pmap_slice - a part of a registration for one I/O, in the caller's storage
 * @reg: the registration (p2pmap's: read it through the calls below, as all members)
 * @offset: byte offset of the slice in the registration
 * @len: bytes
 * @first: index of the slice's first DMA segment
 * @nr: DMA segments in the slice
 * @head: bytes of the first DMA segment before the slice
 *
 * Embed it in the driver's per-request data (as blk-mq holds struct nvme_iod): taking a
 * slice allocates nothing.
 */
struct p2pmap_slice {
	struct p2pmap_reg *reg;
	u64 offset;
	u64 len;
	unsigned int first;
	unsigned int nr;
	u64 head;
};

struct p2pmap_reg *p2pmap_register(struct device *client, unsigned long uaddr, size_t len,
				   enum dma_data_direction dir, unsigned int flags);
void p2pmap_unregister(struct p2pmap_reg *reg);
struct p2pmap_reg *p2pmap_reg_get(struct device *client, int fd, u64 handle);
void p2pmap_reg_put(struct p2pmap_reg *reg);
u64 p2pmap_reg_len(struct p2pmap_reg *reg);
enum dma_data_direction p2pmap_reg_dir(struct p2pmap_reg *reg);
void p2pmap_reg_summary(struct p2pmap_reg *reg, struct p2pmap_summary *sum);
int p2pmap_slice_get(struct p2pmap_reg *reg, u64 offset, u64 len, struct p2pmap_slice *slice);
dma_addr_t p2pmap_slice_seg(const struct p2pmap_slice *slice, unsigned int i, u32 *len);
int p2pmap_slice_sync_for_device(struct p2pmap_slice *slice);
int p2pmap_slice_sync_for_cpu(struct p2pmap_slice *slice, size_t written);
void p2pmap_slice_put(struct p2pmap_slice *slice);
bool p2pmap_slice_revoked(const struct p2pmap_slice *slice);

/**
 * p2pmap_slice_nr_segs() - the DMA segments of a slice
 * @slice: a slice taken with p2pmap_slice_get()
 *
 * Return: how many; p2pmap_slice_seg() gives each.
 */
static inline unsigned int p2pmap_slice_nr_segs(const struct p2pmap_slice *slice)
{
	return slice->nr;
}

#endif /* _P2PMAP_H */
