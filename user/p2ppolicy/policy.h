/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Policies, attach and pins: open a shipped one (embedded from its libbpf skeleton) or any
 * .bpf.o, load it, attach it (or replace the attached one atomically through the pinned link's
 * update), pin it, detach it. Its tunables are in tunables.h, its rules map in rules_map.h.
 *
 * Pins (bpffs): PIN_DIR/link is the struct_ops link; PIN_DIR/maps/<map name> are the
 * policy's other maps (its .data tunables, the rules map), beside its syscall programs (the
 * rules map's writer, bpf/rules.h), by their names. A policy lives as long as its
 * link pin, so it survives p2ppolicy. The shadow policy has the same under PIN_SHADOW
 * (shadow/link, shadow/maps/).
 */
#ifndef P2PPOLICY_POLICY_H
#define P2PPOLICY_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "fmt.h"
#include "rule.h"

#define PIN_DIR		"/sys/fs/bpf/p2pmap"
#define PIN_LINK	PIN_DIR "/link"
#define PIN_MAPS	PIN_DIR "/maps"
#define PIN_SHADOW	PIN_DIR "/shadow"
#define PIN_SHADOW_LINK	PIN_SHADOW "/link"
#define PIN_SHADOW_MAPS	PIN_SHADOW "/maps"

/* Where a slot's policy is pinned: the active one, or the shadow. */
struct pin_slot {
	const char *dir, *link, *maps;
	const char *what;		/* "policy", "shadow policy" */
	const char *sysfs_name;		/* its name in /sys/kernel/p2pmap */
	bool shadow;
};
extern const struct pin_slot pins_active, pins_shadow;

struct bpf_object;

struct shipped_policy {
	const char *name;
	const char *summary;
	const void *(*elf_bytes)(size_t *sz);
};
extern const struct shipped_policy shipped_policies[];
extern const size_t nr_shipped_policies;

/*
 * Open @what: a shipped policy's name, or a path to a .bpf.o (anything with a '/' or ending
 * in .o). On error print why and return NULL. Then set its tunables (tunables.h), and load and
 * attach it with policy_load_attach().
 */
struct bpf_object *policy_open(const char *what);

/*
 * Load @obj, fill its rules map with @rules (an error if @nr_rules and it has none), and
 * attach it: through the pinned link's update if a link is pinned (the old policy is
 * replaced in one step), else as a new link, which is then pinned. Its maps are pinned
 * under PIN_MAPS. Prints what it did (@quiet: only errors); when the module refused the
 * policy, its reason (/sys/kernel/p2pmap/last_error). 0 or -errno.
 */
int policy_load_attach(struct bpf_object *obj, const struct rule_def *rules, size_t nr_rules,
		       bool quiet);

/*
 * The same for the shadow slot: P2PMAP_POLICY_SHADOW is set in the policy's flags before it
 * loads; the pins are under PIN_SHADOW, a shadow pinned there is replaced through its link.
 */
int policy_shadow_load_attach(struct bpf_object *obj, bool quiet);

/* Remove the shadow's pins and wait for the module to drop it. 0 or -errno. */
int policy_shadow_detach(bool quiet);

/*
 * Promote the shadow: the active link's update with the shadow's own struct_ops map (a new
 * active link when none is pinned and no policy is attached); then its map pins move to
 * PIN_MAPS and its link pin goes. 0 or -errno.
 */
int policy_promote(bool quiet);

/* Remove the pins and wait for the module to drop the policy. 0 or -errno. */
int policy_detach(bool quiet);

/* The attached policy's name (/sys/kernel/p2pmap/policy): "none", or "?" if unreadable. */
void policy_current(char *buf, size_t len);
/* The same for the shadow policy (/sys/kernel/p2pmap/shadow). */
void policy_shadow_current(char *buf, size_t len);

/* What is pinned: link and map ids, tunables, number of rules. */
void policy_pin_info(struct policy_pin *pin);
void policy_pin_info_slot(const struct pin_slot *slot, struct policy_pin *pin);

#endif
