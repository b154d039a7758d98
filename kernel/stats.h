/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Statistics (stats.c): a pair's running counts, per CPU, and the module's global counters.
 */
#ifndef _P2PMAP_STATS_H
#define _P2PMAP_STATS_H

#include <linux/percpu.h>
#include <linux/types.h>

#include "shadow.h"
#include "../include/p2pmap_policy.h"
#include "../include/uapi/p2pmap.h"

struct p2pmap_choice;
struct p2pmap_pair;

/**
 * struct p2pmap_pair_counts - one CPU's share of a pair's running statistics
 * @decisions: decisions per verdict, indexed by enum p2pmap_verdict
 * @bytes_p2p: bytes mapped peer to peer
 * @bytes_bounce: bytes mapped through bounce buffers
 * @errors: policy errors and mappings that failed after the decision
 * @reasons: decisions per reason, indexed by enum p2pmap_reason
 * @shadow: agreement with the shadow policy (shadow.c)
 *
 * Written under that CPU's stats lock (stats.c). A reset subtracts from one CPU's share, so a
 * share may wrap below zero; only the sum over every CPU means anything.
 */
struct p2pmap_pair_counts {
	u64 decisions[P2PMAP_VERDICT_REJECT + 1];
	u64 bytes_p2p;
	u64 bytes_bounce;
	u64 errors;
	u64 reasons[__P2PMAP_REASON_MAX];
	struct p2pmap_shadow_stats shadow;
};

/**
 * struct p2pmap_pair_stats - running statistics of a pair
 * @pcpu: the counts, per CPU: a mapping adds to its CPU's share only, so mappings on
 *	different CPUs share no cache line and no lock (stats.c)
 * @last_verdict: the verdict of the latest mapping
 * @last_reason: the reason of the latest mapping
 * @recent: the counts summed up, as policies see them (p2pmap_pair_stats_recent())
 * @recent_at: jiffies when @recent was summed
 */
struct p2pmap_pair_stats {
	struct p2pmap_pair_counts __percpu *pcpu;
	u32 last_verdict;
	u32 last_reason;
	struct p2pmap_policy_stats recent;
	unsigned long recent_at;
};

/*
 * Global counters (stats.c), exported through sysfs. Per CPU, so the mapping path pays no
 * shared atomic for them; a read sums every CPU's share (gauges such as @mappings_active go
 * up on one CPU and down on another, so only the sum means anything). @bytes_devmem_read and
 * @bytes_devmem_written are the bytes the bounce path's CPU copies read from and wrote to
 * device (P2P) memory (bounce.c, iocopy.h).
 */
struct p2pmap_counters {
	u64 decisions[P2PMAP_VERDICT_REJECT + 1];
	u64 bytes_ram;
	u64 bytes_p2p;
	u64 bytes_bounce;
	u64 maps;
	u64 map_errors;
	s64 mappings_active;
	s64 pinned_pages;
	u64 bytes_devmem_read;
	u64 bytes_devmem_written;
};

DECLARE_PER_CPU(struct p2pmap_counters, p2pmap_counters);

#define p2pmap_count(_field, _n)	this_cpu_add(p2pmap_counters._field, _n)

s64 p2pmap_counter_sum(size_t offset);

/* stats.c: per-pair statistics, updated and read consistently. */
void p2pmap_stats_init(void);
int p2pmap_pair_stats_init(struct p2pmap_pair_stats *s);
void p2pmap_pair_stats_free(struct p2pmap_pair_stats *s);
void p2pmap_pair_stats_recent(struct p2pmap_pair_stats *s, struct p2pmap_policy_stats *out);
void p2pmap_stats_account(const struct p2pmap_choice *ch, unsigned int nr, int ret);
int p2pmap_stats_snapshot(struct p2pmap_pair_stat *out, struct p2pmap_pair **pairs,
			  unsigned int cap, unsigned int *total);
void p2pmap_stats_release(struct p2pmap_pair **pairs, const struct p2pmap_pair_stat *snap,
			  unsigned int nr, bool reset);

#endif /* _P2PMAP_STATS_H */
