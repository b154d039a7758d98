/* SPDX-License-Identifier: GPL-2.0-only */
/* The running module: /sys/kernel/p2pmap and the ioctls of /dev/p2pmap. */
#ifndef P2PPOLICY_KMOD_H
#define P2PPOLICY_KMOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/p2pmap.h"

#define P2PMAP_SYSFS	"/sys/kernel/p2pmap"
#define P2PMAP_DEV	"/dev/p2pmap"

/* The global counters of /sys/kernel/p2pmap, in the order status prints them. */
enum kmod_counter {
	KC_DECISIONS_P2P, KC_DECISIONS_BOUNCE, KC_DECISIONS_REJECT,
	KC_BYTES_RAM, KC_BYTES_P2P, KC_BYTES_BOUNCE,
	KC_MAPS, KC_MAP_ERRORS, KC_MAPPINGS_ACTIVE, KC_PINNED_PAGES,
	KC_BOUNCE_IN_USE, KC_BOUNCE_HWM, KC_BOUNCE_CACHED, KC_POLICY_ERRORS,
	KC_BYTES_DEVMEM_READ, KC_BYTES_DEVMEM_WRITTEN,
	KC_NR,
};
extern const char *const kmod_counter_names[KC_NR];

struct kmod_status {
	char version[32];
	char policy[64];		/* "none" or the policy's name */
	char policy_state[256];
	char policy_exit[32];		/* the kind of the latest exit: P2PMAP_POLICY_EXIT_NAMES */
	uint64_t counter[KC_NR];
};

/* 0, or -ENOENT when the module is not loaded (with the message printed). */
int kmod_status(struct kmod_status *st);

/*
 * Why the module refused the latest policy (/sys/kernel/p2pmap/last_error): false if it
 * refused none since the last clear or attach. A loader clears it before it loads.
 */
bool kmod_last_error(char *buf, size_t len);
void kmod_clear_last_error(void);

/* Open /dev/p2pmap; on failure print why and return -errno. */
int kmod_open(void);

int kmod_explain(int fd, const struct p2pmap_pci_addr *prov, const struct p2pmap_pci_addr *client,
		 uint32_t dir, uint64_t len, struct p2pmap_explain *out);	/* 0 or -errno */
/* The same with P2PMAP_EXPLAIN_* @flags (P2PMAP_EXPLAIN_SHADOW: ask the shadow too). */
int kmod_explain_flags(int fd, const struct p2pmap_pci_addr *prov,
		       const struct p2pmap_pci_addr *client, uint32_t dir, uint64_t len,
		       uint32_t flags, struct p2pmap_explain *out);
/* P2PMAP_IOC_VERIFY (a probe with the client's DMA; seconds): 0 when it ran, or -errno. */
int kmod_verify(int fd, const struct p2pmap_pci_addr *prov, const struct p2pmap_pci_addr *client,
		uint32_t flags, struct p2pmap_verify *out);
/* P2PMAP_IOC_OVERRIDE with P2PMAP_OVERRIDE_ADD or _DEL; 0 or -errno (-ENOKEY: not verified). */
int kmod_override(int fd, const struct p2pmap_pci_addr *prov,
		  const struct p2pmap_pci_addr *client, uint32_t flags, struct p2pmap_override *out);
/* Every pair's statistics (malloc'd in *@out). 0 or -errno. */
int kmod_stats(int fd, bool reset, struct p2pmap_pair_stat **out, size_t *nr);
/* qsort() order of struct p2pmap_pair_stat: by provider, then client. */
int pair_stat_cmp(const void *a, const void *b);

#endif
