/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CPU copies between system RAM and PCI device memory (P2P memory: an NVMe CMB, a GPU BAR):
 * every byte the bounce path reads from or writes to device memory goes through these two.
 * Device memory is accessed only naturally aligned (arm64 faults otherwise), 8 bytes at a time
 * where it can be (each read is a non-posted PCIe transaction). On x86 the memory is UC-,
 * and no write-combining alias can be had. docs/internals.md has the reasons.
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
