// SPDX-License-Identifier: GPL-2.0-only
/*
 * The decision for one (mapping, provider): the single place where a policy plugs in.
 *
 * The built-in rule is the kernel's own answer: P2P where pci_p2pdma_distance() allows the
 * pair, BOUNCE otherwise. Unlike the kernel's dma_map_sg(), which fails the whole list with
 * -EREMOTEIO, p2pmap then bounces just the segments that cannot go peer to peer. An attached
 * BPF policy (policy.c) may then change the verdict, within the safety rules.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "internal.h"

static u32 builtin_decide(const struct p2pmap_facts *f, u32 *reason)
{
	*reason = f->builtin_reason;
	return f->kernel_verdict == P2PMAP_KV_NOT_SUPPORTED ?
		P2PMAP_VERDICT_BOUNCE : P2PMAP_VERDICT_P2P;
}

/**
 * p2pmap_decide() - decide how a client reaches one provider's pages in a mapping
 * @pair: the (provider, client) pair, with its cached facts
 * @req: the request: bytes and pages of this provider, direction
 * @reason: (out) enum p2pmap_reason
 * @dry_run: true for EXPLAIN: leave the statistics alone
 *
 * The built-in rule, then the attached policy if there is one. Never sleeps; the cost does
 * not depend on the number of devices.
 *
 * Return: enum p2pmap_verdict.
 */
u32 p2pmap_decide(struct p2pmap_pair *pair, const struct p2pmap_request *req,
		  u32 *reason, bool dry_run)
{
	u32 verdict = builtin_decide(&pair->facts, reason);

	rcu_read_lock();
	p2pmap_policy_decide(pair, req, &verdict, reason, dry_run);
	rcu_read_unlock();

	if (!dry_run) {
		atomic64_inc(&pair->stats.decisions[verdict]);
		atomic_set(&pair->stats.last_reason, *reason);
		atomic64_inc(&p2pmap_counters.decisions[verdict]);
	}
	return verdict;
}

/**
 * p2pmap_decide_no_pair() - the decision for a client that is not a PCI device
 * @client: the client
 * @reason: (out) enum p2pmap_reason
 *
 * P2P DMA needs both ends on PCI; anything else bounces.
 *
 * Return: P2PMAP_VERDICT_BOUNCE.
 */
u32 p2pmap_decide_no_pair(struct device *client, u32 *reason)
{
	*reason = P2PMAP_REASON_CLIENT_NOT_PCI;
	atomic64_inc(&p2pmap_counters.decisions[P2PMAP_VERDICT_BOUNCE]);
	return P2PMAP_VERDICT_BOUNCE;
}
