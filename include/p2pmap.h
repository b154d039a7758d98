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
 *	p2pmap_unmap(map);	// copies bounced data back to the user's P2P memory
 *
 * The rules a caller relies on (kernel-doc of p2pmap_map_user() for the details):
 *
 *  - Context: process context, may sleep; allocations are GFP_KERNEL. On a block I/O or
 *    filesystem path, call inside memalloc_noio_save()/memalloc_noio_restore() (or the
 *    memalloc_nofs_* pair): p2pmap's allocations then behave as GFP_NOIO (GFP_NOFS).
 *    p2pmap_map_sgtable() touches no user memory; p2pmap_map_user() may fault pages in.
 *  - Two device-writable (DMA_FROM_DEVICE, DMA_BIDIRECTIONAL) mappings may not share a cache
 *    line of memory: the second fails with -EADDRINUSE. DMA_TO_DEVICE mappings may overlap.
 *  - The DMA-mapped table respects the client's dma_get_max_seg_size() and
 *    dma_get_seg_boundary(). No CPU sync ever touches a PCI bus-address segment.
 *  - Bounce pages hold nothing but the caller's bytes: the rest of each page is zero.
 *  - Stop the device before p2pmap_unmap(): the mapping must not go while the device may
 *    still use it.
 *  - Bounce cost: a bounced FROM_DEVICE mapping copies the P2P memory into its bounce pages
 *    at map time (so a partial device write keeps the bytes it did not write), and that is a
 *    CPU read of device memory, the slowest part of the bounce path. A driver that knows the
 *    device writes the buffer from its start maps with P2PMAP_MAP_DEVICE_WRITES and unmaps
 *    with p2pmap_unmap_written(map, bytes the device wrote): no copy in, and only what was
 *    written is copied back. p2pmap_unmap() then means "all of it".
 */
#ifndef _P2PMAP_H
#define _P2PMAP_H

#include <linux/dma-direction.h>
#include <linux/scatterlist.h>
#include <linux/types.h>

#include "uapi/p2pmap.h"	/* P2PMAP_MAP_DEVICE_WRITES, the flag of both map calls */

struct device;
struct p2pmap_mapping;

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
void p2pmap_unmap(struct p2pmap_mapping *map);
int p2pmap_sync_for_cpu_written(struct p2pmap_mapping *map, size_t written);
void p2pmap_unmap_written(struct p2pmap_mapping *map, size_t written);

#endif /* _P2PMAP_H */
