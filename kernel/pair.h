/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Providers and (provider, client) pairs (pair.c): a pair's topology facts, statistics and
 * verified override, and the lookups.
 */
#ifndef _P2PMAP_PAIR_H
#define _P2PMAP_PAIR_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/pci.h>
#include <linux/workqueue.h>

#include "stats.h"
#include "vcache.h"

/**
 * struct p2pmap_facts - cached topology facts of one (provider, client) pair
 * @kernel_verdict: enum p2pmap_kernel_verdict
 * @builtin_reason: the reason the built-in rule gives for this pair
 * @distance: pci_p2pdma_distance(), -1 when the kernel refuses the pair
 * @hops_provider: bridges from the provider up to the common bridge (or the root)
 * @hops_client: the same from the client
 * @common_bridge: closest common upstream bridge, NULL if none (no reference held: it is an
 *	ancestor of both devices, which the pair holds references to)
 * @acs_redirect: bridges with ACS redirect on the path
 * @acs_bridge: the first of them from the provider's side, NULL if none (no reference held,
 *	as for @common_bridge)
 * @link_speed_mbps: slowest link on the path, Mb/s per lane, 0 if unknown
 * @link_width: narrowest link on the path, 0 if unknown
 */
struct p2pmap_facts {
	u32 kernel_verdict;
	u32 builtin_reason;
	int distance;
	u32 hops_provider;
	u32 hops_client;
	struct pci_dev *common_bridge;
	u32 acs_redirect;
	struct pci_dev *acs_bridge;
	u32 link_speed_mbps;
	u32 link_width;
};

/**
 * struct p2pmap_override_state - a pair's verification and override (override.c)
 * @state: P2PMAP_OVERRIDE_VERIFIED and P2PMAP_OVERRIDE_ENABLED; read without a lock by the
 *	decisions, written under the probe lock
 * @probe_result: enum p2pmap_probe_result of the latest probe, 0 if none
 * @verified_at: real time (seconds) the latest passing probe ended
 * @passed: probes that passed
 * @failed: probes that failed
 *
 * It lives in the pair, and the pair lives only as long as both devices keep their driver and
 * stay plugged in (pair.c forgets it on unbind and removal): a re-plugged or rebound device
 * makes a new pair, which is not verified.
 */
struct p2pmap_override_state {
	u32 state;
	u32 probe_result;
	u64 verified_at;
	atomic64_t passed;
	atomic64_t failed;
};

/**
 * struct p2pmap_pair - one (provider, client) pairing seen by p2pmap
 * @node: in the pair hash table
 * @rwork: frees the pair and drops its device references after an RCU grace period
 * @ref: references: one for the table, one per user that looked it up
 * @provider: the P2P provider (reference held)
 * @client: the PCI client (reference held)
 * @facts: topology facts, computed once
 * @seen: what a policy sees of the pair that never changes (its devices but their NUMA nodes,
 *	and the path), filled once by p2pmap_policy_pair_init(); the rest of the context is zero
 * @stats: running statistics
 * @ovr: verification and override
 * @vcache: the active policy's cached answers (vcache.h)
 */
struct p2pmap_pair {
	struct hlist_node node;
	struct rcu_work rwork;
	struct kref ref;
	struct pci_dev *provider;
	struct pci_dev *client;
	struct p2pmap_facts facts;
	struct p2pmap_policy_ctx seen;
	struct p2pmap_pair_stats stats;
	struct p2pmap_override_state ovr;
	struct p2pmap_vcache vcache;
};

/* pair.c: providers, pairs and their topology facts. */
int p2pmap_pair_init(void);
void p2pmap_pair_exit(void);
bool p2pmap_is_provider(struct pci_dev *pdev);
struct pci_dev *p2pmap_page_provider(struct page *page);
struct p2pmap_pair *p2pmap_pair_get(struct pci_dev *provider, struct pci_dev *client);
void p2pmap_pair_put(struct p2pmap_pair *pair);
struct pci_dev *p2pmap_get_pci(const struct p2pmap_pci_addr *a);
struct p2pmap_pair *p2pmap_pair_lookup(const struct p2pmap_pci_addr *p,
				       const struct p2pmap_pci_addr *c);
unsigned int p2pmap_pair_count(void);
bool p2pmap_pair_live(struct p2pmap_pair *pair);
bool p2pmap_provider_unbinding(struct pci_dev *pdev);
void p2pmap_pair_for_each(void (*fn)(struct p2pmap_pair *pair, void *arg), void *arg);

#endif /* _P2PMAP_PAIR_H */
