// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kfuncs p2pmap gives BPF programs: how a policy whose answers depend on data it can
 * change (a map of rules, a tunable) still gets them cached, exactly.
 *
 * A policy's ->decide() says for which request lengths its answer holds
 * (p2pmap_verdict_holds()); p2pmap keeps that answer per pair and input (vcache.h). Whatever
 * changes what the policy reads is written through a syscall program (BPF_PROG_RUN) that
 * calls p2pmap_policy_changed() once the change is made, so the next decision asks the
 * policy again. Maps written that way are best made BPF_F_RDONLY, so that a write from
 * user space (bpftool map update) is refused rather than missed: bpf/rules.bpf.c does both.
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>

#include "compat.h"
#include "internal.h"

__bpf_kfunc_start_defs();

/**
 * p2pmap_verdict_holds() - say for which lengths this decision's answer holds
 * @ctx: the context of the ->decide() call that is deciding
 * @min_len: the shortest request length the answer holds for
 * @max_len: the longest
 *
 * For a policy's ->decide() only. The policy promises that, for the same pair, built-in
 * verdict and reason, override state and direction, every request whose length lies in
 * [@min_len, @max_len] gets the same verdict, until it calls p2pmap_policy_changed(): that
 * it reads no other field of @ctx (total_len, nr_pages, the NUMA nodes, stats, explain) and
 * no changing helper (time, random, CPU) for it. p2pmap then reuses the verdict for such
 * requests as the active policy's answer, within the length's size class, without asking.
 * A range that does not hold @ctx->req.len is ignored; so is the call of a shadow policy or
 * of an EXPLAIN, whose answers are never cached. p2pmap cannot check the promise: a policy
 * that breaks it gets stale answers.
 */
__bpf_kfunc void p2pmap_verdict_holds(const struct p2pmap_policy_ctx *ctx, u64 min_len,
				      u64 max_len)
{
	/* The only context a policy gets is the one in a call's struct (policy.c). */
	struct p2pmap_policy_call *call = container_of((struct p2pmap_policy_ctx *)ctx,
						       struct p2pmap_policy_call, ctx);

	if (min_len > ctx->req.len || max_len < ctx->req.len)
		return;
	call->min_len = min_len;
	call->max_len = max_len;
	call->holds = true;
}

/**
 * p2pmap_policy_changed() - what the attached policies read has changed
 *
 * For syscall programs (BPF_PROG_RUN), after they changed a map or global a policy reads:
 * every answer cached for the active policy is forgotten, and the first decision that
 * starts after this returns asks the policy again, which reads the change.
 */
__bpf_kfunc void p2pmap_policy_changed(void)
{
	p2pmap_policy_retag();
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(decide_kfuncs)
BTF_ID_FLAGS(func, p2pmap_verdict_holds, KF_TRUSTED_ARGS)
BTF_KFUNCS_END(decide_kfuncs)

BTF_KFUNCS_START(syscall_kfuncs)
BTF_ID_FLAGS(func, p2pmap_policy_changed)
BTF_KFUNCS_END(syscall_kfuncs)

static const struct btf_kfunc_id_set decide_set = {
	.owner = THIS_MODULE,
	.set = &decide_kfuncs,
};

static const struct btf_kfunc_id_set syscall_set = {
	.owner = THIS_MODULE,
	.set = &syscall_kfuncs,
};

/**
 * p2pmap_kfunc_init() - give struct_ops programs p2pmap_verdict_holds(), and syscall
 *	programs p2pmap_policy_changed()
 *
 * Return: 0 or a negative errno.
 */
int p2pmap_kfunc_init(void)
{
	int ret = register_btf_kfunc_id_set(BPF_PROG_TYPE_STRUCT_OPS, &decide_set);

	return ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_SYSCALL, &syscall_set);
}
