/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Policies: open a shipped one (embedded from its libbpf skeleton) or any .bpf.o, set its
 * tunables, load it, attach it (or replace the attached one atomically through the pinned
 * link's update), pin it, detach it; edit the rules map of the attached policy.
 *
 * Pins (bpffs): PIN_DIR/link is the struct_ops link; PIN_DIR/maps/<map name> are the
 * policy's other maps (its .data tunables, the rules map). A policy lives as long as its
 * link pin, so it survives p2ppolicy.
 */
#ifndef P2PPOLICY_POLICY_H
#define P2PPOLICY_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "fmt.h"
#include "rule.h"

#define PIN_DIR		"/sys/fs/bpf/p2pmap"
#define PIN_LINK	PIN_DIR "/link"
#define PIN_MAPS	PIN_DIR "/maps"

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
 * in .o). On error print why and return NULL.
 */
struct bpf_object *policy_open(const char *what);
/*
 * Set global variables before load; prints why on error, as "FILE:LINE: ..." if @file (the
 * configuration the tunables come from). 0 or -errno.
 */
int policy_set_tunables(struct bpf_object *obj, const struct tunable *t, unsigned int n,
			const char *file);

/*
 * Load @obj, fill its rules map with @rules (an error if @nr_rules and it has none), and
 * attach it: through the pinned link's update if a link is pinned (the old policy is
 * replaced in one step), else as a new link, which is then pinned. Its maps are pinned
 * under PIN_MAPS. Prints what it did (@quiet: only errors). 0 or -errno.
 */
int policy_attach(struct bpf_object *obj, const struct rule_def *rules, size_t nr_rules,
		  bool quiet);

/* Remove the pins and wait for the module to drop the policy. 0 or -errno. */
int policy_detach(bool quiet);

/* What is pinned: link and map ids, tunables, number of rules. */
void policy_pin_info(struct policy_pin *pin);

/* Live edits of the attached policy's maps. 0 or -errno; errors printed. */
int policy_set_live(const struct tunable *t, unsigned int n);
int rules_list(struct rule_def **out, uint64_t **hits, size_t *nr);
int rules_add(const struct rule_def *r, bool *replaced);
int rules_del(const struct rule_def *r);
/* Make the rules map hold exactly @rules (add/replace, then delete the others). */
int rules_sync(const struct rule_def *rules, size_t nr, unsigned int *changed);

#endif
