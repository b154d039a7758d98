/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rules of the rules policy as people write them, and as its map holds them (bpf/rules.h).
 *
 * A rule names a provider and a client (address, vendor:device or any) and its verdicts: a
 * list of up to four "[MIN-[MAX]:]VERDICT" items. MIN-MAX is a half-open byte range
 * [MIN, MAX), "MIN-" has no upper end, and an item without a range covers every size.
 * VERDICT is p2p (where the kernel allows it, else bounce), bounce, reject or builtin.
 * Example: "0-64K:bounce 64K-:p2p".
 */
#ifndef P2PPOLICY_RULE_H
#define P2PPOLICY_RULE_H

#include <linux/types.h>
#include <stdbool.h>

#include "pci.h"
#include "rules.h"

struct rule_def {
	struct pci_spec provider;
	struct pci_spec client;
	struct p2pmap_rule val;
};

/* Parse a verdict list into @r (nr_ranges, ranges). 0, or -EINVAL with the reason in @why. */
int rule_verdicts_parse(const char *s, struct p2pmap_rule *r, char *why, size_t len);
/* "0-64K:bounce 64K-:p2p" */
char *rule_verdicts_str(const struct p2pmap_rule *r, char *buf, size_t len);

void rule_key(const struct rule_def *d, struct p2pmap_rule_key *key);
void rule_from_key(const struct p2pmap_rule_key *key, struct rule_def *d);

/* "p2p", "bounce", "reject", "builtin"; NULL if unknown. */
const char *rule_verdict_name(__u32 v);

#endif
