// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hostile input: a seeded, reproducible fuzzer for every ioctl of /dev/p2pmap and of the edu
 * client. Arguments mix valid values with boundaries and garbage: wrong argsz (short, long
 * with a zero or non-zero tail), reserved bits and fields, unknown commands, bad directions,
 * lengths from 0 to huge, and pointers that are NULL, unmapped, read-only, kernel addresses,
 * misaligned, straddling the end of a mapping, or p2pmem of either provider. Handles are
 * real ones (live or already unmapped) or random; files are closed with mappings live.
 *
 * The kernel must answer every call with a result or an errno — the runner fails the run on
 * any kernel report — and when the files are closed, nothing may stay pinned, mapped or
 * bounced, and DMA-API debug must have nothing to say.
 *
 *   t_fuzz [--seed N] [--calls N] [--no-edu] [--no-unknown]
 *          (defaults: seed 0x5eed, 100000 calls; the last two leave out edu copies, and
 *          commands the driver does not know, to narrow a failure down)
 *
 * Every edu copy that could really run moves at most 8 KiB (the engine takes 100 ms per
 * 4 KiB), and at most 16 of them run, so the run stays short.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib.h"

#define PG		4096UL
#define RAM_LEN		(8UL << 20)
#define P2P_LEN		(1UL << 20)
#ifndef MAX_HANDLES
#define MAX_HANDLES	6	/* DMA-API debug tracks at most 7 overlapping mappings */
#endif
#define MAX_EDU_REAL	16

static uint64_t rng;
static struct lab lab;
static unsigned char *ram, *ro, *gone, *p2p_a, *p2p_b, *sink;
static uint64_t handles[MAX_HANDLES];
static unsigned int nr_handles, edu_real;
static unsigned long results[8][2];	/* [command][0 ok, 1 error] */
static bool no_edu, no_unknown;
static unsigned long skipped;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* A user pointer: mostly good, often hostile. */
static uint64_t pick_ptr(size_t *room)
{
	size_t dummy;

	if (!room)
		room = &dummy;
	const struct { uint64_t addr; size_t room; } pool[] = {
		{ 0, 0 },
		{ (uintptr_t)gone + below(64 << 10), 0 },
		{ (uintptr_t)ro, 64 << 10 },
		{ 0xffff888000000000ULL + below(1 << 20), 0 },
		{ rnd() | (1ULL << 63), 0 },
		{ (uintptr_t)ram + RAM_LEN - PG, PG },			/* the end of it */
		{ (uintptr_t)p2p_a, P2P_LEN },
		{ (uintptr_t)p2p_b, P2P_LEN },
		{ (uintptr_t)ram + 1 + below(4095), RAM_LEN - 4096 },	/* misaligned */
		{ (uintptr_t)ram, RAM_LEN },
	};
	unsigned int i = below(12);

	if (i >= ARRAY_SIZE(pool))	/* the last, the good one, three times as often */
		i = ARRAY_SIZE(pool) - 1;
	*room = pool[i].room;
	return pool[i].addr;
}

/*
 * Where the kernel writes arrays (SEGMENTS, STATS): a sink with a guard after it, so writes
 * that run long fault instead of landing on this process's own memory. Random addresses are
 * kernel-half ones for the same reason.
 */
#define SINK_LEN	(8UL << 20)
#define GUARD_LEN	(64UL << 20)

static uint64_t pick_out_ptr(void)
{
	switch (below(8)) {
	case 0: return 0;
	case 1: return (uint64_t)(uintptr_t)gone;
	case 2: return (uint64_t)(uintptr_t)ro;
	case 3: return rnd() | (1ULL << 63);
	case 4: return (uint64_t)(uintptr_t)sink + SINK_LEN - below(4096);
	default: return (uint64_t)(uintptr_t)sink + below(64);
	}
}

static uint64_t pick_len(void)
{
	static const uint64_t edge[] = { 0, 1, 4095, 4096, 4097, 8192, 65536, 1 << 20,
					 8 << 20, (8 << 20) + 1, 1ULL << 31, ~0ULL, ~0ULL - 4095 };

	if (below(3))
		return 1 + below(64 << 10);
	if (below(2))
		return edge[below(ARRAY_SIZE(edge))];
	return below(4) ? PG * (1 + below(2048)) : rnd();
}

static struct p2pmap_pci_addr pick_dev(void)
{
	const struct lab_dev *d[] = { &lab.edu_sw, &lab.edu_rc, &lab.prov_a, &lab.prov_b };
	struct p2pmap_pci_addr a;

	if (below(6))
		return d[below(ARRAY_SIZE(d))]->addr;
	a.domain = below(3) ? 0 : rnd();
	a.bus = rnd();
	a.devfn = rnd();
	a.reserved = below(4) ? 0 : rnd();
	return a;
}

static uint32_t pick_argsz(uint32_t size)
{
	switch (below(10)) {
	case 0: return 0;
	case 1: return 4;
	case 2: return size - 1;
	case 3: return size + 8;
	case 4: return 4096;
	case 5: return rnd();
	default: return size;
	}
}

static uint64_t pick_handle(void)
{
	if (nr_handles && below(4))
		return handles[below(nr_handles)];
	return below(2) ? below(8) : rnd();
}

static uint32_t pick_small(void)
{
	return below(4) ? 0 : below(2) ? 1U << below(32) : (uint32_t)rnd();
}

/*
 * The argument block: the struct at the front, then a tail that is zero or not, so a larger
 * argsz is accepted only with a zero tail. Sometimes the kernel gets a hostile pointer to it.
 */
static union {
	unsigned char b[8192];
	uint64_t align;		/* the structs' u64 fields */
} arg;
#define argbuf arg.b

static void *arg_ptr(void)
{
	switch (below(40)) {
	case 0: return NULL;
	case 1: return gone;
	case 2: return ro;		/* readable, but out-arguments cannot be written */
	case 3: return argbuf + 1;	/* misaligned */
	default: return argbuf;
	}
}

static void prepare(size_t size)
{
	memset(argbuf, 0, sizeof(argbuf));
	if (!below(8))
		argbuf[size + below(8)] = 1 + below(255);
}

static void note(int idx, int ret)
{
	results[idx][ret < 0]++;
}

static void fuzz_map(int fd)
{
	struct p2pmap_map *m = (void *)argbuf;
	void *p = arg_ptr();
	size_t room;
	int ret, i;

	prepare(sizeof(*m));
	m->argsz = pick_argsz(sizeof(*m));
	m->flags = pick_small();
	m->client = pick_dev();
	m->dir = below(6);
	m->reserved = below(8) ? 0 : rnd();
	m->addr = pick_ptr(&room);
	m->len = pick_len();
	if (room && below(2) && m->len > room)	/* keep many valid */
		m->len = 1 + below(room < (1 << 20) ? room : 1 << 20);
	ret = ioctl(fd, P2PMAP_IOC_MAP, p);
	note(0, ret);
	if (!ret && p == argbuf) {
		if (nr_handles < MAX_HANDLES) {
			handles[nr_handles++] = m->handle;
		} else {
			struct p2pmap_handle_arg u = { .argsz = sizeof(u) };

			i = below(MAX_HANDLES);
			u.handle = handles[i];
			ioctl(fd, P2PMAP_IOC_UNMAP, &u);
			handles[i] = m->handle;
		}
	}
}

static void fuzz_handle(int fd, unsigned long cmd, int idx)
{
	struct p2pmap_handle_arg *h = (void *)argbuf;

	prepare(sizeof(*h));
	h->argsz = pick_argsz(sizeof(*h));
	h->flags = below(3) ? 1 + below(2) : pick_small();
	h->handle = pick_handle();
	note(idx, ioctl(fd, cmd, arg_ptr()));
}

static void fuzz_segments(int fd)
{
	struct p2pmap_segments *s = (void *)argbuf;

	prepare(sizeof(*s));
	s->argsz = pick_argsz(sizeof(*s));
	s->flags = pick_small();
	s->handle = pick_handle();
	s->segs = pick_out_ptr();
	s->nr = below(2) ? below(8) : rnd();
	s->seg_size = below(3) ? sizeof(struct p2pmap_segment) : below(2) ? below(128) : rnd();
	note(3, ioctl(fd, P2PMAP_IOC_SEGMENTS, arg_ptr()));
}

static void fuzz_explain(int fd)
{
	struct p2pmap_explain *e = (void *)argbuf;

	prepare(sizeof(*e));
	e->argsz = pick_argsz(sizeof(*e));
	e->flags = pick_small();
	e->provider = pick_dev();
	e->client = pick_dev();
	e->dir = below(6);
	e->reserved = below(8) ? 0 : rnd();
	e->len = pick_len();
	note(4, ioctl(fd, P2PMAP_IOC_EXPLAIN, arg_ptr()));
}

static void fuzz_stats(int fd)
{
	struct p2pmap_stats *s = (void *)argbuf;

	prepare(sizeof(*s));
	s->argsz = pick_argsz(sizeof(*s));
	s->flags = below(4) ? 0 : pick_small();
	s->pairs = pick_out_ptr();
	s->nr = below(2) ? below(16) : rnd();
	s->entry_size = below(3) ? sizeof(struct p2pmap_pair_stat) : below(2) ? below(256) : rnd();
	note(5, ioctl(fd, P2PMAP_IOC_STATS, arg_ptr()));
}

static void fuzz_edu(void)
{
	struct p2pmap_edu_copy *c = (void *)argbuf;
	struct p2pmap_edu_window *w = (void *)(argbuf + 4096);
	const struct lab_dev *edu = below(2) ? &lab.edu_sw : &lab.edu_rc;
	unsigned int i;
	int fd, ret;

	prepare(sizeof(*c));
	if (!below(4)) {	/* a copy that runs: 8 KiB between RAM and p2pmem */
		*c = (struct p2pmap_edu_copy){ .argsz = sizeof(*c), .len = 2 * PG };
		c->src = (uintptr_t)(below(2) ? ram : below(2) ? p2p_a : p2p_b);
		c->dst = (uintptr_t)(below(2) ? ram + (1 << 20) : below(2) ? p2p_a + P2P_LEN / 2 :
				     p2p_b + P2P_LEN / 2);
		goto run;
	}
	c->argsz = pick_argsz(sizeof(*c));
	c->flags = below(4) ? 0 : pick_small();
	c->src = pick_ptr(NULL);
	c->dst = pick_ptr(NULL);
	c->len = pick_len();
	c->nr_windows = below(3) ? below(4) : below(2) ? 1025 : rnd();
	c->windows = below(4) ? (uint64_t)(uintptr_t)w : pick_ptr(NULL);
	c->reserved = below(8) ? 0 : rnd();
	for (i = 0; i < 4; i++)
		w[i] = (struct p2pmap_edu_window){ below(2) ? PG * below(4) : rnd(),
						   below(2) ? PG : rnd() };
	/*
	 * Bound the real DMA: a copy that may run moves at most 8 KiB, and only MAX_EDU_REAL
	 * of them; past that, a reserved field makes sure the kernel refuses it.
	 */
	if (c->len > 2 * PG)
		c->len = below(2) ? 2 * PG : c->len | (1ULL << 62);
	if (c->argsz == sizeof(*c) && !c->flags && !c->reserved && c->len <= 2 * PG &&
	    edu_real >= MAX_EDU_REAL)
		c->reserved = 1;
run:
	if (c->argsz == sizeof(*c) && !c->flags && !c->reserved && c->len <= 2 * PG &&
	    edu_real++ >= MAX_EDU_REAL)
		c->reserved = 1;
	fd = open(edu->node, O_RDWR);
	if (fd < 0)
		tap_bail("open %s: %s", edu->node, strerror(errno));
	ret = ioctl(fd, P2PMAP_EDU_IOC_COPY, arg_ptr());
	note(6, ret);
	close(fd);
}

static void fuzz_unknown(int fd)
{
	unsigned long cmd = below(2) ? _IO(P2PMAP_IOC_MAGIC, 6 + below(250)) :
			    below(2) ? _IOWR(P2PMAP_IOC_MAGIC, below(8), struct p2pmap_map) :
			    (unsigned long)rnd();

	memset(argbuf, 0, 64);
	note(7, ioctl(fd, cmd, arg_ptr()));
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "MAP", "UNMAP", "SYNC", "SEGMENTS", "EXPLAIN",
					     "STATS", "EDU_COPY", "unknown" };
	unsigned long calls = 100000, n, seed = 0x5eed;
	uint64_t pinned0, dma0, maps0, maps;
	int fd, i, k;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--calls") && i + 1 < argc)
			calls = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--no-edu"))
			no_edu = true;
		else if (!strcmp(argv[i], "--no-unknown"))
			no_unknown = true;
		else {
			fprintf(stderr, "usage: t_fuzz [--seed N] [--calls N] [--no-edu] [--no-unknown]\n");
			return 2;
		}
	}
	rng = seed ? seed : 1;
	tap_plan(7);
	lab_require(&lab);
	/*
	 * RAM between two guard pages: a device asked to write past the end must fault, not land
	 * on whatever this process mapped next (its TLS, say, where the stack canary lives).
	 */
	ram = mmap(NULL, RAM_LEN + 2 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram != MAP_FAILED) {
		ram += PG;
		if (mprotect(ram, RAM_LEN, PROT_READ | PROT_WRITE))
			tap_bail("mprotect: %s", strerror(errno));
		memset(ram, 0, RAM_LEN);
	}
	ro = mmap(NULL, 64 << 10, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	gone = mmap(NULL, 64 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED || ro == MAP_FAILED || gone == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));
	munmap(gone, 64 << 10);
	sink = mmap(NULL, SINK_LEN + GUARD_LEN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		    -1, 0);
	if (sink == MAP_FAILED || mprotect(sink, SINK_LEN, PROT_READ | PROT_WRITE))
		tap_bail("mmap sink: %s", strerror(errno));
	p2p_a = p2pmem_map(&lab.prov_a, P2P_LEN, NULL);
	p2p_b = p2pmem_map(&lab.prov_b, P2P_LEN, NULL);
	pinned0 = p2pmap_stat("pinned_pages");
	maps0 = p2pmap_stat("maps");
	dma0 = dma_api_errors();
	tap_diag("seed %#lx, %lu calls (rerun: t_fuzz --seed %#lx --calls %lu)", seed, calls, seed,
		 calls);

	fd = p2pmap_open();
	for (n = 0; n < calls; n++) {
		switch (below(20)) {
		case 0 ... 6:
			fuzz_map(fd);
			break;
		case 7 ... 9:
			fuzz_handle(fd, P2PMAP_IOC_UNMAP, 1);
			break;
		case 10 ... 11:
			fuzz_handle(fd, P2PMAP_IOC_SYNC, 2);
			break;
		case 12 ... 13:
			fuzz_segments(fd);
			break;
		case 14 ... 15:
			fuzz_explain(fd);
			break;
		case 16:
			fuzz_stats(fd);
			break;
		case 17:
			if (!below(20)) {
				if (!no_edu)
					fuzz_edu();
				else
					skipped++;
				break;
			}
			/* fall through */
		case 18:
			if (!no_unknown)
				fuzz_unknown(fd);
			else
				skipped++;
			break;
		default:
			if (!below(500)) {	/* close with whatever is still mapped */
				close(fd);
				fd = p2pmap_open();
				nr_handles = 0;
				skipped++;	/* a close, not an ioctl */
			} else {
				fuzz_explain(fd);
			}
		}
		if ((n + 1) % 20000 == 0)
			tap_diag("%lu calls", n + 1);
	}
	close(fd);

	for (i = 0, k = 0; i < 8; i++) {
		tap_diag("%-9s %7lu succeeded %7lu failed", names[i], results[i][0], results[i][1]);
		k += results[i][0] + results[i][1];
	}
	tap_ok((unsigned long)k == calls - skipped, "%d calls made, every one answered", k);
	tap_ok(results[0][0] > 100 && results[0][1] > 100,
	       "MAP both succeeded and failed many times (%lu, %lu)", results[0][0], results[0][1]);
	/*
	 * The module's own count of mappings made agrees with what the fuzzer saw: every MAP
	 * that succeeded, two per edu copy that succeeded, at most two per edu copy that failed.
	 */
	maps = p2pmap_stat("maps") - maps0;
	tap_ok(maps >= results[0][0] + 2 * results[6][0] &&
	       maps <= results[0][0] + 2 * (results[6][0] + results[6][1]),
	       "the module counted %llu mappings: %lu MAPs and %lu edu copies succeeded",
	       (unsigned long long)maps, results[0][0], results[6][0]);
	tap_ok(p2pmap_stat("pinned_pages") == pinned0, "no page stays pinned after close (%llu)",
	       (unsigned long long)p2pmap_stat("pinned_pages"));
	tap_ok(p2pmap_stat("mappings_active") == 0, "no mapping stays active");
	tap_ok(p2pmap_stat("bounce_in_use") == 0, "no bounce page stays in use");
	tap_ok(dma_api_errors() == dma0, "DMA-API debug reports no new errors");
	return tap_done();
}
