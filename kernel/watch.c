// SPDX-License-Identifier: GPL-2.0-only
/*
 * A registration's watch on the user range it pinned (an mmu_interval_notifier): the user's
 * munmap() of any of it, an mremap() that moves it, or the process's exit revokes the
 * registration, as a provider's unbind does.
 *
 * The invalidation runs under the mmap lock, where nothing may wait for a driver's I/O: a
 * slice holder may fault on the same mm. So it only refuses new slices and queues the
 * take-down, which waits for the slices in flight, copies back and unpins outside the lock.
 * Until then the pages stay pinned: DMA in flight lands in memory that is still the
 * registration's, never in pages the kernel gave to someone else.
 */
#include <linux/mmu_notifier.h>
#include <linux/workqueue.h>

#include "client.h"

static struct workqueue_struct *revoke_wq;

static void reg_revoke_work(struct work_struct *work)
{
	struct p2pmap_reg *h = container_of(work, struct p2pmap_reg, revoke);

	p2pmap_reg_unmap(h, NULL);
	p2pmap_reg_put(h);
}

/*
 * Only an unmap revokes. Other invalidations of pinned pages leave them pinned and in place
 * (a huge page split, mprotect(), NUMA hinting) or are the user's to mean (MADV_DONTNEED, as
 * with io_uring's fixed buffers: the registration keeps the pages it pinned).
 */
static bool reg_invalidate(struct mmu_interval_notifier *sub,
			   const struct mmu_notifier_range *range, unsigned long cur_seq)
{
	struct p2pmap_reg *h = container_of(sub, struct p2pmap_reg, watch);

	mmu_interval_set_seq(sub, cur_seq);
	if (range->event != MMU_NOTIFY_UNMAP)
		return true;
	WRITE_ONCE(h->unmapped, true);
	/* The unmap is seen before @live is read: pairs with p2pmap_reg_watch_live(). */
	smp_mb();
	if (!READ_ONCE(h->live) || test_and_set_bit(0, &h->revoking))
		return true;
	p2pmap_slices_kill(h);
	/* The notifier is removed before the last reference goes, so @h is alive here. */
	kref_get(&h->ref);
	queue_work(revoke_wq, &h->revoke);
	return true;
}

static const struct mmu_interval_notifier_ops reg_watch_ops = {
	.invalidate = reg_invalidate,
};

/*
 * Watch [@addr, @addr + @len) of the current process for @h, before it is pinned: an unmap
 * between the pin and the registration's going live is then seen by
 * p2pmap_reg_watch_live(). 0 or -ENOMEM.
 */
int p2pmap_reg_watch(struct p2pmap_reg *h, u64 addr, u64 len)
{
	u64 start = addr & PAGE_MASK;
	int ret;

	INIT_WORK(&h->revoke, reg_revoke_work);
	ret = mmu_interval_notifier_insert(&h->watch, current->mm, start,
					   PAGE_ALIGN(addr + len) - start, &reg_watch_ops);
	if (!ret)
		h->watched = true;
	return ret;
}

/*
 * @h is on its client's list: from now on an unmap revokes it. False if the range was
 * unmapped since p2pmap_reg_watch(): the caller takes it down (a revoke queued meanwhile
 * finds it down).
 */
bool p2pmap_reg_watch_live(struct p2pmap_reg *h)
{
	WRITE_ONCE(h->live, true);
	/* @live is seen before @unmapped is read: pairs with reg_invalidate(). */
	smp_mb();
	return !READ_ONCE(h->unmapped);
}

/*
 * Stop watching (the first take-down, or a registration that failed). Waits for an
 * invalidation of the range that is running; never called from one, nor with the mmap lock.
 */
void p2pmap_reg_unwatch(struct p2pmap_reg *h)
{
	if (!h->watched)
		return;
	mmu_interval_notifier_remove(&h->watch);
	h->watched = false;
}

int p2pmap_watch_init(void)
{
	revoke_wq = alloc_workqueue("p2pmap_revoke", WQ_UNBOUND, 0);
	return revoke_wq ? 0 : -ENOMEM;
}

/* After the last file is closed: the revokes still queued finish first. */
void p2pmap_watch_exit(void)
{
	destroy_workqueue(revoke_wq);
}
