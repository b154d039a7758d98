/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CPU copies between system RAM and PCI device memory (P2P memory: an NVMe CMB, a GPU BAR).
 * Every byte p2pmap's bounce path reads from or writes to device memory goes through these
 * two helpers; nothing else in p2pmap touches device memory with the CPU. (p2pmap_test.ko's
 * benchmark uses them too, so the bench compares the bounce path with the same copy done
 * directly.)
 *
 * Why not memcpy():
 *
 *  - Alignment. arm64 maps P2P memory as Device memory (memremap_pages() with
 *    pgprot_noncached()), where an unaligned access takes an alignment fault, and a user
 *    buffer may start at any byte. memcpy() picks its access widths for RAM. Here device
 *    memory is only ever accessed naturally aligned: bytes, halves and words up to the first
 *    8-byte boundary, 8-byte accesses from there, and the tail the same way down. The RAM
 *    side takes any alignment.
 *  - Speed. Reads of device memory are non-posted: each one waits for a completion from the
 *    device (about 1 us on PCIe), so the number of read transactions is what a copy costs, and
 *    the widest aligned access the CPU can do safely is the fastest. Writes are posted.
 *
 * What the mapping allows, per architecture:
 *
 *  - x86: memremap_pages() maps MEMORY_DEVICE_PCI_P2PDMA pages UC- in the direct map and
 *    reserves that memory type for the range in PAT (track_pfn_remap() in 6.12,
 *    pfnmap_track() in 7.3). A write-combining alias, which streaming loads (movntdqa) and
 *    WC writes would need, cannot be had: ioremap_wc() of the same range finds the UC-
 *    reservation, memtype_reserve() hands back UC-, and is_new_memtype_allowed() accepts it,
 *    so the "WC" mapping is silently UC- (arch/x86/mm/ioremap.c, arch/x86/mm/pat/); and a
 *    second, conflicting memory type for one physical page is exactly what PAT forbids
 *    (aliases with different types are undefined behaviour on x86). Streaming loads on UC
 *    memory are plain UC loads. So on x86 the best correct method is the widest aligned
 *    integer access, 8 bytes: twice as few read transactions as memcpy_fromio(), whose
 *    "rep movsl" reads 4 bytes at a time (arch/x86/lib/iomem.c; byte by byte under SEV or
 *    TDX). Wider SSE/AVX loads would need kernel_fpu_begin() around every copy and are not
 *    used. UC writes are not combined either: 8-byte aligned stores, as for reads.
 *  - Everywhere else: memcpy_fromio() and memcpy_toio(), which each architecture implements
 *    for its device memory (arm64: naturally aligned 8-byte accesses with byte head and tail;
 *    the generic one in lib/: long-aligned accesses).
 *
 * A provider that wants faster CPU access than UC gives can only get it by mapping its BAR
 * write-combined itself instead of through p2pdma; nothing a client of p2pdma can do.
 */
#ifndef _P2PMAP_IOCOPY_H
#define _P2PMAP_IOCOPY_H

#include <linux/io.h>
#include <linux/kmsan-checks.h>
#include <linux/types.h>
#include <linux/unaligned.h>

#ifdef CONFIG_X86_64
/**
 * p2pmap_iocopy_from_dev() - copy from device memory to RAM
 * @to: RAM, any alignment
 * @from: device memory (its kernel mapping), any alignment
 * @len: bytes
 *
 * Device memory is only accessed naturally aligned, 8 bytes at a time where it can be.
 */
static inline void p2pmap_iocopy_from_dev(void *to, const void *from, size_t len)
{
	const void __iomem *s = (const void __iomem __force *)from;
	size_t n = len;
	u8 *d = to;

	while (len && ((unsigned long)s & 7)) {
		if (((unsigned long)s & 1) || len < 2) {
			*d = __raw_readb(s);
			s += 1, d += 1, len -= 1;
		} else if (((unsigned long)s & 2) || len < 4) {
			put_unaligned(__raw_readw(s), (u16 *)d);
			s += 2, d += 2, len -= 2;
		} else {
			put_unaligned(__raw_readl(s), (u32 *)d);
			s += 4, d += 4, len -= 4;
		}
	}
	for (; len >= 8; s += 8, d += 8, len -= 8)
		put_unaligned(__raw_readq(s), (u64 *)d);
	if (len >= 4) {
		put_unaligned(__raw_readl(s), (u32 *)d);
		s += 4, d += 4, len -= 4;
	}
	if (len >= 2) {
		put_unaligned(__raw_readw(s), (u16 *)d);
		s += 2, d += 2, len -= 2;
	}
	if (len)
		*d = __raw_readb(s);
	/* KMSAN: what a device holds is initialised. */
	kmsan_unpoison_memory(to, n);
}

/**
 * p2pmap_iocopy_to_dev() - copy from RAM to device memory
 * @to: device memory (its kernel mapping), any alignment
 * @from: RAM, any alignment
 * @len: bytes
 *
 * Device memory is only accessed naturally aligned, 8 bytes at a time where it can be.
 */
static inline void p2pmap_iocopy_to_dev(void *to, const void *from, size_t len)
{
	void __iomem *d = (void __iomem __force *)to;
	const u8 *s = from;

	kmsan_check_memory(from, len);
	while (len && ((unsigned long)d & 7)) {
		if (((unsigned long)d & 1) || len < 2) {
			__raw_writeb(*s, d);
			s += 1, d += 1, len -= 1;
		} else if (((unsigned long)d & 2) || len < 4) {
			__raw_writew(get_unaligned((const u16 *)s), d);
			s += 2, d += 2, len -= 2;
		} else {
			__raw_writel(get_unaligned((const u32 *)s), d);
			s += 4, d += 4, len -= 4;
		}
	}
	for (; len >= 8; s += 8, d += 8, len -= 8)
		__raw_writeq(get_unaligned((const u64 *)s), d);
	if (len >= 4) {
		__raw_writel(get_unaligned((const u32 *)s), d);
		s += 4, d += 4, len -= 4;
	}
	if (len >= 2) {
		__raw_writew(get_unaligned((const u16 *)s), d);
		s += 2, d += 2, len -= 2;
	}
	if (len)
		__raw_writeb(*s, d);
}
#else
/* The architecture's own copies for its device memory (see above). */
static inline void p2pmap_iocopy_from_dev(void *to, const void *from, size_t len)
{
	memcpy_fromio(to, (const void __iomem __force *)from, len);
}

static inline void p2pmap_iocopy_to_dev(void *to, const void *from, size_t len)
{
	memcpy_toio((void __iomem __force *)to, from, len);
}
#endif

#endif /* _P2PMAP_IOCOPY_H */
