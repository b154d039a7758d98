/* SPDX-License-Identifier: GPL-2.0-only */
/* Naming PCI devices (address, vendor:device, any) and finding them in sysfs. */
#ifndef P2PPOLICY_PCI_H
#define P2PPOLICY_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/p2pmap.h"

/* How a device is named on the command line or in the configuration. */
enum pci_spec_kind {
	SPEC_ANY,	/* "any": every device (rules only) */
	SPEC_ADDR,	/* "0000:03:00.0" or "03:00.0" */
	SPEC_ID,	/* "1b36:0010": every device with this vendor:device */
};

struct pci_spec {
	enum pci_spec_kind kind;
	struct p2pmap_pci_addr addr;
	uint16_t vendor, device;
};

/*
 * Parse @s into @out. "any" only if @allow_any. On error return -EINVAL and put the reason
 * (no trailing period) into @why.
 */
int pci_spec_parse(const char *s, bool allow_any, struct pci_spec *out, char *why, size_t len);
/* "0000:03:00.0", "1b36:0010" or "any". Returns @buf (at least 16 bytes). */
char *pci_spec_str(const struct pci_spec *s, char *buf, size_t len);
char *pci_addr_str(const struct p2pmap_pci_addr *a, char *buf, size_t len);
bool pci_addr_eq(const struct p2pmap_pci_addr *a, const struct p2pmap_pci_addr *b);
int pci_addr_cmp(const struct p2pmap_pci_addr *a, const struct p2pmap_pci_addr *b);

/* One PCI function as sysfs shows it. */
struct pci_info {
	struct p2pmap_pci_addr addr;
	char name[16];			/* "0000:03:00.0" */
	uint16_t vendor, device;
	uint32_t class;			/* 24-bit class code */
	char driver[32];		/* "" if none bound */
	int numa_node;			/* -1 if none */
	bool bridge;			/* class 06xx */
	bool p2pmem;			/* publishes P2P memory (has p2pmem/) */
	bool p2pmem_published;
	uint64_t p2pmem_size, p2pmem_available;
};

/* Where PCI devices are listed; tests point it at a fake tree. */
extern const char *pci_sysfs_dir;	/* default "/sys/bus/pci/devices" */

/* Every PCI function, sorted by address. 0 or -errno; free *@out with free(). */
int pci_list(struct pci_info **out, size_t *nr);

/*
 * The one present device @spec names (an address or a vendor:device that exactly one
 * present device has). 0, or -ENODEV / -EINVAL / -ENOTUNIQ with the reason in @why.
 */
int pci_resolve(const struct pci_spec *spec, struct pci_info *out, char *why, size_t len);

#endif
