/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * p2pmap.bpf.h - what a p2pmap policy needs, and nothing else.
 *
 * A policy is one BPF object: a decide() program, optionally init() and exit(), and a
 * P2PMAP_POLICY() definition that names them. The whole of a policy that bounces small
 * transfers:
 *
 *	#include "p2pmap.bpf.h"
 *
 *	u32 P2PMAP_OP(small_decide, const struct p2pmap_policy_ctx *d)
 *	{
 *		return d->req.len < 8192 ? BOUNCE : d->builtin_verdict;
 *	}
 *
 *	P2PMAP_POLICY(small, .decide = (void *)small_decide);
 *	char _license[] SEC("license") = "GPL";
 *
 * Load it with "bpftool struct_ops register small.bpf.o /sys/fs/bpf/p2pmap" and remove it with
 * "rm /sys/fs/bpf/p2pmap/small". The context is read-only; what each field means, when each op
 * is called and what the module enforces is documented in include/p2pmap_policy.h.
 *
 * The types come from vmlinux.h, generated from the kernel's BTF and p2pmap.ko's BTF (split
 * on the kernel's), so field offsets are relocated (CO-RE) against the running module.
 */
#ifndef __P2PMAP_BPF_H
#define __P2PMAP_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* Verdicts: what decide() returns. */
#define P2P	P2PMAP_VERDICT_P2P	/* peer to peer; where allowed (kernel or override) */
#define BOUNCE	P2PMAP_VERDICT_BOUNCE	/* through bounce buffers in system RAM */
#define REJECT	P2PMAP_VERDICT_REJECT	/* the whole mapping fails with -EPERM */

/*
 * P2PMAP_OP(name, args...) - define the program of one op, e.g.
 *	u32 P2PMAP_OP(my_decide, const struct p2pmap_policy_ctx *d)
 *	s32 P2PMAP_OP(my_init)
 *	void P2PMAP_OP(my_exit, const struct p2pmap_policy_exit_info *info)
 */
#define P2PMAP_OP(name, args...)	SEC("struct_ops/" #name) BPF_PROG(name, ##args)

/*
 * P2PMAP_POLICY(name, ops...) - define the policy @name (also its pin name under the
 * directory given to bpftool, and what /sys/kernel/p2pmap/policy shows). @ops are designated
 * initializers: .decide (required), .init, .exit, .flags.
 */
#define P2PMAP_POLICY(__name, ...)					\
	SEC(".struct_ops.link")						\
	struct p2pmap_policy_ops __name = {				\
		.name = #__name,					\
		__VA_ARGS__						\
	}

/*
 * True if P2P is allowed between the pair: the kernel's topology check allows it, or a
 * verified override is in force (the operator's probe passed on this boot).
 */
static __always_inline bool p2pmap_p2p_allowed(const struct p2pmap_policy_ctx *d)
{
	return d->path.kernel_verdict != P2PMAP_KV_NOT_SUPPORTED || d->override;
}

/* P2P where the kernel allows it, else BOUNCE: a P2P wish that never counts as an error. */
static __always_inline u32 p2pmap_p2p_if_allowed(const struct p2pmap_policy_ctx *d)
{
	return p2pmap_p2p_allowed(d) ? P2P : BOUNCE;
}

/* True if @dev is the PCI function domain:bus:slot.fn. */
static __always_inline bool p2pmap_dev_is(const struct p2pmap_policy_dev *dev, u32 domain,
					  u8 bus, u8 slot, u8 fn)
{
	return dev->domain == domain && dev->bus == bus && dev->devfn == (slot << 3 | fn);
}

/* True if @dev has this vendor and device ID. */
static __always_inline bool p2pmap_dev_id_is(const struct p2pmap_policy_dev *dev, u16 vendor,
					     u16 device)
{
	return dev->vendor == vendor && dev->device == device;
}

/*
 * The module's kfuncs (kernel/kfunc.c documents them). From decide(): the lengths for which
 * this answer holds, so that p2pmap caches it. From a syscall program that changed what
 * decide() reads: forget the cached answers.
 */
extern void p2pmap_verdict_holds(const struct p2pmap_policy_ctx *ctx, u64 min_len,
				 u64 max_len) __ksym;
extern void p2pmap_policy_changed(void) __ksym;

#endif /* __P2PMAP_BPF_H */
