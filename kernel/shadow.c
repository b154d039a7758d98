// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shadow policy's agreement statistics, per (provider, client) pair.
 *
 * A shadow policy (P2PMAP_POLICY_SHADOW; its slot, attach, errors and promote are in
 * policy.c) decides every real mapping after the active one, with the same context; its
 * verdict never changes the mapping. Here each decision is compared once it is counted
 * (stats.c: per CPU, under that CPU's stats lock, with the pair's other statistics):
 * compared, agreed, disagreements by (active, shadow) verdict, and what would have moved path
 * between P2P and bounce, by request size. P2PMAP_IOC_STATS reads and resets them in the
 * same snapshot.
 */
#include "internal.h"
#include "vcache.h"

static bool moves_path(u32 a, u32 b)
{
	return a != b && a != P2PMAP_VERDICT_REJECT && b != P2PMAP_VERDICT_REJECT;
}

/**
 * p2pmap_shadow_account() - compare one counted decision with the shadow's
 * @s: the pair's shadow statistics
 * @ch: the decision, with what the shadow would have decided
 * @ret: 0 if the mapping was made, else its errno (bytes count for made mappings only)
 *
 * Called under a CPU's stats lock, on that CPU's share, once per counted decision. Nothing
 * when no shadow was asked.
 */
void p2pmap_shadow_account(struct p2pmap_shadow_stats *s, const struct p2pmap_choice *ch,
			   int ret)
{
	u32 a = ch->verdict, v = ch->shadow.verdict;
	unsigned int b;

	if (!v || !a)
		return;
	s->compared++;
	if (ch->shadow.reason == P2PMAP_REASON_POLICY_DEMOTED ||
	    ch->shadow.reason == P2PMAP_REASON_POLICY_ERROR)
		s->errors++;
	if (a == v) {
		s->agreed++;
		return;
	}
	s->disagree[a - 1][v - 1]++;
	if (!moves_path(a, v))
		return;
	b = p2pmap_size_bucket(ch->req.len);
	s->moved[b]++;
	if (!ret)
		s->moved_bytes[b] += ch->req.len;
}

/**
 * p2pmap_shadow_snap() - copy a pair's shadow statistics into a STATS entry
 * @s: the pair's shadow statistics, summed over every CPU under all the stats locks
 * @e: the entry
 */
void p2pmap_shadow_snap(const struct p2pmap_shadow_stats *s, struct p2pmap_pair_stat *e)
{
	e->shadow_compared = s->compared;
	e->shadow_agreed = s->agreed;
	e->shadow_errors = s->errors;
	memcpy(e->shadow_disagree, s->disagree, sizeof(e->shadow_disagree));
	memcpy(e->shadow_moved, s->moved, sizeof(e->shadow_moved));
	memcpy(e->shadow_moved_bytes, s->moved_bytes, sizeof(e->shadow_moved_bytes));
}

/**
 * p2pmap_shadow_unsnap() - take what a STATS entry reported off a pair (the reset)
 * @s: one CPU's share of the pair's shadow statistics (under all the stats locks)
 * @e: the entry p2pmap_shadow_snap() filled
 */
void p2pmap_shadow_unsnap(struct p2pmap_shadow_stats *s, const struct p2pmap_pair_stat *e)
{
	int i, j;

	s->compared -= e->shadow_compared;
	s->agreed -= e->shadow_agreed;
	s->errors -= e->shadow_errors;
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++)
			s->disagree[i][j] -= e->shadow_disagree[i][j];
	for (i = 0; i < P2PMAP_NR_SIZE_BUCKETS; i++) {
		s->moved[i] -= e->shadow_moved[i];
		s->moved_bytes[i] -= e->shadow_moved_bytes[i];
	}
}

/**
 * p2pmap_shadow_add() - add one CPU's share of a pair's shadow statistics to a sum
 * @sum: the sum
 * @s: the share
 */
void p2pmap_shadow_add(struct p2pmap_shadow_stats *sum, const struct p2pmap_shadow_stats *s)
{
	int i, j;

	sum->compared += READ_ONCE(s->compared);
	sum->agreed += READ_ONCE(s->agreed);
	sum->errors += READ_ONCE(s->errors);
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++)
			sum->disagree[i][j] += READ_ONCE(s->disagree[i][j]);
	for (i = 0; i < P2PMAP_NR_SIZE_BUCKETS; i++) {
		sum->moved[i] += READ_ONCE(s->moved[i]);
		sum->moved_bytes[i] += READ_ONCE(s->moved_bytes[i]);
	}
}
