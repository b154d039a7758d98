// SPDX-License-Identifier: GPL-2.0-only
/* Writing the rules policy's map through its writer program (bpf/rules.h). */
#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>

#include "rules_write.h"

int rules_write(int prog_fd, uint32_t op, const struct p2pmap_rule_key *key,
		const struct p2pmap_rule *rule)
{
	struct p2pmap_rules_write w = { .op = op, .key = *key };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &w, .ctx_size_in = sizeof(w));

	if (rule)
		w.rule = *rule;
	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	/* 0 or -errno from the writer; anything else is not one. */
	return (int)opts.retval > 0 ? -EPROTO : (int)opts.retval;
}
