// SPDX-License-Identifier: GPL-2.0-only
/*
 * A registration: a buffer pinned, decided and DMA-mapped once for a registered client, for
 * many I/Os. A /dev/p2pmap MAP makes one for its file; a driver makes its own with
 * p2pmap_register(). It is on the client's list while live, charged to its owner's
 * RLIMIT_MEMLOCK, lent out in slices (slice.c), and taken down exactly once (by UNMAP, close,
 * p2pmap_unregister(), a provider's revoke, the client's unregistration or the user's unmap
 * of the range, watch.c) once its slices are put, after which its handle fails with ENODEV.
 */
#include <linux/capability.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "client.h"

static void reg_release(struct kref *ref)
{
	struct p2pmap_reg *h = container_of(ref, struct p2pmap_reg, ref);

	p2pmap_reg_unwatch(h);
	if (h->client)
		p2pmap_client_put(h->client);
	if (h->mm)
		mmdrop(h->mm);
	p2pmap_slices_free(h);
	mutex_destroy(&h->down);
	mutex_destroy(&h->sync);
	kfree(h);
}

/**
 * p2pmap_reg_put() - drop a reference to a registration
 * @reg: from p2pmap_reg_get()
 *
 * The registration stays as it is: a /dev/p2pmap handle's is its file's to take down.
 *
 * Context: process context: the last reference may wait for an unmap running in the process
 * that registered it (its watch is removed).
 */
void p2pmap_reg_put(struct p2pmap_reg *reg)
{
	kref_put(&reg->ref, reg_release);
}
EXPORT_SYMBOL_GPL(p2pmap_reg_put);

struct p2pmap_reg *p2pmap_reg_alloc(void)
{
	struct p2pmap_reg *h = kzalloc_obj(*h, GFP_KERNEL);

	if (!h)
		return NULL;
	init_completion(&h->slices_done);
	INIT_LIST_HEAD(&h->node);
	init_rwsem(&h->use);
	mutex_init(&h->down);
	mutex_init(&h->sync);
	kref_init(&h->ref);
	return h;
}

/*
 * Pinned memory of a registration is charged to its owner's RLIMIT_MEMLOCK, as io_uring's
 * and RDMA's registered memory is (mm->pinned_vm): it pins for as long as it lives, and a
 * file may outlive the process that made it (fd passing). CAP_IPC_LOCK lifts the limit.
 * 0 or -ENOMEM.
 */
int p2pmap_reg_charge(struct p2pmap_reg *h, unsigned long pages)
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

void p2pmap_reg_uncharge(struct p2pmap_reg *h)
{
	if (h->mm)
		atomic64_sub(h->pinned, &h->mm->pinned_vm);
	h->pinned = 0;
}

/*
 * Take @h's mapping down, copying back the first *@written bytes the device wrote (NULL:
 * nobody said, so all of it, as UNMAP without P2PMAP_HANDLE_WRITTEN and as the DMA API's unmap
 * of a bounce buffer: a P2PMAP_MAP_DEVICE_WRITES mapping's bytes the device did not write
 * come back as the zeroes its bounce pages started with; nothing once a slice was taken,
 * whose syncs copied their own bytes): 0, -ENODEV if another take-down did, or the copy
 * back's error (p2pmap_unmap_written(): the device's data did not all reach the buffer; the
 * mapping is down all the same). New slices fail from the start, and the slices in flight
 * are waited for: their I/O may still be using the mapping. A copy a SYNC is doing is
 * stopped first; a take-down already running is waited for, so that when this returns,
 * nothing copies into the buffer any more. The caller holds @h->client->inflight for
 * reading, or is the client's unregistration.
 */
int p2pmap_reg_take_down(struct p2pmap_reg *h, const u64 *written)
{
	static const u64 zero;
	struct p2pmap_mapping *map;
	int ret = 0;

	mutex_lock(&h->client->lock);
	list_del_init(&h->node);
	mutex_unlock(&h->client->lock);

	mutex_lock(&h->down);
	WRITE_ONCE(h->abort, true);
	p2pmap_slices_stop(h);
	if (READ_ONCE(h->sliced) && !READ_ONCE(h->synced))
		written = &zero;
	down_write(&h->use);
	map = h->map;
	h->map = NULL;
	if (map) {
		/* The copy back is this take-down's own: nothing stops it but a fatal signal. */
		p2pmap_map_set_stop(map, &h->down_stop);
		/* Nothing to copy back: nor may the DMA API's unmap (swiotlb, cache syncs). */
		if (written && !*written)
			p2pmap_map_skip_cpu_sync(map);
		ret = p2pmap_unmap_written(map, written ? min_t(u64, *written, SIZE_MAX) :
						     SIZE_MAX);
		p2pmap_reg_uncharge(h);
	}
	up_write(&h->use);
	mutex_unlock(&h->down);
	return map ? ret : -ENODEV;
}

/*
 * A file's or driver's take-downs (UNMAP with what the device wrote, close with NULL:
 * unreported, p2pmap_unregister() and an unmap of the range with none). Under the client's
 * inflight lock, so that its unregistration waits for the take-down to finish
 * (p2pmap_client_unregister()); then the range's watch is removed. Not from an MMU notifier
 * callback of the registering process, nor with its mmap lock held.
 */
int p2pmap_reg_unmap(struct p2pmap_reg *h, const u64 *written)
{
	int ret;

	/*
	 * The slices in flight first, outside the inflight lock: a driver may finish their I/O
	 * only in its quiesce, which its unregistration calls before it takes that lock.
	 */
	p2pmap_slices_stop(h);
	down_read(&h->client->inflight);
	ret = p2pmap_reg_take_down(h, written);
	up_read(&h->client->inflight);
	/* Outside every lock: it waits for any unmap running in the user's process. */
	p2pmap_reg_unwatch(h);
	return ret;
}

/*
 * Map [@addr, @addr + @len) for a registered client and put the registration on its list: 0,
 * or the error with nothing left mapped (-EFAULT also when the range was unmapped meanwhile,
 * -EINTR when a fatal signal stopped the watch's first insertion in the process). The range is
 * watched from before the pin, so that its unmap revokes the registration (watch.c). The
 * buffer is pinned (RAM long-term) before the client's inflight lock is taken: a fault that
 * stalls (userfaultfd, FUSE) must not hold up the client's unregistration, nor, through its
 * waiting writer, every provider's revoke. The copy in stops when the client unregisters.
 */
int p2pmap_reg_map(struct p2pmap_reg *h, struct device *client, u64 addr, u64 len,
		   enum dma_data_direction dir, unsigned int flags, struct p2pmap_summary *sum)
{
	static const u64 none;
	struct p2pmap_client *cl = h->client;
	struct p2pmap_mapping *map;
	int ret;

	ret = p2pmap_reg_watch(h, addr, len);
	if (ret)
		return ret;
	map = p2pmap_pin_user(client, addr, len, dir, flags, true);
	if (IS_ERR(map)) {
		ret = PTR_ERR(map);
		goto unwatch;
	}
	down_read(&cl->inflight);
	map = p2pmap_map_pinned(map, &cl->dead);
	if (IS_ERR(map)) {
		ret = PTR_ERR(map);
		goto unlock;
	}
	h->map = map;
	h->dev = client;
	h->dir = dir;
	h->len = len;
	ret = p2pmap_slices_index(h);
	if (ret) {
		h->map = NULL;
		p2pmap_unmap_written(map, 0);
		goto unlock;
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
		list_add(&h->node, &cl->handles);
	}
	mutex_unlock(&cl->lock);
	if (ret) {
		h->map = NULL;
		p2pmap_unmap_written(map, 0);	/* no device had it: nothing to copy back */
	} else if (!p2pmap_reg_watch_live(h)) {
		/* Unmapped while it was pinned: no device had it yet, nothing to copy back. */
		p2pmap_reg_take_down(h, &none);
		ret = -EFAULT;
	}
unlock:
	up_read(&cl->inflight);
unwatch:
	if (ret)
		p2pmap_reg_unwatch(h);
	return ret;
}

/**
 * p2pmap_register() - pin, decide and DMA-map a user buffer once, for many I/Os
 * @client: the device that will do the DMA, registered with p2pmap_client_register()
 * @uaddr: user virtual address of the buffer, in the current process; any alignment
 * @len: bytes, 1 .. max_map_bytes (module parameter)
 * @dir: DMA direction of every I/O on it
 * @flags: 0, or P2PMAP_MAP_DEVICE_WRITES (DMA_FROM_DEVICE only): the bounce pages start
 *	zeroed instead of filled from the buffer
 *
 * What p2pmap_map_user() does per I/O, done once: the registration keeps to the rules of
 * DOC: Registrations (long-term pins for RAM, revocable, charged to RLIMIT_MEMLOCK of the
 * current process). Take slices of it with p2pmap_slice_get().
 *
 * Context: process context, may sleep; not with the current process's mmap lock held (the
 * first registration in a process registers its MMU notifier, which takes the lock).
 * Return: the registration, or an ERR_PTR: -EACCES (@client is not a registered client),
 * -ENOMEM (also RLIMIT_MEMLOCK), -EFAULT (also memory that cannot be pinned long-term, such as
 * a writable mapping of a regular file, and a range unmapped while it was registered), -EINTR
 * (a fatal signal), or an error of p2pmap_map_user().
 */
struct p2pmap_reg *p2pmap_register(struct device *client, unsigned long uaddr, size_t len,
				   enum dma_data_direction dir, unsigned int flags)
{
	struct p2pmap_summary sum;
	struct p2pmap_reg *h;
	int ret;

	if (!client || !len || uaddr + len < uaddr)
		return ERR_PTR(-EINVAL);
	h = p2pmap_reg_alloc();
	if (!h)
		return ERR_PTR(-ENOMEM);
	h->client = p2pmap_client_get(client);
	if (!h->client) {
		ret = -EACCES;
		goto fail;
	}
	ret = p2pmap_reg_charge(h, DIV_ROUND_UP(offset_in_page(uaddr) + len, PAGE_SIZE));
	if (ret)
		goto fail;
	ret = p2pmap_reg_map(h, client, uaddr, len, dir, flags, &sum);
	if (ret) {
		p2pmap_reg_uncharge(h);
		goto fail;
	}
	return h;

fail:
	p2pmap_reg_put(h);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(p2pmap_register);

/**
 * p2pmap_unregister() - take down a driver's own registration and free it
 * @reg: from p2pmap_register(); invalid afterwards
 *
 * Waits for the registration's slices in flight to be put, then unmaps and unpins. It copies
 * no bounced data back: the slices' p2pmap_slice_sync_for_cpu() did. A registration that a
 * revoke took down already is only freed.
 *
 * Context: process context, may sleep; it waits for an unmap running in the process that
 * registered @reg, so not from that process's MMU notifier callbacks.
 */
void p2pmap_unregister(struct p2pmap_reg *reg)
{
	static const u64 none;

	p2pmap_reg_unmap(reg, &none);
	p2pmap_reg_put(reg);
}
EXPORT_SYMBOL_GPL(p2pmap_unregister);

/**
 * p2pmap_reg_len() - the bytes a registration covers
 * @reg: the registration
 *
 * Return: its length, whether or not it was taken down.
 */
u64 p2pmap_reg_len(struct p2pmap_reg *reg)
{
	return reg->len;
}
EXPORT_SYMBOL_GPL(p2pmap_reg_len);

/**
 * p2pmap_reg_dir() - the DMA direction a registration was made with
 * @reg: the registration
 *
 * A driver checks it against what its device will do with the memory.
 * Return: the direction.
 */
enum dma_data_direction p2pmap_reg_dir(struct p2pmap_reg *reg)
{
	return reg->dir;
}
EXPORT_SYMBOL_GPL(p2pmap_reg_dir);

/**
 * p2pmap_reg_summary() - what a registration is made of
 * @reg: the registration
 * @sum: filled in: segments and bytes per path; all zero once it was taken down
 */
void p2pmap_reg_summary(struct p2pmap_reg *reg, struct p2pmap_summary *sum)
{
	memset(sum, 0, sizeof(*sum));
	down_read(&reg->use);
	if (reg->map)
		p2pmap_summary(reg->map, sum);
	up_read(&reg->use);
}
EXPORT_SYMBOL_GPL(p2pmap_reg_summary);
