// SPDX-License-Identifier: GPL-2.0-only
/*
 * The decision for one (mapping, provider): the single place where a policy plugs in.
 *
 * The built-in rule is the kernel's own answer: P2P where pci_p2pdma_distance() allows the
 * pair, or where a verified override is in force for it (override.c), and the client's DMA
 * mask reaches the provider's memory (reach.c); BOUNCE otherwise.
 * Unlike the kernel's dma_map_sg(), which fails the whole list with -EREMOTEIO, p2pmap then
 * bounces just the segments that cannot go peer to peer. An attached BPF policy (policy.c)
 * may then change the verdict, within the safety rules; a P2P verdict for memory the client
 * cannot address becomes BOUNCE whoever gave it.
 */
#include "../include/p2pmap_args.h"
#include "internal.h"
#include "trace.h"

static u32 builtin_decide(const struct p2pmap_pair *pair, bool override, bool reaches,
			  u32 *reason)
{
	const struct p2pmap_facts *f = &pair->facts;

	*reason = f->builtin_reason;
	if (f->kernel_verdict == P2PMAP_KV_NOT_SUPPORTED && !override)
		return P2PMAP_VERDICT_BOUNCE;
	if (!reaches) {
		*reason = P2PMAP_REASON_DMA_UNREACHABLE;
		return P2PMAP_VERDICT_BOUNCE;
	}
	return P2PMAP_VERDICT_P2P;
}

/**
 * p2pmap_decide() - decide how a client reaches one provider's pages in a mapping
 * @pair: the (provider, client) pair, with its cached facts
 * @req: the request: bytes and pages of this provider, direction
 * @reason: (out) enum p2pmap_reason
 * @shadow: NULL, or (out) what the shadow policy would have decided (verdict 0 when none is
 *	attached); it never changes the decision
 * @dry_run: true for EXPLAIN (the policies are told so)
 *
 * The built-in rule, then the attached policy if there is one, then the shadow policy if
 * asked and attached, with the same context. Never sleeps; the cost does not depend on the
 * number of devices. Counting is left to the caller (p2pmap_stats_account()
 * once the mapping is made or has failed); the decision is traced here.
 *
 * Return: enum p2pmap_verdict.
 */
u32 p2pmap_decide(struct p2pmap_pair *pair, const struct p2pmap_request *req,
		  u32 *reason, struct p2pmap_shadow_choice *shadow, bool dry_run)
{
	struct p2pmap_request r = *req;
	bool reaches;
	u32 verdict;
	const char *by, *sh_name = NULL;

	/* Once: an override added or deleted meanwhile must not split the decision. */
	r.override = p2pmap_override_on(pair);
	reaches = p2pmap_pair_reaches(pair, r.top, r.override);
	verdict = builtin_decide(pair, r.override, reaches, reason);
	if (shadow)
		*shadow = (struct p2pmap_shadow_choice){};
	rcu_read_lock();
	/* No policy in either slot: no test beyond the patched jump. */
	by = static_branch_unlikely(&p2pmap_policy_key) ?
	     p2pmap_policy_decide(pair, &r, &verdict, reason, shadow, &sh_name, dry_run) : NULL;
	if (verdict == P2PMAP_VERDICT_P2P && !reaches) {
		/*
		 * Not a policy error: the policy is told the built-in verdict (BOUNCE,
		 * dma-unreachable) but not the mask, and the safety rule is p2pmap's to keep.
		 * The decision is then the kernel's, and the trace says so.
		 */
		verdict = P2PMAP_VERDICT_BOUNCE;
		*reason = P2PMAP_REASON_DMA_UNREACHABLE;
		by = NULL;
	}
	/* The shadow's verdict as it would have been applied: the same rule. */
	if (shadow && shadow->verdict == P2PMAP_VERDICT_P2P && !reaches) {
		shadow->verdict = P2PMAP_VERDICT_BOUNCE;
		shadow->reason = P2PMAP_REASON_DMA_UNREACHABLE;
	}
	/* P2P on a pair the kernel refuses: only a verified override allows it, and says so. */
	if (pair->facts.kernel_verdict == P2PMAP_KV_NOT_SUPPORTED) {
		if (verdict == P2PMAP_VERDICT_P2P)
			*reason = P2PMAP_REASON_VERIFIED_OVERRIDE;
		if (shadow && shadow->verdict == P2PMAP_VERDICT_P2P)
			shadow->reason = P2PMAP_REASON_VERIFIED_OVERRIDE;
	}
	/* Tested first: the compiler otherwise computes the arguments on every decision. */
	if (trace_p2pmap_decision_enabled())
		trace_p2pmap_decision(pair->provider, pair->client, r.len, r.dir,
				      pair->facts.kernel_verdict, pair->facts.distance,
				      by ?: "builtin", verdict, *reason, sh_name ?: "",
				      shadow ? shadow->verdict : 0, dry_run);
	rcu_read_unlock();
	return verdict;
}
EXPORT_SYMBOL_NS_GPL(p2pmap_decide, P2PMAP_NS);	/* the test module's benchmarks only */

/**
 * p2pmap_ioc_explain() - P2PMAP_IOC_EXPLAIN: what a mapping of a pair would decide, and why
 * @uarg: struct p2pmap_explain
 *
 * A dry run of the decision (the policy's too, told so in its context); nothing is counted.
 *
 * Return: 0 or a negative errno (include/uapi/p2pmap.h).
 */
long p2pmap_ioc_explain(void __user *uarg)
{
	struct p2pmap_pci_addr *cb;
	struct p2pmap_explain arg;
	struct p2pmap_shadow_choice sh = {};
	struct p2pmap_request req;
	struct p2pmap_pair *pair;
	enum dma_data_direction dir;
	bool shadow;
	u32 argsz;
	int ret;

	ret = p2pmap_arg_in(&arg, sizeof(arg), sizeof(arg), uarg, &argsz);
	if (ret)
		return ret;
	if ((arg.flags & ~P2PMAP_EXPLAIN_SHADOW) || arg.reserved ||
	    p2pmap_dir_from_uapi(arg.dir, &dir))
		return -EINVAL;
	shadow = arg.flags & P2PMAP_EXPLAIN_SHADOW;

	pair = p2pmap_pair_lookup(&arg.provider, &arg.client);
	if (IS_ERR(pair))
		return PTR_ERR(pair);
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
	return p2pmap_arg_out(uarg, &arg, sizeof(arg), argsz);
}
