/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * /dev/p2pmap-test: test-only ioctls of p2pmap_test.ko (tests and benchmarks, never installed).
 */
#ifndef _P2PMAP_TEST_H
#define _P2PMAP_TEST_H

#include "../../include/uapi/p2pmap.h"

#define P2PMAP_TEST_RAW_VIA_P2PMAP	(1U << 0)	/* time p2pmap instead (benchmarks) */
#define P2PMAP_TEST_RAW_DEVICE_WRITES	(1U << 1)	/* with it: P2PMAP_MAP_DEVICE_WRITES */
#define P2PMAP_TEST_RAW_VIA_SLICE	(1U << 2)	/* one registration, a slice per I/O */
#define P2PMAP_TEST_RAW_VIA_REGISTER	(1U << 3)	/* p2pmap_register() + unregister */
#define P2PMAP_TEST_RAW_VIA_IO		(1U << 4)	/* p2pmap_io_map() + p2pmap_io_unmap() */

/**
 * struct p2pmap_test_raw - the plain kernel path, for comparison with p2pmap
 * @argsz: sizeof(struct p2pmap_test_raw)
 * @flags: 0, or P2PMAP_TEST_RAW_VIA_P2PMAP: p2pmap_map_user() + p2pmap_unmap() instead, timed
 *	the same way, so the two paths compare without syscall overhead;
 *	P2PMAP_TEST_RAW_VIA_SLICE: p2pmap_register() once (not timed), then per iteration
 *	p2pmap_slice_get() of all of it, its segments read, both syncs and p2pmap_slice_put();
 *	P2PMAP_TEST_RAW_VIA_REGISTER: p2pmap_register() + p2pmap_unregister() (the client must
 *	be a registered client, as p2pmap_edu's devices are); P2PMAP_TEST_RAW_VIA_IO:
 *	p2pmap_io_map() into storage on the stack, its table read, p2pmap_io_unmap()
 * @client: the DMA device
 * @dir: enum p2pmap_dir
 * @iterations: times to map and unmap (>= 1)
 * @addr: user buffer
 * @len: its length
 * @result: (out) 0 or the negative errno of the first failure
 * @nsec: (out) total time of all iterations
 *
 * pin_user_pages_fast(FOLL_PCI_P2PDMA) + sg_alloc_table_from_pages_segment() + dma_map_sgtable(),
 * then unmap and unpin: what a driver does without p2pmap.
 */
struct p2pmap_test_raw {
	__u32 argsz;
	__u32 flags;
	struct p2pmap_pci_addr client;
	__u32 dir;
	__u32 iterations;
	__u64 addr;
	__u64 len;
	__s32 result;
	__u32 reserved;
	__u64 nsec;
};

/**
 * struct p2pmap_test_sgtable - p2pmap_map_sgtable() on kernel-owned p2pmem
 * @flags: 0 or P2PMAP_TEST_SGTABLE_NOIO
 * @provider: where pci_p2pmem_alloc_sgl() allocates
 * @client: the DMA device
 * @dir: enum p2pmap_dir
 * @reserved: zero
 * @len: bytes to allocate
 * @result: (out) 0 or negative errno
 * @nr_segments: (out) segments of the mapping
 * @bytes: (out) RAM, P2P, bounced bytes
 */
struct p2pmap_test_sgtable {
	__u32 argsz;
	__u32 flags;
	struct p2pmap_pci_addr provider;
	struct p2pmap_pci_addr client;
	__u32 dir;
	__u32 reserved;
	__u64 len;
	__s32 result;
	__u32 nr_segments;
	__u64 bytes[3];
};

/**
 * struct p2pmap_test_memcpy - the practical limit of a bounce copy: the same copy, direct
 * @addr: user buffer (e.g. p2pmem mapped into the process), pinned for the copy
 * @len: its length (whole pages, from a page boundary)
 * @iterations: times to copy (>= 1)
 * @to_ram: 1: buffer -> RAM (what a TO_DEVICE bounce does), 0: RAM -> buffer
 * @nsec: (out) total time of the copies alone (pinning excluded)
 *
 * Page by page through the kernel mapping, with the copy the bounce path uses
 * (kernel/iocopy.h for P2P pages, memcpy() for RAM).
 */
struct p2pmap_test_memcpy {
	__u32 argsz;
	__u32 flags;
	__u64 addr;
	__u64 len;
	__u32 iterations;
	__u32 to_ram;
	__u64 nsec;
};

/**
 * struct p2pmap_test_decide - the cost of one decision, as a mapping pays it
 * @provider: the provider
 * @client: the client
 * @len: request length the policy sees
 * @iterations: decisions to time (>= 1)
 * @verdict: (out) the last decision's enum p2pmap_verdict
 * @reason: (out) its enum p2pmap_reason
 * @nsec: (out) total time: per iteration, the pair lookup, p2pmap_decide() (built-in rule and
 *	the attached policy) and the pair's release, as p2pmap_map_user() does per provider
 */
struct p2pmap_test_decide {
	__u32 argsz;
	__u32 flags;
	struct p2pmap_pci_addr provider;
	struct p2pmap_pci_addr client;
	__u64 len;
	__u32 iterations;
	__u32 verdict;
	__u32 reason;
	__u32 reserved;
	__u64 nsec;
};

/**
 * struct p2pmap_test_peek - what the device side of a mapping holds, page by page
 * @client: the DMA device
 * @dir: enum p2pmap_dir
 * @addr: user buffer, mapped with p2pmap_map_user() for the call
 * @len: its length
 * @out: user buffer for whole pages of the DMA-mapped table (entries in order, each the
 *	whole pages it lies in: what a device behind an IOMMU can reach)
 * @out_len: room in @out (whole pages are written while they fit)
 * @result: (out) 0 or the mapping's negative errno
 * @nr_pages: (out) pages written to @out
 */
struct p2pmap_test_peek {
	__u32 argsz;
	__u32 flags;
	struct p2pmap_pci_addr client;
	__u32 dir;
	__u32 reserved;
	__u64 addr;
	__u64 len;
	__u64 out;
	__u64 out_len;
	__s32 result;
	__u32 nr_pages;
};

/**
 * struct p2pmap_test_boundary - set a device's DMA segment boundary (test knob)
 * @flags: 0, or P2PMAP_TEST_MAX_SEG: set the largest DMA segment instead
 * @client: the device
 * @boundary: the new mask (dma_set_seg_boundary()), e.g. 0x3fff for 16 KiB; with
 *	P2PMAP_TEST_MAX_SEG the new size (dma_set_max_seg_size())
 * @old: (out) the mask (size) it had
 */
struct p2pmap_test_boundary {
	__u32 argsz;
	__u32 flags;
	struct p2pmap_pci_addr client;
	__u64 boundary;
	__u64 old;
};

/**
 * struct p2pmap_test_alternate - p2pmap_map_sgtable() of a table alternating RAM and P2P
 * @provider: where the one P2P page comes from (pci_alloc_p2pmem())
 * @client: the DMA device
 * @nr: RAM/P2P entry pairs (64 bytes each, all in one RAM page and one P2P page), mapped
 *	TO_DEVICE: 2 * @nr segments, one provider
 * @result: (out) 0 or negative errno
 * @nr_segments: (out) segments of the mapping
 */
struct p2pmap_test_alternate {
	__u32 argsz;
	__u32 flags;
	struct p2pmap_pci_addr provider;
	struct p2pmap_pci_addr client;
	__u32 nr;
	__s32 result;
	__u32 nr_segments;
	__u32 reserved;
};

/**
 * struct p2pmap_test_bounce - a mapping's bounce copies, with the device's side played by the CPU
 * @argsz: sizeof(struct p2pmap_test_bounce)
 * @flags: 0 or P2PMAP_TEST_BOUNCE_WRITTEN: unmap with p2pmap_unmap_written(@written)
 * @client: the DMA device (one that bounces the buffer's P2P memory)
 * @dir: enum p2pmap_dir
 * @map_flags: flags of p2pmap_map_user() (P2PMAP_MAP_DEVICE_WRITES)
 * @addr: user buffer, mapped with p2pmap_map_user() for the call
 * @len: its length
 * @out: 0, or a user buffer of @len bytes: what the DMA-mapped table held at map time, in
 *	buffer order (what the device would read)
 * @in: 0, or a user buffer of @len bytes written into the table, in buffer order, before the
 *	unmap (what the device would write)
 * @written: see @flags
 * @result: (out) 0, the mapping's negative errno, -EXDEV (an entry is not bounced), or the
 *	unmap's (its copy back did not deliver all of the device's data)
 * @nr_entries: (out) entries of the DMA-mapped table
 */
struct p2pmap_test_bounce {
	__u32 argsz;
	__u32 flags;
	struct p2pmap_pci_addr client;
	__u32 dir;
	__u32 map_flags;
	__u64 addr;
	__u64 len;
	__u64 out;
	__u64 in;
	__u64 written;
	__s32 result;
	__u32 nr_entries;
};

/**
 * struct p2pmap_test_io - one p2pmap_io_map() in the test module's storage, then unmapped
 * @argsz: sizeof(struct p2pmap_test_io)
 * @client: the DMA device
 * @dir: enum p2pmap_dir
 * @map_flags: 0 or P2PMAP_MAP_DEVICE_WRITES
 * @addr: user buffer
 * @len: its length
 * @result: (out) 0 or the negative errno of the map or a sync
 * @fast: (out) 1: mapped in the storage alone (no p2pmap mapping), 0: by the general path
 * @nr_entries: (out) DMA segments of its table
 * @dma_len: (out) their bytes
 * @bytes_ram: (out) its summary
 * @bytes_p2p: (out) its summary
 * @bytes_bounce: (out) its summary
 */
struct p2pmap_test_io {
	__u32 argsz;
	struct p2pmap_pci_addr client;
	__u32 dir;
	__u32 map_flags;
	__u64 addr;
	__u64 len;
	__s32 result;
	__u32 fast;
	__u32 nr_entries;
	__u64 dma_len;
	__u64 bytes_ram;
	__u64 bytes_p2p;
	__u64 bytes_bounce;
};

/**
 * struct p2pmap_test_overlap - two driver mappings (p2pmap_map_user()) held at once
 * @argsz: sizeof(struct p2pmap_test_overlap)
 * @client: the DMA device of both
 * @dir: enum p2pmap_dir of both
 * @addr: the first buffer
 * @len: its length
 * @addr2: the second, made while the first is mapped
 * @len2: its length
 * @result: (out) 0 or the first map's negative errno
 * @result2: (out) 0 or the second's (not tried when the first failed: 1)
 */
struct p2pmap_test_overlap {
	__u32 argsz;
	struct p2pmap_pci_addr client;
	__u32 dir;
	__u64 addr;
	__u64 len;
	__u64 addr2;
	__u64 len2;
	__s32 result;
	__s32 result2;
};

#define P2PMAP_TEST_BOUNCE_WRITTEN	(1U << 0)

#define P2PMAP_TEST_SGTABLE_NOIO	(1U << 0)	/* map inside memalloc_noio_save() */

#define P2PMAP_TEST_IOC_RAW	_IO(P2PMAP_IOC_MAGIC, 0x80)
#define P2PMAP_TEST_IOC_SGTABLE	_IO(P2PMAP_IOC_MAGIC, 0x81)
#define P2PMAP_TEST_IOC_MEMCPY	_IO(P2PMAP_IOC_MAGIC, 0x82)
#define P2PMAP_TEST_IOC_DECIDE	_IO(P2PMAP_IOC_MAGIC, 0x83)
#define P2PMAP_TEST_IOC_PEEK	_IO(P2PMAP_IOC_MAGIC, 0x84)
#define P2PMAP_TEST_MAX_SEG		(1U << 0)
#define P2PMAP_TEST_IOC_BOUNDARY	_IO(P2PMAP_IOC_MAGIC, 0x85)
#define P2PMAP_TEST_IOC_ALTERNATE	_IO(P2PMAP_IOC_MAGIC, 0x86)
#define P2PMAP_TEST_IOC_BOUNCE	_IO(P2PMAP_IOC_MAGIC, 0x87)
#define P2PMAP_TEST_IOC_IO	_IO(P2PMAP_IOC_MAGIC, 0x88)
#define P2PMAP_TEST_IOC_OVERLAP	_IO(P2PMAP_IOC_MAGIC, 0x89)

#endif
