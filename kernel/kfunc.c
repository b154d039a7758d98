// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kfuncs p2pmap gives BPF programs: how a policy whose answers depend on data it can
 * change (a map of rules, a tunable) still gets them cached, exactly.
 *
 * A policy's ->decide() says for which request lengths its answer holds
 * (p2pmap_verdict_holds()); p2pmap keeps that answer per pair and input (vcache.h). Whatever
 * changes what the policy reads is written through a syscall program (BPF_PROG_RUN) that
 * calls p2pmap_policy_changed() once the change is made, so the next decision asks the
 * policy again. What it writes is best kept in a map frozen with BPF_MAP_FREEZE before the
 * policy attaches, so that a write from user space (bpftool map update) is refused rather
 * than missed: bpf/rules.bpf.c writes that way, and p2ppolicy freezes its map.
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
 * For a policy's ->decide() only (the verifier refuses it elsewhere), with the context it
 * was given. The policy promises that, for the same pair, built-in
 * verdict and reason, override state and direction, every request whose length lies in
 * [@min_len, @max_len] gets the same verdict, until it calls p2pmap_policy_changed(): that
 * it reads no other field of @ctx (total_len, nr_pages, the NUMA nodes, stats, explain) and
 * no changing helper (time, random, CPU) for it. p2pmap then reuses the verdict for such
 * requests as the active policy's answer, within the length's size class, without asking.
 * A range that does not hold @ctx->req.len is ignored, and so is any other context than
 * the one of the call in progress (a copy of it); of several calls, the last one whose range
 * holds the length counts.
 * The answers of a shadow policy and of an EXPLAIN are never cached. p2pmap cannot check
 * the promise: a policy that breaks it gets stale answers.
 */
__bpf_kfunc void p2pmap_verdict_holds(const struct p2pmap_policy_ctx *ctx, u64 min_len,
				      u64 max_len)
{
	/* Set by policy_ask() around ->decide(), under the CPU's local lock (policy.c). */
	struct p2pmap_policy_call *call = this_cpu_read(p2pmap_policy_call_cur.call);

	if (!call || ctx != &call->ctx || min_len > ctx->req.len || max_len < ctx->req.len)
		return;
	call->range = (struct p2pmap_verdict_range){ true, min_len, max_len };
}

/**
 * p2pmap_policy_changed() - what the attached policies read has changed
 *
 * For syscall programs (BPF_PROG_RUN), after they changed a map or global a policy reads:
 * every cached answer is forgotten, whichever policy gave it, and the first decision that
 * starts after this returns asks the policy again, which reads the change.
 */
__bpf_kfunc void p2pmap_policy_changed(void)
{
	p2pmap_policy_data_changed();
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(decide_kfuncs)
BTF_ID_FLAGS(func, p2pmap_verdict_holds, KF_TRUSTED_ARGS)
BTF_KFUNCS_END(decide_kfuncs)

BTF_KFUNCS_START(syscall_kfuncs)
BTF_ID_FLAGS(func, p2pmap_policy_changed)
BTF_KFUNCS_END(syscall_kfuncs)

/*
 * p2pmap_verdict_holds() is for policies' ->decide() alone. The filter sees only this
 * module's kfuncs for struct_ops programs, that is decide_kfuncs; it cannot look the id up
 * there itself, as the kernel may have relocated the set's ids (split BTF). The verifier
 * asks once before it knows which member a program implements (allowed here) and again as
 * it checks the call, which is where a program of another member is refused.
 */
static int decide_filter(const struct bpf_prog *prog, u32 kfunc_id)
{
	if (!prog->aux->attach_func_name)
		return 0;
	return p2pmap_policy_prog_decides(prog) ? 0 : -EACCES;
}

static const struct btf_kfunc_id_set decide_set = {
	.owner = THIS_MODULE,
	.set = &decide_kfuncs,
	.filter = decide_filter,
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
