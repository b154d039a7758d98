// SPDX-License-Identifier: GPL-2.0-only
/*
 * make bench, in the lab guest: map + unmap of one buffer through p2pmap against the raw kernel
 * path (pin with FOLL_PCI_P2PDMA + sg_alloc_table_from_pages + dma_map_sgtable + unmap +
 * unpin), both timed inside the kernel by p2pmap_test.ko, side by side in one run. Modes: raw,
 * p2pmap with no policy, with the topology policy, with the rules policy holding 1,000 rules.
 * Buffers: RAM, and provider A's p2pmem (P2P for the switch's edu). Each figure is the per-call
 * time over a loop, repeated; min/median/max of the repetitions, and the ratio of medians to
 * the raw path. Prints a table; writes JSON to the path given.
 *
 * Also: time per page as buffers grow (it must stay flat), mappings per second through
 * /dev/p2pmap (MAP + UNMAP of 64 KiB of RAM, syscalls included) with 1, 2 and 4 threads, and
 * the bounce path's throughput against the same copy done directly, with the device memory it
 * reads per byte bounced, and 4 KiB P2P mappings per second for one hot pair with 1 and 2
 * threads (the kernel's loop: what is measured is p2pmap's shared state, not the syscalls),
 * alone and with a P2PMAP_IOC_STATS reader at 100 Hz (what a monitor costs the data path).
 * Registered buffers: one I/O repeated on one buffer, per I/O: the raw path, p2pmap_map_user()
 * + unmap, a slice of a registration made once (get, segments, both syncs, put); and what the
 * registration itself costs (p2pmap_register() + p2pmap_unregister()).
 *
 *   bench [--reps N] [--quick] [--bounce | --monitor | --slice] OUT.json
 *   bench --profile SECONDS ram|p2p    only map+unmap 4 KiB for the switch's edu, for perf
 *   bench --profile SECONDS bounce     only the 64 KiB FROM_DEVICE bounce with the promise
 *   bench --profile SECONDS rules      only 4 KiB P2P map+unmap with rules(1000) attached
 *   bench --profile SECONDS ram64k     only map+unmap 64 KiB of RAM for the switch's edu
 *   bench --profile SECONDS ram1m      the same, 1 MiB
 *   bench --profile SECONDS bounce-in  only the 64 KiB TO_DEVICE bounce (a copy in)
 *   bench --profile SECONDS register   only register+unregister 4 KiB of RAM for it
 *
 * --bounce runs the bounce table alone, --monitor the STATS reader's figure alone, --slice the
 * registered-buffer table alone (quick checks in a normal lab boot; --slice in the vIOMMU lab).
 */
#define _GNU_SOURCE
#include <bpf/libbpf.h>
#include <sched.h>
#include <pthread.h>
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lib.h"
#include "p2pmap_test.h"
#include "policy.h"
#include "rules.h"
#include "rules.skel.h"
#include "topology.skel.h"

enum mode { RAW, NONE, TOPOLOGY, RULES1000, NR_MODES };
/* The registered-buffer table's rows, as P2PMAP_TEST_RAW_* flags (raw: none). */
static const uint32_t slice_flag[] = { 0, P2PMAP_TEST_RAW_VIA_P2PMAP, P2PMAP_TEST_RAW_VIA_IO,
				       P2PMAP_TEST_RAW_VIA_SLICE, P2PMAP_TEST_RAW_VIA_REGISTER };
static const char *const slice_name[] = { "raw", "map_user+unmap", "io_map+unmap", "slice",
					  "register+unregister" };
static const char *const mode_name[NR_MODES] = { "raw", "p2pmap", "p2pmap+topology", "p2pmap+rules(1000)" };

#define MAX_REPS 15

struct figure {
	double ns[MAX_REPS];	/* per call, one per repetition */
	double min, med, max;
};

static int test_fd;
static struct lab lab;
static int reps = 7;

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * One repetition: @iters map+unmap calls of [buf, buf+len) for @client; per-call ns or -errno.
 * @flags: P2PMAP_TEST_RAW_DEVICE_WRITES for p2pmap's P2PMAP_MAP_DEVICE_WRITES.
 */
static double one_flags(enum mode m, const struct lab_dev *client, uint32_t dir, void *buf,
			size_t len, unsigned int iters, uint32_t flags)
{
	struct p2pmap_test_raw r = {
		.argsz = sizeof(r),
		.flags = m == RAW ? flags & ~P2PMAP_TEST_RAW_DEVICE_WRITES :
			 flags & (P2PMAP_TEST_RAW_VIA_SLICE | P2PMAP_TEST_RAW_VIA_REGISTER |
				  P2PMAP_TEST_RAW_VIA_IO) ? flags :
			 P2PMAP_TEST_RAW_VIA_P2PMAP | flags,
		.client = client->addr,
		.dir = dir,
		.iterations = iters,
		.addr = (uintptr_t)buf,
		.len = len,
	};

	if (ioctl(test_fd, P2PMAP_TEST_IOC_RAW, &r))
		return -errno;
	if (r.result)
		return r.result;
	return (double)r.nsec / iters;
}

static double one_for(enum mode m, const struct lab_dev *client, uint32_t dir, void *buf,
		      size_t len, unsigned int iters)
{
	return one_flags(m, client, dir, buf, len, iters, 0);
}

static double one(enum mode m, void *buf, size_t len, unsigned int iters)
{
	return one_for(m, &lab.edu_sw, P2PMAP_DIR_BIDIRECTIONAL, buf, len, iters);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(double), cmp_d);
	return v[n / 2];
}

/*
 * The bounce path: provider A's memory mapped for the root-complex edu (bounced) and for the
 * switch's edu (P2P, no copy), same size and direction; the difference is what the bounce
 * costs (copies, zeroing, bounce chunks). Against the same copy done directly: p2pmap_test.ko
 * copies the same pages with kernel/iocopy.h, the bounce path's copy. FROM_DEVICE twice: with
 * the driver's promise (P2PMAP_MAP_DEVICE_WRITES: no copy in) and without (the safe default:
 * copy in, copy back). Device memory read per byte bounced: /sys/kernel/p2pmap's
 * bytes_devmem_read around the bounced mappings.
 */
static void bounce_bench(void *p2p, size_t p2p_max, FILE *j)
{
	static const size_t sizes[] = { 64 << 10, 1 << 20, 16 << 20 };
	static const char *const size_name[] = { "64K", "1M", "16M" };
	static const char *const row[] = { "p2p->bounce", "bounce->p2p", "bounce->p2p (no promise)" };
	static const char *const key[] = { "p2p_to_bounce", "bounce_to_p2p", "bounce_to_p2p_no_promise" };
	int first = 1;
	size_t s;
	int d, i;

	printf("\nbounce path vs the same copy done directly (MB/s, median of %d; ratio: median of the\n"
	       "repetitions' bounce / direct, each pair measured back to back; read/B = device memory\n"
	       "bytes the CPU read per byte bounced)\n", reps);
	printf("%-5s %-26s %10s %10s %8s %8s\n", "size", "direction", "direct", "bounce", "ratio", "read/B");
	fprintf(j, ",\n  \"bounce_mb_per_s\": [\n");
	for (s = 0; s < ARRAY_SIZE(sizes) && sizes[s] <= p2p_max; s++)
		for (d = 0; d < 3; d++) {
			uint32_t dir = d ? P2PMAP_DIR_FROM_DEVICE : P2PMAP_DIR_TO_DEVICE;
			uint32_t flags = d == 1 ? P2PMAP_TEST_RAW_DEVICE_WRITES : 0;
			unsigned int iters = sizes[s] >= (16 << 20) ? 4 : sizes[s] >= (1 << 20) ? 32 : 256;
			double cp[MAX_REPS], bo[MAX_REPS], ratio[MAX_REPS], mc, bc, rt, per_byte;
			uint64_t read = 0, bounced = 0;

			one_flags(NONE, &lab.edu_rc, dir, p2p, sizes[s], 1, flags);
			for (i = 0; i < reps; i++) {
				struct p2pmap_test_memcpy c = {
					.argsz = sizeof(c), .addr = (uintptr_t)p2p, .len = sizes[s],
					.iterations = iters, .to_ram = !d,
				};
				uint64_t r0;
				double t, tp;

				if (ioctl(test_fd, P2PMAP_TEST_IOC_MEMCPY, &c)) {
					perror("bench: direct copy");
					return;
				}
				cp[i] = (double)c.nsec / iters;
				r0 = p2pmap_stat("bytes_devmem_read");
				t = one_flags(NONE, &lab.edu_rc, dir, p2p, sizes[s], iters, flags);
				read += p2pmap_stat("bytes_devmem_read") - r0;
				bounced += (uint64_t)sizes[s] * iters;
				tp = one_for(NONE, &lab.edu_sw, dir, p2p, sizes[s], iters);
				if (t < 0 || tp < 0) {
					fprintf(stderr, "bench: a %s mapping failed: %s\n", size_name[s],
						strerror((int)-(t < 0 ? t : tp)));
					return;
				}
				bo[i] = t - tp;
				/* Paired: the emulator's speed drifts between repetitions. */
				ratio[i] = cp[i] / bo[i];
			}
			mc = sizes[s] / median(cp, reps) * 1e3;
			bc = sizes[s] / median(bo, reps) * 1e3;
			rt = median(ratio, reps);
			per_byte = (double)read / bounced;
			printf("%-5s %-26s %10.0f %10.0f %8.3f %8.3f\n", size_name[s], row[d], mc, bc,
			       rt, per_byte);
			fprintf(j, "%s    {\"bytes\": %zu, \"direction\": \"%s\", \"direct\": %.0f, \"bounce\": %.0f, \"ratio\": %.4f, \"devmem_read_per_byte\": %.4f}",
				first ? "" : ",\n", sizes[s], key[d], mc, bc, rt, per_byte);
			first = 0;
		}
	fprintf(j, "\n  ]");
}

/* Enough calls per repetition that the loop, not the clock, dominates. */
static unsigned int iters_for(size_t len)
{
	return len >= (16UL << 20) ? 2 : len >= (1UL << 20) ? 8 : 64;
}

static void summarize(struct figure *f)
{
	qsort(f->ns, reps, sizeof(double), cmp_d);
	f->min = f->ns[0];
	f->med = f->ns[reps / 2];
	f->max = f->ns[reps - 1];
}

static struct bpf_link *attach_policy(enum mode m, struct topology_bpf **t, struct rules_bpf **r)
{
	struct bpf_link *link = NULL;

	if (m == TOPOLOGY) {
		*t = topology_bpf__open_and_load();
		link = *t ? bpf_map__attach_struct_ops((*t)->maps.topology) : NULL;
	} else if (m == RULES1000) {
		*r = rules_bpf__open_and_load();
		if (!*r || rules_fill_unmatched((*r)->maps.p2pmap_rules, (*r)->progs.p2pmap_rules_write,
						1000, true))
			return NULL;
		link = bpf_map__attach_struct_ops((*r)->maps.rules);
	}
	return link;
}

/* ---- concurrency: mappings per second through /dev/p2pmap ---- */

#define CONC_LEN	(64 << 10)
#define CONC_SECONDS	2.0

struct worker {
	pthread_t tid;
	unsigned long ops;
	int err;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	int fd = open("/dev/p2pmap", O_RDWR);
	void *buf = mmap(NULL, CONC_LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	double end = now() + CONC_SECONDS;
	struct p2pmap_map m;

	if (fd < 0 || buf == MAP_FAILED) {
		w->err = -errno;
		return NULL;
	}
	while (now() < end) {
		w->err = xmap(fd, &lab.edu_sw, buf, CONC_LEN, P2PMAP_DIR_BIDIRECTIONAL, &m);
		if (!w->err)
			w->err = xunmap(fd, m.handle);
		if (w->err)
			break;
		w->ops++;
	}
	close(fd);
	munmap(buf, CONC_LEN);
	return NULL;
}

/* Mappings per second with @n threads, or a negative errno. */
static double concurrency(int n)
{
	struct worker w[4] = { 0 };
	unsigned long ops = 0;
	double start = now();
	int i;

	for (i = 0; i < n; i++)
		pthread_create(&w[i].tid, NULL, work, &w[i]);
	for (i = 0; i < n; i++) {
		pthread_join(w[i].tid, NULL);
		if (w[i].err)
			return w[i].err;
		ops += w[i].ops;
	}
	return ops / (now() - start);
}

/* ---- one hot pair: 4 KiB P2P mappings per second, in the kernel's loop ---- */

#define HOT_SECONDS	2.0

struct hot {
	pthread_t tid;
	void *buf;
	unsigned long ops;
	int err;
};

static void *hot_work(void *arg)
{
	struct hot *h = arg;
	double end = now() + HOT_SECONDS;
	int fd = open("/dev/p2pmap-test", O_RDWR);

	if (fd < 0) {
		h->err = -errno;
		return NULL;
	}
	while (now() < end && !h->err) {
		struct p2pmap_test_raw r = {
			.argsz = sizeof(r), .flags = P2PMAP_TEST_RAW_VIA_P2PMAP,
			.client = lab.edu_sw.addr, .dir = P2PMAP_DIR_BIDIRECTIONAL,
			.iterations = 500, .addr = (uintptr_t)h->buf, .len = 4096,
		};

		if (ioctl(fd, P2PMAP_TEST_IOC_RAW, &r))
			h->err = -errno;
		else if (r.result)
			h->err = r.result;
		else
			h->ops += r.iterations;
	}
	close(fd);
	return NULL;
}

/* Mappings per second with @n threads, each on its own page of @p2p; or a negative errno. */
static double hot_pair(void *p2p, int n)
{
	struct hot h[2] = { 0 };
	unsigned long ops = 0;
	double start = now();
	int i;

	for (i = 0; i < n; i++) {
		h[i].buf = (char *)p2p + (i + 1) * 65536;
		pthread_create(&h[i].tid, NULL, hot_work, &h[i]);
	}
	for (i = 0; i < n; i++) {
		pthread_join(h[i].tid, NULL);
		if (h[i].err)
			return h[i].err;
		ops += h[i].ops;
	}
	return ops / (now() - start);
}

static void hot_bench(void *p2p, FILE *j)
{
	double r[2][MAX_REPS], one_t, two_t;
	int i;

	for (i = 0; i < reps; i++) {
		r[0][i] = hot_pair(p2p, 1);
		r[1][i] = hot_pair(p2p, 2);
		if (r[0][i] < 0 || r[1][i] < 0) {
			fprintf(stderr, "bench: hot pair: %s\n", strerror((int)-(r[0][i] < 0 ? r[0][i] : r[1][i])));
			return;
		}
	}
	one_t = median(r[0], reps);
	two_t = median(r[1], reps);
	printf("\n4 KiB P2P mappings per second, one hot pair (in-kernel loop, %.0f s each, median of %d)\n",
	       HOT_SECONDS, reps);
	printf("1 thread  %10.0f\n2 threads %10.0f   (x%.2f)\n", one_t, two_t, two_t / one_t);
	fprintf(j, ",\n  \"hot_pair_per_second\": {\"threads_1\": %.0f, \"threads_2\": %.0f, \"scaling\": %.3f}",
		one_t, two_t, two_t / one_t);
}

/* A monitor: P2PMAP_IOC_STATS of the whole pair table 100 times a second until @stop. */
struct monitor {
	pthread_t tid;
	volatile int stop;
	unsigned long calls;
	int err;
};

static void *monitor_work(void *arg)
{
	struct p2pmap_pair_stat e[256];
	struct monitor *mon = arg;
	int fd = p2pmap_open();

	if (fd < 0) {
		mon->err = fd;
		return NULL;
	}
	while (!mon->stop) {
		struct p2pmap_stats st = {
			.argsz = sizeof(st), .pairs = (uintptr_t)e, .nr = 256,
			.entry_size = sizeof(e[0]),
		};

		if (ioctl(fd, P2PMAP_IOC_STATS, &st)) {
			mon->err = -errno;
			break;
		}
		mon->calls++;
		usleep(10000);
	}
	close(fd);
	return NULL;
}

/*
 * What a monitor costs the data path: the one-thread hot pair's mappings per second, alone
 * and with a STATS reader at 100 Hz beside it (a snapshot takes one CPU's stats lock at a
 * time, so the mappings should not notice).
 */
static void monitor_bench(void *p2p, FILE *j)
{
	double r[2][MAX_REPS], alone, watched;
	unsigned long calls = 0;
	int i;

	for (i = 0; i < reps; i++) {
		struct monitor mon = { 0 };

		r[0][i] = hot_pair(p2p, 1);
		pthread_create(&mon.tid, NULL, monitor_work, &mon);
		r[1][i] = hot_pair(p2p, 1);
		mon.stop = 1;
		pthread_join(mon.tid, NULL);
		calls += mon.calls;
		if (r[0][i] < 0 || r[1][i] < 0 || mon.err) {
			fprintf(stderr, "bench: monitor: %s\n",
				strerror((int)-(mon.err ? mon.err : r[0][i] < 0 ? r[0][i] : r[1][i])));
			return;
		}
	}
	alone = median(r[0], reps);
	watched = median(r[1], reps);
	printf("\n4 KiB P2P mappings per second, one thread, with a STATS reader at 100 Hz (%.0f s each, median of %d)\n",
	       HOT_SECONDS, reps);
	printf("alone        %10.0f\nwith STATS   %10.0f   (x%.3f; %.0f STATS calls per run)\n", alone,
	       watched, watched / alone, (double)calls / reps);
	fprintf(j, ",\n  \"stats_reader_100hz\": {\"alone_per_second\": %.0f, \"with_reader_per_second\": %.0f, \"ratio\": %.4f, \"stats_calls_per_run\": %.0f}",
		alone, watched, watched / alone, (double)calls / reps);
}

/*
 * bench --profile: for @seconds, nothing but the loop perf samples: 4 KiB map+unmap of @what
 * ("ram" or "p2p") for the switch's edu; "rules": the same of P2P with rules(1000) attached;
 * "ram64k", "ram1m": 64 KiB and 1 MiB of RAM; "bounce": a 64 KiB FROM_DEVICE bounce with the
 * driver's promise (the bounce table's 64K row) of P2P for the root-complex edu; "bounce-in":
 * the same TO_DEVICE (a copy in, no copy back); "io-ram", "io-p2p": 4 KiB p2pmap_io_map() +
 * p2pmap_io_unmap().
 */
/* The loops of bench --profile (tests/bench/run.sh's P2PMAP_PROFILE_LOOPS). */
static const char *const profile_loops[] = { "ram", "p2p", "rules", "ram64k", "ram1m", "bounce",
					     "bounce-in", "register", "io-ram", "io-p2p" };

static bool profile_loop_known(const char *what)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(profile_loops); i++)
		if (!strcmp(what, profile_loops[i]))
			return true;
	return false;
}

static int profile(void *ram, void *p2p, double seconds, const char *what)
{
	int bounce = !strncmp(what, "bounce", 6), rules = !strcmp(what, "rules");
	int reg = !strcmp(what, "register"), io = !strncmp(what, "io-", 3);
	uint32_t bounce_dir = strcmp(what, "bounce-in") ? P2PMAP_DIR_FROM_DEVICE : P2PMAP_DIR_TO_DEVICE;
	void *buf = io ? (strcmp(what, "io-ram") ? p2p : ram) :
		    strncmp(what, "ram", 3) && !reg ? p2p : ram;
	size_t len = !strcmp(what, "ram64k") ? 64 << 10 : !strcmp(what, "ram1m") ? 1 << 20 : 4096;
	struct topology_bpf *t = NULL;
	struct rules_bpf *r = NULL;
	struct bpf_link *link = NULL;
	double end, ns;
	int ret = 0;

	if (rules) {
		link = attach_policy(RULES1000, &t, &r);
		if (!link) {
			fprintf(stderr, "bench: cannot attach the %s policy\n", mode_name[RULES1000]);
			return 1;
		}
	}
	for (end = now() + seconds; now() < end;) {
		ns = bounce ? one_flags(NONE, &lab.edu_rc, bounce_dir, buf, 64 << 10, 64,
					bounce_dir == P2PMAP_DIR_FROM_DEVICE ?
					P2PMAP_TEST_RAW_DEVICE_WRITES : 0) :
		     reg || io ? one_flags(RAW, &lab.edu_sw, P2PMAP_DIR_BIDIRECTIONAL, buf, len, 2000,
					   reg ? P2PMAP_TEST_RAW_VIA_REGISTER :
					   P2PMAP_TEST_RAW_VIA_IO) :
			   one(NONE, buf, len, 2000);
		if (ns < 0) {
			fprintf(stderr, "bench: the loop for perf failed: %s\n", strerror((int)-ns));
			ret = 1;
			break;
		}
	}
	bpf_link__destroy(link);
	rules_bpf__destroy(r);
	return ret;
}

/*
 * The vIOMMU lab has no bus-address pair (lab_find()'s mark of the switch): there P2P goes
 * through the host bridge and the IOMMU. Take the first pair the kernel allows so as A and
 * the switch's edu.
 */
static int lab_find_host_bridge(struct lab *l)
{
	struct lab_dev prov[32], edu[32];
	int np, ne, fd, i, j;

	memset(l, 0, sizeof(*l));
	if (lab_scan(prov, &np, edu, &ne, 32) || np < 2 || ne < 2)
		return -ENODEV;
	fd = p2pmap_open();
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++) {
			struct p2pmap_explain ex;

			if (xexplain(fd, &prov[i], &edu[j], 4096, &ex) ||
			    ex.kernel_verdict != P2PMAP_KV_HOST_BRIDGE)
				continue;
			l->prov_a = prov[i];
			l->prov_b = prov[!i];
			l->edu_sw = edu[j];
			l->edu_rc = edu[!j];
			close(fd);
			return 0;
		}
	close(fd);
	return -ENOENT;
}

#define QEMU_TRACE "/mnt/out/qemu-trace.log"

/* The IOTLB invalidations QEMU's vIOMMU traced so far (P2PMAP_QEMU_TRACE), or -1 without. */
static long iotlb_invalidations(void)
{
	FILE *f = fopen(QEMU_TRACE, "r");
	char line[512];
	long n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "vtd_inv_desc_iotlb"))
			n++;
	fclose(f);
	return n;
}

/*
 * Registered buffers: a 4 KiB (and 64 KiB) I/O repeated on one buffer for the switch's edu,
 * ns per I/O (instructions under icount) for the raw path, p2pmap_map_user() + unmap, a slice
 * of one registration, and register + unregister; RAM and A's p2pmem (P2P for that edu).
 */
static void slice_bench(void *ram, void *p2p, FILE *j)
{
	static const size_t sizes[] = { 4 << 10, 64 << 10 };
	static const char *const size_name[] = { "4K", "64K" };
	enum { NR_ROWS = ARRAY_SIZE(slice_flag) };
	struct figure f[2][ARRAY_SIZE(sizes)][NR_ROWS] = { 0 };
	double inv[2][ARRAY_SIZE(sizes)][NR_ROWS] = { 0 };
	int b, s, k, i, first = 1, traced = iotlb_invalidations() >= 0;

	for (i = -1; i < reps; i++)
		for (b = 0; b < 2; b++)
			for (s = 0; s < (int)ARRAY_SIZE(sizes); s++)
				for (k = 0; k < NR_ROWS; k++) {
					unsigned int iters = slice_flag[k] == P2PMAP_TEST_RAW_VIA_SLICE ?
							     20000 : sizes[s] > 4096 ? 500 : 2000;
					long inv0 = i == 0 && traced ? iotlb_invalidations() : 0;
					double ns = one_flags(RAW, &lab.edu_sw, P2PMAP_DIR_BIDIRECTIONAL,
							      b ? p2p : ram, sizes[s],
							      i < 0 ? 1 : iters, slice_flag[k]);

					if (i == 0 && traced)
						inv[b][s][k] = (double)(iotlb_invalidations() - inv0) / iters;

					if (ns < 0) {
						fprintf(stderr, "bench: %s %s %s failed: %s\n", slice_name[k],
							b ? "p2p" : "ram", size_name[s], strerror((int)-ns));
						exit(1);
					}
					if (i >= 0)
						f[b][s][k].ns[i] = ns;
				}
	printf("\nregistered buffers: one I/O repeated on one buffer for the switch's edu, ns per I/O\n"
	       "(median of %d; ratio to raw). io_map+unmap: a one-shot mapping in the caller's\n"
	       "storage; slice: p2pmap_slice_get() + segments + both syncs + p2pmap_slice_put() on a\n"
	       "registration made once; register+unregister: the registration itself, once\n", reps);
	if (traced)
		printf("(with QEMU's vIOMMU: IOTLB invalidations per I/O after each, [inv/IO], in the\n"
		       "first repetition)\n");
	printf("%-4s %-5s", "buf", "size");
	for (k = 0; k < NR_ROWS; k++)
		printf(" %21s%s", slice_name[k], traced ? "   inv/IO" : "");
	printf("\n");
	fprintf(j, ",\n  \"registered\": [\n");
	for (b = 0; b < 2; b++)
		for (s = 0; s < (int)ARRAY_SIZE(sizes); s++) {
			double raw;

			for (k = 0; k < NR_ROWS; k++)
				summarize(&f[b][s][k]);
			raw = f[b][s][0].med;
			printf("%-4s %-5s", b ? "p2p" : "ram", size_name[s]);
			for (k = 0; k < NR_ROWS; k++) {
				char cell[32];

				if (!k)
					snprintf(cell, sizeof(cell), "%.0f", f[b][s][k].med);
				else
					snprintf(cell, sizeof(cell), "%.0f (%.3f)", f[b][s][k].med,
						 f[b][s][k].med / raw);
				printf(" %21s", cell);
				if (traced)
					printf(" %8.3f", inv[b][s][k]);
				fprintf(j, "%s    {\"buffer\": \"%s\", \"bytes\": %zu, \"mode\": \"%s\", \"min\": %.0f, \"median\": %.0f, \"max\": %.0f, \"ratio_to_raw\": %.4f",
					first ? "" : ",\n", b ? "p2p" : "ram", sizes[s], slice_name[k],
					f[b][s][k].min, f[b][s][k].med, f[b][s][k].max, f[b][s][k].med / raw);
				if (traced)
					fprintf(j, ", \"iotlb_invalidations_per_io\": %.4f", inv[b][s][k]);
				fprintf(j, "}");
				first = 0;
			}
			printf("\n");
		}
	fprintf(j, "\n  ]");
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 4 << 10, 64 << 10, 1 << 20, 16 << 20, 64 << 20 };
	static const char *const size_name[] = { "4K", "64K", "1M", "16M", "64M" };
	struct figure fig[2][ARRAY_SIZE(sizes)][NR_MODES] = { 0 };
	int ok[2][ARRAY_SIZE(sizes)] = { 0 };
	const char *out = NULL, *prof_buf = NULL;
	double prof_seconds = 0;
	size_t p2p_max, s;
	struct utsname u;
	cpu_set_t cpus;
	void *ram, *p2p;
	FILE *j;
	int b, m, i, first = 1, bounce_only = 0, monitor_only = 0, slice_only = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--quick"))
			reps = 3;
		else if (!strcmp(argv[i], "--bounce"))
			bounce_only = 1;
		else if (!strcmp(argv[i], "--monitor"))
			monitor_only = 1;
		else if (!strcmp(argv[i], "--slice"))
			slice_only = 1;
		else if (!strcmp(argv[i], "--profile") && i + 2 < argc)
			prof_seconds = atof(argv[++i]), prof_buf = argv[++i];
		else
			out = argv[i];
	}
	if ((!out && !prof_buf) || reps < 1 || reps > MAX_REPS ||
	    (prof_buf && (prof_seconds <= 0 || !profile_loop_known(prof_buf)))) {
		fprintf(stderr, "usage: bench [--reps 1-%d] [--quick] [--bounce | --monitor | --slice] OUT.json\n"
			"       bench --profile SECONDS LOOP    (LOOP: one of", MAX_REPS);
		for (i = 0; i < (int)ARRAY_SIZE(profile_loops); i++)
			fprintf(stderr, " %s", profile_loops[i]);
		fprintf(stderr, ")\n");
		return 2;
	}
	/* One CPU for the timed loops: less variance from migrations between the vCPUs. */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	if (lab_find(&lab) && (!slice_only || lab_find_host_bridge(&lab))) {
		fprintf(stderr, "bench: lab topology not found\n");
		return 1;
	}
	test_fd = open("/dev/p2pmap-test", O_RDWR);
	if (test_fd < 0) {
		perror("bench: /dev/p2pmap-test (insmod tests/kmod/p2pmap_test.ko)");
		return 1;
	}
	ram = mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	/* The 64 MiB CMB is not all available (the NVMe driver uses some): 32 MiB of it at most. */
	p2p_max = 32 << 20;
	p2p = p2pmem_map(&lab.prov_a, p2p_max, NULL);
	if (ram == MAP_FAILED || !p2p || p2p == MAP_FAILED) {
		fprintf(stderr, "bench: cannot map the buffers\n");
		return 1;
	}
	if (prof_buf)		/* before the memset: the profile is of the loop only */
		return profile(ram, p2p, prof_seconds, prof_buf);
	memset(p2p, 1, p2p_max);
	if (bounce_only || monitor_only || slice_only) {
		uname(&u);
		j = fopen(out, "w");
		if (!j) {
			perror(out);
			return 1;
		}
		fprintf(j, "{\n  \"machine\": \"%s\",\n  \"kernel\": \"%s\",\n  \"reps\": %d", u.machine,
			u.release, reps);
		if (bounce_only)
			bounce_bench(p2p, p2p_max, j);
		else if (slice_only)
			slice_bench(ram, p2p, j);
		else
			monitor_bench(p2p, j);
		fprintf(j, "\n}\n");
		fclose(j);
		return 0;
	}

	/*
	 * The modes take turns within each repetition (raw, p2pmap, +topology, +rules, then the
	 * next repetition), so drift in the emulator over the run lands on all of them alike.
	 */
	for (i = -1; i < reps; i++) {
		for (m = 0; m < NR_MODES; m++) {
			struct topology_bpf *t = NULL;
			struct rules_bpf *r = NULL;
			struct bpf_link *link = NULL;

			if (m == TOPOLOGY || m == RULES1000) {
				link = attach_policy(m, &t, &r);
				if (!link) {
					fprintf(stderr, "bench: cannot attach the %s policy\n", mode_name[m]);
					return 1;
				}
			}
			if (i >= 0)
				fprintf(stderr, "bench: repetition %d/%d, %s\n", i + 1, reps, mode_name[m]);
			for (b = 0; b < 2; b++)
				for (s = 0; s < ARRAY_SIZE(sizes); s++) {
					double ns;

					if (b == 1 && sizes[s] > p2p_max)
						continue;
					/*
					 * One untimed call first (and all of repetition -1): page
					 * tables, bounce pool, pair cache and the emulator's code
					 * cache are warm for every figure alike.
					 */
					ns = one(m, b ? p2p : ram, sizes[s], 1);
					if (i >= 0 && ns >= 0)
						ns = one(m, b ? p2p : ram, sizes[s], iters_for(sizes[s]));
					if (ns < 0) {
						fprintf(stderr, "bench: %s %s %s failed: %s\n", mode_name[m],
							b ? "p2p" : "ram", size_name[s], strerror((int)-ns));
						return 1;
					}
					if (i >= 0)
						fig[b][s][m].ns[i] = ns;
				}
			bpf_link__destroy(link);
			topology_bpf__destroy(t);
			rules_bpf__destroy(r);
			if (link)
				usleep(200000);	/* the link is released from a workqueue */
		}
	}
	for (b = 0; b < 2; b++)
		for (s = 0; s < ARRAY_SIZE(sizes); s++)
			for (m = 0; m < NR_MODES; m++) {
				if (b == 1 && sizes[s] > p2p_max)
					continue;
				summarize(&fig[b][s][m]);
				ok[b][s]++;
			}

	uname(&u);
	j = fopen(out, "w");
	if (!j) {
		perror(out);
		return 1;
	}
	fprintf(j, "{\n  \"machine\": \"%s\",\n  \"kernel\": \"%s\",\n  \"reps\": %d,\n  \"unit\": \"ns per map+unmap\",\n  \"map_unmap\": [\n",
		u.machine, u.release, reps);
	printf("map + unmap of one buffer for the switch's edu, ns per call (median of %d; ratio to raw)\n", reps);
	printf("%-4s %-5s", "buf", "size");
	for (m = 0; m < NR_MODES; m++)
		printf(" %20s", mode_name[m]);
	printf("\n");
	for (b = 0; b < 2; b++)
		for (s = 0; s < ARRAY_SIZE(sizes); s++) {
			double raw = fig[b][s][RAW].med;

			if (ok[b][s] != NR_MODES)
				continue;
			printf("%-4s %-5s", b ? "p2p" : "ram", size_name[s]);
			for (m = 0; m < NR_MODES; m++) {
				const struct figure *f = &fig[b][s][m];
				char cell[32];

				if (m == RAW)
					snprintf(cell, sizeof(cell), "%.0f", f->med);
				else
					snprintf(cell, sizeof(cell), "%.0f (%.3f)", f->med, f->med / raw);
				printf(" %20s", cell);
				fprintf(j, "%s    {\"buffer\": \"%s\", \"bytes\": %zu, \"mode\": \"%s\", \"min\": %.0f, \"median\": %.0f, \"max\": %.0f, \"ratio_to_raw\": %.4f}",
					first ? "" : ",\n", b ? "p2p" : "ram", sizes[s], mode_name[m], f->min, f->med, f->max,
					f->med / raw);
				first = 0;
			}
			printf("\n");
		}
	fprintf(j, "\n  ],\n  \"ns_per_page\": [\n");

	/* Scaling: per-page time of the RAM figures, 64 KiB and up (4 KiB is one call's cost). */
	printf("\ntime per 4 KiB page as the buffer grows (RAM, median; flat = linear total)\n");
	printf("%-5s", "size");
	for (m = 0; m < NR_MODES; m++)
		printf(" %20s", mode_name[m]);
	printf("\n");
	first = 1;
	for (s = 1; s < ARRAY_SIZE(sizes); s++) {
		if (ok[0][s] != NR_MODES)
			continue;
		printf("%-5s", size_name[s]);
		for (m = 0; m < NR_MODES; m++) {
			double per = fig[0][s][m].med / (sizes[s] / 4096);

			printf(" %20.0f", per);
			fprintf(j, "%s    {\"bytes\": %zu, \"mode\": \"%s\", \"median\": %.1f}",
				first ? "" : ",\n", sizes[s], mode_name[m], per);
			first = 0;
		}
		printf("\n");
	}

	/* Threads may use every vCPU again. */
	for (i = 0; i < sysconf(_SC_NPROCESSORS_ONLN); i++)
		CPU_SET(i, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	printf("\nmappings per second through /dev/p2pmap (MAP + UNMAP of 64 KiB RAM, %.0f s each; %ld vCPUs)\n",
	       CONC_SECONDS, sysconf(_SC_NPROCESSORS_ONLN));
	fprintf(j, "\n  ],\n  \"vcpus\": %ld,\n  \"mappings_per_second\": [\n", sysconf(_SC_NPROCESSORS_ONLN));
	for (i = 1; i <= 4; i *= 2) {
		double rate = concurrency(i);

		printf("%d thread%s %10.0f\n", i, i > 1 ? "s" : " ", rate);
		fprintf(j, "%s    {\"threads\": %d, \"per_second\": %.0f}", i > 1 ? ",\n" : "", i, rate);
	}
	fprintf(j, "\n  ]");
	hot_bench(p2p, j);
	monitor_bench(p2p, j);
	bounce_bench(p2p, p2p_max, j);
	slice_bench(ram, p2p, j);
	fprintf(j, "\n}\n");
	fclose(j);
	return 0;
}
