// SPDX-License-Identifier: GPL-2.0-only
/*
 * Statistics: the global counters, and what every (provider, client) pair was asked, decided
 * and mapped.
 *
 * The global counters are per CPU (struct p2pmap_counters): p2pmap_count() adds to this CPU's
 * share, p2pmap_counter_sum() adds the shares up for sysfs.
 *
 * A pair's counts are per CPU too (struct p2pmap_pair_counts), each share under its CPU's
 * stats lock: a mapping adds its decisions, bytes and errors once it has succeeded or failed,
 * to the share of the CPU it runs on, under that CPU's lock only. Mappings on different CPUs
 * share no lock and no cache line, however hot the pair.
 *
 * P2PMAP_IOC_STATS sums the shares one CPU at a time, holding that CPU's lock while it adds
 * the CPU's share of every pair: a mapping counts under one CPU's lock, in all its pairs at
 * once, so a snapshot never shows half a mapping (one that finishes while the snapshot is
 * taken is in it or not). It never holds off the data path beyond one CPU's lock for one
 * walk of the snapshot's pairs, however often a monitor asks. A reset comes after the
 * snapshot reached the user, and takes exactly the snapshot off the counters (off one CPU's
 * share, under its lock: only sums mean anything), so it loses nothing that was not
 * reported.
 */
#include <linux/capability.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include "../include/p2pmap_args.h"
#include "internal.h"

/*
 * Serialises the updates of one CPU's shares (two tasks may update the same CPU's), and a
 * snapshot's or a reset's reading of them with the updates.
 */
static DEFINE_PER_CPU(spinlock_t, stats_lock);

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
 *
 * Context: process context; never sleeps.
 */
void p2pmap_stats_account(const struct p2pmap_choice *ch, unsigned int nr, int ret)
{
	spinlock_t *lock;	/* the share's, below */
	unsigned int c;
	int cpu;

	/* Any CPU's share will do: its lock, not the CPU, keeps the share consistent. */
	cpu = raw_smp_processor_id();
	lock = per_cpu_ptr(&stats_lock, cpu);
	spin_lock(lock);
	for (c = 0; c < nr; c++) {
		struct p2pmap_pair_stats *s;
		struct p2pmap_pair_counts *k;
		u32 v = ch[c].verdict;

		if (!v)		/* never decided: an earlier provider's pair failed */
			continue;
		p2pmap_count(decisions[v], 1);
		if (!ch[c].pair)
			continue;
		s = &ch[c].pair->stats;
		k = per_cpu_ptr(s->pcpu, cpu);
		k->decisions[v]++;
		k->reasons[ch[c].reason]++;
		/* Written only when it changes: a hot pair's line stays shared, not bounced. */
		if (READ_ONCE(s->last_verdict) != v)
			WRITE_ONCE(s->last_verdict, v);
		if (READ_ONCE(s->last_reason) != ch[c].reason)
			WRITE_ONCE(s->last_reason, ch[c].reason);
		if (ch[c].reason == P2PMAP_REASON_POLICY_DEMOTED ||
		    ch[c].reason == P2PMAP_REASON_POLICY_ERROR)
			k->errors++;
		if (!ret) {
			if (v == P2PMAP_VERDICT_P2P)
				k->bytes_p2p += ch[c].req.len;
			else
				k->bytes_bounce += ch[c].req.len;
		} else if (v != P2PMAP_VERDICT_REJECT && ret != -EPERM && ret != -EADDRINUSE) {
			k->errors++;
		}
		p2pmap_shadow_account(&k->shadow, &ch[c], ret);
	}
	spin_unlock(lock);
}

/**
 * p2pmap_stats_init() - set up the per-CPU stats locks, at module load
 *
 * One lock class for all of them; only one is ever held.
 */
void p2pmap_stats_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		spin_lock_init(per_cpu_ptr(&stats_lock, cpu));
}

/*
 * Add one CPU's share @k to @sum: the decisions, bytes and errors, and with @all the reasons
 * and the shadow's counts too (what a snapshot reports; a policy's view needs only the first).
 */
static void add_share(struct p2pmap_pair_counts *sum, const struct p2pmap_pair_counts *k,
		      bool all)
{
	int v;

	for (v = 0; v < ARRAY_SIZE(k->decisions); v++)
		sum->decisions[v] += READ_ONCE(k->decisions[v]);
	sum->bytes_p2p += READ_ONCE(k->bytes_p2p);
	sum->bytes_bounce += READ_ONCE(k->bytes_bounce);
	sum->errors += READ_ONCE(k->errors);
	if (!all)
		return;
	for (v = 0; v < ARRAY_SIZE(k->reasons); v++)
		sum->reasons[v] += READ_ONCE(k->reasons[v]);
	p2pmap_shadow_add(&sum->shadow, &k->shadow);
}

/* A pair's counts summed over every CPU, without the locks: a recent value. */
static void sum_counts(const struct p2pmap_pair_stats *s, struct p2pmap_pair_counts *sum,
		       bool all)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu)
		add_share(sum, per_cpu_ptr(s->pcpu, cpu), all);
}

/**
 * p2pmap_pair_stats_init() - allocate a new pair's statistics
 * @s: the statistics, zeroed
 *
 * Return: 0 or -ENOMEM.
 */
int p2pmap_pair_stats_init(struct p2pmap_pair_stats *s)
{
	s->pcpu = alloc_percpu(struct p2pmap_pair_counts);
	return s->pcpu ? 0 : -ENOMEM;
}

/**
 * p2pmap_pair_stats_free() - free a pair's statistics
 * @s: the statistics; nothing may count into them any more
 */
void p2pmap_pair_stats_free(struct p2pmap_pair_stats *s)
{
	free_percpu(s->pcpu);
}

/**
 * p2pmap_pair_stats_recent() - a pair's statistics as a policy sees them
 * @s: the pair's statistics
 * @out: (out) the counts, as of at most one scheduler tick ago
 *
 * A decision does not sum every CPU's share: once per tick one decision does, and the others
 * read its sum. Policies only need a recent value (include/p2pmap_policy.h says so).
 * Context: any; never sleeps.
 */
void p2pmap_pair_stats_recent(struct p2pmap_pair_stats *s, struct p2pmap_policy_stats *out)
{
	struct p2pmap_policy_stats *r = &s->recent;
	unsigned long now = jiffies;

	if (READ_ONCE(s->recent_at) != now) {
		struct p2pmap_pair_counts sum;

		WRITE_ONCE(s->recent_at, now);
		sum_counts(s, &sum, false);
		WRITE_ONCE(r->p2p, sum.decisions[P2PMAP_VERDICT_P2P]);
		WRITE_ONCE(r->bounce, sum.decisions[P2PMAP_VERDICT_BOUNCE]);
		WRITE_ONCE(r->reject, sum.decisions[P2PMAP_VERDICT_REJECT]);
		WRITE_ONCE(r->bytes_p2p, sum.bytes_p2p);
		WRITE_ONCE(r->bytes_bounce, sum.bytes_bounce);
		WRITE_ONCE(r->errors, sum.errors);
	}
	*out = (struct p2pmap_policy_stats){
		.p2p = READ_ONCE(r->p2p),
		.bounce = READ_ONCE(r->bounce),
		.reject = READ_ONCE(r->reject),
		.bytes_p2p = READ_ONCE(r->bytes_p2p),
		.bytes_bounce = READ_ONCE(r->bytes_bounce),
		.errors = READ_ONCE(r->errors),
	};
}

struct snapshot {
	struct p2pmap_pair_stat *out;
	struct p2pmap_pair **pairs;
	unsigned int cap;
	unsigned int nr;
};

/* An entry's counts. */
static void fill_counts(struct p2pmap_pair_stat *e, const struct p2pmap_pair_counts *sum)
{
	e->decisions_p2p = sum->decisions[P2PMAP_VERDICT_P2P];
	e->decisions_bounce = sum->decisions[P2PMAP_VERDICT_BOUNCE];
	e->decisions_reject = sum->decisions[P2PMAP_VERDICT_REJECT];
	e->bytes_p2p = sum->bytes_p2p;
	e->bytes_bounce = sum->bytes_bounce;
	e->errors = sum->errors;
	BUILD_BUG_ON(ARRAY_SIZE(sum->reasons) > ARRAY_SIZE(e->decisions_by_reason));
	memcpy(e->decisions_by_reason, sum->reasons, sizeof(sum->reasons));
	p2pmap_shadow_snap(&sum->shadow, e);
}

/* An entry's pair, referenced, and all but its counts; a pair on its way out gets its sum. */
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
		e->last_verdict = s->last_verdict;
		e->last_reason = s->last_reason;
		e->kernel_verdict = pair->facts.kernel_verdict;
		e->distance = pair->facts.distance;
		p2pmap_override_snap(pair, e);
		snap->pairs[snap->nr] = kref_get_unless_zero(&pair->ref) ? pair : NULL;
		if (!snap->pairs[snap->nr]) {
			struct p2pmap_pair_counts sum;

			sum_counts(s, &sum, true);
			fill_counts(e, &sum);
		}
	}
	snap->nr++;
}

/**
 * p2pmap_stats_snapshot() - copy every pair's statistics, no mapping half counted
 * @out: room for @cap entries
 * @pairs: room for @cap pointers: the pair of each entry copied, referenced (NULL for a pair
 *	already on its way out), for p2pmap_stats_release()
 * @cap: entries @out holds (may be 0)
 * @total: (out) the number of pairs in the table, which may exceed @cap
 *
 * Each CPU's shares are added up under that CPU's stats lock, so a mapping is in every
 * entry it counted in, or in none.
 *
 * Context: process context, may sleep.
 * Return: 0 or -ENOMEM.
 */
int p2pmap_stats_snapshot(struct p2pmap_pair_stat *out, struct p2pmap_pair **pairs,
			  unsigned int cap, unsigned int *total)
{
	struct snapshot snap = { .out = out, .pairs = pairs, .cap = cap };
	struct p2pmap_pair_counts *sum = NULL;
	unsigned int i, n;
	int cpu;

	rcu_read_lock();
	p2pmap_pair_for_each(snap_one, &snap);
	rcu_read_unlock();
	*total = snap.nr;
	n = min(snap.nr, cap);
	if (!n)
		return 0;
	sum = kvcalloc(n, sizeof(*sum), GFP_KERNEL);
	if (!sum) {
		p2pmap_stats_release(pairs, out, n, false);
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu) {
		spinlock_t *lock = per_cpu_ptr(&stats_lock, cpu);

		spin_lock(lock);
		for (i = 0; i < n; i++)
			if (pairs[i])
				add_share(&sum[i], per_cpu_ptr(pairs[i]->stats.pcpu, cpu), true);
		spin_unlock(lock);
		cond_resched();
	}
	for (i = 0; i < n; i++)
		if (pairs[i])
			fill_counts(&out[i], &sum[i]);
	kvfree(sum);
	return 0;
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
		/* Off one CPU's share, under its lock: only the sums mean anything. */
		int cpu = raw_smp_processor_id();
		spinlock_t *lock = per_cpu_ptr(&stats_lock, cpu);

		for (i = 0; i < nr; i++) {
			const struct p2pmap_pair_stat *e = &snap[i];
			struct p2pmap_pair_counts *k, sum;

			if (!pairs[i])
				continue;
			spin_lock(lock);
			k = per_cpu_ptr(pairs[i]->stats.pcpu, cpu);
			k->decisions[P2PMAP_VERDICT_P2P] -= e->decisions_p2p;
			k->decisions[P2PMAP_VERDICT_BOUNCE] -= e->decisions_bounce;
			k->decisions[P2PMAP_VERDICT_REJECT] -= e->decisions_reject;
			k->bytes_p2p -= e->bytes_p2p;
			k->bytes_bounce -= e->bytes_bounce;
			k->errors -= e->errors;
			for (v = 0; v < ARRAY_SIZE(k->reasons); v++)
				k->reasons[v] -= e->decisions_by_reason[v];
			p2pmap_shadow_unsnap(&k->shadow, e);
			spin_unlock(lock);
			sum_counts(&pairs[i]->stats, &sum, false);
			for (v = 0; v < ARRAY_SIZE(sum.decisions); v++)
				if (sum.decisions[v])
					break;
			if (v == ARRAY_SIZE(sum.decisions)) {
				WRITE_ONCE(pairs[i]->stats.last_verdict, 0);
				WRITE_ONCE(pairs[i]->stats.last_reason, 0);
			}
			/* Policies see the reset at their next decision. */
			WRITE_ONCE(pairs[i]->stats.recent_at, jiffies - 1);
		}
	}
	for (i = 0; i < nr; i++)
		if (pairs[i])
			p2pmap_pair_put(pairs[i]);
}

/**
 * p2pmap_ioc_stats() - P2PMAP_IOC_STATS: snapshot (and reset) the per-pair statistics
 * @uarg: struct p2pmap_stats
 *
 * The snapshot covers every pair (a reset must know what it takes off each); the user gets
 * the first arg.nr entries. The reset happens only once the snapshot reached the user: a
 * failed copy resets nothing.
 *
 * Return: 0 or a negative errno (include/uapi/p2pmap.h).
 */
long p2pmap_ioc_stats(void __user *uarg)
{
	struct p2pmap_pair_stat *buf = NULL;
	struct p2pmap_pair **pairs = NULL;
	struct p2pmap_stats arg;
	unsigned int i, cap, total, got;
	bool reset;
	u32 argsz;
	int ret;

	ret = p2pmap_arg_in(&arg, sizeof(arg), sizeof(arg), uarg, &argsz);
	if (ret)
		return ret;
	if ((arg.flags & ~P2PMAP_STATS_RESET) ||
	    (arg.nr && (arg.entry_size < sizeof(*buf) ||
			arg.entry_size > PAGE_SIZE)))
		return -EINVAL;
	reset = arg.flags & P2PMAP_STATS_RESET;
	if (reset && !capable(CAP_SYS_ADMIN))
		return -EPERM;

	/* Pairs appearing meanwhile are counted in the total (not reset), for a retry. */
	cap = reset ? p2pmap_pair_count() : min(arg.nr, p2pmap_pair_count());
	if (cap) {
		buf = kvcalloc(cap, sizeof(*buf), GFP_KERNEL);
		pairs = kvcalloc(cap, sizeof(*pairs), GFP_KERNEL);
		if (!buf || !pairs) {
			ret = -ENOMEM;
			goto out_free;
		}
	}
	ret = p2pmap_stats_snapshot(buf, pairs, cap, &total);
	if (ret)
		goto out_free;
	got = min(cap, total);
	for (i = 0; i < min(arg.nr, got); i++) {
		void __user *dst = u64_to_user_ptr(arg.pairs + (u64)i * arg.entry_size);

		/* A later version's larger entry gets zeros beyond what this one knows. */
		if (copy_to_user(dst, &buf[i], sizeof(*buf)) ||
		    clear_user(dst + sizeof(*buf), arg.entry_size - sizeof(*buf))) {
			ret = -EFAULT;
			goto out;
		}
	}
	arg.nr = total;
	ret = p2pmap_arg_out(uarg, &arg, sizeof(arg), argsz);
out:
	p2pmap_stats_release(pairs, buf, got, reset && !ret);
out_free:
	kvfree(pairs);
	kvfree(buf);
	return ret;
}
