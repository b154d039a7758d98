/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * p2pmap's vocabulary: the one name of every verdict, kernel verdict, direction, reason,
 * policy event and size bucket of include/uapi/p2pmap.h, as people read it. Everything that
 * prints these values takes its names from here:
 *
 *  - kernel/trace.h: the tracepoints' __print_symbolic() tables;
 *  - user/p2ppolicy/fmt.c: p2ppolicy's tables and JSON, and the parser of --dir;
 *  - tests/guest/t_matrix.c: the kernel verdicts of the lab variants' .expect tables;
 *  - the bpftrace scripts in user/bpftrace: bpftrace cannot include C, so their name tables
 *    are generated from this file (user/bpftrace/names.sh; tests/host/t_names.sh checks that
 *    the checked-in scripts are current).
 *
 * Spelling: lower-case words joined by '-' ("bus-address", "no-common-bridge"); verdicts in
 * upper case ("P2P").
 *
 * Each list is an X-macro in the enum's order, as the EM()/EMe() lists of the kernel's trace
 * event headers: X(ENUM, "name") for every entry but the last, LAST(ENUM, "name") for the
 * last. Pass the same macro twice, unless the entries need a separator, as
 * __print_symbolic()'s tables do:
 *
 *	#define NAME_AT(sym, name) [sym] = name,
 *	static const char *const reason_names[] = { P2PMAP_REASON_NAMES(NAME_AT, NAME_AT) };
 */
#ifndef _UAPI_P2PMAP_NAMES_H
#define _UAPI_P2PMAP_NAMES_H

/* enum p2pmap_verdict */
#define P2PMAP_VERDICT_NAMES(X, LAST)					\
	X(P2PMAP_VERDICT_P2P, "P2P")					\
	X(P2PMAP_VERDICT_BOUNCE, "BOUNCE")				\
	LAST(P2PMAP_VERDICT_REJECT, "REJECT")

/* enum p2pmap_kernel_verdict */
#define P2PMAP_KV_NAMES(X, LAST)					\
	X(P2PMAP_KV_NOT_SUPPORTED, "refused")				\
	X(P2PMAP_KV_BUS_ADDR, "bus-address")				\
	LAST(P2PMAP_KV_HOST_BRIDGE, "host-bridge")

/* enum p2pmap_dir: seen from the client device */
#define P2PMAP_DIR_NAMES(X, LAST)					\
	X(P2PMAP_DIR_TO_DEVICE, "to")					\
	X(P2PMAP_DIR_FROM_DEVICE, "from")				\
	LAST(P2PMAP_DIR_BIDIRECTIONAL, "bidi")

/* enum p2pmap_reason */
#define P2PMAP_REASON_NAMES(X, LAST)					\
	X(P2PMAP_REASON_NONE, "none")					\
	X(P2PMAP_REASON_TOPOLOGY_P2P, "topology-p2p")			\
	X(P2PMAP_REASON_NO_COMMON_BRIDGE, "no-common-bridge")		\
	X(P2PMAP_REASON_ACS_REDIRECT, "acs-redirect")			\
	X(P2PMAP_REASON_CLIENT_NOT_PCI, "client-not-pci")		\
	X(P2PMAP_REASON_POLICY, "policy")				\
	X(P2PMAP_REASON_POLICY_DEMOTED, "policy-demoted")		\
	X(P2PMAP_REASON_POLICY_ERROR, "policy-error")			\
	X(P2PMAP_REASON_BOUNCE_CAP, "bounce-cap")			\
	X(P2PMAP_REASON_HOST_BRIDGE_P2P, "host-bridge-p2p")		\
	X(P2PMAP_REASON_DIFFERENT_HOST_BRIDGES, "different-host-bridges") \
	X(P2PMAP_REASON_DMA_UNREACHABLE, "dma-unreachable")		\
	LAST(P2PMAP_REASON_VERIFIED_OVERRIDE, "verified-override")

/* enum p2pmap_policy_exit_kind: the words policy_state and shadow_state start with */
#define P2PMAP_POLICY_EXIT_NAMES(X, LAST)				\
	X(P2PMAP_POLICY_EXIT_NONE, "none")				\
	X(P2PMAP_POLICY_EXIT_UNREG, "detached")				\
	X(P2PMAP_POLICY_EXIT_REPLACED, "replaced")			\
	X(P2PMAP_POLICY_EXIT_ERRORS, "auto-detached")			\
	LAST(P2PMAP_POLICY_EXIT_PROMOTED, "promoted")

/* enum p2pmap_policy_event */
#define P2PMAP_POLICY_EVENT_NAMES(X, LAST)				\
	X(P2PMAP_POLICY_EV_ATTACH, "attach")				\
	X(P2PMAP_POLICY_EV_REPLACE, "replace")				\
	X(P2PMAP_POLICY_EV_DETACH, "detach")				\
	X(P2PMAP_POLICY_EV_AUTO_DETACH, "auto-detach")			\
	X(P2PMAP_POLICY_EV_SHADOW_ATTACH, "shadow-attach")		\
	X(P2PMAP_POLICY_EV_SHADOW_REPLACE, "shadow-replace")		\
	X(P2PMAP_POLICY_EV_SHADOW_DETACH, "shadow-detach")		\
	X(P2PMAP_POLICY_EV_SHADOW_AUTO_DETACH, "shadow-auto-detach")	\
	LAST(P2PMAP_POLICY_EV_PROMOTE, "promote")

/* enum p2pmap_size_bucket: the shadow statistics' request sizes */
#define P2PMAP_SIZE_BUCKET_NAMES(X, LAST)				\
	X(P2PMAP_SIZE_SMALL, "<64K")					\
	X(P2PMAP_SIZE_MEDIUM, "64K-1M")					\
	LAST(P2PMAP_SIZE_LARGE, ">=1M")

/* enum p2pmap_probe_result: what a probe of a pair found */
#define P2PMAP_PROBE_RESULT_NAMES(X, LAST)				\
	X(P2PMAP_PROBE_PASS, "pass")					\
	X(P2PMAP_PROBE_ALL_ONES, "all-ones")				\
	X(P2PMAP_PROBE_ZEROS, "zeros")					\
	X(P2PMAP_PROBE_NOT_WRITTEN, "not-written")			\
	X(P2PMAP_PROBE_CORRUPT, "corrupt")				\
	X(P2PMAP_PROBE_DMA_ERROR, "dma-error")				\
	LAST(P2PMAP_PROBE_AER_ERROR, "aer-error")

/* enum p2pmap_probe_dir: seen from the client */
#define P2PMAP_PROBE_DIR_NAMES(X, LAST)					\
	X(P2PMAP_PROBE_READ, "read")					\
	LAST(P2PMAP_PROBE_WRITE, "write")

#endif /* _UAPI_P2PMAP_NAMES_H */
