/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Compatibility with the kernels p2pmap builds against (6.12 LTS to 7.3), in one place.
 *
 * The core files are written for the newest kernel; this header gives older kernels what
 * they lack. A feature the preprocessor can see (a macro) is tested here. A feature it cannot
 * see (an inline function, a macro whose argument changed meaning) is probed in the target
 * tree's headers by compat.mk, which passes -DP2PMAP_HAVE_<FEATURE>: a distribution kernel
 * that backports a change is then treated by what it has, not by its version number. No
 * other file tests a kernel version.
 */
#ifndef _P2PMAP_COMPAT_H
#define _P2PMAP_COMPAT_H

#include <linux/mm.h>
#include <linux/memremap.h>
#include <linux/btf.h>
#include <linux/module.h>
#include <linux/slab.h>

/*
 * nth_page() went away in 6.18, once a scatterlist entry could no longer span memmap
 * sections that are not contiguous: from then on plain page arithmetic is the rule within
 * one entry. Older kernels keep their own nth_page(), which handles SPARSEMEM without
 * VMEMMAP.
 */
#ifndef nth_page
#define nth_page(page, n)	((page) + (n))
#endif

/*
 * 7.0 allocates one object by its type: kzalloc_obj(*p, gfp). Older kernels get the same
 * call for one object (p2pmap always passes its GFP flags).
 */
#ifndef kzalloc_obj
#define kzalloc_obj(P, GFP)	kzalloc(sizeof(P), GFP)
#endif

/* 6.15 moved the page's dev_pagemap to its folio, reached through page_pgmap(). */
#ifndef P2PMAP_HAVE_PAGE_PGMAP
static inline struct dev_pagemap *page_pgmap(const struct page *page)
{
	return page->pgmap;
}
#endif

/*
 * The namespace of the symbols only p2pmap's test module may import. 6.13 made symbol
 * namespaces string literals; before, EXPORT_SYMBOL_NS_GPL() and MODULE_IMPORT_NS()
 * stringified a bare identifier, which this macro expands to first.
 */
#ifdef P2PMAP_HAVE_NS_STRING
#define P2PMAP_NS	"P2PMAP_INTERNAL"
#else
#define P2PMAP_NS	P2PMAP_INTERNAL
#endif

/*
 * Newer kernels (7.3 here) give every kfunc only trusted pointers and dropped the flag
 * that asked for it; older ones need it said.
 */
#ifndef KF_TRUSTED_ARGS
#define KF_TRUSTED_ARGS	0
#endif

#endif /* _P2PMAP_COMPAT_H */
