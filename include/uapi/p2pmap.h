/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * p2pmap UAPI: the ABI of /dev/p2pmap and the enums shared by the kernel module, BPF policies
 * and userspace tools.
 *
 * Conventions for every ioctl argument struct:
 *
 *  - It starts with @argsz (the size userspace passes: sizeof(the struct)) and @flags. A later
 *    version may grow a struct at its end: the kernel then accepts the sizes of every earlier
 *    version, and larger structs whose extra tail is all zero (otherwise -E2BIG). @argsz
 *    below the struct's size in this header (its first version) is -EINVAL; above
 *    P2PMAP_ARGSZ_MAX it is -E2BIG, and the kernel does not read past that size.
 *  - Unknown @flags bits and non-zero reserved fields are -EINVAL.
 *  - Devices are named by PCI address (struct p2pmap_pci_addr).
 *
 * errno values common to every ioctl:
 *   EFAULT  the argument (or a buffer it points to) is not readable/writable
 *   EINVAL  bad argsz, unknown flag, non-zero reserved field, bad enum value
 *   E2BIG   argsz larger than the kernel knows and the extra bytes are not zero, or
 *           argsz larger than P2PMAP_ARGSZ_MAX
 *   ENOTTY  unknown ioctl
 */
#ifndef _UAPI_P2PMAP_H
#define _UAPI_P2PMAP_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define P2PMAP_IOC_MAGIC	0xB9

/* The largest @argsz any ioctl accepts (E2BIG above it); every argument is far smaller. */
#define P2PMAP_ARGSZ_MAX	4096

/**
 * enum p2pmap_dir - direction of a mapping, seen from the client device
 * @P2PMAP_DIR_TO_DEVICE: the device reads the buffer
 * @P2PMAP_DIR_FROM_DEVICE: the device writes the buffer
 * @P2PMAP_DIR_BIDIRECTIONAL: both
 */
enum p2pmap_dir {
	P2PMAP_DIR_TO_DEVICE		= 1,
	P2PMAP_DIR_FROM_DEVICE		= 2,
	P2PMAP_DIR_BIDIRECTIONAL	= 3,
};

/**
 * enum p2pmap_verdict - how the P2P pages of one provider reach the client
 * @P2PMAP_VERDICT_P2P: directly, peer to peer (PCI bus address or through the host bridge)
 * @P2PMAP_VERDICT_BOUNCE: through bounce buffers in system RAM, copied by the CPU
 * @P2PMAP_VERDICT_REJECT: not at all: the whole mapping fails with -EPERM
 *
 * Zero is deliberately not a verdict, so an uninitialised value is caught.
 */
enum p2pmap_verdict {
	P2PMAP_VERDICT_P2P		= 1,
	P2PMAP_VERDICT_BOUNCE		= 2,
	P2PMAP_VERDICT_REJECT		= 3,
};

/**
 * enum p2pmap_kernel_verdict - what the PCI core says about a (provider, client) pair
 * @P2PMAP_KV_NOT_SUPPORTED: pci_p2pdma_distance() refuses the pair
 * @P2PMAP_KV_BUS_ADDR: common upstream switch, no ACS redirect: PCI bus addresses
 * @P2PMAP_KV_HOST_BRIDGE: through a whitelisted host bridge (CPU physical addresses)
 */
enum p2pmap_kernel_verdict {
	P2PMAP_KV_NOT_SUPPORTED		= 1,
	P2PMAP_KV_BUS_ADDR		= 2,
	P2PMAP_KV_HOST_BRIDGE		= 3,
};

/**
 * enum p2pmap_reason - why a decision came out the way it did
 * @P2PMAP_REASON_NONE: no P2P memory involved (RAM segment)
 * @P2PMAP_REASON_TOPOLOGY_P2P: built-in rule: the kernel's topology check allows P2P, through
 *	a common upstream switch (PCI bus addresses)
 * @P2PMAP_REASON_NO_COMMON_BRIDGE: built-in rule: no common upstream bridge and the host
 *	bridge is not whitelisted
 * @P2PMAP_REASON_ACS_REDIRECT: built-in rule: ACS redirect on the path sends traffic to a
 *	host bridge that is not whitelisted
 * @P2PMAP_REASON_CLIENT_NOT_PCI: the client is not a PCI device
 * @P2PMAP_REASON_POLICY: the attached policy chose this verdict
 * @P2PMAP_REASON_POLICY_DEMOTED: the policy chose P2P where the kernel refuses it; bounced
 * @P2PMAP_REASON_POLICY_ERROR: the policy returned an invalid verdict; built-in rule used
 * @P2PMAP_REASON_BOUNCE_CAP: bounce would exceed the bounce pool cap (the mapping fails
 *	with EBUSY); the pair's statistics show it as the last reason of that failed mapping
 * @P2PMAP_REASON_HOST_BRIDGE_P2P: built-in rule: the kernel allows P2P through a whitelisted
 *	host bridge (CPU physical addresses)
 * @P2PMAP_REASON_DIFFERENT_HOST_BRIDGES: built-in rule: the devices are below different host
 *	bridges, which the kernel never allows
 * @P2PMAP_REASON_DMA_UNREACHABLE: the client's DMA mask does not reach the provider's P2P
 *	memory (or, for a RAM segment, the RAM): bounced through pages the client reaches. Also
 *	applied to a policy's P2P verdict, which is not counted as a policy error
 * @P2PMAP_REASON_VERIFIED_OVERRIDE: P2P on a pair the kernel refuses, allowed by a verified
 *	override (P2PMAP_IOC_VERIFY passed on this boot for these devices, and the operator
 *	enabled it); p2pmap maps the provider's memory with dma_map_resource(). Given to every
 *	P2P verdict on such a pair, the built-in rule's or a policy's
 * @__P2PMAP_REASON_MAX: one past the last reason
 */
enum p2pmap_reason {
	P2PMAP_REASON_NONE		= 0,
	P2PMAP_REASON_TOPOLOGY_P2P	= 1,
	P2PMAP_REASON_NO_COMMON_BRIDGE	= 2,
	P2PMAP_REASON_ACS_REDIRECT	= 3,
	P2PMAP_REASON_CLIENT_NOT_PCI	= 4,
	P2PMAP_REASON_POLICY		= 5,
	P2PMAP_REASON_POLICY_DEMOTED	= 6,
	P2PMAP_REASON_POLICY_ERROR	= 7,
	P2PMAP_REASON_BOUNCE_CAP	= 8,
	P2PMAP_REASON_HOST_BRIDGE_P2P	= 9,
	P2PMAP_REASON_DIFFERENT_HOST_BRIDGES = 10,
	P2PMAP_REASON_DMA_UNREACHABLE	= 11,
	P2PMAP_REASON_VERIFIED_OVERRIDE	= 12,
	__P2PMAP_REASON_MAX,
};

/* Room for reasons in struct p2pmap_pair_stat: reasons added later fit without a new layout. */
#define P2PMAP_STAT_REASONS	16

#define P2PMAP_POLICY_NAME_LEN	32	/* struct p2pmap_policy_ops.name, NUL included */

/**
 * enum p2pmap_policy_flags - flags of struct p2pmap_policy_ops
 * @P2PMAP_POLICY_SUPPORTED_ONLY: call ->decide() only for pairs the kernel allows P2P for;
 *	pairs it refuses bounce without asking the policy (they cannot go P2P anyway)
 * @P2PMAP_POLICY_SHADOW: attach as the shadow policy, beside the active one: its ->decide()
 *	runs after the active policy's for every real decision, with the same context, and
 *	its verdict is only compared (per-pair agreement statistics), never used. Set by the
 *	loader before it registers the map; the slot is chosen when the map is registered
 *	(the link's update keeps the link's slot). The active link's update with the shadow's
 *	own map promotes it (see docs/policies.md)
 * @P2PMAP_POLICY_PURE: ->decide() depends on nothing but the pair's fixed facts (devices and
 *	path), the built-in verdict and reason, the override state, the direction and the
 *	request's size class (enum p2pmap_size_bucket), and on data that cannot change while it
 *	is attached (.rodata: const volatile globals, set before load). As the active policy
 *	its answer per pair and such input is cached and reused until it is replaced,
 *	detached, promoted over or ejected; it is not asked again. Of the context it reads
 *	only the devices' identities and path, builtin_verdict, builtin_reason, override,
 *	req.dir and the size class of req.len: not req.total_len, req.nr_pages, the NUMA nodes,
 *	stats or explain; and it calls no helper whose answer changes (time, random, CPU).
 *	p2pmap cannot check this: a policy that breaks it gets stale answers
 * @P2PMAP_POLICY_ALL_FLAGS: every flag this module knows; others are refused
 */
enum p2pmap_policy_flags {
	P2PMAP_POLICY_SUPPORTED_ONLY	= 1U << 0,
	P2PMAP_POLICY_SHADOW		= 1U << 1,
	P2PMAP_POLICY_PURE		= 1U << 2,
	P2PMAP_POLICY_ALL_FLAGS		= P2PMAP_POLICY_SUPPORTED_ONLY | P2PMAP_POLICY_SHADOW |
					  P2PMAP_POLICY_PURE,
};

/**
 * enum p2pmap_policy_exit_kind - why a policy stopped being used
 * @P2PMAP_POLICY_EXIT_NONE: none did (sysfs: the slot's policy is attached, or none ever left)
 * @P2PMAP_POLICY_EXIT_UNREG: its link or map was released (e.g. the pin was removed)
 * @P2PMAP_POLICY_EXIT_REPLACED: another policy took its place through the link's update
 * @P2PMAP_POLICY_EXIT_ERRORS: it made max_policy_errors errors and was detached
 * @P2PMAP_POLICY_EXIT_PROMOTED: (the shadow slot's, in sysfs only) it left the shadow slot
 *	to become the active policy; its exit() is not called, it goes on deciding
 *
 * A slot's latest exit is in /sys/kernel/p2pmap/policy_exit and shadow_exit, by name
 * (P2PMAP_POLICY_EXIT_NAMES); policy_state and shadow_state say it in words.
 */
enum p2pmap_policy_exit_kind {
	P2PMAP_POLICY_EXIT_NONE		= 0,
	P2PMAP_POLICY_EXIT_UNREG	= 1,
	P2PMAP_POLICY_EXIT_REPLACED	= 2,
	P2PMAP_POLICY_EXIT_ERRORS	= 3,
	P2PMAP_POLICY_EXIT_PROMOTED	= 4,
};

/**
 * enum p2pmap_policy_event - what happened to a policy (tracepoint p2pmap:p2pmap_policy)
 * @P2PMAP_POLICY_EV_ATTACH: a policy was attached
 * @P2PMAP_POLICY_EV_REPLACE: a policy took another's place through its link's update
 * @P2PMAP_POLICY_EV_DETACH: a policy was detached (its link or map released)
 * @P2PMAP_POLICY_EV_AUTO_DETACH: a policy was detached for making max_policy_errors errors
 * @P2PMAP_POLICY_EV_SHADOW_ATTACH: a shadow policy was attached
 * @P2PMAP_POLICY_EV_SHADOW_REPLACE: a shadow policy took another's place (its link's update)
 * @P2PMAP_POLICY_EV_SHADOW_DETACH: a shadow policy was detached (its link or map released)
 * @P2PMAP_POLICY_EV_SHADOW_AUTO_DETACH: a shadow policy was detached for making
 *	max_policy_errors errors; the active policy is not touched
 * @P2PMAP_POLICY_EV_PROMOTE: the shadow policy became the active one (the active link's
 *	update with the shadow's map); the shadow slot is empty after it
 */
enum p2pmap_policy_event {
	P2PMAP_POLICY_EV_ATTACH		= 1,
	P2PMAP_POLICY_EV_REPLACE	= 2,
	P2PMAP_POLICY_EV_DETACH		= 3,
	P2PMAP_POLICY_EV_AUTO_DETACH	= 4,
	P2PMAP_POLICY_EV_SHADOW_ATTACH	= 5,
	P2PMAP_POLICY_EV_SHADOW_REPLACE	= 6,
	P2PMAP_POLICY_EV_SHADOW_DETACH	= 7,
	P2PMAP_POLICY_EV_SHADOW_AUTO_DETACH = 8,
	P2PMAP_POLICY_EV_PROMOTE	= 9,
};

/**
 * enum p2pmap_size_bucket - request sizes in the shadow statistics (bytes of one provider's
 *	memory in one mapping)
 * @P2PMAP_SIZE_SMALL: below 64 KiB
 * @P2PMAP_SIZE_MEDIUM: 64 KiB to below 1 MiB
 * @P2PMAP_SIZE_LARGE: 1 MiB and more
 * @P2PMAP_NR_SIZE_BUCKETS: number of buckets
 */
enum p2pmap_size_bucket {
	P2PMAP_SIZE_SMALL		= 0,
	P2PMAP_SIZE_MEDIUM		= 1,
	P2PMAP_SIZE_LARGE		= 2,
	P2PMAP_NR_SIZE_BUCKETS		= 3,
};

#define P2PMAP_SIZE_MEDIUM_MIN		(64ULL << 10)
#define P2PMAP_SIZE_LARGE_MIN		(1ULL << 20)

/**
 * enum p2pmap_seg_kind - what backs one segment of a mapping
 * @P2PMAP_SEG_RAM: ordinary system RAM, mapped as is
 * @P2PMAP_SEG_P2P: P2P memory of a provider, mapped directly
 * @P2PMAP_SEG_BOUNCE: P2P memory of a provider, or RAM the client's DMA mask does not reach,
 *	replaced by bounce pages in RAM
 */
enum p2pmap_seg_kind {
	P2PMAP_SEG_RAM			= 1,
	P2PMAP_SEG_P2P			= 2,
	P2PMAP_SEG_BOUNCE		= 3,
};

/**
 * struct p2pmap_pci_addr - a PCI function
 * @domain: PCI domain (segment); can exceed 0xffff (e.g. VMD)
 * @bus: bus number
 * @devfn: device << 3 | function
 * @reserved: must be zero
 */
struct p2pmap_pci_addr {
	__u32 domain;
	__u8  bus;
	__u8  devfn;
	__u16 reserved;
};

/**
 * struct p2pmap_map - P2PMAP_IOC_MAP: pin and DMA-map a user buffer for a client
 * @argsz: sizeof(struct p2pmap_map)
 * @flags: 0 or P2PMAP_MAP_DEVICE_WRITES (with P2PMAP_DIR_FROM_DEVICE only, else EINVAL)
 * @client: the PCI device that will do the DMA
 * @dir: enum p2pmap_dir
 * @reserved: must be zero
 * @addr: user virtual address of the buffer (any alignment)
 * @len: length in bytes, 1 .. the module parameter max_map_bytes
 * @handle: (out) handle of the mapping, valid for this open file only
 * @nr_segments: (out) number of segments (runs of RAM, P2P or bounced pages)
 * @bytes_ram: (out) bytes of system RAM mapped as is
 * @bytes_p2p: (out) bytes of P2P memory mapped directly
 * @bytes_bounce: (out) bytes of P2P memory replaced by bounce buffers
 * @reserved2: zero
 *
 * Needs CAP_SYS_ADMIN. The client's driver must have registered it with p2pmap
 * (p2pmap_client_register(), as samples/p2pmap_edu does): the DMA mappings of a device belong to
 * its driver, which takes them down when it lets go of the device. Errors: EACCES (no driver
 * registered the client), ENODEV (no such PCI device, or it or a provider of the buffer is being
 * removed, or its driver unregistered it meanwhile), EPERM (no CAP_SYS_ADMIN, or a policy rejected
 * a provider), EFAULT (the range is not mapped / not writable for FROM_DEVICE), ENOMEM or EBUSY
 * (bounce pool cap reached), EMFILE (too many mappings on this file), EINVAL (len 0, len >
 * max_map_bytes, address range wraps), EADDRINUSE (see below), EOPNOTSUPP (memory to bounce
 * for a client whose DMA segment size or boundary is under a page: a bounce chunk is a page).
 * A failed MAP leaves nothing behind.
 *
 * Overlapping mappings: a device-writable mapping (FROM_DEVICE or BIDIRECTIONAL) may not
 * share a cache line of memory (64 bytes, or the platform's DMA alignment if larger) with
 * another live device-writable mapping of /dev/p2pmap or a registration, on any file or
 * client, nor with a driver's own one that p2pmap bounces: it fails with EADDRINUSE (a
 * driver's other one-I/O mappings follow the DMA API's contract instead, include/p2pmap.h). On a
 * non-coherent platform the CPU cache maintenance of one would destroy what the device wrote
 * through the other, and two bounced mappings of one buffer would both copy back into it.
 * TO_DEVICE mappings may overlap anything. Map the buffer once, or in parts that do not share
 * a cache line.
 *
 * P2PMAP_MAP_DEVICE_WRITES: the device writes the buffer from its start, and the CPU does not
 * copy the bounced P2P memory into the bounce pages at map time (the bounce pages start
 * zeroed): on real hardware that copy is a slow read of device memory. UNMAP and SYNC
 * (P2PMAP_SYNC_FOR_CPU) then copy back the whole buffer, or with P2PMAP_HANDLE_WRITTEN only
 * its first @written bytes (struct p2pmap_handle_arg). Without the flag, every bounced byte is
 * copied in first, so a partial device write leaves the bytes it did not write as they were.
 * The same flag, with the same value, is p2pmap_map_user()'s (include/p2pmap.h).
 */
struct p2pmap_map {
	__u32 argsz;
	__u32 flags;
	struct p2pmap_pci_addr client;
	__u32 dir;
	__u32 reserved;
	__u64 addr;
	__u64 len;
	__u64 handle;
	__u32 nr_segments;
	__u32 reserved2;
	__u64 bytes_ram;
	__u64 bytes_p2p;
	__u64 bytes_bounce;
};

#define P2PMAP_MAP_DEVICE_WRITES	(1U << 0)	/* the device writes it: no copy in */

/**
 * struct p2pmap_handle_arg - P2PMAP_IOC_UNMAP and P2PMAP_IOC_SYNC
 * @argsz: sizeof(struct p2pmap_handle_arg)
 * @flags: UNMAP: 0 or P2PMAP_HANDLE_WRITTEN. SYNC: exactly one of P2PMAP_SYNC_FOR_CPU,
 *	P2PMAP_SYNC_FOR_DEVICE; P2PMAP_HANDLE_WRITTEN may come with P2PMAP_SYNC_FOR_CPU
 * @handle: a handle returned by MAP on this open file
 * @written: with P2PMAP_HANDLE_WRITTEN: the device wrote the first @written bytes of the
 *	buffer and nothing after them; only those are copied back from bounce pages
 *	(p2pmap_unmap_written())
 *
 * Errors: ENOENT (no such handle on this file, e.g. already unmapped), ENODEV (the client's
 * driver unregistered it, e.g. on unbind or removal, and p2pmap took the mapping down: data
 * of a bounced FROM_DEVICE/BIDIRECTIONAL mapping was copied back then; SYNC fails, UNMAP
 * releases the handle and still returns ENODEV; or part of a bounced buffer is P2P memory
 * whose provider is being unbound or is gone, and the device's bytes for it were dropped
 * by the copy back, the rest delivered: the I/O failed, and UNMAP released the handle).
 */
struct p2pmap_handle_arg {
	__u32 argsz;
	__u32 flags;
	__u64 handle;
	__u64 written;
};

#define P2PMAP_SYNC_FOR_CPU	(1U << 0)	/* device writes become visible to the CPU */
#define P2PMAP_SYNC_FOR_DEVICE	(1U << 1)	/* CPU writes become visible to the device */
#define P2PMAP_HANDLE_WRITTEN	(1U << 2)	/* copy back only @written bytes */

/**
 * struct p2pmap_segment - one segment of a mapping, as reported by P2PMAP_IOC_SEGMENTS
 * @offset: byte offset of the segment in the buffer
 * @len: length in bytes
 * @dma_addr: DMA address of the segment's first byte, as the client sees it
 * @kind: enum p2pmap_seg_kind
 * @reason: enum p2pmap_reason of the decision for this segment's provider
 * @provider: the provider of a P2P or bounced segment (all zero for RAM)
 * @dma_contiguous: 1 if the segment is one contiguous DMA range
 * @reserved: zero
 */
struct p2pmap_segment {
	__u64 offset;
	__u64 len;
	__u64 dma_addr;
	__u32 kind;
	__u32 reason;
	struct p2pmap_pci_addr provider;
	__u32 dma_contiguous;
	__u32 reserved;
};

/**
 * struct p2pmap_segments - P2PMAP_IOC_SEGMENTS: describe a mapping's segments
 * @argsz: sizeof(struct p2pmap_segments)
 * @flags: none defined, must be 0
 * @handle: a handle returned by MAP on this open file
 * @segs: user pointer to an array of struct p2pmap_segment
 * @nr: (in) capacity of @segs; (out) number of segments of the mapping (may exceed the
 *	capacity: then only the first capacity entries were written)
 * @seg_size: sizeof(struct p2pmap_segment) as userspace knows it (48 .. 4096; a larger size
 *	than the kernel's is zero-filled beyond what the kernel knows)
 *
 * Errors: ENOENT (no such handle), ENODEV (the mapping was taken down, see
 * struct p2pmap_handle_arg).
 */
struct p2pmap_segments {
	__u32 argsz;
	__u32 flags;
	__u64 handle;
	__u64 segs;
	__u32 nr;
	__u32 seg_size;
};

/**
 * struct p2pmap_explain - P2PMAP_IOC_EXPLAIN: what would a mapping do, without doing it
 * @argsz: sizeof(struct p2pmap_explain)
 * @flags: 0 or P2PMAP_EXPLAIN_SHADOW
 * @provider: the P2P provider (must publish p2pmem, else ENODEV)
 * @client: the client device
 * @dir: enum p2pmap_dir
 * @reserved: must be zero
 * @len: request length in bytes (what a size-aware policy would see)
 * @verdict: (out) enum p2pmap_verdict the mapping would get
 * @reason: (out) enum p2pmap_reason
 * @kernel_verdict: (out) enum p2pmap_kernel_verdict
 * @distance: (out) pci_p2pdma_distance(), -1 when not supported
 * @hops_provider: (out) bridges from the provider up to the common bridge (or to the root)
 * @hops_client: (out) the same from the client
 * @common_bridge: (out) the closest common upstream bridge (zero if none)
 * @has_common_bridge: (out) 1 if @common_bridge is valid
 * @acs_redirect: (out) number of bridges with ACS redirect on the path
 * @link_speed_mbps: (out) slowest link on the path, in Mb/s per lane (0 unknown)
 * @link_width: (out) narrowest link width on the path (0 unknown)
 * @acs_bridge: (out) the first bridge with ACS redirect, from the provider's side (zero if none)
 * @has_acs_bridge: (out) 1 if @acs_bridge is valid
 * @reserved2: zero
 * @shadow_verdict: (out) with P2PMAP_EXPLAIN_SHADOW: what the shadow policy would decide
 *	(after the safety rules), 0 when there is no shadow policy or it was not asked
 * @shadow_reason: (out) its enum p2pmap_reason
 * @override: (out) the pair's P2PMAP_OVERRIDE_* state (verified, enabled)
 * @probe_result: (out) enum p2pmap_probe_result of the pair's latest probe (0: none)
 * @verified_at: (out) when its latest passing probe ended, seconds since the epoch (0: never)
 */
struct p2pmap_explain {
	__u32 argsz;
	__u32 flags;
	struct p2pmap_pci_addr provider;
	struct p2pmap_pci_addr client;
	__u32 dir;
	__u32 reserved;
	__u64 len;
	__u32 verdict;
	__u32 reason;
	__u32 kernel_verdict;
	__s32 distance;
	__u32 hops_provider;
	__u32 hops_client;
	struct p2pmap_pci_addr common_bridge;
	__u32 has_common_bridge;
	__u32 acs_redirect;
	__u32 link_speed_mbps;
	__u32 link_width;
	struct p2pmap_pci_addr acs_bridge;
	__u32 has_acs_bridge;
	__u32 reserved2;
	__u32 shadow_verdict;
	__u32 shadow_reason;
	__u32 override;
	__u32 probe_result;
	__u64 verified_at;
};

#define P2PMAP_EXPLAIN_SHADOW	(1U << 0)	/* also ask the shadow policy (not counted) */

/**
 * struct p2pmap_pair_stat - one (provider, client) pair in a P2PMAP_IOC_STATS snapshot
 * @provider: the provider
 * @client: the client
 * @decisions_p2p: mappings that reached the provider's memory peer to peer
 * @decisions_bounce: mappings that bounced it
 * @decisions_reject: mappings a policy rejected
 * @bytes_p2p: bytes mapped peer to peer (successful mappings only)
 * @bytes_bounce: bytes mapped through bounce buffers (successful mappings only)
 * @errors: policy errors (demotions, invalid verdicts) and mappings that failed after the
 *	decision (bounce cap, DMA mapping); a REJECT is counted in @decisions_reject only
 * @last_verdict: enum p2pmap_verdict of the latest mapping (0 if none)
 * @last_reason: enum p2pmap_reason of the latest mapping
 * @kernel_verdict: enum p2pmap_kernel_verdict of the pair
 * @distance: pci_p2pdma_distance(), -1 when the kernel refuses the pair
 * @shadow_compared: decisions for which a shadow policy was attached and compared: the
 *	active verdict (policy or built-in rule) against the shadow's verdict after the same
 *	safety rules (a shadow P2P on a refused pair counts as BOUNCE, an invalid shadow verdict
 *	as the built-in one; a %P2PMAP_POLICY_SUPPORTED_ONLY shadow that was not asked as the
 *	built-in one). Every compared decision is also counted in @decisions_*
 * @shadow_agreed: compared decisions with the same verdict
 * @shadow_errors: shadow policy errors (demotions, invalid verdicts); never in @errors
 * @shadow_disagree: compared decisions that differ, by [active verdict - 1][shadow verdict
 *	- 1] (enum p2pmap_verdict); the diagonal is always 0
 * @shadow_moved: disagreements between P2P and BOUNCE (the data would have taken the other
 *	path), by request size (enum p2pmap_size_bucket); REJECT on either side is not a move
 * @shadow_moved_bytes: their bytes, by request size; successful mappings only, as
 *	@bytes_p2p and @bytes_bounce
 * @override: the pair's override state, P2PMAP_OVERRIDE_VERIFIED and P2PMAP_OVERRIDE_ENABLED
 * @probe_result: enum p2pmap_probe_result of the pair's latest probe (0: never probed)
 * @verified_at: when the latest passing probe ended, seconds since the epoch (0: never)
 * @probes_passed: probes of the pair that passed; not reset by P2PMAP_STATS_RESET
 * @probes_failed: probes of the pair that failed (a signature, or a DMA error); not reset
 * @decisions_by_reason: the decisions of @decisions_p2p, @decisions_bounce and
 *	@decisions_reject again, by enum p2pmap_reason (entries past __P2PMAP_REASON_MAX are 0)
 *
 * Decisions made by EXPLAIN are not counted.
 */
struct p2pmap_pair_stat {
	struct p2pmap_pci_addr provider;
	struct p2pmap_pci_addr client;
	__u64 decisions_p2p;
	__u64 decisions_bounce;
	__u64 decisions_reject;
	__u64 bytes_p2p;
	__u64 bytes_bounce;
	__u64 errors;
	__u32 last_verdict;
	__u32 last_reason;
	__u32 kernel_verdict;
	__s32 distance;
	__u64 shadow_compared;
	__u64 shadow_agreed;
	__u64 shadow_errors;
	__u64 shadow_disagree[3][3];
	__u64 shadow_moved[P2PMAP_NR_SIZE_BUCKETS];
	__u64 shadow_moved_bytes[P2PMAP_NR_SIZE_BUCKETS];
	__u32 override;
	__u32 probe_result;
	__u64 verified_at;
	__u64 probes_passed;
	__u64 probes_failed;
	__u64 decisions_by_reason[P2PMAP_STAT_REASONS];
};

#define P2PMAP_STATS_RESET	(1U << 0)	/* take the snapshot off every pair's counters */

/**
 * struct p2pmap_stats - P2PMAP_IOC_STATS: snapshot (and reset) the per-pair statistics
 * @argsz: sizeof(struct p2pmap_stats)
 * @flags: 0 or P2PMAP_STATS_RESET (needs CAP_SYS_ADMIN)
 * @pairs: user pointer to struct p2pmap_pair_stat[@nr]
 * @nr: (in) capacity of @pairs, may be 0; (out) pairs p2pmap knows (may exceed the capacity:
 *	then only the first capacity entries were written)
 * @entry_size: sizeof(struct p2pmap_pair_stat) as userspace knows it (that of this header,
 *	or a later version's, up to 4096): the kernel writes that much of each entry,
 *	zero-filled beyond what it knows
 *
 * No mapping is counted in one pair and not yet in another: each CPU's counts are read under
 * that CPU's lock, which a mapping holds while it counts in all its pairs (a mapping that
 * finishes while the snapshot is taken is in it, or not). A snapshot holds one CPU's lock at
 * a time, while it adds up that CPU's share of every pair: mappings on that CPU wait that
 * long, the others not at all.
 * A reset happens only after the snapshot was written to @pairs and this struct: if that
 * fails (EFAULT), nothing is reset. It then takes exactly what the snapshot counted off every
 * pair (those beyond the capacity too), so what was counted after the snapshot stays: a reset
 * loses nothing. Every pair p2pmap has seen (by a mapping or an EXPLAIN) is listed, idle ones
 * too.
 */
struct p2pmap_stats {
	__u32 argsz;
	__u32 flags;
	__u64 pairs;
	__u32 nr;
	__u32 entry_size;
};

#define P2PMAP_IOC_MAP		_IO(P2PMAP_IOC_MAGIC, 0x00)
#define P2PMAP_IOC_UNMAP	_IO(P2PMAP_IOC_MAGIC, 0x01)
#define P2PMAP_IOC_SYNC		_IO(P2PMAP_IOC_MAGIC, 0x02)
#define P2PMAP_IOC_SEGMENTS	_IO(P2PMAP_IOC_MAGIC, 0x03)
#define P2PMAP_IOC_EXPLAIN	_IO(P2PMAP_IOC_MAGIC, 0x04)
#define P2PMAP_IOC_STATS	_IO(P2PMAP_IOC_MAGIC, 0x05)

/**
 * enum p2pmap_probe_result - what a data-integrity probe of a pair found
 * @P2PMAP_PROBE_PASS: every byte arrived as written, both ways
 * @P2PMAP_PROBE_ALL_ONES: the data read all ones (0xff): the classic signature of a request
 *	the fabric dropped or completed with an error (unsupported request, master abort)
 * @P2PMAP_PROBE_ZEROS: the data read all zeros
 * @P2PMAP_PROBE_NOT_WRITTEN: the destination kept what it held before: the transfer did not
 *	land
 * @P2PMAP_PROBE_CORRUPT: other bytes than written, or bytes beside the transfer changed
 * @P2PMAP_PROBE_DMA_ERROR: the client driver's DMA op failed (e.g. a timeout)
 * @P2PMAP_PROBE_AER_ERROR: the data arrived, but a device on the path between the two
 *	(either end, or a port between them) recorded a new PCIe error while the probe ran (its
 *	Device Status or AER status): a path that works only while it reports errors
 */
enum p2pmap_probe_result {
	P2PMAP_PROBE_PASS		= 1,
	P2PMAP_PROBE_ALL_ONES		= 2,
	P2PMAP_PROBE_ZEROS		= 3,
	P2PMAP_PROBE_NOT_WRITTEN	= 4,
	P2PMAP_PROBE_CORRUPT		= 5,
	P2PMAP_PROBE_DMA_ERROR		= 6,
	P2PMAP_PROBE_AER_ERROR		= 7,
};

/**
 * enum p2pmap_probe_dir - which way one transfer of a probe went
 * @P2PMAP_PROBE_READ: the client reads the provider's memory into RAM
 * @P2PMAP_PROBE_WRITE: the client writes RAM into the provider's memory
 */
enum p2pmap_probe_dir {
	P2PMAP_PROBE_READ		= 1,
	P2PMAP_PROBE_WRITE		= 2,
};

#define P2PMAP_OVERRIDE_VERIFIED	(1U << 0)	/* a probe passed on this boot */
#define P2PMAP_OVERRIDE_ENABLED		(1U << 1)	/* P2P is allowed for the pair */

#define P2PMAP_PROBE_MAX_CASES		8

/**
 * struct p2pmap_probe_case - one transfer of a probe
 * @dir: enum p2pmap_probe_dir
 * @result: enum p2pmap_probe_result; 0: not run (an earlier one failed)
 * @offset: byte offset in the probe's buffers (the provider's memory and RAM alike)
 * @len: bytes moved
 * @bad_offset: (failed) the first byte, from @offset, that was not as written; @len or more
 *	for a byte after the transfer that changed, (__u32)-n for the n-th byte before it
 * @expected: (failed) what that byte should have been
 * @got: (failed) what it was
 * @reserved: zero
 */
struct p2pmap_probe_case {
	__u32 dir;
	__u32 result;
	__u32 offset;
	__u32 len;
	__u32 bad_offset;
	__u8  expected;
	__u8  got;
	__u16 reserved;
};

/**
 * struct p2pmap_verify - P2PMAP_IOC_VERIFY: test a pair's P2P path with real data
 * @argsz: sizeof(struct p2pmap_verify)
 * @flags: 0 or P2PMAP_VERIFY_ENABLE
 * @provider: the P2P provider (must have P2PDMA memory, else ENODEV)
 * @client: the client; its driver must have registered it (EACCES) with a dma_copy op
 *	(EOPNOTSUPP: a client that cannot be verified)
 * @result: (out) enum p2pmap_probe_result: PASS, or the first failure's signature
 * @nr_cases: (out) entries of @cases
 * @bytes: (out) bytes moved and compared
 * @duration_ns: (out) how long the probe took
 * @dma_provider: (out) the DMA address the client was given for the provider's memory
 *	(dma_map_resource(): an IOVA where an IOMMU translates)
 * @override: (out) the pair's P2PMAP_OVERRIDE_* state after the probe
 * @reserved: zero
 * @cases: (out) the transfers, in the order they ran
 *
 * p2pmap allocates 16 KiB of the provider's P2P memory (pci_alloc_p2pmem()) and 16 KiB of RAM,
 * maps them for the client (dma_map_resource() and dma_map_page(): the mappings are the
 * client's, made under its registration and unmapped before the call returns), and has the
 * client's driver move data with its own DMA engine: the provider's memory into RAM (READ)
 * and RAM into the provider's memory (WRITE), at several sizes and offsets, every READ
 * before the first WRITE (a path that cannot read is never written to). Each transfer's
 * destination is filled first with a known byte, so a transfer that does not land is told
 * apart from one that reads all ones or zeros; the bytes beside it are checked too. The
 * probe stops at the first failure. The error status of every device on the path (Device
 * Status, and AER where the device has it) is read before and after: an error new since
 * the start fails a probe whose data was right (AER_ERROR).
 *
 * A passing probe marks the pair verified until either device is removed, re-plugged or
 * loses its driver (the pair itself goes then); with P2PMAP_VERIFY_ENABLE the override is
 * enabled at once. A failing probe clears the pair's verification and override, logs the
 * signature and counts it in the pair's statistics (@probes_failed of STATS). Needs
 * CAP_SYS_ADMIN (EPERM), and is refused under kernel lockdown (EPERM: a probe steers the
 * client's DMA into a provider's memory). Returns 0 whenever the probe ran, whatever it
 * found: @result says. Errors: ENODEV (no such device, or not a provider), EACCES,
 * EOPNOTSUPP, ENOMEM (no P2P memory left), EIO (the DMA API refused to map the provider's
 * memory for the client), EXDEV (no IOMMU translates the client's DMA and the provider's
 * PCI bus addresses differ from its CPU addresses: the probe's writes would land elsewhere,
 * so it does not run), EINTR (a signal arrived while waiting for another probe).
 */
struct p2pmap_verify {
	__u32 argsz;
	__u32 flags;
	struct p2pmap_pci_addr provider;
	struct p2pmap_pci_addr client;
	__u32 result;
	__u32 nr_cases;
	__u64 bytes;
	__u64 duration_ns;
	__u64 dma_provider;
	__u32 override;
	__u32 reserved;
	struct p2pmap_probe_case cases[P2PMAP_PROBE_MAX_CASES];
};

#define P2PMAP_VERIFY_ENABLE	(1U << 0)	/* enable the override if the probe passes */

/**
 * struct p2pmap_override - P2PMAP_IOC_OVERRIDE: enable or disable a pair's verified override
 * @argsz: sizeof(struct p2pmap_override)
 * @flags: exactly one of P2PMAP_OVERRIDE_ADD, P2PMAP_OVERRIDE_DEL
 * @provider: the P2P provider
 * @client: the client
 * @override: (out) the pair's P2PMAP_OVERRIDE_* state afterwards
 * @reserved: zero
 * @verified_at: (out) when its latest passing probe ended (seconds since the epoch, 0: never)
 *
 * ADD allows P2P for a pair the kernel refuses, only if a probe of these two devices passed
 * on this boot (P2PMAP_IOC_VERIFY) and neither has been removed, re-plugged or unbound since:
 * otherwise ENOKEY. Mappings made afterwards may go P2P (reason "verified-override"); a
 * policy sees the override in its context and still decides. DEL disables it (the
 * verification stays, so ADD needs no new probe); mappings made afterwards bounce again.
 * Mappings already made keep their path until they are unmapped. Needs CAP_SYS_ADMIN (EPERM);
 * ADD is refused under kernel lockdown (EPERM), DEL is not.
 * List overrides with P2PMAP_IOC_STATS. Errors: ENODEV (no such device or not a provider),
 * ENOKEY.
 */
struct p2pmap_override {
	__u32 argsz;
	__u32 flags;
	struct p2pmap_pci_addr provider;
	struct p2pmap_pci_addr client;
	__u32 override;
	__u32 reserved;
	__u64 verified_at;
};

#define P2PMAP_OVERRIDE_ADD	(1U << 0)
#define P2PMAP_OVERRIDE_DEL	(1U << 1)

#define P2PMAP_IOC_VERIFY	_IO(P2PMAP_IOC_MAGIC, 0x06)
#define P2PMAP_IOC_OVERRIDE	_IO(P2PMAP_IOC_MAGIC, 0x07)

#endif /* _UAPI_P2PMAP_H */
