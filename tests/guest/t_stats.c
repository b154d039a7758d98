// SPDX-License-Identifier: GPL-2.0-only
/*
 * Observability in the lab (tracepoints, per-pair statistics, explain): after a known
 * set of mappings the per-pair table and the global counters hold exactly what the test did,
 * and EXPLAIN agrees with what a real mapping of the same pair and size then does.
 *
 * "t_stats --workload" only makes one 8 KiB mapping per provider/client pair of the lab (and
 * one EXPLAIN each): the load the bpftrace tests trace. "t_stats --workload-for SECONDS"
 * repeats it, with 8 KiB more of provider A for the switch edu each time, for that long:
 * the traffic p2ppolicy top's test watches.
 *
 * Exactness under concurrency: 2 threads make 100,000 4 KiB P2P mappings each for one pair
 * (in the kernel, through p2pmap_test's loop, so the counters' sharing is what is tested and
 * not the syscall path) while a third takes STATS snapshots; every snapshot shows whole
 * mappings only, and the final counts are exact. "t_stats --unaligned" maps 8 KiB of
 * provider A's p2pmem at offset 100 of a page for the switch edu: 3 pages.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib.h"
#include "../kmod/p2pmap_test.h"

#define PG	4096UL
#define KiB	1024UL
#define BOUNCE_MAX "/sys/module/p2pmap/parameters/bounce_max_pages"

static struct lab lab;
static int fd;
static unsigned char *mem_a, *mem_b;

static int map_once(const struct lab_dev *client, void *buf, size_t len)
{
	struct p2pmap_map m;
	int ret = xmap(fd, client, buf, len, P2PMAP_DIR_TO_DEVICE, &m);

	if (!ret)
		xunmap(fd, m.handle);
	return ret;
}


static int workload(void)
{
	const struct lab_dev *prov[2] = { &lab.prov_a, &lab.prov_b };
	const struct lab_dev *cl[2] = { &lab.edu_sw, &lab.edu_rc };
	int i, j, bad = 0;

	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++) {
			struct p2pmap_explain ex;

			bad |= xexplain(fd, prov[i], cl[j], 8 * KiB, &ex);
			bad |= map_once(cl[j], mem_of(prov[i]), 8 * KiB);
		}
	return bad ? 1 : 0;
}

struct expect {
	const char *what;
	const struct lab_dev *prov, *client;
	uint64_t p2p, bounce, reject, bytes_p2p, bytes_bounce, errors;
	uint32_t last_verdict, last_reason;
};

static void check_pair(const struct p2pmap_pair_stat *t, uint32_t nr, const struct expect *e)
{
	const struct p2pmap_pair_stat *s = stat_find(t, nr, e->prov, e->client);
	bool ok = s && s->decisions_p2p == e->p2p && s->decisions_bounce == e->bounce &&
		  s->decisions_reject == e->reject && s->bytes_p2p == e->bytes_p2p &&
		  s->bytes_bounce == e->bytes_bounce && s->errors == e->errors &&
		  s->last_verdict == e->last_verdict && s->last_reason == e->last_reason;

	if (!ok && s)
		tap_diag("%s: decisions %llu/%llu/%llu bytes %llu/%llu errors %llu last %u/%u",
			 e->what, (unsigned long long)s->decisions_p2p,
			 (unsigned long long)s->decisions_bounce,
			 (unsigned long long)s->decisions_reject, (unsigned long long)s->bytes_p2p,
			 (unsigned long long)s->bytes_bounce, (unsigned long long)s->errors,
			 s->last_verdict, s->last_reason);
	tap_ok(ok, "per-pair stats, %s: exactly what the test did", e->what);
}

static const char *const counters[] = {
	"decisions_p2p", "decisions_bounce", "decisions_reject", "bytes_p2p", "bytes_bounce",
	"bytes_ram", "maps", "map_errors", "policy_errors",
};

static void read_counters(uint64_t *v)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(counters); i++)
		v[i] = p2pmap_stat(counters[i]);
}

static void test_stats(void)
{
	struct p2pmap_pair_stat t[16], big[2][2];
	uint64_t before[ARRAY_SIZE(counters)], after[ARRAY_SIZE(counters)];
	const uint64_t want[ARRAY_SIZE(counters)] = {
		3, 4, 0, 24 * KiB, 28 * KiB, 4 * KiB, 7, 1, 0,
	};
	unsigned char *ram = mmap(NULL, 64 * KiB, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint32_t nr = 16, i, total;
	bool zero = true, deltas = true;
	struct p2pmap_explain ex;
	pid_t pid;
	int ret, st;

	nr = 1;
	tap_ok(xstats(fd, t, &nr, 0x2, sizeof(t[0])) == -EINVAL, "STATS: unknown flag is EINVAL");
	tap_ok(xstats(fd, t, &nr, 0, sizeof(t[0]) - 8) == -EINVAL,
	       "STATS: an entry_size below the struct's is EINVAL");
	nr = 0;
	ret = xstats(fd, NULL, &nr, 0, 0);
	tap_ok(!ret && nr >= 4, "STATS with no room returns the number of pairs (%u)", nr);

	nr = 16;
	ret = xstats(fd, t, &nr, P2PMAP_STATS_RESET, sizeof(t[0]));
	total = nr;
	nr = 16;
	ret |= xstats(fd, t, &nr, 0, sizeof(t[0]));
	for (i = 0; i < nr && i < 16; i++)
		zero &= !t[i].decisions_p2p && !t[i].decisions_bounce && !t[i].decisions_reject &&
			!t[i].bytes_p2p && !t[i].bytes_bounce && !t[i].errors && !t[i].last_verdict;
	tap_ok(!ret && nr == total && zero, "STATS_RESET zeroes every pair (%u pairs)", nr);

	read_counters(before);
	for (i = 0; i < 3; i++)
		map_once(&lab.edu_sw, mem_a, 8 * KiB);		/* P2P */
	for (i = 0; i < 2; i++)
		map_once(&lab.edu_sw, mem_b, 12 * KiB);		/* bounce */
	map_once(&lab.edu_rc, mem_a, 4 * KiB);			/* bounce */
	map_once(&lab.edu_sw, ram, 4 * KiB);			/* RAM only: no decision */
	for (i = 0; i < 5; i++)
		xexplain(fd, &lab.prov_a, &lab.edu_sw, 8 * KiB, &ex);	/* not counted */
	sysfs_write(BOUNCE_MAX, "1");
	ret = map_once(&lab.edu_sw, mem_b, 12 * KiB);		/* 3 bounce pages > cap */
	sysfs_write(BOUNCE_MAX, "65536");
	tap_ok(ret == -EBUSY, "a mapping over the bounce cap fails with EBUSY (got %d)", ret);
	read_counters(after);
	for (i = 0; i < ARRAY_SIZE(counters); i++) {
		if (after[i] - before[i] != want[i]) {
			tap_diag("%s: +%llu, expected +%llu", counters[i],
				 (unsigned long long)(after[i] - before[i]),
				 (unsigned long long)want[i]);
			deltas = false;
		}
	}
	tap_ok(deltas, "global counters moved by exactly what the test did");

	nr = 16;
	ret = xstats(fd, t, &nr, 0, sizeof(t[0]));
	tap_ok(!ret, "STATS snapshot");
	check_pair(t, nr, &(struct expect){ "A -> edu_sw (3 x 8 KiB P2P)", &lab.prov_a, &lab.edu_sw,
		   3, 0, 0, 24 * KiB, 0, 0, P2PMAP_VERDICT_P2P, P2PMAP_REASON_TOPOLOGY_P2P });
	check_pair(t, nr, &(struct expect){
		   "B -> edu_sw (2 x 12 KiB bounced, 1 failed at the cap: last reason BOUNCE_CAP)",
		   &lab.prov_b, &lab.edu_sw, 0, 3, 0, 0, 24 * KiB, 1, P2PMAP_VERDICT_BOUNCE,
		   P2PMAP_REASON_BOUNCE_CAP });
	check_pair(t, nr, &(struct expect){ "A -> edu_rc (1 x 4 KiB bounced)", &lab.prov_a,
		   &lab.edu_rc, 0, 1, 0, 0, 4 * KiB, 0, P2PMAP_VERDICT_BOUNCE,
		   P2PMAP_REASON_NO_COMMON_BRIDGE });
	check_pair(t, nr, &(struct expect){ "B -> edu_rc (nothing)", &lab.prov_b, &lab.edu_rc,
		   0, 0, 0, 0, 0, 0, 0, 0 });
	{
		const struct p2pmap_pair_stat *s = stat_find(t, nr, &lab.prov_a, &lab.edu_sw);

		tap_ok(s && s->kernel_verdict == P2PMAP_KV_BUS_ADDR && s->distance == 4,
		       "the snapshot carries the kernel verdict and distance of the pair");
	}
	{
		const struct p2pmap_pair_stat *a = stat_find(t, nr, &lab.prov_a, &lab.edu_sw);
		const struct p2pmap_pair_stat *b = stat_find(t, nr, &lab.prov_b, &lab.edu_sw);
		const struct p2pmap_pair_stat *c = stat_find(t, nr, &lab.prov_a, &lab.edu_rc);
		bool sums = true;

		for (i = 0; i < nr && i < 16; i++) {
			uint64_t r = 0;
			int k;

			for (k = 0; k < P2PMAP_STAT_REASONS; k++)
				r += t[i].decisions_by_reason[k];
			sums &= r == t[i].decisions_p2p + t[i].decisions_bounce + t[i].decisions_reject;
		}
		tap_ok(sums, "every pair's decisions by reason add up to its decisions by verdict");
		tap_ok(a && b && c && a->decisions_by_reason[P2PMAP_REASON_TOPOLOGY_P2P] == 3 &&
		       b->decisions_by_reason[P2PMAP_REASON_BOUNCE_CAP] == 1 &&
		       c->decisions_by_reason[P2PMAP_REASON_NO_COMMON_BRIDGE] == 1,
		       "decisions by reason: A -> edu_sw 3 topology-p2p, B -> edu_sw 1 bounce-cap, A -> edu_rc 1 no-common-bridge");
	}

	/* A reset whose snapshot cannot reach the user resets nothing. */
	{
		void *gone = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				  -1, 0);
		const struct p2pmap_pair_stat *s;
		uint32_t n2 = 16;

		munmap(gone, PG);
		nr = 16;
		ret = xstats(fd, gone, &nr, P2PMAP_STATS_RESET, sizeof(t[0]));
		tap_ok(ret == -EFAULT, "STATS_RESET into an unmapped buffer: EFAULT (%d)", ret);
		ret = xstats(fd, t, &n2, 0, sizeof(t[0]));
		s = stat_find(t, n2, &lab.prov_a, &lab.edu_sw);
		tap_ok(!ret && s && s->decisions_p2p == 3 && s->bytes_p2p == 24 * KiB,
		       "... and reset nothing: A -> edu_sw still counts 3 P2P decisions (%llu)",
		       s ? (unsigned long long)s->decisions_p2p : 0ULL);
	}

	/* A short buffer gets the first entry and the full count; a longer entry is zero-padded. */
	memset(big, 0xAA, sizeof(big));
	nr = 1;
	ret = xstats(fd, &big[0][0], &nr, 0, 2 * sizeof(big[0][0]));
	tap_ok(!ret && nr == total && big[0][1].decisions_p2p == 0 &&
	       big[1][0].decisions_p2p == 0xAAAAAAAAAAAAAAAAULL,
	       "capacity 1 with a larger entry_size: one entry, tail zeroed, total %u", nr);

	/* Reading is allowed to anyone who can open the node; resetting needs CAP_SYS_ADMIN. */
	pid = fork();
	if (!pid) {
		uint32_t n = 0, m = 0;

		if (setresuid(65534, 65534, 65534))
			_exit(2);
		_exit(xstats(fd, NULL, &n, 0, 0) == 0 &&
		      xstats(fd, NULL, &m, P2PMAP_STATS_RESET, 0) == -EPERM ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "without CAP_SYS_ADMIN a snapshot works and a reset is EPERM");
	munmap(ram, 64 * KiB);
}

/* EXPLAIN, then a real mapping of the same pair and size: same verdict and reason. */
/* ---- exactness under concurrency ---- */

#define HOT_THREADS	2

static unsigned int hot_maps = 100000;	/* per thread; t_stats --hot N for another count */

struct hot {
	pthread_t tid;
	unsigned char *buf;	/* a page of provider A's p2pmem of this thread's own */
	int tfd;
	int err;
	unsigned int done;
};

static int hot_left;	/* threads still mapping */

static void *hot_map(void *arg)
{
	struct hot *h = arg;
	unsigned int left = hot_maps;

	while (left && !h->err) {
		struct p2pmap_test_raw r = {
			.argsz = sizeof(r), .flags = P2PMAP_TEST_RAW_VIA_P2PMAP,
			.client = lab.edu_sw.addr, .dir = P2PMAP_DIR_BIDIRECTIONAL,
			.iterations = left < 1000 ? left : 1000,
			.addr = (uintptr_t)h->buf, .len = PG,
		};

		if (ioctl(h->tfd, P2PMAP_TEST_IOC_RAW, &r))
			h->err = -errno;
		else if (r.result)
			h->err = r.result;
		else
			h->done += r.iterations, left -= r.iterations;
	}
	__atomic_sub_fetch(&hot_left, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_exact_concurrent(void)
{
	struct hot h[HOT_THREADS] = { 0 };
	uint64_t before[ARRAY_SIZE(counters)], after[ARRAY_SIZE(counters)];
	const struct p2pmap_pair_stat *s;
	struct p2pmap_pair_stat t[16];
	unsigned int snaps = 0, torn = 0, i;
	uint64_t last = 0, backwards = 0;
	uint32_t nr = 16;
	int ret, err = 0;
	double t0;

	/* Start from zero for the pair: STATS_RESET takes off exactly what it reported. */
	ret = xstats(fd, t, &nr, P2PMAP_STATS_RESET, sizeof(t[0]));
	read_counters(before);
	for (i = 0; i < HOT_THREADS; i++) {
		h[i].buf = mem_a + 8 * KiB + i * PG;
		h[i].tfd = open("/dev/p2pmap-test", O_RDWR);
		if (h[i].tfd < 0)
			h[i].err = -errno;
	}
	t0 = now();
	hot_left = HOT_THREADS;
	for (i = 0; i < HOT_THREADS; i++)
		pthread_create(&h[i].tid, NULL, hot_map, &h[i]);
	/* Snapshots while they run: each must hold whole mappings, never going backwards. */
	while (__atomic_load_n(&hot_left, __ATOMIC_ACQUIRE)) {
		nr = 16;
		if (xstats(fd, t, &nr, 0, sizeof(t[0])))
			break;
		s = stat_find(t, nr, &lab.prov_a, &lab.edu_sw);
		if (s) {
			snaps++;
			torn += s->bytes_p2p != s->decisions_p2p * PG;
			backwards += s->decisions_p2p < last;
			last = s->decisions_p2p;
		}
		usleep(20000);
	}
	for (i = 0; i < HOT_THREADS; i++) {
		pthread_join(h[i].tid, NULL);
		err = err ?: h[i].err;
		if (h[i].tfd >= 0)
			close(h[i].tfd);
	}
	tap_diag("%u mappings in %.1f s, %u snapshots", HOT_THREADS * hot_maps, now() - t0, snaps);
	read_counters(after);
	nr = 16;
	ret = ret ?: xstats(fd, t, &nr, 0, sizeof(t[0]));
	s = ret ? NULL : stat_find(t, nr, &lab.prov_a, &lab.edu_sw);
	tap_ok(!err && s && s->decisions_p2p == HOT_THREADS * hot_maps &&
	       s->bytes_p2p == HOT_THREADS * hot_maps * PG && !s->decisions_bounce && !s->errors,
	       "%u threads x %u P2P mappings of one pair: the pair counted exactly that (%llu, %llu bytes; err %d)",
	       HOT_THREADS, hot_maps, s ? (unsigned long long)s->decisions_p2p : 0,
	       s ? (unsigned long long)s->bytes_p2p : 0, err);
	tap_ok(after[0] - before[0] == HOT_THREADS * hot_maps &&
	       after[3] - before[3] == HOT_THREADS * hot_maps * PG &&
	       after[6] - before[6] == HOT_THREADS * hot_maps && after[7] == before[7],
	       "and the global counters too (decisions_p2p +%llu, bytes_p2p +%llu, maps +%llu)",
	       (unsigned long long)(after[0] - before[0]), (unsigned long long)(after[3] - before[3]),
	       (unsigned long long)(after[6] - before[6]));
	tap_ok(snaps >= 3 && !torn && !backwards,
	       "%u STATS snapshots during the run: none held part of a mapping (%u) or went backwards (%llu)",
	       snaps, torn, (unsigned long long)backwards);
}

static void test_explain_agrees(const char *when)
{
	const struct lab_dev *prov[2] = { &lab.prov_a, &lab.prov_b };
	const struct lab_dev *cl[2] = { &lab.edu_sw, &lab.edu_rc };
	const size_t sizes[2] = { 4 * KiB, 64 * KiB };
	int i, j, k, agree = 0, n = 0;

	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++)
			for (k = 0; k < 2; k++) {
				struct p2pmap_segment seg;
				struct p2pmap_explain ex;
				struct p2pmap_map m;
				uint32_t nr = 1, kind;

				n++;
				if (xexplain(fd, prov[i], cl[j], sizes[k], &ex) ||
				    xmap(fd, cl[j], mem_of(prov[i]), sizes[k],
					 P2PMAP_DIR_TO_DEVICE, &m))
					continue;
				kind = ex.verdict == P2PMAP_VERDICT_P2P ? P2PMAP_SEG_P2P :
								      P2PMAP_SEG_BOUNCE;
				if (!xsegments(fd, m.handle, &seg, &nr) && nr == 1 &&
				    seg.kind == kind && seg.reason == ex.reason)
					agree++;
				else
					tap_diag("%s -> %s, %zu: explain %u/%u, mapping kind %u reason %u",
						 prov[i]->name, cl[j]->name, sizes[k], ex.verdict,
						 ex.reason, seg.kind, seg.reason);
				xunmap(fd, m.handle);
			}
	tap_ok(agree == n, "%s: EXPLAIN agrees with the real mapping for %d of %d pair/size cases",
	       when, agree, n);
}

static void test_explain_with_policy(void)
{
	struct p2pmap_explain small, large;
	int rc;

	mkdir("/sys/fs/bpf/p2pmap", 0700);
	rc = system("bpftool struct_ops register bpf/size_threshold.bpf.o /sys/fs/bpf/p2pmap >/dev/null 2>&1");
	(void)rc;	/* bpftool 7.5 crashes after pinning a module struct_ops; see README */
	xexplain(fd, &lab.prov_a, &lab.edu_sw, 4 * KiB, &small);
	xexplain(fd, &lab.prov_a, &lab.edu_sw, 64 * KiB, &large);
	tap_ok(small.verdict == P2PMAP_VERDICT_BOUNCE && large.verdict == P2PMAP_VERDICT_P2P,
	       "with size_threshold, EXPLAIN depends on the size (4 KiB bounce, 64 KiB P2P)");
	test_explain_agrees("with the size_threshold policy");
	unlink("/sys/fs/bpf/p2pmap/size_threshold");
}

int main(int argc, char **argv)
{
	int ret = lab_find(&lab);

	if (ret) {
		fprintf(stderr, "lab devices not found: %s\n", strerror(-ret));
		return 1;
	}
	fd = p2pmap_open();
	mem_a = lab.prov_a.mem = p2pmem_map(&lab.prov_a, 64 * KiB, NULL);
	mem_b = lab.prov_b.mem = p2pmem_map(&lab.prov_b, 64 * KiB, NULL);
	if (argc > 1 && !strcmp(argv[1], "--workload"))
		return workload();
	if (argc > 2 && !strcmp(argv[1], "--workload-for")) {
		double end = now() + strtod(argv[2], NULL);

		while (now() < end)
			if (workload() || map_once(&lab.edu_sw, mem_a, 8 * KiB))
				return 1;
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "--hot"))
		hot_maps = strtoul(argv[2], NULL, 0) ?: 1;
	if (argc > 1 && !strcmp(argv[1], "--unaligned"))	/* 8 KiB at offset 100: 3 pages */
		return map_once(&lab.edu_sw, mem_a + 100, 8 * KiB) ? 1 : 0;

	tap_plan(25);
	test_stats();
	test_exact_concurrent();
	test_explain_agrees("built-in rule");
	test_explain_with_policy();
	tap_ok(dma_api_errors() == 0, "no DMA-API debug errors");
	return tap_done();
}
