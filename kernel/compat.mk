# SPDX-License-Identifier: GPL-2.0-only
# Probes of the target kernel's headers for compat.h, included by every Kbuild file that
# builds against the p2pmap API. $(call p2pmap_probe,HEADERS,REGEX,FEATURE) defines
# P2PMAP_HAVE_<FEATURE> when one of the target tree's include/linux/HEADERS matches REGEX,
# whatever the kernel's version number says. (REGEX says "." for a parenthesis, which make
# would count, and $(comma) for a comma.)
p2pmap_probe = $(if $(shell grep -qsE '$(2)' $(addprefix $(srctree)/include/linux/,$(1)) && echo y),\
		-DP2PMAP_HAVE_$(3))

# page_pgmap() (6.15: the dev_pagemap moved from the page to its folio)
ccflags-y += $(call p2pmap_probe,mm.h mmzone.h memremap.h,struct dev_pagemap \*page_pgmap.const,PAGE_PGMAP)
# symbol namespaces as string literals (6.13)
ccflags-y += $(call p2pmap_probe,module.h,define MODULE_IMPORT_NS.ns.[[:space:]]+MODULE_INFO.import_ns$(comma) ns.$$,NS_STRING)
