/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Verified overrides as people and programs read them: a probe's report (verify), a pair's
 * override state (explain, pairs, override list). Plain data in, for the unit tests.
 */
#ifndef P2PPOLICY_FMT_OVERRIDE_H
#define P2PPOLICY_FMT_OVERRIDE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "kmod.h"

const char *probe_result_str(uint32_t r);	/* "pass", "all-ones", ..., "-" for 0 */
const char *probe_dir_str(uint32_t d);		/* "read", "write" */

/* "verified 2026-11-29 11:20:01 UTC, enabled" and the like, into @buf. */
char *fmt_override_state(uint32_t state, uint32_t probe_result, uint64_t verified_at,
			 char *buf, size_t len);
json_object *fmt_override_json(uint32_t state, uint32_t probe_result, uint64_t verified_at);

/* verify: what was tested, transfer by transfer, and the result. */
void fmt_verify(FILE *f, const struct p2pmap_verify *v);
json_object *fmt_verify_json(const struct p2pmap_verify *v);

/* The pairs with an override state or a probe; "(none)" when there is none. */
void fmt_overrides(FILE *f, const struct p2pmap_pair_stat *p, size_t n);
json_object *fmt_overrides_json(const struct p2pmap_pair_stat *p, size_t n);
bool pair_has_override(const struct p2pmap_pair_stat *p);

#endif
