// SPDX-License-Identifier: GPL-2.0-only
/*
 * Faults: the kernel's fault injection fails allocations and DMA mappings under a workload of
 * RAM, P2P and bounced mappings (with SEGMENTS, SYNC and UNMAP, and a few real edu copies
 * whose data is checked). Every failure must come back as a clean errno; afterwards pinned
 * pages, bounce pages in use and live mappings are back where they started, and so is
 * DMA-API debug's error count where DMA-API debug runs.
 *
 *   failslab          slab allocations of the workload's task (mapping objects, tables)
 *   fail_page_alloc   page allocations of the task (bounce pages, large tables)
 *   fail_function     p2pmap_dma_map(), p2pmap_io_dma_map(): the DMA mapping itself (IOMMU or
 *                     swiotlb failure), of the general path and of a one-shot mapping in
 *                     its own storage
 *
 *   t_faults [--ops N] [--only alloc|dma]    (default 400 per mechanism, all mechanisms)
 *
 * The allocation mechanisms cannot run beside DMA-API debug: its own bookkeeping allocates
 * (GFP_ATOMIC, in the mapping path of the same task), and the first failure there makes it
 * turn itself off for the rest of the boot ("cacheline tracking ENOMEM, dma-debug disabled"),
 * blinding every later check. So "--only alloc" runs in a boot with dma_debug=off (lab
 * variant "faults") and refuses to run where DMA-API debug is on; "--only dma" runs in the
 * ordinary lab, with DMA-API debug watching.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib.h"

#define PG	4096UL
#define DBG	"/sys/kernel/debug/"

struct counts {
	unsigned long ok, failed, unclean, copies, bad_data;
	unsigned long errnos[4];	/* ENOMEM, EIO-ish (DMA), EBUSY, other clean */
};

static struct lab lab;

static void put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, val, strlen(val)) < 0)
		tap_bail("cannot write %s to %s: %s", val, path, strerror(errno));
	close(fd);
}

/* Scope and quiet first (a report would fail the run), the probability last. */
static void setup(const char *dir, const char *prob, bool task_filter)
{
	static const char *const pre[][2] = {
		{ "verbose", "0" }, { "task-filter", NULL }, { "interval", "1" }, { "times", "-1" },
		/* By default both leave sleeping (GFP_KERNEL) and order-0 allocations alone. */
		{ "ignore-gfp-wait", "N" }, { "min-order", "0" },
	};
	char p[128];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pre); i++) {
		snprintf(p, sizeof(p), DBG "%s/%s", dir, pre[i][0]);
		if (!access(p, F_OK))
			put(p, pre[i][1] ? pre[i][1] : task_filter ? "Y" : "N");
	}
	snprintf(p, sizeof(p), DBG "%s/probability", dir);
	put(p, prob);
}

static void off(const char *dir)
{
	char p[128];

	snprintf(p, sizeof(p), DBG "%s/probability", dir);
	put(p, "0");
}

static void classify(struct counts *c, int ret)
{
	if (!ret) {
		c->ok++;
		return;
	}
	c->failed++;
	switch (-ret) {
	case ENOMEM:
		c->errnos[0]++;
		break;
	case EIO:
	case ENOSPC:
	case EREMOTEIO:
		c->errnos[1]++;
		break;
	case EBUSY:
		c->errnos[2]++;
		break;
	case EFAULT:
	case EINVAL:
	case ENXIO:
	case EPERM:
	case ETIMEDOUT:
		c->errnos[3]++;
		break;
	default:
		c->unclean++;
		fprintf(stderr, "# unexpected errno %d\n", -ret);
	}
}

static int edu_copy_fd(int fd, void *src, void *dst, size_t len,
		       const struct p2pmap_edu_window *w)
{
	struct p2pmap_edu_copy c = {
		.argsz = sizeof(c), .src = (uintptr_t)src, .dst = (uintptr_t)dst, .len = len,
		.windows = (uintptr_t)w, .nr_windows = 1,
	};

	return ioctl(fd, P2PMAP_EDU_IOC_COPY, &c) ? -errno : 0;
}

/*
 * The workload, in a child whose allocations may fail: everything it needs is opened and
 * mapped first, then it asks to fail, so only the calls under test meet the faults.
 */
static void workload(int ops, struct counts *c)
{
	const struct lab_dev *clients[] = { &lab.edu_sw, &lab.edu_rc };
	unsigned char *ram = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	unsigned char *a = p2pmem_map(&lab.prov_a, 1 << 20, NULL);
	unsigned char *b = p2pmem_map(&lab.prov_b, 1 << 20, NULL);
	int fd = p2pmap_open(), i, efd[2], mif;

	efd[0] = open(lab.edu_sw.node, O_RDWR);
	efd[1] = open(lab.edu_rc.node, O_RDWR);
	mif = open("/proc/self/make-it-fail", O_WRONLY);
	if (ram == MAP_FAILED || efd[0] < 0 || efd[1] < 0 || mif < 0 || write(mif, "1", 1) != 1)
		_exit(3);
	for (i = 0; i < ops; i++) {
		unsigned char *bufs[] = { ram, a, b };
		size_t len = PG << (i % 8);	/* 4 KiB .. 512 KiB */
		struct p2pmap_map m;
		int ret;

		if (i % 40 == 39) {	/* a real copy now and then: p2pmem -> RAM, checked */
			struct p2pmap_edu_window w = { 0, PG };
			unsigned char *src = i % 80 == 79 ? b : a;

			fill_pattern(src, PG, i);
			memset(ram, 0, PG);
			ret = edu_copy_fd(efd[(i / 40) % 2], src, ram, 2 * PG, &w);
			classify(c, ret);
			c->copies += !ret;
			c->bad_data += !ret && !check_pattern(ram, PG, i, NULL);
			continue;
		}
		ret = xmap(fd, clients[i % 2], bufs[i % 3], len, 1 + i % 3, &m);
		classify(c, ret);
		if (!ret) {
			struct p2pmap_segment seg[8];
			uint32_t nr = 8;

			xsegments(fd, m.handle, seg, &nr);
			xunmap(fd, m.handle);
		}
	}
	close(fd);
}

/* DMA-API debug is built in and has not turned itself (or been) off. */
static bool dma_debug_on(void)
{
	char c = 'Y';
	FILE *f = fopen(DBG "dma-api/disabled", "r");

	if (f) {
		if (fscanf(f, " %c", &c) != 1)
			c = 'Y';
		fclose(f);
	}
	return c == 'N';
}

static void run(const char *name, const char *dir, const char *prob, bool task_filter, int ops)
{
	uint64_t pinned = p2pmap_stat("pinned_pages"), dma = dma_debug_on() ? dma_api_errors() : 0;
	struct counts *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status;
	pid_t pid;

	memset(c, 0, sizeof(*c));	/* fault the shared page in here, not in the child */
	setup(dir, prob, task_filter);
	pid = fork();
	if (!pid) {
		workload(ops, c);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	off(dir);
	tap_diag("%s: %lu ok, %lu failed (ENOMEM %lu, DMA %lu, EBUSY %lu, other clean %lu); %lu copies checked",
		 name, c->ok, c->failed, c->errnos[0], c->errnos[1], c->errnos[2], c->errnos[3],
		 c->copies);
	tap_ok(WIFEXITED(status) && !WEXITSTATUS(status) && c->ok + c->failed == (unsigned long)ops &&
	       !c->unclean && c->failed > 0,
	       "%s: %lu of %d operations failed, each with a clean errno", name, c->failed, ops);
	tap_ok(!c->bad_data, "%s: every copy that succeeded carried the right data (%lu)", name,
	       c->copies);
	tap_ok(nothing_held(pinned), "%s: nothing left pinned, mapped or bounced", name);
	if (dma_debug_on())
		tap_ok(dma_api_errors() == dma, "%s: DMA-API debug reports no new errors", name);
	munmap(c, sizeof(*c));
}

int main(int argc, char **argv)
{
	bool alloc = true, dma = true;
	int i, ops = 400;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--ops") && i + 1 < argc) {
			ops = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			i++;
			alloc = !strcmp(argv[i], "alloc");
			dma = !strcmp(argv[i], "dma");
			if (!alloc && !dma)
				break;
		} else {
			break;
		}
	}
	if (ops < 40 || i < argc) {
		fprintf(stderr, "usage: t_faults [--ops N>=40] [--only alloc|dma]\n");
		return 2;
	}
	if (alloc && dma_debug_on()) {
		fprintf(stderr, "t_faults: failslab and fail_page_alloc would turn DMA-API debug off for the rest of this boot: boot with dma_debug=off (lab variant faults), or use --only dma\n");
		return 2;
	}
	tap_plan((alloc ? 6 : 0) + (dma ? 3 + dma_debug_on() : 0));
	lab_require(&lab);
	if (alloc) {
		char pool[32] = "1024";
		FILE *f = fopen(POOL_PAGES, "r");

		run("failslab", "failslab", "10", true, ops);
		/*
		 * Page allocations are the bounce chunks (and large tables): with the pool's
		 * cache on, a workload this size is served from it and never reaches the page
		 * allocator. Off for this run, so every chunk is allocated (and can fail).
		 */
		if (f) {
			if (!fgets(pool, sizeof(pool), f))
				snprintf(pool, sizeof(pool), "1024");
			fclose(f);
		}
		put(POOL_PAGES, "0");
		run("fail_page_alloc", "fail_page_alloc", "30", true, ops);
		pool[strcspn(pool, "\n")] = 0;
		put(POOL_PAGES, pool);
	}
	if (dma) {
		/* Both DMA maps: the general path's and p2pmap_io_map()'s in its own storage. */
		put(DBG "fail_function/inject", "p2pmap_dma_map");
		put(DBG "fail_function/p2pmap_dma_map/retval", "0xfffffffffffffffb");	/* -EIO */
		put(DBG "fail_function/inject", "p2pmap_io_dma_map");
		put(DBG "fail_function/p2pmap_io_dma_map/retval", "0xfffffffffffffffb");
		run("fail_function p2pmap_dma_map, p2pmap_io_dma_map", "fail_function", "30", false,
		    ops);
		put(DBG "fail_function/inject", "");
	}
	return tap_done();
}
