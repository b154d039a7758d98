/* SPDX-License-Identifier: GPL-2.0-only */
/* Writing the rules policy's map: one change per run of its writer program (bpf/rules.h). */
#ifndef P2PPOLICY_RULES_WRITE_H
#define P2PPOLICY_RULES_WRITE_H

#include <stdint.h>

#include "../../bpf/rules.h"

/*
 * Run the writer @prog_fd (P2PMAP_RULES_WRITER) for one change: @op P2PMAP_RULES_PUT of
 * @rule for @key, or P2PMAP_RULES_DEL (@rule unused, may be NULL). 0 or -errno: the
 * program's own (-E2BIG full, -ENOENT no such rule, -EINVAL), the run's, or -EPROTO for a
 * program that returned something else.
 */
int rules_write(int prog_fd, uint32_t op, const struct p2pmap_rule_key *key,
		const struct p2pmap_rule *rule);

#endif
