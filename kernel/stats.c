// SPDX-License-Identifier: GPL-2.0-only
/*
 * Statistics: the global counters, and what every (provider, client) pair was asked, decided
 * and mapped.
 *
 * The global counters are per CPU (struct p2pmap_counters): p2pmap_count() adds to this CPU's
 * share, p2pmap_counter_sum() adds the shares up for sysfs.
 *
 * A mapping's decisions, bytes and errors are added once it has succeeded or failed, all
 * under one lock, and P2PMAP_IOC_STATS copies every pair under the same lock: a snapshot
 * never shows half a mapping. A reset comes after the snapshot reached the user, and takes
 * exactly the snapshot off the counters, so it loses nothing that was not reported.
 * The lock is taken once per mapping, not per page.
 */
#include <linux/spinlock.h>

#include "internal.h"

static DEFINE_SPINLOCK(stats_lock);

DEFINE_PER_CPU(struct p2pmap_counters, p2pmap_counters);

/**
 * p2pmap_counter_sum() - the value of a global counter: every CPU's share added up
 * @offset: offsetof() the counter in struct p2pmap_counters
 *
 * Return: the sum (a gauge can be briefly off while a mapping is being made or torn down).
 */
s64 p2pmap_counter_sum(size_t offset)
{
	s64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *(s64 *)((char *)per_cpu_ptr(&p2pmap_counters, cpu) + offset);
	return sum;
}

/**
 * p2pmap_stats_account() - count a mapping's decisions in its pairs and the global counters
 * @ch: the mapping's choices, one per provider
 * @nr: entries in @ch
 * @ret: 0 if the mapping was made, else the errno it failed with
 *
 * Bytes are counted for successful mappings only. A failure after the decisions (other than
 * a rejection, counted as such) is an error of every pair in the mapping; so is a policy
 * error (demotion, invalid verdict).
 */
void p2pmap_stats_account(const struct p2pmap_choice *ch, unsigned int nr, int ret)
{
	unsigned int c;

	spin_lock(&stats_lock);
	for (c = 0; c < nr; c++) {
		struct p2pmap_pair_stats *s;
		u32 v = ch[c].verdict;

		if (!v)		/* never decided: an earlier provider's pair failed */
			continue;
		p2pmap_count(decisions[v], 1);
		if (!ch[c].pair)
			continue;
		s = &ch[c].pair->stats;
		atomic64_inc(&s->decisions[v]);
		atomic_set(&s->last_verdict, v);
		atomic_set(&s->last_reason, ch[c].reason);
		if (ch[c].reason == P2PMAP_REASON_POLICY_DEMOTED ||
		    ch[c].reason == P2PMAP_REASON_POLICY_ERROR)
			atomic64_inc(&s->errors);
		if (!ret)
			atomic64_add(ch[c].req.len, v == P2PMAP_VERDICT_P2P ?
				     &s->bytes_p2p : &s->bytes_bounce);
		else if (v != P2PMAP_VERDICT_REJECT && ret != -EPERM)
			atomic64_inc(&s->errors);
		p2pmap_shadow_account(&s->shadow, &ch[c], ret);
	}
	spin_unlock(&stats_lock);
}

struct snapshot {
	struct p2pmap_pair_stat *out;
	struct p2pmap_pair **pairs;
	unsigned int cap;
	unsigned int nr;
};

static void snap_one(struct p2pmap_pair *pair, void *arg)
{
	struct snapshot *snap = arg;
	struct p2pmap_pair_stats *s = &pair->stats;
	struct p2pmap_pair_stat *e;

	if (snap->nr < snap->cap) {
		e = &snap->out[snap->nr];
		memset(e, 0, sizeof(*e));
		p2pmap_pci_addr_of(pair->provider, &e->provider);
		p2pmap_pci_addr_of(pair->client, &e->client);
		e->decisions_p2p = atomic64_read(&s->decisions[P2PMAP_VERDICT_P2P]);
		e->decisions_bounce = atomic64_read(&s->decisions[P2PMAP_VERDICT_BOUNCE]);
		e->decisions_reject = atomic64_read(&s->decisions[P2PMAP_VERDICT_REJECT]);
		e->bytes_p2p = atomic64_read(&s->bytes_p2p);
		e->bytes_bounce = atomic64_read(&s->bytes_bounce);
		e->errors = atomic64_read(&s->errors);
		e->last_verdict = atomic_read(&s->last_verdict);
		e->last_reason = atomic_read(&s->last_reason);
		e->kernel_verdict = pair->facts.kernel_verdict;
		e->distance = pair->facts.distance;
		p2pmap_shadow_snap(&s->shadow, e);
		p2pmap_override_snap(pair, e);
		if (snap->pairs)
			snap->pairs[snap->nr] = kref_get_unless_zero(&pair->ref) ? pair : NULL;
	}
	snap->nr++;
}

/**
 * p2pmap_stats_snapshot() - copy every pair's statistics at one instant
 * @out: room for @cap entries
 * @pairs: NULL, or room for @cap pointers: the pair of each entry copied, referenced (NULL
 *	for a pair already on its way out), for p2pmap_stats_release()
 * @cap: entries @out holds (may be 0)
 *
 * Return: the number of pairs in the table, which may exceed @cap.
 */
unsigned int p2pmap_stats_snapshot(struct p2pmap_pair_stat *out, struct p2pmap_pair **pairs,
				   unsigned int cap)
{
	struct snapshot snap = { .out = out, .pairs = pairs, .cap = cap };

	rcu_read_lock();
	spin_lock(&stats_lock);
	p2pmap_pair_for_each(snap_one, &snap);
	spin_unlock(&stats_lock);
	rcu_read_unlock();
	return snap.nr;
}

/**
 * p2pmap_stats_release() - drop a snapshot's pair references, resetting what it counted
 * @pairs: from p2pmap_stats_snapshot()
 * @snap: the entries it copied
 * @nr: entries in @pairs and @snap
 * @reset: take what @snap holds off each pair's counters
 *
 * A reset subtracts the snapshot rather than zeroing: whatever the pairs counted after the
 * snapshot stays, so a reset loses nothing that was not reported. A pair whose decisions are
 * all reset forgets its last verdict and reason too.
 */
void p2pmap_stats_release(struct p2pmap_pair **pairs, const struct p2pmap_pair_stat *snap,
			  unsigned int nr, bool reset)
{
	unsigned int i;
	int v;

	if (reset) {
		spin_lock(&stats_lock);
		for (i = 0; i < nr; i++) {
			const struct p2pmap_pair_stat *e = &snap[i];
			struct p2pmap_pair_stats *s;
			s64 left = 0;

			if (!pairs[i])
				continue;
			s = &pairs[i]->stats;
			atomic64_sub(e->decisions_p2p, &s->decisions[P2PMAP_VERDICT_P2P]);
			atomic64_sub(e->decisions_bounce, &s->decisions[P2PMAP_VERDICT_BOUNCE]);
			atomic64_sub(e->decisions_reject, &s->decisions[P2PMAP_VERDICT_REJECT]);
			atomic64_sub(e->bytes_p2p, &s->bytes_p2p);
			atomic64_sub(e->bytes_bounce, &s->bytes_bounce);
			atomic64_sub(e->errors, &s->errors);
			p2pmap_shadow_unsnap(&s->shadow, e);
			for (v = 0; v < ARRAY_SIZE(s->decisions); v++)
				left += atomic64_read(&s->decisions[v]);
			if (!left) {
				atomic_set(&s->last_verdict, 0);
				atomic_set(&s->last_reason, 0);
			}
		}
		spin_unlock(&stats_lock);
	}
	for (i = 0; i < nr; i++)
		if (pairs[i])
			p2pmap_pair_put(pairs[i]);
}
