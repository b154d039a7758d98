// SPDX-License-Identifier: GPL-2.0-only
/*
 * A registration's watch on the user range it pinned (an mmu_interval_notifier): the user's
 * munmap() of any of it, an mremap() that moves it, or the process's exit revokes the
 * registration, as a provider's unbind does.
 *
 * An unmap's invalidation runs under the mmap lock, where nothing may wait for a driver's I/O:
 * a slice holder may fault on the same mm. So it only refuses new slices and queues the
 * take-down, which waits for the slices in flight and unpins outside the lock.
 * Until then the pages stay pinned: DMA in flight lands in memory that is still the
 * registration's, never in pages the kernel gave to someone else.
 */
#include <linux/mmu_notifier.h>
#include <linux/workqueue.h>

#include "client.h"

static struct workqueue_struct *revoke_wq;

/*
 * The user gave the range up: nothing is copied back into it (as p2pmap_unregister()). A
 * driver's I/O may hold a slice for long: the wait does not count as a hung task.
 */
static void reg_revoke_work(struct work_struct *work)
{
	struct p2pmap_reg *h = container_of(work, struct p2pmap_reg, revoke);
	static const u64 none;

	wait_for_completion_state(&h->slices_done, TASK_IDLE);
	p2pmap_reg_unmap(h, &none);
	p2pmap_reg_put(h);
}

/*
 * Only an unmap revokes (munmap(), an mremap() move, a MAP_FIXED mapping over the range,
 * shmdt(), the last user of the mm going at exit or exec). Other invalidations of pinned pages
 * leave them pinned and in place (a huge page split, mprotect(), NUMA hinting) or are the
 * user's to mean (MADV_DONTNEED, as with io_uring's fixed buffers: the registration keeps the
 * pages it pinned). Any context; never sleeps.
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
	if (!READ_ONCE(h->live) || test_and_set_bit(P2PMAP_REVOKING, &h->watch_flags))
		return true;
	p2pmap_slices_kill(h);
	/*
	 * The last reference may be gone (the watch is then removed after this returns): there
	 * is nothing left to take down. A reference taken is the work's; none is put here.
	 */
	if (kref_get_unless_zero(&h->ref))
		queue_work(revoke_wq, &h->revoke);
	return true;
}

static const struct mmu_interval_notifier_ops reg_watch_ops = {
	.invalidate = reg_invalidate,
};

/*
 * Watch [@addr, @addr + @len) of the current process for @h, before it is pinned: an unmap
 * between the pin and the registration's going live is then seen by
 * p2pmap_reg_watch_live(). 0, -ENOMEM, or -EINTR (the first watch in a process registers
 * its notifier, under the mmap lock and mm_take_all_locks()).
 */
int p2pmap_reg_watch(struct p2pmap_reg *h, u64 addr, u64 len)
{
	u64 start = addr & PAGE_MASK;
	int ret;

	INIT_WORK(&h->revoke, reg_revoke_work);
	ret = mmu_interval_notifier_insert(&h->watch, current->mm, start,
					   PAGE_ALIGN(addr + len) - start, &reg_watch_ops);
	if (ret)
		return ret;
	set_bit(P2PMAP_WATCHED, &h->watch_flags);
	/*
	 * An unmap that had started before the insert did not see the watch, and the pin's
	 * fast path may still find its pages: wait for it to end, so that the pin cannot.
	 */
	mmu_interval_read_begin(&h->watch);
	return 0;
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
 * Stop watching (a file's or driver's take-down, the last reference, a registration that
 * failed; once). It waits for any invalidation running in the process, so it is called
 * outside p2pmap's locks (a revoke or an unregistration under a device lock leaves it to
 * the last reference), never from an invalidation.
 */
void p2pmap_reg_unwatch(struct p2pmap_reg *h)
{
	if (test_and_clear_bit(P2PMAP_WATCHED, &h->watch_flags))
		mmu_interval_notifier_remove(&h->watch);
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
