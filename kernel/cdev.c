// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/p2pmap: map user buffers for a PCI client, inspect mappings, explain decisions, read
 * the per-pair statistics.
 *
 * Handles belong to the open file; closing it releases every mapping it still holds. The
 * node is created mode 0600; MAP additionally needs CAP_SYS_ADMIN, since it pins memory and
 * DMA-maps it. The ABI is documented in include/uapi/p2pmap.h.
 *
 * The DMA mappings of a device belong to the driver that owns it, so MAP maps only for a
 * device whose driver registered it (p2pmap_client_register(), from probe). Unregistering
 * (from remove) takes down every /dev/p2pmap mapping of the device before the driver lets go
 * of it; the files keep their handles, which then fail with ENODEV.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci-p2pdma.h>
#include <linux/rwsem.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "../include/p2pmap_args.h"
#include "internal.h"
#include "trace.h"

static int max_mappings_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, UINT_MAX);
}

static const struct kernel_param_ops max_mappings_ops = {
	.set = max_mappings_set,
	.get = param_get_uint,
};

static unsigned int max_mappings_per_file = 4096;
module_param_cb(max_mappings_per_file, &max_mappings_ops, &max_mappings_per_file, 0644);
MODULE_PARM_DESC(max_mappings_per_file,
		 "Live mappings one open /dev/p2pmap may hold, 1 or more; more is EMFILE (default 4096)");

struct p2pmap_file {
	struct mutex lock;		/* protects maps, next, nr; never held across a copy */
	struct xarray maps;		/* handle -> struct p2pmap_handle */
	u32 next;			/* for cyclic handle allocation */
	unsigned int nr;
};

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

static DEFINE_XARRAY(clients);		/* struct device * >> 3 -> struct p2pmap_client */

static unsigned long client_index(struct device *dev)
{
	return (unsigned long)dev >> 3;
}

static void client_release(struct kref *ref)
{
	struct p2pmap_client *cl = container_of(ref, struct p2pmap_client, ref);

	put_device(cl->dev);
	mutex_destroy(&cl->lock);
	kfree(cl);
}

/* The registered client of @dev, referenced, or NULL. */
static struct p2pmap_client *client_get(struct device *dev)
{
	struct p2pmap_client *cl;

	xa_lock(&clients);
	cl = xa_load(&clients, client_index(dev));
	if (cl && cl->dev == dev)
		kref_get(&cl->ref);
	else
		cl = NULL;
	xa_unlock(&clients);
	return cl;
}

static void handle_release(struct kref *ref)
{
	struct p2pmap_handle *h = container_of(ref, struct p2pmap_handle, ref);

	if (h->client)
		kref_put(&h->client->ref, client_release);
	if (h->mm)
		mmdrop(h->mm);
	mutex_destroy(&h->down);
	mutex_destroy(&h->sync);
	kfree(h);
}

static void handle_put(struct p2pmap_handle *h)
{
	kref_put(&h->ref, handle_release);
}

/*
 * Pinned memory of a handle is charged to its owner's RLIMIT_MEMLOCK, as io_uring's and
 * RDMA's registered memory is (mm->pinned_vm): a handle pins for as long as its file lives,
 * and the file may outlive the process that made it (fd passing). CAP_IPC_LOCK lifts the
 * limit. 0 or -ENOMEM.
 */
static int charge_pinned(struct p2pmap_handle *h, unsigned long pages)
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

static void uncharge_pinned(struct p2pmap_handle *h)
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
 * did. A copy a
 * SYNC is doing is stopped first; a take-down already running is waited for, so that when
 * this returns, nothing copies into the buffer any more. The caller holds
 * @h->client->inflight for reading, or is the client's unregistration.
 */
static int take_down(struct p2pmap_handle *h, const u64 *written)
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
		uncharge_pinned(h);
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
static int handle_unmap(struct p2pmap_handle *h, const u64 *written)
{
	int ret;

	down_read(&h->client->inflight);
	ret = take_down(h, written);
	up_read(&h->client->inflight);
	return ret;
}

/*
 * Take down @cl's /dev/p2pmap mappings that hold P2P memory of @pdev, the device first. Under
 * the client's inflight lock: its unregistration waits for this to finish, so its driver's
 * ops and device are still there for quiesce() and the unmaps.
 */
static void revoke_client_provider(struct p2pmap_client *cl, struct pci_dev *pdev)
{
	bool quiesced = false;
	struct p2pmap_handle *h;

	guard(rwsem_read)(&cl->inflight);
	for (;;) {
		bool found = false;

		/* On the list, a handle's mapping is live (take_down() takes it off first). */
		mutex_lock(&cl->lock);
		list_for_each_entry(h, &cl->handles, node) {
			if (p2pmap_map_uses_provider(h->map, pdev)) {
				list_del_init(&h->node);
				kref_get(&h->ref);
				found = true;
				break;
			}
		}
		mutex_unlock(&cl->lock);
		if (!found)
			return;
		if (!quiesced && cl->ops && cl->ops->quiesce)
			cl->ops->quiesce(cl->dev, cl->priv);
		quiesced = true;
		take_down(h, NULL);
		handle_put(h);
	}
}

/**
 * p2pmap_revoke_provider() - take down every /dev/p2pmap mapping of a provider's memory
 * @pdev: the provider, whose driver is being unbound
 *
 * The unbind (or hot removal) of a provider waits until every page of its P2P memory is
 * unpinned, and a /dev/p2pmap handle may pin some for as long as its file is open. Each
 * client whose mappings hold such pages is quiesced through its ops first, then those
 * mappings are unmapped and unpinned; their handles fail with ENODEV from then on.
 */
void p2pmap_revoke_provider(struct pci_dev *pdev)
{
	struct p2pmap_client *cl;
	unsigned long idx = 0;

	for (;;) {
		xa_lock(&clients);
		cl = xa_find(&clients, &idx, ULONG_MAX, XA_PRESENT);
		if (cl)
			kref_get(&cl->ref);
		xa_unlock(&clients);
		if (!cl)
			return;
		revoke_client_provider(cl, pdev);
		kref_put(&cl->ref, client_release);
		idx++;
	}
}

/**
 * p2pmap_client_register() - let /dev/p2pmap map for a device
 * @dev: the device, bound to the calling driver (call from probe)
 * @ops: what p2pmap may ask of the driver, or NULL; must outlive the registration
 * @priv: passed to @ops
 *
 * The DMA mappings of a device belong to its driver: P2PMAP_IOC_MAP refuses a device no
 * driver registered (EACCES). The driver's own calls of p2pmap_map_user() and
 * p2pmap_map_sgtable() need no registration.
 *
 * Context: process context.
 * Return: 0, -EEXIST if @dev is registered already, -ENOMEM.
 */
int p2pmap_client_register(struct device *dev, const struct p2pmap_client_ops *ops, void *priv)
{
	struct p2pmap_client *cl;
	int ret;

	cl = kzalloc_obj(*cl, GFP_KERNEL);
	if (!cl)
		return -ENOMEM;
	cl->dev = get_device(dev);
	cl->ops = ops;
	cl->priv = priv;
	mutex_init(&cl->lock);
	init_rwsem(&cl->inflight);
	INIT_LIST_HEAD(&cl->handles);
	kref_init(&cl->ref);
	ret = xa_insert(&clients, client_index(dev), cl, GFP_KERNEL);
	if (ret) {
		kref_put(&cl->ref, client_release);
		return ret == -EBUSY ? -EEXIST : ret;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(p2pmap_client_register);

/**
 * p2pmap_client_unregister() - take down every /dev/p2pmap mapping of a device
 * @dev: a device registered with p2pmap_client_register() (call from remove)
 *
 * From now on MAP refuses @dev; a MAP in progress for it finishes first, and its mapping is
 * taken down too. If the device has /dev/p2pmap mappings, the driver's ops->quiesce() is
 * called first (it must stop any DMA the device may still do to them), then each is unmapped
 * and unpinned. The files keep their handles: SYNC and SEGMENTS on them fail with ENODEV,
 * UNMAP releases them with ENODEV. The driver unmaps its own mappings before calling this.
 * When it returns, p2pmap holds no DMA mapping for @dev, and no take-down of one (a file's
 * UNMAP or close, a provider's revoke) is still running or will call @dev's ops.
 *
 * Context: process context, may sleep.
 */
void p2pmap_client_unregister(struct device *dev)
{
	struct p2pmap_client *cl = xa_erase(&clients, client_index(dev));
	struct p2pmap_handle *h;
	bool any;

	if (!cl)
		return;
	mutex_lock(&cl->lock);
	WRITE_ONCE(cl->dead, true);	/* also stops a MAP's copy in (p2pmap_map_pinned()) */
	mutex_unlock(&cl->lock);
	down_write(&cl->inflight);	/* every MAP for @dev has attached or given up */
	up_write(&cl->inflight);

	mutex_lock(&cl->lock);
	any = !list_empty(&cl->handles);
	mutex_unlock(&cl->lock);
	if (any && cl->ops && cl->ops->quiesce)
		cl->ops->quiesce(dev, cl->priv);
	for (;;) {
		mutex_lock(&cl->lock);
		h = list_first_entry_or_null(&cl->handles, struct p2pmap_handle, node);
		if (h) {
			list_del_init(&h->node);
			kref_get(&h->ref);
		}
		mutex_unlock(&cl->lock);
		if (!h)
			break;
		take_down(h, NULL);
		handle_put(h);
	}
	/* Take-downs that took a handle off the list before this walk (UNMAP, close, revoke). */
	down_write(&cl->inflight);
	up_write(&cl->inflight);
	kref_put(&cl->ref, client_release);
}
EXPORT_SYMBOL_GPL(p2pmap_client_unregister);

static void devm_client_unregister(void *dev)
{
	p2pmap_client_unregister(dev);
}

/**
 * devm_p2pmap_client_register() - p2pmap_client_register(), undone when the driver unbinds
 * @dev: the device, bound to the calling driver (call from probe)
 * @ops: as for p2pmap_client_register()
 * @priv: passed to @ops
 *
 * p2pmap_client_unregister() runs as a devres action when @dev's driver unbinds (after its
 * remove(), before the devres actions registered earlier), so a driver cannot forget it.
 * Whatever @ops->quiesce() uses must still be there then: allocate it with devres before
 * this call, or stop the device's DMA in a devres action registered before it.
 *
 * Context: process context.
 * Return: 0, or an error as from p2pmap_client_register() (nothing registered then).
 */
int devm_p2pmap_client_register(struct device *dev, const struct p2pmap_client_ops *ops,
				void *priv)
{
	int ret = p2pmap_client_register(dev, ops, priv);

	if (ret)
		return ret;
	return devm_add_action_or_reset(dev, devm_client_unregister, dev);
}
EXPORT_SYMBOL_GPL(devm_p2pmap_client_register);

/*
 * @dev's driver is gone (BUS_NOTIFY_UNBOUND_DRIVER) and left its registration behind: drop
 * it, without calling its ops, whose module may be gone too. Its /dev/p2pmap mappings are
 * taken down; the device does no DMA any more (its driver released it).
 */
void p2pmap_client_unbound(struct device *dev)
{
	struct p2pmap_client *cl = client_get(dev);

	if (!cl)
		return;
	dev_warn(dev, "p2pmap: the driver unbound without p2pmap_client_unregister(); registration dropped\n");
	down_write(&cl->inflight);	/* no take-down is calling ops meanwhile */
	cl->ops = NULL;
	up_write(&cl->inflight);
	kref_put(&cl->ref, client_release);
	p2pmap_client_unregister(dev);
}

/**
 * p2pmap_client_verify() - run a probe through a registered client's driver
 * @provider: the provider
 * @client: the client device
 * @out: the probe's report (override.c fills in the rest)
 *
 * The client stays registered while the probe runs: its unregistration waits, so the probe's
 * DMA mappings of the device are gone before its driver lets go of it.
 *
 * Context: process context, may sleep.
 * Return: 0 when the probe ran (@out->result says what it found), -EACCES (no driver
 * registered @client), -EOPNOTSUPP (its driver has no dma_copy op), -ENODEV (it is being
 * unregistered), or the probe's error.
 */
int p2pmap_client_verify(struct pci_dev *provider, struct device *client,
			 struct p2pmap_verify *out)
{
	struct p2pmap_client *cl = client_get(client);
	bool dead;
	int ret;

	if (!cl)
		return -EACCES;
	down_read(&cl->inflight);	/* @ops stays as it is (p2pmap_client_unbound()) */
	mutex_lock(&cl->lock);
	dead = cl->dead;
	mutex_unlock(&cl->lock);
	if (!cl->ops || !cl->ops->dma_copy)
		ret = -EOPNOTSUPP;
	else if (dead)
		ret = -ENODEV;
	else
		ret = p2pmap_probe(provider, client, cl->ops->dma_copy, cl->priv, out);
	up_read(&cl->inflight);
	kref_put(&cl->ref, client_release);
	return ret;
}

static int dir_from_uapi(u32 dir, enum dma_data_direction *out)
{
	switch (dir) {
	case P2PMAP_DIR_TO_DEVICE:
		*out = DMA_TO_DEVICE;
		return 0;
	case P2PMAP_DIR_FROM_DEVICE:
		*out = DMA_FROM_DEVICE;
		return 0;
	case P2PMAP_DIR_BIDIRECTIONAL:
		*out = DMA_BIDIRECTIONAL;
		return 0;
	}
	return -EINVAL;
}

/* A referenced PCI device from a UAPI address, or an ERR_PTR. */
struct pci_dev *p2pmap_get_pci(const struct p2pmap_pci_addr *a)
{
	struct pci_dev *pdev;

	if (a->reserved)
		return ERR_PTR(-EINVAL);
	pdev = pci_get_domain_bus_and_slot(a->domain, a->bus, a->devfn);
	return pdev ?: ERR_PTR(-ENODEV);
}

static struct p2pmap_handle *handle_alloc(void)
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
 * Map for a registered client and put the handle on its list: 0, or the error with nothing
 * left mapped. The buffer is pinned before the client's inflight lock is taken: a fault that
 * stalls (userfaultfd, FUSE) must not hold up the client's unregistration, nor, through its
 * waiting writer, every provider's revoke. The copy in stops when the client unregisters.
 */
static int handle_map(struct p2pmap_handle *h, struct pci_dev *client,
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

/* The handle @id of @f, referenced (handle_put()), or NULL; removed from @f if @erase. */
static struct p2pmap_handle *file_handle(struct p2pmap_file *f, u64 id, bool erase)
{
	struct p2pmap_handle *h;

	mutex_lock(&f->lock);
	h = erase ? xa_erase(&f->maps, id) : xa_load(&f->maps, id);
	if (h && erase)
		f->nr--;		/* the file's reference becomes the caller's */
	else if (h)
		kref_get(&h->ref);
	mutex_unlock(&f->lock);
	return h;
}

static long ioc_map(struct p2pmap_file *f, void __user *uarg)
{
	struct p2pmap_handle *h;
	struct p2pmap_summary sum;
	enum dma_data_direction dir;
	struct p2pmap_map arg;
	struct pci_dev *client;
	u32 argsz, id;
	int ret;

	ret = p2pmap_arg_in(&arg, sizeof(arg), sizeof(arg), uarg, &argsz);
	if (ret)
		return ret;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if ((arg.flags & ~P2PMAP_MAP_DEVICE_WRITES) || arg.reserved || arg.reserved2 ||
	    dir_from_uapi(arg.dir, &dir))
		return -EINVAL;
	if (!arg.len || arg.len > READ_ONCE(p2pmap_max_map_bytes) ||
	    arg.addr + arg.len < arg.addr || arg.addr + arg.len > TASK_SIZE)
		return -EINVAL;

	client = p2pmap_get_pci(&arg.client);
	if (IS_ERR(client))
		return PTR_ERR(client);
	h = handle_alloc();
	if (!h) {
		pci_dev_put(client);
		return -ENOMEM;
	}
	h->client = client_get(&client->dev);
	if (!h->client) {
		pci_info_ratelimited(client,
				     "p2pmap: MAP refused: no driver registered the device as a p2pmap client\n");
		ret = -EACCES;
		goto out_put;
	}
	ret = charge_pinned(h, DIV_ROUND_UP(offset_in_page(arg.addr) + arg.len, PAGE_SIZE));
	if (ret)
		goto out_put;
	ret = handle_map(h, client, &arg, dir, &sum);
	if (ret) {
		uncharge_pinned(h);
		goto out_put;
	}
	pci_dev_put(client);

	/* The mapping may be taken down from here on: only @h and @sum are used. */
	mutex_lock(&f->lock);
	if (f->nr >= READ_ONCE(max_mappings_per_file)) {
		ret = -EMFILE;
		goto out_unmap;
	}
	ret = xa_alloc_cyclic(&f->maps, &id, h, XA_LIMIT(1, INT_MAX), &f->next, GFP_KERNEL);
	if (ret < 0)
		goto out_unmap;

	f->nr++;
	mutex_unlock(&f->lock);

	/* Unlocked: a copy to user memory may fault and stall for long. */
	arg.handle = id;
	arg.nr_segments = sum.nr_segments;
	arg.bytes_ram = sum.bytes_ram;
	arg.bytes_p2p = sum.bytes_p2p;
	arg.bytes_bounce = sum.bytes_bounce;
	ret = p2pmap_arg_out(uarg, &arg, sizeof(arg), argsz);
	if (ret) {
		/* Unless UNMAP or close of the id the caller never saw took it already. */
		h = file_handle(f, id, true);
		if (h) {
			handle_unmap(h, NULL);
			handle_put(h);
		}
		return ret;
	}
	return 0;

out_unmap:
	mutex_unlock(&f->lock);
	handle_unmap(h, NULL);
	handle_put(h);
	return ret;
out_put:
	pci_dev_put(client);
	handle_put(h);
	return ret;
}

static long ioc_unmap_sync(struct p2pmap_file *f, void __user *uarg, bool unmap)
{
	struct p2pmap_handle_arg arg;
	struct p2pmap_handle *h;
	u64 written;
	u32 argsz;
	int ret;

	ret = p2pmap_arg_in(&arg, sizeof(arg), P2PMAP_HANDLE_ARG_SIZE_V0, uarg, &argsz);
	if (ret)
		return ret;
	/* WRITTEN: with UNMAP or SYNC_FOR_CPU, and an argsz that holds @written. */
	written = arg.flags & P2PMAP_HANDLE_WRITTEN ? arg.written : U64_MAX;
	if ((arg.flags & P2PMAP_HANDLE_WRITTEN) &&
	    argsz < offsetofend(struct p2pmap_handle_arg, written))
		return -EINVAL;
	arg.flags &= ~P2PMAP_HANDLE_WRITTEN;
	if (unmap ? arg.flags :
	    (arg.flags != P2PMAP_SYNC_FOR_CPU && arg.flags != P2PMAP_SYNC_FOR_DEVICE))
		return -EINVAL;
	if (written != U64_MAX && arg.flags == P2PMAP_SYNC_FOR_DEVICE)
		return -EINVAL;
	if (!arg.handle || arg.handle > INT_MAX)
		return -ENOENT;

	h = file_handle(f, arg.handle, unmap);
	if (!h)
		return -ENOENT;
	if (unmap) {
		ret = handle_unmap(h, &written);
	} else {
		/* Under @use: a take-down stops the copy (@abort) and waits for it. */
		down_read(&h->use);
		if (!h->map) {
			ret = -ENODEV;
		} else {
			mutex_lock(&h->sync);
			if (arg.flags == P2PMAP_SYNC_FOR_CPU)
				ret = p2pmap_sync_for_cpu_written(h->map,
								  min_t(u64, written, SIZE_MAX));
			else
				ret = p2pmap_sync_for_device(h->map);
			mutex_unlock(&h->sync);
		}
		up_read(&h->use);
	}
	handle_put(h);
	return ret;
}

/*
 * The segments are described in batches into a kernel buffer, each under the handle's @use
 * (a take-down waits for one batch, and SEGMENTS then fails with ENODEV); the copies to user
 * memory, which may fault and sleep for long, hold nothing. The work is linear in the
 * segments asked for and the mapping's DMA segments (p2pmap_segments_info()).
 */
#define SEGMENTS_BATCH	256

static long ioc_segments(struct p2pmap_file *f, void __user *uarg)
{
	struct p2pmap_segment *segs;
	struct p2pmap_seg_cursor cur;
	struct p2pmap_segments arg;
	struct p2pmap_handle *h;
	unsigned int i, n, total, done;
	u32 argsz;
	int ret;

	ret = p2pmap_arg_in(&arg, sizeof(arg), sizeof(arg), uarg, &argsz);
	if (ret)
		return ret;
	if (arg.flags || (arg.nr && (arg.seg_size < sizeof(*segs) || arg.seg_size > PAGE_SIZE)))
		return -EINVAL;
	if (!arg.handle || arg.handle > INT_MAX)
		return -ENOENT;
	h = file_handle(f, arg.handle, false);
	if (!h)
		return -ENOENT;
	segs = kmalloc_array(SEGMENTS_BATCH, sizeof(*segs), GFP_KERNEL);
	if (!segs) {
		ret = -ENOMEM;
		goto out_put;
	}

	for (done = 0, total = 0;; done += n) {
		down_read(&h->use);
		if (!h->map) {
			up_read(&h->use);
			ret = -ENODEV;
			goto out;
		}
		if (!done) {
			total = p2pmap_nr_segments(h->map);
			p2pmap_seg_cursor_init(h->map, &cur);
		}
		n = min3(arg.nr, total, done + SEGMENTS_BATCH) - done;
		p2pmap_segments_info(h->map, &cur, n, segs);
		if (!n)
			trace_p2pmap_segments(h->client->dev, done, cur.steps);
		up_read(&h->use);
		if (!n)
			break;
		for (i = 0; i < n; i++) {
			u64 at = arg.segs + (u64)(done + i) * arg.seg_size;
			void __user *dst = u64_to_user_ptr(at);

			if (copy_to_user(dst, &segs[i], sizeof(*segs)) ||
			    clear_user(dst + sizeof(*segs), arg.seg_size - sizeof(*segs))) {
				ret = -EFAULT;
				goto out;
			}
		}
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out;
		}
		cond_resched();
	}
	arg.nr = total;
	ret = p2pmap_arg_out(uarg, &arg, sizeof(arg), argsz);
out:
	kfree(segs);
out_put:
	handle_put(h);
	return ret;
}

static long ioc_explain(void __user *uarg)
{
	struct p2pmap_pci_addr *cb;
	struct pci_dev *prov, *client;
	struct p2pmap_explain arg;
	struct p2pmap_shadow_choice sh = {};
	struct p2pmap_request req;
	struct p2pmap_pair *pair;
	enum dma_data_direction dir;
	bool shadow;
	u32 argsz;
	int ret;

	ret = p2pmap_arg_in(&arg, sizeof(arg), offsetofend(struct p2pmap_explain, link_width),
			    uarg, &argsz);
	if (ret)
		return ret;
	if ((arg.flags & ~P2PMAP_EXPLAIN_SHADOW) || arg.reserved || dir_from_uapi(arg.dir, &dir))
		return -EINVAL;
	shadow = arg.flags & P2PMAP_EXPLAIN_SHADOW;
	if (shadow && argsz < offsetofend(struct p2pmap_explain, shadow_reason))
		return -EINVAL;

	prov = p2pmap_get_pci(&arg.provider);
	if (IS_ERR(prov))
		return PTR_ERR(prov);
	client = p2pmap_get_pci(&arg.client);
	if (IS_ERR(client)) {
		ret = PTR_ERR(client);
		goto out_prov;
	}
	if (!p2pmap_is_provider(prov)) {
		ret = -ENODEV;
		goto out;
	}
	pair = p2pmap_pair_get(prov, client);
	if (IS_ERR(pair)) {
		ret = PTR_ERR(pair);
		goto out;
	}
	req = (struct p2pmap_request){
		.len = arg.len,
		.nr_pages = DIV_ROUND_UP(arg.len, PAGE_SIZE),
		.dir = arg.dir,
		.total_len = arg.len,
	};
	arg.verdict = p2pmap_decide(pair, &req, &arg.reason, shadow ? &sh : NULL, true);
	arg.shadow_verdict = sh.verdict;
	arg.shadow_reason = sh.reason;
	arg.kernel_verdict = pair->facts.kernel_verdict;
	arg.distance = pair->facts.distance;
	arg.hops_provider = pair->facts.hops_provider;
	arg.hops_client = pair->facts.hops_client;
	cb = &arg.common_bridge;
	p2pmap_pci_addr_of(pair->facts.common_bridge, cb);
	arg.has_common_bridge = !!pair->facts.common_bridge;
	arg.acs_redirect = pair->facts.acs_redirect;
	arg.link_speed_mbps = pair->facts.link_speed_mbps;
	arg.link_width = pair->facts.link_width;
	p2pmap_pci_addr_of(pair->facts.acs_bridge, &arg.acs_bridge);
	arg.has_acs_bridge = !!pair->facts.acs_bridge;
	arg.override = READ_ONCE(pair->ovr.state);
	arg.probe_result = READ_ONCE(pair->ovr.probe_result);
	arg.verified_at = READ_ONCE(pair->ovr.verified_at);
	p2pmap_pair_put(pair);
	ret = p2pmap_arg_out(uarg, &arg, sizeof(arg), argsz);
out:
	pci_dev_put(client);
out_prov:
	pci_dev_put(prov);
	return ret;
}

/*
 * The snapshot covers every pair (a reset must know what it takes off each); the user gets
 * the first arg.nr entries. The reset happens only once the snapshot reached the user: a
 * failed copy resets nothing.
 */
static long ioc_stats(void __user *uarg)
{
	struct p2pmap_pair_stat *buf = NULL;
	struct p2pmap_pair **pairs = NULL;
	struct p2pmap_stats arg;
	unsigned int i, cap, total, got;
	bool reset;
	u32 argsz;
	int ret;

	ret = p2pmap_arg_in(&arg, sizeof(arg), sizeof(arg), uarg, &argsz);
	if (ret)
		return ret;
	if ((arg.flags & ~P2PMAP_STATS_RESET) ||
	    (arg.nr && (arg.entry_size < P2PMAP_PAIR_STAT_SIZE_V0 ||
			arg.entry_size > PAGE_SIZE)))
		return -EINVAL;
	reset = arg.flags & P2PMAP_STATS_RESET;
	if (reset && !capable(CAP_SYS_ADMIN))
		return -EPERM;

	/* Pairs appearing meanwhile are counted in the total (not reset), for a retry. */
	cap = reset ? p2pmap_pair_count() : min(arg.nr, p2pmap_pair_count());
	if (cap) {
		buf = kvcalloc(cap, sizeof(*buf), GFP_KERNEL);
		pairs = kvcalloc(cap, sizeof(*pairs), GFP_KERNEL);
		if (!buf || !pairs) {
			ret = -ENOMEM;
			goto out_free;
		}
	}
	ret = p2pmap_stats_snapshot(buf, pairs, cap, &total);
	if (ret)
		goto out_free;
	got = min(cap, total);
	for (i = 0; i < min(arg.nr, got); i++) {
		void __user *dst = u64_to_user_ptr(arg.pairs + (u64)i * arg.entry_size);

		size_t n = min_t(size_t, arg.entry_size, sizeof(*buf));

		/* An older caller's shorter entry gets what it knows. */
		if (copy_to_user(dst, &buf[i], n) || clear_user(dst + n, arg.entry_size - n)) {
			ret = -EFAULT;
			goto out;
		}
	}
	arg.nr = total;
	ret = p2pmap_arg_out(uarg, &arg, sizeof(arg), argsz);
out:
	p2pmap_stats_release(pairs, buf, got, reset && !ret);
out_free:
	kvfree(pairs);
	kvfree(buf);
	return ret;
}

static long p2pmap_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct p2pmap_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case P2PMAP_IOC_MAP:
		return ioc_map(f, uarg);
	case P2PMAP_IOC_UNMAP:
		return ioc_unmap_sync(f, uarg, true);
	case P2PMAP_IOC_SYNC:
		return ioc_unmap_sync(f, uarg, false);
	case P2PMAP_IOC_SEGMENTS:
		return ioc_segments(f, uarg);
	case P2PMAP_IOC_EXPLAIN:
		return ioc_explain(uarg);
	case P2PMAP_IOC_STATS:
		return ioc_stats(uarg);
	case P2PMAP_IOC_VERIFY:
		return p2pmap_ioc_verify(uarg);
	case P2PMAP_IOC_OVERRIDE:
		return p2pmap_ioc_override(uarg);
	}
	return -ENOTTY;
}

static int p2pmap_open(struct inode *inode, struct file *file)
{
	struct p2pmap_file *f = kzalloc_obj(*f, GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	xa_init_flags(&f->maps, XA_FLAGS_ALLOC1);
	file->private_data = f;
	return 0;
}

static int p2pmap_release(struct inode *inode, struct file *file)
{
	struct p2pmap_file *f = file->private_data;
	struct p2pmap_handle *h;
	unsigned long id;

	xa_for_each(&f->maps, id, h) {
		handle_unmap(h, NULL);
		handle_put(h);
	}
	xa_destroy(&f->maps);
	mutex_destroy(&f->lock);
	kfree(f);
	return 0;
}

static const struct file_operations p2pmap_fops = {
	.owner		= THIS_MODULE,
	.open		= p2pmap_open,
	.release	= p2pmap_release,
	.unlocked_ioctl	= p2pmap_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice p2pmap_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "p2pmap",
	.fops	= &p2pmap_fops,
	.mode	= 0600,
};

int p2pmap_cdev_init(void)
{
	return misc_register(&p2pmap_misc);
}

void p2pmap_cdev_exit(void)
{
	misc_deregister(&p2pmap_misc);
	WARN_ON(!xa_empty(&clients));	/* client drivers depend on this module */
	xa_destroy(&clients);
}
