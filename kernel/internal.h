/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * p2pmap internals shared by the files of p2pmap.ko. Not an API.
 */
#ifndef _P2PMAP_INTERNAL_H
#define _P2PMAP_INTERNAL_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/scatterlist.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "shadow.h"
#include "../include/p2pmap.h"
#include "../include/p2pmap_policy.h"
#include "../include/uapi/p2pmap.h"

/* P2PMAP_VERSION comes from the top-level VERSION file (Kbuild). */

/* main.c: the bounded setter of unsigned long module parameters. */
int p2pmap_param_set_ulong(const char *val, const struct kernel_param *kp,
			   unsigned long min, unsigned long max);

/* map.c: module parameter max_map_bytes, also checked by MAP before it pins anything. */
extern unsigned long p2pmap_max_map_bytes;

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
 * struct p2pmap_pair_counts - one CPU's share of a pair's running statistics
 * @decisions: decisions per verdict, indexed by enum p2pmap_verdict
 * @bytes_p2p: bytes mapped peer to peer
 * @bytes_bounce: bytes mapped through bounce buffers
 * @errors: policy errors and mappings that failed after the decision
 * @shadow: agreement with the shadow policy (shadow.c)
 *
 * Written under that CPU's stats lock (stats.c). A reset subtracts from one CPU's share, so a
 * share may wrap below zero; only the sum over every CPU means anything.
 */
struct p2pmap_pair_counts {
	u64 decisions[P2PMAP_VERDICT_REJECT + 1];
	u64 bytes_p2p;
	u64 bytes_bounce;
	u64 errors;
	struct p2pmap_shadow_stats shadow;
};

/**
 * struct p2pmap_pair_stats - running statistics of a pair
 * @pcpu: the counts, per CPU: a mapping adds to its CPU's share only, so mappings on
 *	different CPUs share no cache line and no lock (stats.c)
 * @last_verdict: the verdict of the latest mapping
 * @last_reason: the reason of the latest mapping
 * @recent: the counts summed up, as policies see them (p2pmap_pair_stats_recent())
 * @recent_at: jiffies when @recent was summed
 */
struct p2pmap_pair_stats {
	struct p2pmap_pair_counts __percpu *pcpu;
	u32 last_verdict;
	u32 last_reason;
	struct p2pmap_policy_stats recent;
	unsigned long recent_at;
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
};

/**
 * struct p2pmap_request - what a decision is asked about
 * @len: bytes of this provider's memory in the mapping
 * @nr_pages: pages of this provider's memory in the mapping
 * @dir: enum p2pmap_dir
 * @total_len: length of the whole mapping
 * @top: physical address of the highest byte of this provider's memory in the mapping, for
 *	the client's DMA mask (reach.c); 0 when there are no pages (EXPLAIN)
 * @override: a verified override is in force for the pair, as read once at the start of
 *	the decision (p2pmap_decide()), so every step of it sees the same state
 */
struct p2pmap_request {
	u64 len;
	u32 nr_pages;
	u32 dir;
	u64 total_len;
	phys_addr_t top;
	bool override;
};

/**
 * struct p2pmap_choice - one provider's decision within a mapping
 * @provider: the provider
 * @pair: the (provider, client) pair, referenced; NULL for a client that is not PCI
 * @req: what the mapping asks of the provider
 * @verdict: enum p2pmap_verdict
 * @reason: enum p2pmap_reason
 * @shadow: what the shadow policy would have decided (verdict 0: none attached)
 */
struct p2pmap_choice {
	struct pci_dev *provider;
	struct p2pmap_pair *pair;
	struct p2pmap_request req;
	u32 verdict;
	u32 reason;
	struct p2pmap_shadow_choice shadow;
};

/*
 * Global counters (stats.c), exported through sysfs. Per CPU, so the mapping path pays no
 * shared atomic for them; a read sums every CPU's share (gauges such as @mappings_active go
 * up on one CPU and down on another, so only the sum means anything). @bytes_devmem_read and
 * @bytes_devmem_written are the bytes the bounce path's CPU copies read from and wrote to
 * device (P2P) memory (bounce.c, iocopy.h).
 */
struct p2pmap_counters {
	u64 decisions[P2PMAP_VERDICT_REJECT + 1];
	u64 bytes_ram;
	u64 bytes_p2p;
	u64 bytes_bounce;
	u64 maps;
	u64 map_errors;
	s64 mappings_active;
	s64 pinned_pages;
	u64 bytes_devmem_read;
	u64 bytes_devmem_written;
};

DECLARE_PER_CPU(struct p2pmap_counters, p2pmap_counters);

#define p2pmap_count(_field, _n)	this_cpu_add(p2pmap_counters._field, _n)

s64 p2pmap_counter_sum(size_t offset);

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
void p2pmap_pair_lookup_put(struct p2pmap_pair *pair);
unsigned int p2pmap_pair_count(void);
bool p2pmap_pair_live(struct p2pmap_pair *pair);
bool p2pmap_provider_unbinding(struct pci_dev *pdev);
void p2pmap_pair_for_each(void (*fn)(struct p2pmap_pair *pair, void *arg), void *arg);

/* stats.c: per-pair statistics, updated and read consistently. */
void p2pmap_stats_init(void);
int p2pmap_pair_stats_init(struct p2pmap_pair_stats *s);
void p2pmap_pair_stats_free(struct p2pmap_pair_stats *s);
void p2pmap_pair_stats_recent(struct p2pmap_pair_stats *s, struct p2pmap_policy_stats *out);
void p2pmap_stats_account(const struct p2pmap_choice *ch, unsigned int nr, int ret);
int p2pmap_stats_snapshot(struct p2pmap_pair_stat *out, struct p2pmap_pair **pairs,
			  unsigned int cap, unsigned int *total);
void p2pmap_stats_release(struct p2pmap_pair **pairs, const struct p2pmap_pair_stat *snap,
			  unsigned int nr, bool reset);

/* decide.c: the decision for one (mapping, provider). */
u32 p2pmap_decide(struct p2pmap_pair *pair, const struct p2pmap_request *req,
		  u32 *reason, struct p2pmap_shadow_choice *shadow, bool dry_run);
u32 p2pmap_decide_no_pair(struct device *client, u32 *reason);

/* reach.c */
bool p2pmap_pair_reaches(const struct p2pmap_pair *pair, phys_addr_t top, bool override);
u64 p2pmap_ram_dma_limit(struct device *client);
bool p2pmap_ram_reachable(struct device *client, phys_addr_t phys, unsigned int len);
gfp_t p2pmap_bounce_gfp(struct device *client, u64 limit);
bool p2pmap_dma_table_reachable(struct device *client, struct sg_table *sgt);

/* policy.c: BPF policies. */
extern atomic64_t p2pmap_policy_errors;
int p2pmap_policy_init(void);
void p2pmap_policy_pair_init(struct p2pmap_pair *pair);
void p2pmap_policy_exit(void);
const char *p2pmap_policy_decide(struct p2pmap_pair *pair, const struct p2pmap_request *req,
				 u32 *verdict, u32 *reason, struct p2pmap_shadow_choice *sh,
				 const char **sh_name, bool dry_run);
ssize_t p2pmap_policy_show_name(char *buf);
ssize_t p2pmap_policy_show_state(char *buf);
ssize_t p2pmap_shadow_show_name(char *buf);
ssize_t p2pmap_shadow_show_state(char *buf);
ssize_t p2pmap_policy_show_last_error(char *buf);
void p2pmap_policy_clear_last_error(void);

/* bounce.c: the bounce page pool. */
int p2pmap_bounce_init(void);
void p2pmap_bounce_exit(void);
int p2pmap_bounce_reserve(unsigned long nr, bool uapi);
void p2pmap_bounce_unreserve(unsigned long nr);
unsigned long p2pmap_bounce_in_use(void);
unsigned long p2pmap_bounce_hwm(void);
unsigned long p2pmap_bounce_cached(void);

/* map.c: the mapping cache, and a mapping's DMA addresses (its structure: mapping.h). */
int p2pmap_map_init(void);
void p2pmap_map_exit(void);
struct p2pmap_mapping *p2pmap_pin_user(struct device *client, unsigned long uaddr, size_t len,
				       enum dma_data_direction dir, unsigned int flags);
struct p2pmap_mapping *p2pmap_map_pinned(struct p2pmap_mapping *map, const bool *stop);
void p2pmap_map_set_stop(struct p2pmap_mapping *map, const bool *stop);

/**
 * struct p2pmap_seg_cursor - where a description of a mapping's segments is
 * @seg: the next segment to describe
 * @sg: the DMA segment at @base
 * @i: index of @sg in the DMA-mapped table
 * @base: offset in the buffer where @sg starts
 * @steps: DMA segments stepped over so far (the p2pmap_segments tracepoint)
 */
struct p2pmap_seg_cursor {
	unsigned int seg;
	struct scatterlist *sg;
	unsigned int i;
	u64 base;
	unsigned int steps;
};

/* segment.c: what a mapping is made of, for /dev/p2pmap. */
unsigned int p2pmap_nr_segments(struct p2pmap_mapping *map);
void p2pmap_seg_cursor_init(struct p2pmap_mapping *map, struct p2pmap_seg_cursor *c);
void p2pmap_segments_info(struct p2pmap_mapping *map, struct p2pmap_seg_cursor *c,
			  unsigned int n, struct p2pmap_segment *out);
bool p2pmap_map_uses_provider(struct p2pmap_mapping *map, struct pci_dev *pdev);
bool p2pmap_map_provider_unbinding(struct p2pmap_mapping *map);

/* override.c: verified overrides; verify.c: the probe behind them. */
void p2pmap_override_snap(struct p2pmap_pair *pair, struct p2pmap_pair_stat *e);

/**
 * p2pmap_override_on() - whether a verified override lets a refused pair go P2P
 * @pair: the pair
 *
 * Return: true if the kernel refuses the pair and its override is enabled.
 */
static inline bool p2pmap_override_on(const struct p2pmap_pair *pair)
{
	return pair->facts.kernel_verdict == P2PMAP_KV_NOT_SUPPORTED &&
	       (READ_ONCE(pair->ovr.state) & P2PMAP_OVERRIDE_ENABLED);
}

long p2pmap_ioc_verify(void __user *uarg);
long p2pmap_ioc_override(void __user *uarg);
int p2pmap_probe(struct pci_dev *provider, struct device *client,
		 int (*copy)(struct device *dev, void *priv, dma_addr_t dst, dma_addr_t src,
			     size_t len),
		 void *priv, struct p2pmap_verify *out);

/* cdev.c and sysfs.c */
int p2pmap_cdev_init(void);
void p2pmap_cdev_exit(void);
int p2pmap_sysfs_init(void);
void p2pmap_sysfs_exit(void);

/**
 * p2pmap_pci_addr_of() - the UAPI address of a PCI device
 * @pdev: the device, or NULL for an all-zero address
 * @addr: filled in
 */
static inline void p2pmap_pci_addr_of(struct pci_dev *pdev, struct p2pmap_pci_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (!pdev)
		return;
	addr->domain = pci_domain_nr(pdev->bus);
	addr->bus = pdev->bus->number;
	addr->devfn = pdev->devfn;
}

#endif /* _P2PMAP_INTERNAL_H */
