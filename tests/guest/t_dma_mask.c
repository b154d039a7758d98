// SPDX-License-Identifier: GPL-2.0-only
/*
 * Clients with a narrow DMA mask (lab variant "narrow": both edus at QEMU's default 28 bits,
 * p2pmap_edu with its default dma_bits=28). The edu device drops address bits above its mask,
 * so an address it cannot reach corrupts data silently, and dma-direct refuses (with a WARN)
 * RAM above the mask when no IOMMU or swiotlb is there. Every path is checked with real DMA:
 *
 *  - the edu really has a 28-bit mask; RAM buffers are made of pages on both sides of it;
 *  - P2P that the kernel allows (provider A, the edu behind its switch) but whose bus address
 *    is above the mask: EXPLAIN and MAP say BOUNCE, reason dma-unreachable; the data is right;
 *  - P2P the kernel refuses: bounced, with the kernel's reason;
 *  - RAM above the mask: bounced through pages below it (reason dma-unreachable), data right;
 *  - every DMA address the client is given lies within its mask;
 *  - a policy that forces P2P cannot give the client an address it cannot reach, and that is
 *    not counted as a policy error.
 *
 * The run fails on any kernel report in the guest log (tests/vm/run.sh).
 *
 *   t_dma_mask
 */
#define _GNU_SOURCE		/* mremap() */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/mempolicy.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../include/uapi/p2pmap_names.h"
#include "lib.h"

#define PG 4096UL
#define LEN (64 * PG)		/* enough pages that some lie above 256 MiB in a 2 GiB guest */
#define MASK_BITS 28
#define LIMIT ((1ULL << MASK_BITS) - 1)
#define PATH_BOUNCE 2		/* struct p2pmap_edu_copy's src_bytes[] / dst_bytes[] */

#define REASON_NAME(sym, name) [(sym)] = (name),
static const char *const reason_names[] = { P2PMAP_REASON_NAMES(REASON_NAME, REASON_NAME) };

static struct lab lab;
static int fd;

static const char *reason_name(uint32_t r)
{
	return r < ARRAY_SIZE(reason_names) ? reason_names[r] : "?";
}

/* Map @buf for @client; every segment's DMA address within the mask; counts by kind. */
static int map_check(const struct lab_dev *client, void *buf, size_t len, uint32_t dir,
		     unsigned int *nr_kind, uint32_t *bounce_reason, bool *in_mask)
{
	struct p2pmap_segment segs[256];
	uint32_t nr = 256, i;
	struct p2pmap_map m;
	int ret = xmap(fd, client, buf, len, dir, &m);

	if (ret)
		return ret;
	ret = xsegments(fd, m.handle, segs, &nr);
	*in_mask = !ret;
	for (i = 0; !ret && i < nr && i < 256; i++) {
		nr_kind[segs[i].kind]++;
		if (segs[i].kind == P2PMAP_SEG_BOUNCE)
			*bounce_reason = segs[i].reason;
		if (segs[i].dma_addr + segs[i].len - 1 > LIMIT) {
			tap_diag("segment %u: DMA address 0x%llx+%llu beyond the 28-bit mask", i,
				 (unsigned long long)segs[i].dma_addr, (unsigned long long)segs[i].len);
			*in_mask = false;
		}
	}
	xunmap(fd, m.handle);
	return ret;
}

/* Physical address of a page of this process (root: /proc/self/pagemap shows PFNs). */
static uint64_t phys_of(void *p)
{
	uint64_t e = 0;
	int pm = open("/proc/self/pagemap", O_RDONLY);

	if (pm < 0 || pread(pm, &e, 8, (uintptr_t)p / PG * 8) != 8)
		e = 0;
	if (pm >= 0)
		close(pm);
	return (e & (1ULL << 63)) ? (e & ((1ULL << 55) - 1)) * PG : 0;
}

/*
 * Copy @src -> @dst through @client, moving the first page, the last page, and the first page
 * of @src above the mask (the edu takes 100 ms a page) while p2pmap maps all of both. The
 * moved bytes must be @src's, the rest of @dst untouched. @path_src / @path_dst: the path
 * (an index of the copy's src_bytes[]) all of that side must take, or -1 for RAM, whose pages lie on both sides of
 * the mask.
 */
static void copy_check(const struct lab_dev *client, unsigned char *src, unsigned char *dst,
		       int path_src, int path_dst, const char *what)
{
	struct p2pmap_edu_window w[3] = { { 0, PG }, { LEN - PG, PG } };
	unsigned int nr = 2, k;
	struct p2pmap_edu_copy c;
	size_t i, bad = LEN;
	int ret;

	for (i = PG; i < LEN - PG && nr == 2; i += PG)
		if (phys_of(src + i) > LIMIT) {		/* windows go in buffer order */
			w[2] = w[1];
			w[1] = (struct p2pmap_edu_window){ i, PG };
			nr = 3;
		}
	fill_pattern(src, LEN, nr);
	memset(dst, 0xEE, LEN);
	ret = edu_copy(client, src, dst, LEN, w, nr, &c);
	for (i = 0; !ret && i < LEN && bad == LEN; i++) {
		bool moved = false;

		for (k = 0; k < nr; k++)
			moved |= i >= w[k].offset && i < w[k].offset + w[k].len;
		if (dst[i] != (moved ? src[i] : 0xEE))
			bad = i;
	}
	if (bad < LEN)
		tap_diag("byte %zu: 0x%02x, want 0x%02x; dst page at 0x%llx, src page at 0x%llx", bad,
			 dst[bad], src[bad], (unsigned long long)phys_of(dst + bad / PG * PG),
			 (unsigned long long)phys_of(src + bad / PG * PG));
	tap_ok(!ret && bad == LEN && (path_src < 0 || c.src_bytes[path_src] == LEN) &&
	       (path_dst < 0 || c.dst_bytes[path_dst] == LEN),
	       "%s: edu DMA of %u pages correct, the rest untouched, paths as expected (ret %d, first bad byte %zu, src bounced %llu, dst bounced %llu)",
	       what, nr, ret, bad, (unsigned long long)c.src_bytes[PATH_BOUNCE],
	       (unsigned long long)c.dst_bytes[PATH_BOUNCE]);
}

/* A pool of @len bytes of RAM, its pages to come from NUMA node @node (as far as it can). */
static unsigned char *pool_on(size_t len, int node)
{
	unsigned char *pool = ram_buf(len);
	unsigned long mask = 1UL << node;

	if (syscall(SYS_mbind, pool, len, MPOL_PREFERRED, &mask, 8 * sizeof(mask), 0))
		tap_diag("mbind to node %d: %s", node, strerror(errno));
	return pool;
}

/*
 * Touch @pool a page at a time and move each page of side @side (0: below the mask, 1: above)
 * into the next slot of that side in @buf: even pages above, odd pages below.
 */
static void take_pages(unsigned char *pool, size_t pool_len, unsigned char *buf, size_t got[2],
		       bool side)
{
	size_t i;

	for (i = 0; i < pool_len && got[side] < LEN / PG / 2; i += PG) {
		size_t t;

		pool[i] = 1;
		if ((phys_of(pool + i) > LIMIT) != side)
			continue;
		t = 2 * got[side]++ + !side;
		if (mremap(pool + i, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, buf + t * PG) ==
		    MAP_FAILED)
			tap_bail("mremap: %s", strerror(errno));
	}
}

/*
 * A RAM buffer whose even pages lie above the mask and odd pages below it, whatever the page
 * allocator hands out: pages of large touched pools are moved into place with mremap(), which
 * keeps them. The low pages come from NUMA node 0, which holds the memory below the mask; the
 * high ones from node 1, which lies wholly above it (or from node 0 too, on one node). Bails
 * out if the pools have too few of either.
 */
static unsigned char *ram_mixed(void)
{
	const size_t pool_len = 128UL << 20;
	unsigned char *buf = ram_buf(LEN), *lo = pool_on(pool_len, 0), *hi = pool_on(pool_len, 1);
	size_t got[2] = { 0, 0 };

	take_pages(lo, pool_len, buf, got, false);
	take_pages(hi, pool_len, buf, got, true);
	if (got[1] < LEN / PG / 2)
		take_pages(lo, pool_len, buf, got, true);
	if (got[0] + got[1] < LEN / PG)
		tap_bail("too few pages above (%zu) or below (%zu) the mask in 2 x %zu MiB of RAM",
			 got[1], got[0], pool_len >> 20);
	munmap(lo, pool_len);
	munmap(hi, pool_len);
	return buf;
}

static void test_mask(void)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/dma_mask_bits", lab.edu_sw.name);
	sysfs_str(path, buf, sizeof(buf));
	tap_ok(atoi(buf) == MASK_BITS, "the edu behind the switch has the device's %d-bit mask (%s)",
	       MASK_BITS, buf);
}

/* EXPLAIN, then a mapping's segments, then real DMA both ways, for one pair. */
static void test_pair(const struct lab_dev *prov, const struct lab_dev *client,
		      const char *what, uint32_t want_reason)
{
	unsigned char *mem = p2pmem_map(prov, LEN, NULL), *ram = ram_mixed();
	unsigned int kinds[4] = { 0 };
	uint32_t reason = 0;
	struct p2pmap_explain e;
	char msg[128];
	bool in_mask;
	int ret;

	ret = xexplain(fd, prov, client, LEN, &e);
	tap_ok(!ret && e.verdict == P2PMAP_VERDICT_BOUNCE && e.reason == want_reason,
	       "%s: EXPLAIN says BOUNCE, reason %s (got %d, %s)", what, reason_name(want_reason),
	       ret, reason_name(e.reason));
	ret = map_check(client, mem, LEN, P2PMAP_DIR_BIDIRECTIONAL, kinds, &reason, &in_mask);
	tap_ok(!ret && kinds[P2PMAP_SEG_BOUNCE] && !kinds[P2PMAP_SEG_P2P] &&
	       reason == want_reason && in_mask,
	       "%s: a mapping of p2pmem is bounced (%s), every DMA address within the mask",
	       what, reason_name(reason));

	snprintf(msg, sizeof(msg), "%s: RAM -> p2pmem", what);
	copy_check(client, ram, mem, -1, PATH_BOUNCE, msg);
	snprintf(msg, sizeof(msg), "%s: p2pmem -> RAM", what);
	copy_check(client, mem, ram, PATH_BOUNCE, -1, msg);
	munmap(ram, LEN);
	munmap(mem, LEN);
}

static void test_ram(void)
{
	unsigned char *src = ram_mixed(), *dst = ram_mixed();
	unsigned int kinds[4] = { 0 };
	uint32_t reason = 0;
	bool in_mask;
	int ret;

	memset(src, 1, LEN);
	ret = map_check(&lab.edu_rc, src, LEN, P2PMAP_DIR_TO_DEVICE, kinds, &reason, &in_mask);
	tap_ok(!ret && kinds[P2PMAP_SEG_BOUNCE] && reason == P2PMAP_REASON_DMA_UNREACHABLE && in_mask,
	       "RAM above the mask is bounced (%u RAM, %u bounced segments, reason %s), every DMA address within the mask",
	       kinds[P2PMAP_SEG_RAM], kinds[P2PMAP_SEG_BOUNCE], reason_name(reason));
	copy_check(&lab.edu_rc, src, dst, -1, -1, "RAM -> RAM");
	munmap(src, LEN);
	munmap(dst, LEN);
}

/* A policy that says P2P everywhere: the mask still wins, and no policy error is counted. */
static void test_forced(void)
{
	unsigned char *mem = p2pmem_map(&lab.prov_a, LEN, NULL);
	unsigned int kinds[4] = { 0 };
	uint64_t errs = p2pmap_stat("policy_errors");
	struct p2pmap_explain e;
	uint32_t reason = 0;
	bool in_mask;
	int ret;

	ret = system("build/user/p2ppolicy load build/tests/bpf/force_p2p.bpf.o >/dev/null");
	if (!tap_ok(ret == 0, "force_p2p attached")) {
		munmap(mem, LEN);
		return;
	}
	ret = xexplain(fd, &lab.prov_a, &lab.edu_sw, LEN, &e);
	tap_ok(!ret && e.verdict == P2PMAP_VERDICT_BOUNCE && e.reason == P2PMAP_REASON_DMA_UNREACHABLE,
	       "force_p2p: EXPLAIN still says BOUNCE, reason dma-unreachable (got %s)",
	       reason_name(e.reason));
	ret = map_check(&lab.edu_sw, mem, LEN, P2PMAP_DIR_TO_DEVICE, kinds, &reason, &in_mask);
	tap_ok(!ret && !kinds[P2PMAP_SEG_P2P] && reason == P2PMAP_REASON_DMA_UNREACHABLE && in_mask,
	       "force_p2p: the mapping is bounced, every DMA address within the mask");
	tap_ok(p2pmap_stat("policy_errors") == errs,
	       "force_p2p's P2P verdict for an unreachable provider is not a policy error");
	tap_ok(system("build/user/p2ppolicy unload >/dev/null") == 0, "force_p2p detached");
	munmap(mem, LEN);
}

int main(void)
{
	uint64_t pinned0, dma0;

	tap_plan(17);
	lab_require(&lab);
	fd = p2pmap_open();
	pinned0 = p2pmap_stat("pinned_pages");
	dma0 = dma_api_errors();

	test_mask();
	test_pair(&lab.prov_a, &lab.edu_sw, "A -> edu behind its switch (the kernel allows P2P)",
		  P2PMAP_REASON_DMA_UNREACHABLE);
	test_pair(&lab.prov_b, &lab.edu_rc, "B -> root-complex edu (the kernel refuses P2P)",
		  P2PMAP_REASON_NO_COMMON_BRIDGE);
	test_ram();
	test_forced();

	tap_ok(nothing_held(pinned0) && dma_api_errors() == dma0,
	       "nothing left pinned, mapped or bounced; no DMA-API error");
	close(fd);
	return tap_done();
}
