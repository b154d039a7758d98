// SPDX-License-Identifier: GPL-2.0-only
/*
 * Load: N threads map, transfer and unmap over every provider/client pair at once, with
 * random sizes (4 KiB to 8 MiB), random directions (p2pmem -> RAM or RAM -> p2pmem) and real
 * edu DMA on sampled pages (the first, the last and one in between; the engine takes 100 ms
 * per 4 KiB). Every transferred byte is compared. Meanwhile another thread keeps changing the
 * policy: it attaches topology, swaps it for bounce_all through the same link, detaches it,
 * and injects a policy that returns garbage verdicts until the module ejects it. Whatever
 * path a transfer takes while the policy changes under it, the data must arrive intact.
 *
 *   t_stress [--seconds N] [--threads N] [--seed N] [--unplug]
 *            (defaults: 20 s, 4 threads, seed 1)
 *
 * --unplug: devices go away during the run (t_hotplug.sh); transfers that fail because of it
 * must fail with an errno, and are counted by errno instead of failing the test. Data that
 * arrives must still be intact.
 *
 * Reports operations, bytes per path and mismatches (which must be 0). Clean refusals
 * (EBUSY at the bounce cap, no p2pmem left) are counted, not failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib.h"
#include "policy.h"

#define PG		4096UL
#define MAXDEV		32
#define MAX_PAGES	2048	/* 8 MiB */

static struct lab_dev provs[MAXDEV], edus[MAXDEV];
static int np, ne;
static double deadline;
static atomic_bool stop;

static atomic_ulong ops, mismatches, refused, failures, bytes_path[3], moved;
static atomic_ulong pol_cycles, pol_ejects, pol_failures;
static atomic_ulong gone_errs[8];	/* --unplug: ENODEV, EIO, ETIMEDOUT, EFAULT, ENXIO, other */
static bool unplug;

static void count_gone(int e)
{
	static const int known[] = { ENODEV, EIO, ETIMEDOUT, EFAULT, ENXIO, ENOENT, EINVAL };
	unsigned int i;

	for (i = 0; i < 7 && known[i] != e; i++)
		;
	gone_errs[i]++;
}

static int copy_via(const struct lab_dev *edu, void *src, void *dst, size_t len,
		    const struct p2pmap_edu_window *w, unsigned int nw, struct p2pmap_edu_copy *c)
{
	int fd = open(edu->node, O_RDWR), ret;

	*c = (struct p2pmap_edu_copy){
		.argsz = sizeof(*c), .src = (uintptr_t)src, .dst = (uintptr_t)dst, .len = len,
		.windows = (uintptr_t)w, .nr_windows = nw,
	};
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, P2PMAP_EDU_IOC_COPY, c) ? -errno : 0;
	close(fd);
	return ret;
}


static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * p2pmem of a provider that is being removed is no longer there: touching it raises SIGBUS.
 * With --unplug that ends the operation (counted as ENODEV), not the process.
 */
static __thread sigjmp_buf bus_jmp;
static __thread bool bus_armed;

static void on_sigbus(int sig)
{
	if (!bus_armed) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
	siglongjmp(bus_jmp, 1);
}

/* One operation: p2pmem <-> RAM through @edu, sampled pages compared. */
static void one_transfer(const struct lab_dev *prov, const struct lab_dev *edu, size_t pages,
			 bool to_ram, size_t mid, uint32_t seed)
{
	size_t len = pages * PG;
	struct p2pmap_edu_window w[3];
	struct p2pmap_edu_copy c;
	unsigned char *p2p, *ram, *src, *dst;
	unsigned int i, nw = 0;
	int ret;

	p2p = p2pmem_try(prov, len, NULL);
	if (p2p == MAP_FAILED && unplug && errno != ENOMEM) {
		count_gone(ENODEV);	/* the provider is gone */
		usleep(10000);
		return;
	}
	if (p2p == MAP_FAILED) {
		refused++;	/* the CMB is shared by all threads */
		usleep(10000);
		return;
	}
	ram = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED) {
		munmap(p2p, len);
		refused++;
		return;
	}
	src = to_ram ? p2p : ram;
	dst = to_ram ? ram : p2p;
	w[nw++] = (struct p2pmap_edu_window){ 0, PG };
	if (mid)
		w[nw++] = (struct p2pmap_edu_window){ mid * PG, PG };
	if (pages > 1)
		w[nw++] = (struct p2pmap_edu_window){ len - PG, PG };

	bus_armed = unplug;
	if (unplug && sigsetjmp(bus_jmp, 1)) {
		bus_armed = false;
		count_gone(ENODEV);
		goto out;
	}
	for (i = 0; i < nw; i++) {
		fill_pattern(src + w[i].offset, PG, seed + i);
		memset(dst + w[i].offset, 0, PG);
	}
	ret = copy_via(edu, src, dst, len, w, nw, &c);
	if (ret == -EBUSY || ret == -ENOMEM) {
		refused++;
	} else if (ret && unplug) {
		count_gone(-ret);
	} else if (ret) {
		failures++;
		fprintf(stderr, "# %s -> %s, %zu bytes: %s\n", prov->name, edu->name, len,
			strerror(-ret));
	} else {
		for (i = 0; i < nw; i++)
			if (!check_pattern(dst + w[i].offset, PG, seed + i, NULL)) {
				mismatches++;
				fprintf(stderr, "# MISMATCH %s -> %s, %zu bytes, %s, page %llu (dst bytes ram/p2p/bounce %llu/%llu/%llu)\n",
					prov->name, edu->name, len,
					to_ram ? "p2pmem to RAM" : "RAM to p2pmem",
					(unsigned long long)(w[i].offset / PG),
					(unsigned long long)c.dst_bytes[0],
					(unsigned long long)c.dst_bytes[1],
					(unsigned long long)c.dst_bytes[2]);
			}
		for (i = 0; i < 3; i++)
			bytes_path[i] += c.src_bytes[i] + c.dst_bytes[i];
		moved += c.dma_bytes;
		ops++;
	}
	bus_armed = false;
out:
	munmap(p2p, len);
	munmap(ram, len);
}

static void *worker(void *arg)
{
	uint64_t s = (uint64_t)(uintptr_t)arg * 0x9e3779b97f4a7c15ULL + 1;

	while (!stop && now() < deadline) {
		const struct lab_dev *prov = &provs[next(&s) % np], *edu = &edus[next(&s) % ne];
		size_t pages = 1 + next(&s) % MAX_PAGES;
		bool to_ram = next(&s) & 1;
		size_t mid = pages > 2 ? 1 + next(&s) % (pages - 2) : 0;

		one_transfer(prov, edu, pages, to_ram, mid, next(&s));
	}
	return NULL;
}

static bool state_has(const char *what)
{
	char buf[512] = "";
	FILE *f = fopen("/sys/kernel/p2pmap/policy_exit", "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	return strstr(buf, what);
}

static void nap(double sec)
{
	double end = now() + sec;

	while (!stop && now() < end)
		usleep(20000);
}

/* attach topology -> swap in bounce_all -> detach -> garbage until ejected -> detach */
static void *churn(void *arg)
{
	(void)arg;
	while (!stop && now() < deadline) {
		struct bpf_object *o1 = NULL, *o2 = NULL, *g = NULL;
		struct bpf_link *link;
		struct bpf_map *m;
		double until;

		link = policy_attach_file("topology", 0, &o1);
		if (!link) {
			pol_failures++;
			nap(0.5);
			continue;
		}
		nap(0.4);
		o2 = bpf_object__open_file("bpf/bounce_all.bpf.o", NULL);
		m = NULL;
		if (o2 && !bpf_object__load(o2))
			bpf_object__for_each_map(m, o2)
				if (bpf_map__type(m) == BPF_MAP_TYPE_STRUCT_OPS)
					break;
		if (!m || bpf_link__update_map(link, m))
			pol_failures++;
		nap(0.4);
		bpf_link__destroy(link);
		bpf_object__close(o1);
		bpf_object__close(o2);
		nap(0.3);

		link = policy_attach_file("build/tests/bpf/garbage", 0, &g);
		if (!link) {
			pol_failures++;
			nap(0.5);
			continue;
		}
		until = now() + 15;
		while (!stop && now() < until && !state_has("auto-detached"))
			usleep(50000);
		if (state_has("auto-detached")) {
			pol_ejects++;
			pol_cycles++;
		} else if (!stop) {
			pol_failures++;		/* 15 s of garbage and still attached */
		}
		bpf_link__destroy(link);
		bpf_object__close(g);
		nap(0.3);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long seconds = 20, threads = 4, seed = 1, i;
	pthread_t th[64], pt;
	uint64_t pinned0, dma0;
	char old_max[32] = "100";
	FILE *f;

	for (i = 1; i < (unsigned long)argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < (unsigned long)argc)
			seconds = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--threads") && i + 1 < (unsigned long)argc)
			threads = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < (unsigned long)argc)
			seed = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--unplug"))
			unplug = true;
		else {
			fprintf(stderr, "usage: t_stress [--seconds N] [--threads 1-64] [--seed N] [--unplug]\n");
			return 2;
		}
	}
	if (!threads || threads > 64 || !seconds) {
		fprintf(stderr, "t_stress: --threads must be 1-64 and --seconds at least 1\n");
		return 2;
	}
	tap_plan(6);
	if (lab_scan(provs, &np, edus, &ne, MAXDEV) || !np || !ne)
		tap_bail("no providers or no edu clients");
	tap_diag("%lu threads for %lu s over %d providers x %d clients, seed %lu, with policy churn",
		 threads, seconds, np, ne, seed);
	f = fopen("/sys/module/p2pmap/parameters/max_policy_errors", "r");
	if (f) {
		if (!fgets(old_max, sizeof(old_max), f))
			snprintf(old_max, sizeof(old_max), "100");
		fclose(f);
	}
	sysfs_write("/sys/module/p2pmap/parameters/max_policy_errors", "3");
	pinned0 = p2pmap_stat("pinned_pages");
	dma0 = dma_api_errors();

	if (unplug) {
		struct sigaction sa = { .sa_handler = on_sigbus, .sa_flags = SA_NODEFER };

		sigaction(SIGBUS, &sa, NULL);
	}
	deadline = now() + seconds;
	for (i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(seed * 1000 + i));
	pthread_create(&pt, NULL, churn, NULL);
	for (i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	stop = true;
	pthread_join(pt, NULL);
	sysfs_write("/sys/module/p2pmap/parameters/max_policy_errors", old_max);

	tap_diag("operations %lu (refused cleanly %lu), DMA bytes %lu; mapped bytes: RAM %lu, P2P %lu, bounced %lu",
		 (unsigned long)ops, (unsigned long)refused, (unsigned long)moved,
		 (unsigned long)bytes_path[0], (unsigned long)bytes_path[1],
		 (unsigned long)bytes_path[2]);
	tap_diag("policy: %lu cycles (attach, swap, detach, garbage until ejected), %lu failures",
		 (unsigned long)pol_cycles, (unsigned long)pol_failures);
	if (unplug)
		tap_diag("failed while devices went away: ENODEV %lu, EIO %lu, ETIMEDOUT %lu, EFAULT %lu, ENXIO %lu, ENOENT %lu, EINVAL %lu, other %lu",
			 (unsigned long)gone_errs[0], (unsigned long)gone_errs[1],
			 (unsigned long)gone_errs[2], (unsigned long)gone_errs[3],
			 (unsigned long)gone_errs[4], (unsigned long)gone_errs[5],
			 (unsigned long)gone_errs[6], (unsigned long)gone_errs[7]);
	tap_ok(ops >= threads, "%lu transfers done", (unsigned long)ops);
	tap_ok(!mismatches && !failures, "every sampled byte arrived: %lu mismatches, %lu failed transfers",
	       (unsigned long)mismatches, (unsigned long)failures);
	tap_ok(bytes_path[1] && bytes_path[2], "both paths carried data (P2P %lu, bounced %lu bytes)",
	       (unsigned long)bytes_path[1], (unsigned long)bytes_path[2]);
	tap_ok(pol_cycles >= 1 && !pol_failures,
	       "policy churn: %lu full cycles, each garbage policy ejected, no step failed",
	       (unsigned long)pol_cycles);
	tap_ok(nothing_held(pinned0), "nothing left pinned, mapped or bounced");
	tap_ok(dma_api_errors() == dma0, "DMA-API debug reports no new errors");
	return tap_done();
}
