// SPDX-License-Identifier: GPL-2.0-only
/*
 * The client registry: the devices whose drivers let /dev/p2pmap map for them
 * (p2pmap_client_register(), from probe), and the take-down of their /dev/p2pmap mappings
 * when a client unregisters, its driver unbinds without unregistering, or a provider whose
 * memory they hold goes (p2pmap_revoke_provider()). The DMA mappings of a device belong to
 * the driver that owns it: unregistering takes every one of them down, the device first,
 * before the driver lets go of it.
 */
#include <linux/device.h>
#include <linux/hashtable.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "client.h"

/*
 * The clients by a small id, for walks that sleep between entries (xa_find() resumes), and by
 * device, for lookups: a hash bucket, where an xarray indexed by the device's address would
 * walk ten levels per MAP. Both change together under the xarray's lock.
 */
static DEFINE_XARRAY_ALLOC(clients);
static DEFINE_HASHTABLE(clients_by_dev, 6);

/* The client of @dev, or NULL. Under the xarray's lock. */
static struct p2pmap_client *client_find(struct device *dev)
{
	struct p2pmap_client *cl;

	hash_for_each_possible(clients_by_dev, cl, hnode, (unsigned long)dev)
		if (cl->dev == dev)
			return cl;
	return NULL;
}

static void client_release(struct kref *ref)
{
	struct p2pmap_client *cl = container_of(ref, struct p2pmap_client, ref);

	put_device(cl->dev);
	mutex_destroy(&cl->lock);
	kfree(cl);
}

void p2pmap_client_put(struct p2pmap_client *cl)
{
	kref_put(&cl->ref, client_release);
}

/* The registered client of @dev, referenced (p2pmap_client_put()), or NULL. */
struct p2pmap_client *p2pmap_client_get(struct device *dev)
{
	struct p2pmap_client *cl;

	xa_lock(&clients);
	cl = client_find(dev);
	if (cl)
		kref_get(&cl->ref);
	xa_unlock(&clients);
	return cl;
}

/*
 * Take down @cl's /dev/p2pmap mappings that hold P2P memory of @pdev, the device first. Under
 * the client's inflight lock: its unregistration waits for this to finish, so its driver's
 * ops and device are still there for quiesce() and the unmaps.
 */
static void revoke_client_provider(struct p2pmap_client *cl, struct pci_dev *pdev)
{
	bool quiesced = false;
	struct p2pmap_reg *h;

	guard(rwsem_read)(&cl->inflight);
	for (;;) {
		bool found = false;

		/* On the list, a handle's mapping is live (a take-down takes it off first). */
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
		p2pmap_slices_kill(h);
		if (!quiesced && cl->ops && cl->ops->quiesce)
			cl->ops->quiesce(cl->dev, cl->priv);
		quiesced = true;
		p2pmap_reg_take_down(h, NULL);
		p2pmap_reg_put(h);
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
		p2pmap_client_put(cl);
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
	ret = xa_alloc(&clients, &cl->id, cl, xa_limit_32b, GFP_KERNEL);
	if (ret) {
		p2pmap_client_put(cl);
		return ret;
	}
	xa_lock(&clients);
	if (client_find(dev)) {
		__xa_erase(&clients, cl->id);
		ret = -EEXIST;
	} else {
		hash_add(clients_by_dev, &cl->hnode, (unsigned long)dev);
	}
	xa_unlock(&clients);
	if (ret)
		p2pmap_client_put(cl);
	return ret;
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
	struct p2pmap_client *cl;
	struct p2pmap_reg *h;
	bool any;

	xa_lock(&clients);
	cl = client_find(dev);
	if (cl) {
		hash_del(&cl->hnode);
		__xa_erase(&clients, cl->id);
	}
	xa_unlock(&clients);
	if (!cl)
		return;
	mutex_lock(&cl->lock);
	WRITE_ONCE(cl->dead, true);	/* also stops a MAP's copy in (p2pmap_map_pinned()) */
	mutex_unlock(&cl->lock);
	down_write(&cl->inflight);	/* every MAP for @dev has attached or given up */
	up_write(&cl->inflight);

	mutex_lock(&cl->lock);
	any = !list_empty(&cl->handles);
	/* No new slice from here: the I/O that quiesce waits for is the last. */
	list_for_each_entry(h, &cl->handles, node)
		p2pmap_slices_kill(h);
	mutex_unlock(&cl->lock);
	if (any && cl->ops && cl->ops->quiesce)
		cl->ops->quiesce(dev, cl->priv);
	for (;;) {
		mutex_lock(&cl->lock);
		h = list_first_entry_or_null(&cl->handles, struct p2pmap_reg, node);
		if (h) {
			list_del_init(&h->node);
			kref_get(&h->ref);
		}
		mutex_unlock(&cl->lock);
		if (!h)
			break;
		p2pmap_reg_take_down(h, NULL);
		p2pmap_reg_put(h);
	}
	/* Take-downs that took a handle off the list before this walk (UNMAP, close, revoke). */
	down_write(&cl->inflight);
	up_write(&cl->inflight);
	p2pmap_client_put(cl);
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
	struct p2pmap_client *cl = p2pmap_client_get(dev);

	if (!cl)
		return;
	dev_warn(dev, "p2pmap: the driver unbound without p2pmap_client_unregister(); registration dropped\n");
	down_write(&cl->inflight);	/* no take-down is calling ops meanwhile */
	cl->ops = NULL;
	up_write(&cl->inflight);
	p2pmap_client_put(cl);
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
	struct p2pmap_client *cl = p2pmap_client_get(client);
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
	p2pmap_client_put(cl);
	return ret;
}

/* At module exit: client drivers depend on this module, so none is registered any more. */
void p2pmap_client_exit(void)
{
	WARN_ON(!xa_empty(&clients));
	xa_destroy(&clients);
}
