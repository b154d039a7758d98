/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shadow report: per pair, how often the shadow policy agreed with the active one, where
 * they differ (active -> shadow verdict) and what would have moved path, by request size.
 * Plain data in, so the unit tests check it without a kernel.
 */
#ifndef P2PPOLICY_FMT_SHADOW_H
#define P2PPOLICY_FMT_SHADOW_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "kmod.h"

struct shadow_report {
	const char *shadow;		/* the shadow's name, "none" */
	const char *shadow_state;	/* /sys/kernel/p2pmap/shadow_state */
	const char *policy;		/* the active policy's name, "none" (built-in rule) */
	const struct p2pmap_pair_stat *pairs;
	size_t nr;
	bool all;			/* pairs without comparisons too */
};

const char *size_bucket_str(unsigned int b);	/* "<64K", "64K-1M", ">=1M" */

void fmt_shadow_report(FILE *f, const struct shadow_report *r);

/* explain --shadow: what the shadow policy @name would decide (e->shadow_verdict 0: none). */
void fmt_explain_shadow(FILE *f, const struct p2pmap_explain *e, const char *name);
json_object *fmt_explain_shadow_json(const struct p2pmap_explain *e, const char *name);
json_object *fmt_shadow_report_json(const struct shadow_report *r);

#endif
