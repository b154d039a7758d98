/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The client registry (client.c) and the /dev/p2pmap mappings it holds for each client
 * (handle.c): a device whose driver lets user space map for it, and each mapping a file made
 * for it.
 */
#ifndef _P2PMAP_CLIENT_H
#define _P2PMAP_CLIENT_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>

#include "internal.h"

/**
 * struct p2pmap_client - a device whose driver lets /dev/p2pmap map for it
 * @dev: the device (reference held)
 * @ops: what p2pmap may ask of the driver (may be NULL)
 * @priv: the driver's argument to @ops
 * @lock: protects @handles and @dead
 * @inflight: held for reading by a MAP for the device and by every take-down of its mappings
 *	but unregistration's own; unregistration takes it for writing to wait for them
 * @handles: the device's live /dev/p2pmap mappings (struct p2pmap_handle.node)
 * @dead: unregistered: no new mapping is attached
 * @ref: the registry's reference and one per MAP or handle using the client
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
};

/**
 * struct p2pmap_handle - a /dev/p2pmap mapping as its file holds it
 * @map: the mapping; NULL once it was taken down. Set (under the client's lock) before the
 *	handle can be found, then written only under @use held for writing, so a holder of
 *	@use for reading may use it
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
 * @ref: the file's reference, and the take-down's while it runs
 */
struct p2pmap_handle {
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
};

/* client.c */
struct p2pmap_client *p2pmap_client_get(struct device *dev);
void p2pmap_client_put(struct p2pmap_client *cl);
int p2pmap_client_verify(struct pci_dev *provider, struct device *client,
			 struct p2pmap_verify *out);
void p2pmap_revoke_provider(struct pci_dev *pdev);
void p2pmap_client_unbound(struct device *dev);
void p2pmap_client_exit(void);

/* handle.c */
struct p2pmap_handle *p2pmap_handle_alloc(void);
void p2pmap_handle_put(struct p2pmap_handle *h);
int p2pmap_handle_charge(struct p2pmap_handle *h, unsigned long pages);
void p2pmap_handle_uncharge(struct p2pmap_handle *h);
int p2pmap_handle_map(struct p2pmap_handle *h, struct pci_dev *client,
		      const struct p2pmap_map *arg, enum dma_data_direction dir,
		      struct p2pmap_summary *sum);
int p2pmap_handle_take_down(struct p2pmap_handle *h, const u64 *written);
int p2pmap_handle_unmap(struct p2pmap_handle *h, const u64 *written);

#endif /* _P2PMAP_CLIENT_H */
