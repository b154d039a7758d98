// SPDX-License-Identifier: GPL-2.0-only
/*
 * make bench, part 2, in the "wide" lab (4 providers x 16 clients): what one decision costs,
 * as a mapping pays it per provider — pair lookup, p2pmap_decide() (the built-in rule, then
 * the attached policy) and the pair's release — timed inside the kernel by p2pmap_test.ko.
 *
 *  1. against the number of (provider, client) pairs p2pmap knows: 1, 4, 16, 64 (it must stay
 *     flat: the pair table is a hash, a policy sees one pair);
 *  2. the built-in rule against each shipped policy, with all 64 pairs known, and the extra
 *     cost of the policy as a share of one 4 KiB P2P map + unmap measured in the same run
 *     (target: < 5%).
 *
 * Every figure is the per-decision time of a loop, repeated; min/median/max of the
 * repetitions. Prints a table; writes JSON to the path given.
 *
 *   bench-decide [--reps N] [--quick] OUT.json
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib.h"
#include "p2pmap_test.h"
#include "policy.h"

#define MAXDEV	32
#define ITERS	20000
#define MAX_REPS 15

static struct lab_dev provs[MAXDEV], edus[MAXDEV];
static int np, ne, reps = 7, test_fd, p2pmap_fd;

struct figure {
	double min, med, max;
};

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void summarize(double *v, struct figure *f)
{
	qsort(v, reps, sizeof(*v), cmp_d);
	f->min = v[0];
	f->med = v[reps / 2];
	f->max = v[reps - 1];
}

/* ns per decision for provs[0] -> edus[0], median of the repetitions. */
static int decide_cost(struct figure *f, uint32_t *verdict)
{
	double v[MAX_REPS];
	int i;

	for (i = -1; i < reps; i++) {
		struct p2pmap_test_decide d = {
			.argsz = sizeof(d), .provider = provs[0].addr, .client = edus[0].addr,
			.len = 4096, .iterations = ITERS,
		};

		if (ioctl(test_fd, P2PMAP_TEST_IOC_DECIDE, &d))
			return -errno;
		if (i >= 0)	/* i = -1 warms up */
			v[i] = (double)d.nsec / ITERS;
		*verdict = d.verdict;
	}
	summarize(v, f);
	return 0;
}

/* ns per map + unmap of 4 KiB of provs[0]'s p2pmem for edus[0], through p2pmap. */
static int map4k_cost(void *p2p, struct figure *f)
{
	double v[MAX_REPS];
	int i;

	for (i = -1; i < reps; i++) {
		struct p2pmap_test_raw r = {
			.argsz = sizeof(r), .flags = P2PMAP_TEST_RAW_VIA_P2PMAP, .client = edus[0].addr,
			.dir = P2PMAP_DIR_TO_DEVICE, .iterations = 256, .addr = (uintptr_t)p2p,
			.len = 4096,
		};

		if (ioctl(test_fd, P2PMAP_TEST_IOC_RAW, &r) || r.result)
			return r.result ? r.result : -errno;
		if (i >= 0)
			v[i] = (double)r.nsec / 256;
	}
	summarize(v, f);
	return 0;
}

/* Make p2pmap know the first @n pairs (provider-major), through EXPLAIN. */
static int know_pairs(int n)
{
	int k, ret;

	for (k = 0; k < n; k++) {
		struct p2pmap_explain ex;

		ret = xexplain(p2pmap_fd, &provs[k / ne], &edus[k % ne], 4096, &ex);
		if (ret)
			return ret;
	}
	return 0;
}

static const char *verdict_name(uint32_t v)
{
	return v == P2PMAP_VERDICT_P2P ? "P2P" : v == P2PMAP_VERDICT_BOUNCE ? "bounce" :
	       v == P2PMAP_VERDICT_REJECT ? "reject" : "?";
}

int main(int argc, char **argv)
{
	static const int counts[] = { 1, 4, 16, 64 };
	/* The shadow row: topology active, size_threshold beside it as the shadow policy. */
	static const struct {
		const char *name, *label;
		unsigned int rules;
		const char *shadow;
		bool unfrozen;
	} pol[] = {
		{ NULL, "built-in", 0, NULL, false },
		{ "topology", "topology", 0, NULL, false },
		{ "size_threshold", "size_threshold", 0, NULL, false },
		{ "numa_local", "numa_local", 0, NULL, false },
		{ "bounce_all", "bounce_all", 0, NULL, false },
		{ "rules", "rules(1000)", 1000, NULL, false },
		/* Its map unfrozen: nothing cached, every decision does all nine lookups. */
		{ "rules", "rules(1000),unfrozen", 1000, NULL, true },
		{ "topology", "topology+shadow", 0, "size_threshold", false },
	};
	struct figure byn[ARRAY_SIZE(counts)], byp[ARRAY_SIZE(pol)], map4k = { 0 };
	uint32_t verdict, vp[ARRAY_SIZE(pol)];
	const char *out = NULL;
	cpu_set_t cpus;
	unsigned int i;
	void *p2p;
	FILE *j;

	for (i = 1; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "--reps") && i + 1 < (unsigned int)argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--quick"))
			reps = 3;
		else
			out = argv[i];
	}
	if (!out || reps < 1 || reps > MAX_REPS) {
		fprintf(stderr, "usage: bench-decide [--reps 1-%d] [--quick] OUT.json\n", MAX_REPS);
		return 2;
	}
	if (lab_scan(provs, &np, edus, &ne, MAXDEV) || np * ne < 64) {
		fprintf(stderr, "bench-decide: needs the wide lab (64 pairs); found %d x %d\n", np, ne);
		return 1;
	}
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);	/* less variance from migrations */
	test_fd = open("/dev/p2pmap-test", O_RDWR);
	if (test_fd < 0) {
		perror("bench-decide: /dev/p2pmap-test (insmod tests/kmod/p2pmap_test.ko)");
		return 1;
	}
	p2pmap_fd = p2pmap_open();
	p2p = p2pmem_map(&provs[0], 4096, NULL);

	printf("decision cost: pair lookup + decide + release, ns per decision (median of %d x %d)\n",
	       reps, ITERS);
	printf("%-22s %10s %10s %10s  %s\n", "pairs p2pmap knows", "min", "median", "max", "verdict");
	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		if (know_pairs(counts[i]) || decide_cost(&byn[i], &verdict)) {
			fprintf(stderr, "bench-decide: measuring with %d pairs failed\n", counts[i]);
			return 1;
		}
		printf("%-22d %10.1f %10.1f %10.1f  %s\n", counts[i], byn[i].min, byn[i].med,
		       byn[i].max, verdict_name(verdict));
	}

	if (map4k_cost(p2p, &map4k)) {
		fprintf(stderr, "bench-decide: 4 KiB map + unmap failed\n");
		return 1;
	}
	printf("\nbuilt-in rule vs each policy, 64 pairs known; extra = policy - built-in, as a share of\n"
	       "one 4 KiB P2P map + unmap (%.0f ns, same run; target < 5%%)\n", map4k.med);
	printf("%-20s %10s %10s %10s %9s %8s  %s\n", "decided by", "min", "median", "max", "extra",
	       "share", "verdict");
	for (i = 0; i < ARRAY_SIZE(pol); i++) {
		struct bpf_object *obj = NULL, *sobj = NULL;
		struct bpf_link *link = NULL, *slink = NULL;
		double extra;

		if (pol[i].name) {
			link = pol[i].unfrozen ?
			       policy_attach_unfrozen(pol[i].name, pol[i].rules, &obj) :
			       policy_attach_file(pol[i].name, pol[i].rules, &obj);
			if (!link)
				return 1;
		}
		if (pol[i].shadow) {
			slink = policy_attach_shadow_file(pol[i].shadow, &sobj);
			if (!slink)
				return 1;
		}
		if (decide_cost(&byp[i], &vp[i])) {
			fprintf(stderr, "bench-decide: measuring %s failed\n", pol[i].label);
			return 1;
		}
		bpf_link__destroy(slink);
		bpf_object__close(sobj);
		bpf_link__destroy(link);
		bpf_object__close(obj);
		usleep(200000);	/* the link is released from a workqueue */
		extra = byp[i].med - byp[0].med;
		printf("%-20s %10.1f %10.1f %10.1f %9.1f %7.2f%%  %s\n", pol[i].label, byp[i].min,
		       byp[i].med, byp[i].max, extra, 100 * extra / map4k.med, verdict_name(vp[i]));
	}
	/* The shadow's own cost: its row less the same active policy's row. */
	for (i = 0; i < ARRAY_SIZE(pol); i++) {
		unsigned int k;

		if (!pol[i].shadow)
			continue;
		for (k = 0; k < i && (pol[k].shadow || !pol[k].name ||
				      strcmp(pol[k].name, pol[i].name)); k++)
			;
		printf("a shadow policy (%s beside %s) costs %.1f ns per decision, %.2f%% of a 4 KiB P2P map + unmap\n",
		       pol[i].shadow, pol[i].name, byp[i].med - byp[k].med,
		       100 * (byp[i].med - byp[k].med) / map4k.med);
	}

	j = fopen(out, "w");
	if (!j) {
		perror(out);
		return 1;
	}
	fprintf(j, "{\n  \"providers\": %d,\n  \"clients\": %d,\n  \"iterations\": %d,\n  \"reps\": %d,\n",
		np, ne, ITERS, reps);
	fprintf(j, "  \"unit\": \"ns per decision\",\n  \"by_pairs\": [\n");
	for (i = 0; i < ARRAY_SIZE(counts); i++)
		fprintf(j, "%s    {\"pairs\": %d, \"min\": %.1f, \"median\": %.1f, \"max\": %.1f}",
			i ? ",\n" : "", counts[i], byn[i].min, byn[i].med, byn[i].max);
	fprintf(j, "\n  ],\n  \"map_unmap_4k_p2p_ns\": %.0f,\n  \"by_policy\": [\n", map4k.med);
	for (i = 0; i < ARRAY_SIZE(pol); i++)
		fprintf(j, "%s    {\"policy\": \"%s\", \"min\": %.1f, \"median\": %.1f, \"max\": %.1f, \"extra_share_of_4k_map\": %.4f, \"verdict\": \"%s\"}",
			i ? ",\n" : "", pol[i].label, byp[i].min, byp[i].med, byp[i].max,
			(byp[i].med - byp[0].med) / map4k.med, verdict_name(vp[i]));
	fprintf(j, "\n  ]\n}\n");
	fclose(j);
	return 0;
}
