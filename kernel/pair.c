// SPDX-License-Identifier: GPL-2.0-only
/*
 * Providers, (provider, client) pairs and their topology facts.
 *
 * The provider of a P2P page is found with public interfaces only: the page's dev_pagemap
 * is public, the PCI core's p2pdma pagemap that embeds it is not. So the first time a pagemap
 * is seen, the PCI device that publishes p2pmem and whose BAR holds the pagemap's range is
 * looked up, and the answer is cached by pagemap. Pairs and their facts are cached in an RCU
 * hash table keyed by (provider, client), so a decision costs one hash lookup whatever the
 * number of devices. Both caches forget a device when it loses its driver or goes away.
 */
#include <linux/bitfield.h>
#include <linux/hashtable.h>
#include <linux/memremap.h>
#include <linux/pci-p2pdma.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "client.h"

#define P2PMAP_PAIR_HASH_BITS 8
#define P2PMAP_PGMAP_HASH_BITS 4

/**
 * struct pgmap_entry - a cached answer of p2pmap_page_provider()
 * @node: in pgmap_hash
 * @pgmap: the pagemap
 * @pdev: the provider whose BAR holds it
 * @rcu: frees the entry after a grace period
 */
struct pgmap_entry {
	struct hlist_node node;
	struct dev_pagemap *pgmap;
	struct pci_dev *pdev;
	struct rcu_head rcu;
};

static DEFINE_HASHTABLE(pair_hash, P2PMAP_PAIR_HASH_BITS);
static DEFINE_SPINLOCK(pair_lock);		/* writers of pair_hash */
static DEFINE_HASHTABLE(pgmap_hash, P2PMAP_PGMAP_HASH_BITS);
static DEFINE_SPINLOCK(pgmap_lock);		/* writers of pgmap_hash */
static DEFINE_XARRAY(dying);			/* struct pci_dev * of devices being removed */
static DEFINE_XARRAY(unbinding);		/* providers whose driver is being unbound */
static struct workqueue_struct *pair_wq;	/* drops a freed pair's device references */
static atomic_t nr_pairs;

/* A device pointer as an xarray index: pointers are at least 8-byte aligned. */
static unsigned long dev_index(struct pci_dev *pdev)
{
	return (unsigned long)pdev >> 3;
}

static unsigned long pair_key(struct pci_dev *provider, struct pci_dev *client)
{
	return hash_ptr(provider, 32) ^ (unsigned long)hash_ptr(client, 32) * 31;
}

static struct pci_dev *pgmap_lookup_rcu(struct dev_pagemap *pgmap)
{
	struct pgmap_entry *e;

	hash_for_each_possible_rcu(pgmap_hash, e, node, (unsigned long)pgmap)
		if (e->pgmap == pgmap)
			return e->pdev;
	return NULL;
}

/* Cache @pgmap -> @pdev; false if it could not be (no memory: the next lookup walks). */
static bool pgmap_insert(struct dev_pagemap *pgmap, struct pci_dev *pdev)
{
	struct pgmap_entry *e = kzalloc_obj(*e, GFP_KERNEL);

	if (!e)
		return false;
	e->pgmap = pgmap;
	e->pdev = pdev;
	spin_lock(&pgmap_lock);
	if (pgmap_lookup_rcu(pgmap)) {
		spin_unlock(&pgmap_lock);
		kfree(e);
		return true;
	}
	hash_add_rcu(pgmap_hash, &e->node, (unsigned long)pgmap);
	spin_unlock(&pgmap_lock);
	return true;
}

/* Forget the cached pagemaps of @pdev (or every one if NULL). */
static void forget_pgmaps(struct pci_dev *pdev)
{
	struct pgmap_entry *e;
	struct hlist_node *tmp;
	int bkt;

	spin_lock(&pgmap_lock);
	hash_for_each_safe(pgmap_hash, bkt, tmp, e, node) {
		if (pdev && e->pdev != pdev)
			continue;
		hash_del_rcu(&e->node);
		kfree_rcu(e, rcu);
	}
	spin_unlock(&pgmap_lock);
}

static bool pdev_has_range(struct pci_dev *pdev, phys_addr_t addr)
{
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		struct resource *res = &pdev->resource[bar];

		if ((res->flags & IORESOURCE_MEM) && addr >= res->start && addr <= res->end)
			return true;
	}
	return false;
}

/**
 * p2pmap_is_provider() - whether a PCI device has P2PDMA memory registered
 * @pdev: the device
 *
 * A provider is any device whose driver registered P2PDMA memory with the PCI core
 * (pci_p2pdma_add_resource()), whether or not it also published that memory for other
 * drivers to find (pci_p2pmem_publish()): what a driver allocates from its own unpublished
 * BAR with pci_alloc_p2pmem() is P2P memory all the same, and its pages reach p2pmap alike.
 * The kernel keeps the "published" flag to itself (pci_has_p2pmem() is not exported from
 * 6.18 on), and p2pmap has no use for it.
 *
 * Return: true if @pdev has P2PDMA state.
 */
bool p2pmap_is_provider(struct pci_dev *pdev)
{
	return rcu_access_pointer(pdev->p2pdma);
}

/**
 * p2pmap_page_provider() - the PCI device whose P2P memory a page is
 * @page: a page for which is_pci_p2pdma_page() is true, pinned by the caller
 *
 * The pin keeps the page's pagemap, and so its provider, alive. Lookups are cached in a hash
 * of the pagemap's address, except while the provider is unbinding: its driver's devres
 * frees the pagemap then, and a new provider's pagemap may reuse the address, so the
 * provider's entries go when its unbind starts and none is made until a driver binds again.
 *
 * Return: the provider (no reference taken), or NULL if none is found.
 */
struct pci_dev *p2pmap_page_provider(struct page *page)
{
	struct dev_pagemap *pgmap = page_pgmap(page);
	struct pci_dev *pdev;
	phys_addr_t start;

	rcu_read_lock();
	pdev = pgmap_lookup_rcu(pgmap);
	rcu_read_unlock();
	if (likely(pdev))
		return pdev;

	start = pgmap->range.start;
	for_each_pci_dev(pdev) {
		if (p2pmap_is_provider(pdev) && pdev_has_range(pdev, start)) {
			/* The pin on @page keeps @pdev alive past the loop's put. */
			pci_dev_put(pdev);
			if (p2pmap_provider_unbinding(pdev) || !pgmap_insert(pgmap, pdev))
				return pdev;
			/* Pairs with pci_notify()'s barrier between marking and purging. */
			smp_mb();
			if (p2pmap_provider_unbinding(pdev))
				forget_pgmaps(pdev);
			return pdev;
		}
	}
	return NULL;
}

static bool acs_redirects(struct pci_dev *pdev)
{
	u16 ctrl;

	if (!pdev->acs_cap)
		return false;
	pci_read_config_word(pdev, pdev->acs_cap + PCI_ACS_CTRL, &ctrl);
	return ctrl & (PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_EC);
}

static void acs_check(struct pci_dev *pdev, struct p2pmap_facts *f)
{
	if (!acs_redirects(pdev))
		return;
	if (!f->acs_redirect++)
		f->acs_bridge = pdev;
}

static const u32 lnk_mbps[] = { 0, 2000, 4000, 7877, 15754, 31508, 63015 };

static void link_limit(struct pci_dev *pdev, struct p2pmap_facts *f)
{
	u16 sta, speed, width;

	if (!pci_is_pcie(pdev) || pcie_capability_read_word(pdev, PCI_EXP_LNKSTA, &sta))
		return;
	speed = sta & PCI_EXP_LNKSTA_CLS;
	width = FIELD_GET(PCI_EXP_LNKSTA_NLW, sta);
	if (speed && speed < ARRAY_SIZE(lnk_mbps) &&
	    (!f->link_speed_mbps || lnk_mbps[speed] < f->link_speed_mbps))
		f->link_speed_mbps = lnk_mbps[speed];
	if (width && (!f->link_width || width < f->link_width))
		f->link_width = width;
}

/*
 * The same walk as the PCI core's calc_map_type_and_dist(), kept to report *why*: the
 * closest common upstream bridge, the hops on each side, ACS redirect on the path and the
 * slowest link. The verdict itself is the PCI core's, from pci_p2pdma_distance().
 */
static void compute_facts(struct pci_dev *provider, struct pci_dev *client,
			  struct p2pmap_facts *f)
{
	struct pci_dev *a, *b;
	u32 ha = 0, hb;

	memset(f, 0, sizeof(*f));
	f->distance = pci_p2pdma_distance(provider, &client->dev, false);

	for (a = provider; a; a = pci_upstream_bridge(a), ha++) {
		for (b = client, hb = 0; b; b = pci_upstream_bridge(b), hb++) {
			if (a == b) {
				f->common_bridge = a;
				goto found;
			}
		}
	}
	hb = 0;
	for (b = client; b; b = pci_upstream_bridge(b))
		hb++;
found:
	f->hops_provider = ha;
	f->hops_client = hb;
	for (a = provider; a && a != f->common_bridge; a = pci_upstream_bridge(a)) {
		acs_check(a, f);
		link_limit(a, f);
	}
	if (f->common_bridge)
		acs_check(f->common_bridge, f);
	for (b = client; b && b != f->common_bridge; b = pci_upstream_bridge(b)) {
		acs_check(b, f);
		link_limit(b, f);
	}

	if (f->distance < 0) {
		f->distance = -1;
		f->kernel_verdict = P2PMAP_KV_NOT_SUPPORTED;
		if (f->common_bridge && f->acs_redirect)
			f->builtin_reason = P2PMAP_REASON_ACS_REDIRECT;
		else if (pci_find_host_bridge(provider->bus) != pci_find_host_bridge(client->bus))
			f->builtin_reason = P2PMAP_REASON_DIFFERENT_HOST_BRIDGES;
		else
			f->builtin_reason = P2PMAP_REASON_NO_COMMON_BRIDGE;
	} else if (f->common_bridge && !f->acs_redirect) {
		f->kernel_verdict = P2PMAP_KV_BUS_ADDR;
		f->builtin_reason = P2PMAP_REASON_TOPOLOGY_P2P;
	} else {
		f->kernel_verdict = P2PMAP_KV_HOST_BRIDGE;
		f->builtin_reason = P2PMAP_REASON_HOST_BRIDGE_P2P;
	}
}

static struct p2pmap_pair *pair_lookup_rcu(struct pci_dev *provider, struct pci_dev *client,
					   unsigned long key)
{
	struct p2pmap_pair *pair;

	hash_for_each_possible_rcu(pair_hash, pair, node, key)
		if (pair->provider == provider && pair->client == client)
			return pair;
	return NULL;
}

/**
 * p2pmap_pair_get() - look up or create the pair (@provider, @client)
 * @provider: P2P provider
 * @client: PCI client
 *
 * May sleep (to create the pair and read config space on first use). A pair is never
 * created for a device whose removal has started: once the PCI core announced the removal,
 * the table forgets the device's pairs for good, and a lookup racing with it cannot put one
 * back. Nor is one handed out for a provider whose driver is being unbound.
 *
 * Return: the pair with a reference the caller drops with p2pmap_pair_put(), or an ERR_PTR:
 * -ENOMEM, or -ENODEV when either device is being removed or the provider unbound.
 */
struct p2pmap_pair *p2pmap_pair_get(struct pci_dev *provider, struct pci_dev *client)
{
	unsigned long key = pair_key(provider, client);
	struct p2pmap_pair *pair, *old;

	if (p2pmap_provider_unbinding(provider))
		return ERR_PTR(-ENODEV);
	rcu_read_lock();
	pair = pair_lookup_rcu(provider, client, key);
	if (pair && !kref_get_unless_zero(&pair->ref))
		pair = NULL;
	rcu_read_unlock();
	if (pair)
		return pair;

	pair = kzalloc_obj(*pair, GFP_KERNEL);
	if (!pair)
		return ERR_PTR(-ENOMEM);
	if (p2pmap_pair_stats_init(&pair->stats)) {
		kfree(pair);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&pair->ref);		/* the table's reference */
	pair->provider = pci_dev_get(provider);
	pair->client = pci_dev_get(client);
	compute_facts(provider, client, &pair->facts);
	p2pmap_vcache_init(&pair->vcache);
	p2pmap_policy_pair_init(pair);

	spin_lock(&pair_lock);
	old = pair_lookup_rcu(provider, client, key);
	if (old && !kref_get_unless_zero(&old->ref))
		old = NULL;
	if (!old && (xa_load(&dying, dev_index(provider)) || xa_load(&dying, dev_index(client))))
		old = ERR_PTR(-ENODEV);
	if (old) {
		spin_unlock(&pair_lock);
		pci_dev_put(pair->provider);
		pci_dev_put(pair->client);
		p2pmap_pair_stats_free(&pair->stats);
		kfree(pair);
		return old;
	}
	kref_get(&pair->ref);		/* the caller's reference */
	hash_add_rcu(pair_hash, &pair->node, key);
	atomic_inc(&nr_pairs);
	spin_unlock(&pair_lock);
	return pair;
}
EXPORT_SYMBOL_NS_GPL(p2pmap_pair_get, P2PMAP_NS);	/* the test module's benchmarks only */

/*
 * After an RCU grace period: no reader (a decision, a policy reading the pair's devices, a
 * statistics snapshot) can still see the pair, so its device references can go. From a work
 * item, since the last reference to a PCI device may sleep to free it.
 */
static void pair_free_work(struct work_struct *work)
{
	struct p2pmap_pair *pair = container_of(to_rcu_work(work), struct p2pmap_pair, rwork);

	pci_dev_put(pair->provider);
	pci_dev_put(pair->client);
	p2pmap_pair_stats_free(&pair->stats);
	kfree(pair);
}

static void pair_release(struct kref *ref)
{
	struct p2pmap_pair *pair = container_of(ref, struct p2pmap_pair, ref);

	INIT_RCU_WORK(&pair->rwork, pair_free_work);
	queue_rcu_work(pair_wq, &pair->rwork);
}

/**
 * p2pmap_pair_put() - drop a reference taken by p2pmap_pair_get()
 * @pair: the pair
 */
void p2pmap_pair_put(struct p2pmap_pair *pair)
{
	kref_put(&pair->ref, pair_release);
}
EXPORT_SYMBOL_NS_GPL(p2pmap_pair_put, P2PMAP_NS);	/* the test module's benchmarks only */

/**
 * p2pmap_get_pci() - the PCI device of a UAPI address
 * @a: the address
 *
 * Return: the device, referenced (pci_dev_put()), or an ERR_PTR: -EINVAL (reserved bits
 * set), -ENODEV (no such device).
 */
struct pci_dev *p2pmap_get_pci(const struct p2pmap_pci_addr *a)
{
	struct pci_dev *pdev;

	if (a->reserved)
		return ERR_PTR(-EINVAL);
	pdev = pci_get_domain_bus_and_slot(a->domain, a->bus, a->devfn);
	return pdev ?: ERR_PTR(-ENODEV);
}

/**
 * p2pmap_pair_lookup() - the pair of two UAPI addresses, for an ioctl
 * @p: the provider's address
 * @c: the client's address
 *
 * The pair holds references to both devices; the lookup's own go before it returns.
 *
 * Context: process context, may sleep.
 * Return: the pair, or an ERR_PTR: -EINVAL (reserved bits set), -ENODEV (no such device, the
 * provider has no P2P memory, or either device is going), -ENOMEM.
 */
struct p2pmap_pair *p2pmap_pair_lookup(const struct p2pmap_pci_addr *p,
				       const struct p2pmap_pci_addr *c)
{
	struct p2pmap_pair *pair = ERR_PTR(-ENODEV);
	struct pci_dev *provider, *client;

	provider = p2pmap_get_pci(p);
	if (IS_ERR(provider))
		return ERR_CAST(provider);
	client = p2pmap_get_pci(c);
	if (IS_ERR(client)) {
		pair = ERR_CAST(client);
		goto out;
	}
	if (p2pmap_is_provider(provider))
		pair = p2pmap_pair_get(provider, client);
	pci_dev_put(client);
out:
	pci_dev_put(provider);
	return pair;
}

/**
 * p2pmap_pair_live() - whether a pair is still in the table
 * @pair: a referenced pair
 *
 * A pair leaves the table when either device is unbound or removed; its successor, if the
 * devices come back, is a new pair that knows nothing of this one's state.
 *
 * Return: true while @pair is the table's pair for its devices.
 */
bool p2pmap_pair_live(struct p2pmap_pair *pair)
{
	bool live;

	spin_lock(&pair_lock);
	live = !hlist_unhashed(&pair->node);
	spin_unlock(&pair_lock);
	return live;
}

/**
 * p2pmap_pair_count() - pairs in the table now
 *
 * Return: the number of pairs (more may appear at any time).
 */
unsigned int p2pmap_pair_count(void)
{
	return atomic_read(&nr_pairs);
}

/**
 * p2pmap_pair_for_each() - call @fn for every pair in the table
 * @fn: called with each pair and @arg; must not sleep
 * @arg: passed to @fn
 *
 * Context: the caller holds rcu_read_lock().
 */
void p2pmap_pair_for_each(void (*fn)(struct p2pmap_pair *pair, void *arg), void *arg)
{
	struct p2pmap_pair *pair;
	int bkt;

	hash_for_each_rcu(pair_hash, bkt, pair, node)
		fn(pair, arg);
}

/* Forget every pair and cached pagemap that involves @pdev (or everything if NULL). */
static void forget_device(struct pci_dev *pdev)
{
	struct p2pmap_pair *pair;
	struct hlist_node *tmp;
	int bkt;

	spin_lock(&pair_lock);
	hash_for_each_safe(pair_hash, bkt, tmp, pair, node) {
		if (pdev && pair->provider != pdev && pair->client != pdev)
			continue;
		hash_del_rcu(&pair->node);
		atomic_dec(&nr_pairs);
		p2pmap_pair_put(pair);
	}
	spin_unlock(&pair_lock);
	forget_pgmaps(pdev);
}

/**
 * p2pmap_provider_unbinding() - whether a provider's driver is being unbound
 * @pdev: the provider
 *
 * From the unbind's start (BUS_NOTIFY_UNBIND_DRIVER) until a driver binds again. No mapping
 * may then keep the provider's pages pinned: the unbind waits for every pin to go.
 *
 * Return: true while unbinding.
 */
bool p2pmap_provider_unbinding(struct pci_dev *pdev)
{
	/*
	 * Nearly always empty: one load then, where a lookup would walk ten levels. A racy
	 * read, ordered by the callers' barriers as xa_load()'s own first load would be.
	 */
	return !data_race(xa_empty(&unbinding)) && xa_load(&unbinding, dev_index(pdev));
}

static int pci_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	struct device *dev = data;

	struct pci_dev *pdev = to_pci_dev(dev);

	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE:
		/* A new device may reuse the memory of one removed earlier. */
		xa_erase(&dying, dev_index(pdev));
		xa_erase(&unbinding, dev_index(pdev));
		break;
	case BUS_NOTIFY_UNBIND_DRIVER:
		/*
		 * A provider's unbind (or removal) waits until every page of its P2P memory is
		 * unpinned: revoke the mappings that hold them, before the driver goes. Marked
		 * first, so a mapping made meanwhile is refused or revokes itself.
		 */
		if (!p2pmap_is_provider(pdev))
			break;
		xa_store(&unbinding, dev_index(pdev), pdev, GFP_KERNEL);
		/* Its pagemaps are freed during the unbind (p2pmap_page_provider()). */
		smp_mb();
		forget_pgmaps(pdev);
		p2pmap_revoke_provider(pdev);
		break;
	case BUS_NOTIFY_BOUND_DRIVER:
		xa_erase(&unbinding, dev_index(pdev));
		break;
	case BUS_NOTIFY_DEL_DEVICE:
		xa_erase(&unbinding, dev_index(pdev));
		/*
		 * Marked before its pairs go, so a lookup racing with the removal either sees
		 * the mark or made its pair in time for forget_device() to find it. If the mark
		 * cannot be stored, the pairs still go; only that race stays open.
		 */
		xa_store(&dying, dev_index(pdev), pdev, GFP_KERNEL);
		forget_device(pdev);
		break;
	case BUS_NOTIFY_UNBOUND_DRIVER:
		/* Unbinding a provider frees its pagemaps: the cached lookups must go too. */
		forget_device(pdev);
		/* A client's driver that left its registration behind. */
		p2pmap_client_unbound(dev);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block pci_nb = {
	.notifier_call = pci_notify,
};

int p2pmap_pair_init(void)
{
	int ret;

	/* Unbound: the work has no CPU to stay on (7.x warns unless a queue says which). */
	pair_wq = alloc_workqueue("p2pmap_pair", WQ_UNBOUND, 0);
	if (!pair_wq)
		return -ENOMEM;
	ret = bus_register_notifier(&pci_bus_type, &pci_nb);
	if (ret)
		destroy_workqueue(pair_wq);
	return ret;
}

void p2pmap_pair_exit(void)
{
	bus_unregister_notifier(&pci_bus_type, &pci_nb);
	forget_device(NULL);
	rcu_barrier();			/* queue_rcu_work()'s grace periods */
	destroy_workqueue(pair_wq);	/* runs what they queued */
	xa_destroy(&dying);
	xa_destroy(&unbinding);
}
