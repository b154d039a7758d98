/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The client registry (client.c) and the registrations it holds for each client (reg.c,
 * their slices in slice.c, their watch on the user's range in watch.c): a device whose driver
 * lets user space map for it, and each buffer registered for it.
 */
#ifndef _P2PMAP_CLIENT_H
#define _P2PMAP_CLIENT_H

#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/workqueue.h>

#include "internal.h"

/**
 * struct p2pmap_client - a device whose driver lets /dev/p2pmap map for it
 * @dev: the device (reference held)
 * @ops: what p2pmap may ask of the driver (may be NULL)
 * @priv: the driver's argument to @ops
 * @lock: protects @handles and @dead
 * @inflight: held for reading by a MAP for the device and by every take-down of its mappings
 *	but unregistration's own; unregistration takes it for writing to wait for them
 * @handles: the device's live /dev/p2pmap mappings (struct p2pmap_reg.node)
 * @dead: unregistered: no new mapping is attached
 * @ref: the registry's reference and one per MAP or handle using the client
 * @id: its index in the registry's walk order
 * @hnode: in the registry's hash by device
 */
struct p2pmap_client {
	struct device *dev;
	const struct p2pmap_client_ops *ops;
	void *priv;
	struct mutex lock;		/* protects handles, dead */
	struct rw_semaphore inflight;
	struct list_head handles;
	bool dead;
	struct kref ref;
	u32 id;
	struct hlist_node hnode;
};

/**
 * struct p2pmap_dma_seg - one DMA segment of a registration, for its slices
 * @off: byte offset in the buffer of its first byte
 * @addr: DMA address
 * @len: bytes
 * @nosync: PCI bus addresses or a verified override's resource: no CPU sync touches it
 */
struct p2pmap_dma_seg {
	u64 off;
	dma_addr_t addr;
	u32 len;
	bool nosync;
};

/**
 * struct p2pmap_bounce_span - bounced bytes of a registration and where their copy is
 * @off: byte offset in the buffer
 * @len: bytes (at most one bounce chunk)
 * @bounce: kernel address of their copy in the bounce chunk
 * @page: first page of the bounced memory (physically contiguous for @len bytes)
 * @page_off: offset of the first byte in @page
 */
struct p2pmap_bounce_span {
	u64 off;
	u32 len;
	void *bounce;
	struct page *page;
	u32 page_off;
};

/**
 * struct p2pmap_reg - a registration: a buffer mapped once for a client, for many I/Os
 * @map: the mapping; NULL once it was taken down. Set (under the client's lock) before the
 *	registration can be found, then written only under @use held for writing, so a holder
 *	of @use for reading, or of a slice, may use it
 * @client: the client it was made for (reference held)
 * @node: in @client's handles while the mapping is live
 * @use: held for reading while SYNC or SEGMENTS use @map, for writing by the take-down, for
 *	all of it: whoever finds @map NULL under it knows the take-down has finished
 * @down: serialises the take-downs (UNMAP, close, revoke, unregistration): the first unmaps,
 *	the others wait for it and find @map NULL
 * @sync: serialises the SYNCs of @map (their copies share its copy state)
 * @abort: a take-down waits for @use: a copy of @map (a SYNC's) stops with -ENODEV
 * @down_stop: what the take-down's own copy back stops on (never set: only a fatal signal
 *	stops it)
 * @mm: the mm @pinned is charged to (RLIMIT_MEMLOCK, mm->pinned_vm), grabbed
 * @pinned: pages charged to @mm while @map is live
 * @ref: the file's (or driver's) reference, the take-down's while it runs, and an unmap's
 *	queued @revoke's
 * @slices: slices in flight, and P2PMAP_SLICES_DEAD once a take-down stopped new ones (it
 *	then waits for @slices_done before it unmaps)
 * @slices_done: completed (for all waiters) when no slice is in flight after the stop
 * @sliced: a slice was taken: each slice's sync for the CPU copied its own bytes back, so a
 *	take-down copies nothing back, unless @synced
 * @synced: the whole mapping was synced (/dev/p2pmap SYNC): its user expects UNMAP and close
 *	to copy back as for a mapping
 * @dev: the client device, for the slices' syncs
 * @sync_mode: how a slice's DMA segments are synced (P2PMAP_SLICE_SYNC_*), decided once the
 *	mapping is made: the DMA API's need for syncs does not change for a mapping made
 * @sync_piece: the bytes an IOMMU may merge DMA segments at (a power of two), for
 *	P2PMAP_SLICE_SYNC_PIECES
 * @dir: the direction @map was made with
 * @len: bytes in the buffer
 * @segs: the DMA segments of @map in buffer order (@one when there is one)
 * @nr_segs: entries in @segs
 * @spans: the bounced bytes of @map in buffer order, NULL when none is bounced
 * @nr_spans: entries in @spans
 * @one: room for the DMA segment of a one-segment buffer
 * @watch: the watch on the user's range (watch.c): its unmap revokes the registration
 * @revoke: the take-down an unmap queued
 * @watch_flags: P2PMAP_WATCHED: @watch is inserted (until a file's or driver's take-down, or
 *	the last reference); P2PMAP_REVOKING: an unmap queued @revoke (once)
 * @live: on the client's list: an unmap from now on queues @revoke
 * @unmapped: the range was unmapped since @watch was inserted
 */
struct p2pmap_reg {
	struct p2pmap_mapping *map;
	struct p2pmap_client *client;
	struct list_head node;
	struct rw_semaphore use;
	struct mutex down;		/* serialises take-downs */
	struct mutex sync;		/* serialises SYNCs */
	bool abort;
	bool down_stop;
	struct mm_struct *mm;
	unsigned long pinned;
	struct kref ref;
	atomic_t slices;
	struct completion slices_done;
	bool sliced;
	bool synced;
	struct device *dev;
	u8 sync_mode;
	unsigned long sync_piece;
	enum dma_data_direction dir;
	u64 len;
	struct p2pmap_dma_seg *segs;
	unsigned int nr_segs;
	struct p2pmap_bounce_span *spans;
	unsigned int nr_spans;
	struct p2pmap_dma_seg one;
#ifdef CONFIG_MMU_NOTIFIER
	struct mmu_interval_notifier watch;
	struct work_struct revoke;
	unsigned long watch_flags;
	bool live;
	bool unmapped;
#endif
};

/* client.c */
struct p2pmap_client *p2pmap_client_get(struct device *dev);
void p2pmap_client_put(struct p2pmap_client *cl);
int p2pmap_client_verify(struct pci_dev *provider, struct device *client,
			 struct p2pmap_verify *out);
void p2pmap_revoke_provider(struct pci_dev *pdev);
void p2pmap_client_unbound(struct device *dev);
void p2pmap_client_exit(void);

/* reg.c */
struct p2pmap_reg *p2pmap_reg_alloc(void);
void p2pmap_reg_put(struct p2pmap_reg *h);
int p2pmap_reg_charge(struct p2pmap_reg *h, unsigned long pages);
void p2pmap_reg_uncharge(struct p2pmap_reg *h);
int p2pmap_reg_map(struct p2pmap_reg *h, struct device *client, u64 addr, u64 len,
		   enum dma_data_direction dir, unsigned int flags, struct p2pmap_summary *sum);
int p2pmap_reg_take_down(struct p2pmap_reg *h, const u64 *written);
int p2pmap_reg_unmap(struct p2pmap_reg *h, const u64 *written);

/* slice.c */
/* p2pmap_reg.sync_mode: none (coherent, no swiotlb), per DMA segment, per merge piece */
enum { P2PMAP_SLICE_SYNC_NONE, P2PMAP_SLICE_SYNC_SEGS, P2PMAP_SLICE_SYNC_PIECES };

/* In p2pmap_reg.slices: no new slice may be taken. */
#define P2PMAP_SLICES_DEAD	BIT(30)

void p2pmap_slices_kill(struct p2pmap_reg *h);
void p2pmap_slices_stop(struct p2pmap_reg *h);
int p2pmap_slices_index(struct p2pmap_reg *h);
void p2pmap_slices_free(struct p2pmap_reg *h);

/* watch.c: without MMU notifiers, a munmap() does not revoke (DOC: Registrations) */
#ifdef CONFIG_MMU_NOTIFIER
enum { P2PMAP_WATCHED, P2PMAP_REVOKING };	/* bits of p2pmap_reg.watch_flags */

int p2pmap_reg_watch(struct p2pmap_reg *h, u64 addr, u64 len);
bool p2pmap_reg_watch_live(struct p2pmap_reg *h);
void p2pmap_reg_unwatch(struct p2pmap_reg *h);
int p2pmap_watch_init(void);
void p2pmap_watch_exit(void);
#else
static inline int p2pmap_reg_watch(struct p2pmap_reg *h, u64 addr, u64 len) { return 0; }
static inline bool p2pmap_reg_watch_live(struct p2pmap_reg *h) { return true; }
static inline void p2pmap_reg_unwatch(struct p2pmap_reg *h) { }
static inline int p2pmap_watch_init(void) { return 0; }
static inline void p2pmap_watch_exit(void) { }
#endif

#endif /* _P2PMAP_CLIENT_H */
