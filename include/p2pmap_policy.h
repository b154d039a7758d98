/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * p2pmap policy interface: what a BPF policy implements and what it sees.
 *
 * A policy is a BPF struct_ops map of type struct p2pmap_policy_ops. Register it with
 *
 *	bpftool struct_ops register <policy>.bpf.o /sys/fs/bpf/p2pmap
 *
 * and remove it by removing its pin (or closing its last link). At most one policy is attached
 * at a time; with none, p2pmap uses its built-in rule (P2P where the kernel's topology check
 * allows it, bounce otherwise). Beside it, one shadow policy can run (P2PMAP_POLICY_SHADOW
 * in @flags, set by the loader): asked for every real decision, never obeyed, compared per
 * pair; the active link's update with the shadow's own map promotes it.
 *
 * BPF programs get these types from the module's BTF (/sys/kernel/btf/p2pmap), not from this
 * file. Every struct passed to a policy is read-only: the verifier refuses writes.
 *
 * The module enforces, whatever the policy does:
 *  - P2P is granted only where the kernel's topology check allows it, or where a verified
 *    override is in force for the pair (@override in the context); a P2P verdict on a
 *    refused pair bounces (reason P2PMAP_REASON_POLICY_DEMOTED) and counts a policy error;
 *  - a verdict that is not P2P, BOUNCE or REJECT gives the built-in decision
 *    (P2PMAP_REASON_POLICY_ERROR) and counts a policy error;
 *  - after max_policy_errors errors (module parameter) the policy is detached, ->exit() is
 *    called with P2PMAP_POLICY_EXIT_ERRORS and /sys/kernel/p2pmap/policy_state says why.
 *
 * A policy the module refuses (flags, name, no ->decide(), a sleepable program, ->init()
 * failing, another policy attached) is refused with the reason in the kernel log and in
 * /sys/kernel/p2pmap/last_error, where its loader reads it. docs/policies.md has the rules.
 */
#ifndef _P2PMAP_POLICY_H
#define _P2PMAP_POLICY_H

#include <linux/types.h>

#include "uapi/p2pmap.h"

/**
 * struct p2pmap_policy_dev - one end of a (provider, client) pair
 * @domain: PCI domain (segment); can exceed 0xffff
 * @bus: bus number
 * @devfn: device << 3 | function
 * @vendor: PCI vendor ID
 * @device: PCI device ID
 * @class: 24-bit class code (base class << 16 | sub class << 8 | prog-if)
 * @numa_node: NUMA node of the device, -1 when unknown
 */
struct p2pmap_policy_dev {
	u32 domain;
	u8 bus;
	u8 devfn;
	u16 vendor;
	u16 device;
	u32 class;
	s32 numa_node;
};

/**
 * struct p2pmap_policy_path - what the kernel knows about the path between the pair
 * @kernel_verdict: the PCI core's answer (pci_p2pdma_distance())
 * @distance: pci_p2pdma_distance(), -1 when the kernel refuses the pair
 * @hops_provider: bridges from the provider up to the common bridge (or to the root)
 * @hops_client: the same from the client
 * @has_common_bridge: 1 if the pair shares an upstream bridge, 0 if only the host bridge
 * @acs_redirect: bridges with ACS redirect on the path
 * @link_speed_mbps: slowest link on the path, Mb/s per lane, 0 if unknown
 * @link_width: narrowest link on the path, 0 if unknown
 */
struct p2pmap_policy_path {
	enum p2pmap_kernel_verdict kernel_verdict;
	s32 distance;
	u32 hops_provider;
	u32 hops_client;
	u32 has_common_bridge;
	u32 acs_redirect;
	u32 link_speed_mbps;
	u32 link_width;
};

/**
 * struct p2pmap_policy_request - what the mapping asks of this provider
 * @len: bytes of this provider's memory in the mapping
 * @total_len: length of the whole mapping (RAM and other providers included)
 * @nr_pages: pages of this provider's memory in the mapping
 * @dir: direction, seen from the client
 */
struct p2pmap_policy_request {
	u64 len;
	u64 total_len;
	u32 nr_pages;
	enum p2pmap_dir dir;
};

/**
 * struct p2pmap_policy_stats - running statistics of the pair, before this decision
 * @p2p: decisions that went peer to peer
 * @bounce: decisions that bounced
 * @reject: decisions that rejected the mapping
 * @bytes_p2p: bytes mapped peer to peer
 * @bytes_bounce: bytes mapped through bounce buffers
 * @errors: policy errors and failed mappings
 *
 * Counted since the pair was first seen (or its statistics were reset through
 * P2PMAP_IOC_STATS), whichever policy decided; EXPLAIN is not counted. A recent value, not
 * an exact one: summed over the CPUs at most one scheduler tick before the decision, so
 * mappings deciding within the same tick see the same values (P2PMAP_IOC_STATS is exact).
 */
struct p2pmap_policy_stats {
	u64 p2p;
	u64 bounce;
	u64 reject;
	u64 bytes_p2p;
	u64 bytes_bounce;
	u64 errors;
};

/**
 * struct p2pmap_policy_ctx - the read-only context of p2pmap_policy_ops.decide()
 * @provider: the device whose P2P memory is in the mapping
 * @client: the device that will do the DMA
 * @path: the kernel's topology facts for the pair
 * @req: the request
 * @stats: the pair's statistics
 * @builtin_verdict: what p2pmap decides with no policy
 * @builtin_reason: the reason it would give (enum p2pmap_reason)
 * @explain: 1 for a dry run (P2PMAP_IOC_EXPLAIN): nothing is mapped and nothing counted
 * @override: 1 when a verified override is in force for a pair the kernel refuses
 *	(P2PMAP_IOC_VERIFY passed and the operator enabled it): P2P is then allowed, the
 *	built-in verdict is P2P, and a P2P verdict's reason is P2PMAP_REASON_VERIFIED_OVERRIDE.
 *	Added after @explain: a policy built against an older module does not read it
 */
struct p2pmap_policy_ctx {
	struct p2pmap_policy_dev provider;
	struct p2pmap_policy_dev client;
	struct p2pmap_policy_path path;
	struct p2pmap_policy_request req;
	struct p2pmap_policy_stats stats;
	enum p2pmap_verdict builtin_verdict;
	enum p2pmap_reason builtin_reason;
	u32 explain;
	u32 override;
};

/**
 * struct p2pmap_policy_exit_info - passed to p2pmap_policy_ops.exit()
 * @kind: why the policy stopped being used
 * @errors: policy errors it made while attached
 * @decisions: decisions it made while attached
 */
struct p2pmap_policy_exit_info {
	enum p2pmap_policy_exit_kind kind;
	u64 errors;
	u64 decisions;
};

/**
 * struct p2pmap_policy_ops - a p2pmap policy (BPF struct_ops)
 *
 * Every op is a non-sleepable BPF program; sleepable ones are refused.
 */
struct p2pmap_policy_ops {
	/**
	 * @decide: choose how a client reaches one provider's memory in a mapping
	 * @ctx: the pair, the path, the request and the pair's statistics (read-only)
	 *
	 * Called once per (mapping, provider) when a mapping is made, and on dry runs
	 * (P2PMAP_IOC_EXPLAIN, with @ctx->explain set), under rcu_read_lock() in whatever
	 * context the client driver maps from: it must not sleep, and it is never called for
	 * clients that are not PCI devices (those always bounce). With
	 * %P2PMAP_POLICY_SUPPORTED_ONLY it is only called for pairs the kernel allows P2P for
	 * (or that have a verified override in force). A %P2PMAP_POLICY_PURE active policy
	 * is asked once per pair and input instead: its answer is reused (include/uapi). So
	 * is one whose answer it said holds for a range of lengths, with the kfunc
	 * p2pmap_verdict_holds(), until a syscall program calls p2pmap_policy_changed()
	 * (kernel/kfunc.c).
	 * As the shadow policy (%P2PMAP_POLICY_SHADOW) it is called after the active policy,
	 * with the same @ctx, for every real decision (on EXPLAIN only when asked); its verdict
	 * is compared, never used.
	 *
	 * Return: %P2PMAP_VERDICT_P2P, %P2PMAP_VERDICT_BOUNCE, or %P2PMAP_VERDICT_REJECT (the
	 * whole mapping fails with -EPERM). Anything else is a policy error and the built-in
	 * decision is used. P2P on a pair the kernel refuses is a policy error and bounces,
	 * unless a verified override is in force for it (@ctx->override).
	 *
	 * Required.
	 */
	u32 (*decide)(const struct p2pmap_policy_ctx *ctx);

	/**
	 * @init: set the policy up, when it is attached
	 *
	 * Called once, before the first ->decide(), when the policy is registered or takes
	 * another's place through the link's update. On a replace it runs while the old policy
	 * still decides, before the old one's ->exit(). A non-zero return refuses the attach
	 * with that errno (e.g. -EINVAL), recorded in last_error, and the previous state stays:
	 * a policy being replaced is not disturbed. Optional.
	 *
	 * Return: 0 or a negative errno.
	 */
	s32 (*init)(void);

	/**
	 * @exit: the policy is no longer used
	 * @info: why, and what it did
	 *
	 * Called once after the last ->decide() has returned, if ->init() succeeded (or there
	 * is none). On a replace it runs after the new policy's ->init() and the swap. Optional.
	 */
	void (*exit)(const struct p2pmap_policy_exit_info *info);

	/**
	 * @flags: %P2PMAP_POLICY_* flags; unknown bits are refused. %P2PMAP_POLICY_SHADOW
	 * attaches the policy as the shadow, beside the active one
	 */
	u32 flags;

	/**
	 * @name: the policy's name, shown in /sys/kernel/p2pmap/policy. Required: 1 to 31
	 * characters from [A-Za-z0-9_.-].
	 */
	char name[P2PMAP_POLICY_NAME_LEN];
};

#endif /* _P2PMAP_POLICY_H */
