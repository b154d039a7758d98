// SPDX-License-Identifier: GPL-2.0-only
/*
 * A /dev/p2pmap mapping as its file holds it: made for a registered client, on the client's
 * list while live, charged to its owner's RLIMIT_MEMLOCK, and taken down exactly once (by
 * UNMAP, close, a provider's revoke or the client's unregistration), after which its handle
 * fails with ENODEV.
 */
#include <linux/capability.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "client.h"

static void handle_release(struct kref *ref)
{
	struct p2pmap_handle *h = container_of(ref, struct p2pmap_handle, ref);

	if (h->client)
		p2pmap_client_put(h->client);
	if (h->mm)
		mmdrop(h->mm);
	mutex_destroy(&h->down);
	mutex_destroy(&h->sync);
	kfree(h);
}

void p2pmap_handle_put(struct p2pmap_handle *h)
{
	kref_put(&h->ref, handle_release);
}

struct p2pmap_handle *p2pmap_handle_alloc(void)
{
	struct p2pmap_handle *h = kzalloc_obj(*h, GFP_KERNEL);

	if (!h)
		return NULL;
	INIT_LIST_HEAD(&h->node);
	init_rwsem(&h->use);
	mutex_init(&h->down);
	mutex_init(&h->sync);
	kref_init(&h->ref);
	return h;
}

/*
 * Pinned memory of a handle is charged to its owner's RLIMIT_MEMLOCK, as io_uring's and
 * RDMA's registered memory is (mm->pinned_vm): a handle pins for as long as its file lives,
 * and the file may outlive the process that made it (fd passing). CAP_IPC_LOCK lifts the
 * limit. 0 or -ENOMEM.
 */
int p2pmap_handle_charge(struct p2pmap_handle *h, unsigned long pages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	struct mm_struct *mm = current->mm;

	if (!mm)
		return -EFAULT;
	if (atomic64_add_return(pages, &mm->pinned_vm) > limit && !capable(CAP_IPC_LOCK)) {
		atomic64_sub(pages, &mm->pinned_vm);
		return -ENOMEM;
	}
	mmgrab(mm);
	h->mm = mm;
	h->pinned = pages;
	return 0;
}

void p2pmap_handle_uncharge(struct p2pmap_handle *h)
{
	if (h->mm)
		atomic64_sub(h->pinned, &h->mm->pinned_vm);
	h->pinned = 0;
}

/*
 * Take @h's mapping down, copying back the first *@written bytes the device wrote (NULL:
 * nobody said, so all of it, as UNMAP without P2PMAP_HANDLE_WRITTEN and as the DMA API's unmap
 * of a bounce buffer: a P2PMAP_MAP_DEVICE_WRITES mapping's bytes the device did not write
 * come back as the zeroes its bounce pages started with): 0, or -ENODEV if another take-down
 * did. A copy a SYNC is doing is stopped first; a take-down already running is waited for,
 * so that when this returns, nothing copies into the buffer any more. The caller holds
 * @h->client->inflight for reading, or is the client's unregistration.
 */
int p2pmap_handle_take_down(struct p2pmap_handle *h, const u64 *written)
{
	struct p2pmap_mapping *map;

	mutex_lock(&h->client->lock);
	list_del_init(&h->node);
	mutex_unlock(&h->client->lock);

	mutex_lock(&h->down);
	WRITE_ONCE(h->abort, true);
	down_write(&h->use);
	map = h->map;
	h->map = NULL;
	if (map) {
		/* The copy back is this take-down's own: nothing stops it but a fatal signal. */
		p2pmap_map_set_stop(map, &h->down_stop);
		p2pmap_unmap_written(map, written ? min_t(u64, *written, SIZE_MAX) : SIZE_MAX);
		p2pmap_handle_uncharge(h);
	}
	up_write(&h->use);
	mutex_unlock(&h->down);
	return map ? 0 : -ENODEV;
}

/*
 * A file's take-downs (UNMAP with what the device wrote, close with NULL: unreported).
 * Under the client's inflight lock, so that its unregistration waits for the
 * take-down to finish (p2pmap_client_unregister()).
 */
int p2pmap_handle_unmap(struct p2pmap_handle *h, const u64 *written)
{
	int ret;

	down_read(&h->client->inflight);
	ret = p2pmap_handle_take_down(h, written);
	up_read(&h->client->inflight);
	return ret;
}

/*
 * Map for a registered client and put the handle on its list: 0, or the error with nothing
 * left mapped. The buffer is pinned before the client's inflight lock is taken: a fault that
 * stalls (userfaultfd, FUSE) must not hold up the client's unregistration, nor, through its
 * waiting writer, every provider's revoke. The copy in stops when the client unregisters.
 */
int p2pmap_handle_map(struct p2pmap_handle *h, struct pci_dev *client,
		      const struct p2pmap_map *arg, enum dma_data_direction dir,
		      struct p2pmap_summary *sum)
{
	struct p2pmap_client *cl = h->client;
	struct p2pmap_mapping *map;
	int ret = 0;

	map = p2pmap_pin_user(&client->dev, arg->addr, arg->len, dir, arg->flags);
	if (IS_ERR(map))
		return PTR_ERR(map);
	down_read(&cl->inflight);
	map = p2pmap_map_pinned(map, &cl->dead);
	if (IS_ERR(map)) {
		up_read(&cl->inflight);
		return PTR_ERR(map);
	}
	/* Read now: once on the list, a take-down may free the mapping at any time. */
	p2pmap_summary(map, sum);
	p2pmap_map_set_stop(map, &h->abort);
	mutex_lock(&cl->lock);
	if (cl->dead) {
		ret = -ENODEV;
	} else if (p2pmap_map_provider_unbinding(map)) {
		/*
		 * A provider's unbind marks it, then walks the lists under this lock: a mapping
		 * not on the list by then sees the mark here, and goes itself.
		 */
		ret = -ENODEV;
	} else {
		h->map = map;
		list_add(&h->node, &cl->handles);
	}
	mutex_unlock(&cl->lock);
	if (ret)
		p2pmap_unmap_written(map, 0);	/* no device had it: nothing to copy back */
	up_read(&cl->inflight);
	return ret;
}
