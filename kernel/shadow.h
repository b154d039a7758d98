/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shadow policy's per-pair statistics (shadow.c); the shadow slot itself is in policy.c.
 * Not an API.
 */
#ifndef _P2PMAP_SHADOW_H
#define _P2PMAP_SHADOW_H

#include <linux/types.h>

#include "../include/uapi/p2pmap.h"

struct p2pmap_choice;
struct p2pmap_pair_stat;

/**
 * struct p2pmap_shadow_choice - what the shadow policy would have decided for one provider
 * @verdict: enum p2pmap_verdict after the safety rules; 0 when no shadow was attached
 * @reason: enum p2pmap_reason of that verdict
 */
struct p2pmap_shadow_choice {
	u32 verdict;
	u32 reason;
};

/**
 * struct p2pmap_shadow_stats - a pair's agreement statistics, as struct p2pmap_pair_stat
 * @compared: decisions compared with a shadow's
 * @agreed: of those, the same verdict
 * @errors: shadow policy errors
 * @disagree: disagreements by [active verdict - 1][shadow verdict - 1]
 * @moved: P2P <-> BOUNCE disagreements by request size (enum p2pmap_size_bucket)
 * @moved_bytes: their bytes (successful mappings only)
 *
 * One CPU's share (struct p2pmap_pair_counts), written under that CPU's stats lock with the
 * pair's other counts; a snapshot sums the shares under every CPU's lock, so it holds both
 * from one instant (stats.c).
 */
struct p2pmap_shadow_stats {
	u64 compared;
	u64 agreed;
	u64 errors;
	u64 disagree[3][3];
	u64 moved[P2PMAP_NR_SIZE_BUCKETS];
	u64 moved_bytes[P2PMAP_NR_SIZE_BUCKETS];
};

void p2pmap_shadow_account(struct p2pmap_shadow_stats *s, const struct p2pmap_choice *ch,
			   int ret);
void p2pmap_shadow_snap(const struct p2pmap_shadow_stats *s, struct p2pmap_pair_stat *e);
void p2pmap_shadow_unsnap(struct p2pmap_shadow_stats *s, const struct p2pmap_pair_stat *e);
void p2pmap_shadow_add(struct p2pmap_shadow_stats *sum, const struct p2pmap_shadow_stats *s);

#endif /* _P2PMAP_SHADOW_H */
