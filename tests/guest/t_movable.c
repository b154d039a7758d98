// SPDX-License-Identifier: GPL-2.0-only
/*
 * A registration of RAM keeps to the kernel's long-term pin rules (a lab booted with
 * movablecore=, the "narrow" variant): pages of a buffer in ZONE_MOVABLE are migrated out
 * when it is registered, so the memory block they were in still goes offline while the
 * registration lives, and the registration's DMA still reads the buffer's bytes. A
 * short-term pin would hold the block: its offline would retry until the test stopped it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib.h"

#define MEMORY "/sys/devices/system/memory"
#define PAGES 16
#define BUF (PAGES * 4096UL)
#define AREA (64UL << 20)
#define AREAS 8

static struct lab lab;
static uint64_t block_pages;

/* The PFN behind @va (this process's pagemap; root sees PFNs), or 0. */
static uint64_t pfn_of(const void *va)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (uintptr_t)va / 4096 * sizeof(e)) != sizeof(e))
		e = 0;
	close(fd);
	return (e >> 63) & 1 ? e & ((1ULL << 55) - 1) : 0;
}

/* Is memory block @blk's zone ZONE_MOVABLE (an online block's valid_zones is its zone)? */
static bool block_movable(uint64_t blk)
{
	char path[128], zones[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), MEMORY "/memory%llu/valid_zones", (unsigned long long)blk);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(zones, sizeof(zones), f))
		zones[0] = 0;
	fclose(f);
	return !strncmp(zones, "Movable", 7);
}

/*
 * Is all of memory block @blk System RAM (/proc/iomem)? The offline of a block with a hole in
 * it (the top of RAM, which the firmware keeps) fails with EINVAL whatever is pinned there.
 */
static bool block_whole(uint64_t blk)
{
	unsigned long long s, e, lo = blk * block_pages * 4096, hi = lo + block_pages * 4096 - 1;
	char line[256];
	bool whole = false;
	FILE *f = fopen("/proc/iomem", "r");

	if (!f)
		return false;
	while (!whole && fgets(line, sizeof(line), f))
		if (line[0] != ' ' && strstr(line, ": System RAM") &&
		    sscanf(line, "%llx-%llx", &s, &e) == 2)
			whole = s <= lo && e >= hi;
	fclose(f);
	return whole;
}

/*
 * Could memory block @blk go offline, but for what the test pins? It is all System RAM in
 * ZONE_MOVABLE, and so is the next block: the top of a node's memory is where the boot
 * allocator put the node's own structures, which no offline can move (EBUSY).
 */
static bool block_offlinable(uint64_t blk)
{
	return block_movable(blk) && block_whole(blk) && block_movable(blk + 1) &&
	       block_whole(blk + 1);
}

/* 0 if memory block @blk exists. */
static int access_block(uint64_t blk)
{
	char path[128];

	snprintf(path, sizeof(path), MEMORY "/memory%llu", (unsigned long long)blk);
	return access(path, F_OK);
}

/* How many pages of the test's area are in memory block @blk. */
static uint64_t pages_in(const unsigned char *area, uint64_t blk)
{
	uint64_t n = 0, i, pfn;

	for (i = 0; i < AREA / 4096; i++) {
		pfn = pfn_of(area + i * 4096);
		n += pfn && pfn / block_pages == blk;
	}
	return n;
}

/* Write @val to memory block @blk's state in a child, stopped after @secs: 0, or -errno. */
static int block_state(uint64_t blk, const char *val, int secs, double *dt)
{
	char path[128];
	double t0 = now();
	int st = 0;
	pid_t pid;

	snprintf(path, sizeof(path), MEMORY "/memory%llu/state", (unsigned long long)blk);
	pid = fork();
	if (!pid)
		_exit(-try_write(path, val));
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (now() - t0 > secs) {
			kill(pid, SIGKILL);	/* offline_pages() retries until a signal */
			waitpid(pid, &st, 0);
			*dt = now() - t0;
			return -ETIMEDOUT;
		}
		usleep(20000);
	}
	*dt = now() - t0;
	return WIFEXITED(st) ? -WEXITSTATUS(st) : -EINTR;
}

int main(void)
{
	unsigned char *areas[AREAS], *area = NULL, *buf, *dst;
	uint64_t before[PAGES], blk = 0;
	struct p2pmap_map m;
	int fd, ret, i, n, first, moved = 0;
	bool first_moved = false;
	double dt = 0;

	lab_require(&lab);
	tap_plan(0);
	if (access(MEMORY "/block_size_bytes", R_OK))
		tap_bail("no %s: memory hot-remove is off", MEMORY);
	{
		char s[32];

		sysfs_str(MEMORY "/block_size_bytes", s, sizeof(s));
		block_pages = strtoull(s, NULL, 16) / 4096;
	}
	fd = p2pmap_open();

	/*
	 * A fresh anonymous area (user pages come from ZONE_MOVABLE first); the registration is
	 * the part of it around its first page in a whole block of ZONE_MOVABLE.
	 */
	/* Areas are kept until one has a page where the test needs it: the others fill the rest. */
	for (n = 0; !blk && n < AREAS; n++) {
		area = areas[n] = ram_buf(AREA);
		fill_pattern(area, AREA, 5);
		for (i = 0; i < (int)(AREA / 4096); i++) {
			uint64_t pfn = pfn_of(area + i * 4096UL);

			if (pfn && block_offlinable(pfn / block_pages)) {
				blk = pfn / block_pages;
				break;
			}
		}
	}
	if (!tap_ok(blk, "a page of a fresh buffer is in a memory block of ZONE_MOVABLE below its node's top (block %llu, area %d)",
		    (unsigned long long)blk, n)) {
		uint64_t b, nb = 0;

		for (b = 0; !access_block(b); b++)
			nb++;
		for (b = 0; b < nb; b++)
			tap_diag("block %llu: %s, %s, %llu of the buffer's pages",
				 (unsigned long long)b, block_movable(b) ? "Movable" : "not Movable",
				 block_whole(b) ? "whole" : "with a hole",
				 (unsigned long long)pages_in(area, b));
		tap_bail("the lab has no ZONE_MOVABLE memory under the buffer (movablecore=)");
	}
	first = i & (PAGES - 1);	/* the page in @blk */
	buf = area + (i & ~(PAGES - 1)) * 4096UL;
	for (i = 0; i < PAGES; i++) {
		before[i] = pfn_of(buf + i * 4096);
		if (!before[i])
			tap_bail("no PFN for page %d in /proc/self/pagemap", i);
	}

	ret = xmap(fd, &lab.edu_rc, buf, BUF, P2PMAP_DIR_TO_DEVICE, &m);
	if (!tap_ok(!ret, "those %d pages are registered for the edu (%d)", PAGES, ret))
		tap_bail("MAP failed: %s", strerror(-ret));
	for (i = 0; i < PAGES; i++) {
		uint64_t now_pfn = pfn_of(buf + i * 4096);

		if (!now_pfn || block_movable(now_pfn / block_pages))
			break;
		moved += now_pfn != before[i];
		first_moved |= i == first && now_pfn != before[i];
	}
	tap_ok(i == PAGES && first_moved,
	       "no page of the registration is left in ZONE_MOVABLE (%d migrated, page %d)", moved, i);

	ret = block_state(blk, "offline", 60, &dt);
	tap_ok(!ret, "memory block %llu, where the buffer was, goes offline while it is registered (%d, %.1f s)",
	       (unsigned long long)blk, ret, dt);
	if (!ret) {
		ret = block_state(blk, "online_movable", 60, &dt);
		tap_ok(!ret, "and online again (%d)", ret);
	}

	/* The registration holds the buffer's own bytes: an edu copy of it reads them. */
	dst = ram_buf(BUF);
	{
		struct p2pmap_edu_copy c = {
			.argsz = sizeof(c), .flags = P2PMAP_EDU_COPY_SRC_HANDLE, .src = m.handle,
			.dst = (uintptr_t)dst, .len = BUF, .p2pmap_fd = fd,
		};
		int efd = open(lab.edu_rc.node, O_RDWR);

		ret = efd < 0 ? -errno : xioctl(efd, P2PMAP_EDU_IOC_COPY, &c);
		if (efd >= 0)
			close(efd);
	}
	tap_ok(!ret && !memcmp(dst, buf, BUF), "an edu copy of the registration reads the buffer's bytes (%d)",
	       ret);
	ret = xunmap(fd, m.handle);
	tap_ok(!ret, "UNMAP (%d)", ret);
	munmap(dst, BUF);
	while (n--)
		munmap(areas[n], AREA);
	close(fd);
	return lab_done();
}
