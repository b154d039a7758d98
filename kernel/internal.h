/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * p2pmap internals shared by the files of p2pmap.ko, not an API: the objects with a header of
 * their own (pair.h, stats.h, mapping.h, client.h, shadow.h) and the small ones declared here.
 */
#ifndef _P2PMAP_INTERNAL_H
#define _P2PMAP_INTERNAL_H

#include <linux/atomic.h>
#include <linux/jump_label.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/local_lock.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/scatterlist.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "pair.h"
#include "shadow.h"
#include "stats.h"
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

/* map.c, for io.c */
/* The UAPI direction (enum p2pmap_dir) of a DMA one; inline for the one-shot path. */
static inline u32 p2pmap_dir_to_uapi(enum dma_data_direction dir)
{
	switch (dir) {
	case DMA_TO_DEVICE:
		return P2PMAP_DIR_TO_DEVICE;
	case DMA_FROM_DEVICE:
		return P2PMAP_DIR_FROM_DEVICE;
	default:
		return P2PMAP_DIR_BIDIRECTIONAL;
	}
}

struct p2pmap_mapping *p2pmap_map_user_decided(struct device *client, unsigned long uaddr,
					       size_t len, enum dma_data_direction dir,
					       unsigned int flags, struct p2pmap_choice *preset);

/* decide.c: the decision for one (mapping, provider). */
u32 p2pmap_decide(struct p2pmap_pair *pair, const struct p2pmap_request *req,
		  u32 *reason, struct p2pmap_shadow_choice *shadow, bool dry_run);

/**
 * p2pmap_choose() - make one provider's choice within a mapping
 * @ch: the choice, its provider and request set; its pair, verdict and reason are filled
 *	in, and for a PCI client its shadow
 * @client: the client
 *
 * The pair's lookup (which takes the reference @ch then holds) and p2pmap_decide(). P2P DMA
 * needs both ends on PCI: for any other client there is no pair, and the verdict is BOUNCE.
 *
 * Inline: the one-shot path (io.c) pays no call for it.
 *
 * Context: may sleep (to make the pair on first use).
 * Return: 0, or an error of p2pmap_pair_get() (@ch->pair is then NULL and nothing decided).
 */
static inline int p2pmap_choose(struct p2pmap_choice *ch, struct device *client)
{
	ch->pair = NULL;
	if (!dev_is_pci(client)) {
		ch->reason = P2PMAP_REASON_CLIENT_NOT_PCI;
		ch->verdict = P2PMAP_VERDICT_BOUNCE;
		return 0;
	}
	ch->pair = p2pmap_pair_get(ch->provider, to_pci_dev(client));
	if (IS_ERR(ch->pair)) {
		int ret = PTR_ERR(ch->pair);

		ch->pair = NULL;
		return ret;
	}
	ch->verdict = p2pmap_decide(ch->pair, &ch->req, &ch->reason, &ch->shadow, false);
	return 0;
}

/* reach.c */
bool p2pmap_pair_reaches(const struct p2pmap_pair *pair, phys_addr_t top, bool override);
void p2pmap_reach_init(void);
u64 p2pmap_ram_dma_limit(struct device *client);
bool p2pmap_dma_in_place(struct device *client);
bool p2pmap_ram_reachable(struct device *client, phys_addr_t phys, unsigned int len);
gfp_t p2pmap_bounce_gfp(struct device *client, u64 limit);
bool p2pmap_dma_table_reachable(struct device *client, struct sg_table *sgt);

/**
 * struct p2pmap_verdict_range - for which request lengths a policy said its answer holds
 * @holds: it said so (p2pmap_verdict_holds(), with a range holding the request's length)
 * @min_len: the shortest length of that range
 * @max_len: the longest
 */
struct p2pmap_verdict_range {
	bool holds;
	u64 min_len;
	u64 max_len;
};

/**
 * struct p2pmap_policy_call - one ->decide() call: its context, and what the policy said of it
 * @ctx: the context the policy reads (the only way a policy reaches this struct)
 * @range: what it said with p2pmap_verdict_holds()
 */
struct p2pmap_policy_call {
	struct p2pmap_policy_ctx ctx;
	struct p2pmap_verdict_range range;
};

/* policy.c: BPF policies. */
extern atomic64_t p2pmap_policy_errors;
void p2pmap_policy_data_changed(void);
struct bpf_prog;
bool p2pmap_policy_prog_decides(const struct bpf_prog *prog);
/* The ->decide() call in progress on a CPU, under its local lock (policy.c). */
struct p2pmap_policy_call_cur {
	local_lock_t lock;
	struct p2pmap_policy_call *call;
};

DECLARE_PER_CPU(struct p2pmap_policy_call_cur, p2pmap_policy_call_cur);
int p2pmap_policy_init(void);
void p2pmap_policy_pair_init(struct p2pmap_pair *pair);
void p2pmap_policy_exit(void);

/* kfunc.c: the kfuncs of policies and their syscall programs. */
int p2pmap_kfunc_init(void);
DECLARE_STATIC_KEY_FALSE(p2pmap_policy_key);
const char *p2pmap_policy_decide(struct p2pmap_pair *pair, const struct p2pmap_request *req,
				 u32 *verdict, u32 *reason, struct p2pmap_shadow_choice *sh,
				 const char **sh_name, bool dry_run);

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
				       enum dma_data_direction dir, unsigned int flags,
				       bool longterm);
struct p2pmap_mapping *p2pmap_map_pinned(struct p2pmap_mapping *map, const bool *stop);
void p2pmap_map_set_stop(struct p2pmap_mapping *map, const bool *stop);
void p2pmap_map_skip_cpu_sync(struct p2pmap_mapping *map);

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
long p2pmap_ioc_explain(void __user *uarg);
long p2pmap_ioc_stats(void __user *uarg);
int p2pmap_dir_from_uapi(u32 dir, enum dma_data_direction *out);
long p2pmap_ioc_override(void __user *uarg);
int p2pmap_probe(struct pci_dev *provider, struct device *client,
		 int (*copy)(struct device *dev, void *priv, dma_addr_t dst, dma_addr_t src,
			     size_t len),
		 void *priv, struct p2pmap_verify *out);

/* cdev.c and sysfs.c */
int p2pmap_cdev_init(void);
void p2pmap_cdev_exit(void);
extern struct kobject *p2pmap_kobj;
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
