// SPDX-License-Identifier: GPL-2.0-only
/*
 * Core mapping tests in the lab: P2P-aware GUP and dual-path DMA mapping.
 *
 * Real data moves through QEMU's edu DMA engine; every byte the engine moved is compared,
 * and so is every byte it must not have touched. The edu needs 100 ms per 4 KiB transfer,
 * so large buffers move a sample: the first and last page of every segment.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib.h"
#include "../kmod/p2pmap_test.h"

#define PG 4096UL

static struct lab lab;
static int fd;

/* Windows: first and last page of every @seg_pages-page segment of a @pages-page buffer. */
static unsigned int sample_windows(struct p2pmap_edu_window *w, size_t pages, size_t seg_pages)
{
	unsigned int n = 0;
	size_t s;

	for (s = 0; s < pages; s += seg_pages) {
		w[n++] = (struct p2pmap_edu_window){ s * PG, PG };
		if (seg_pages > 1)
			w[n++] = (struct p2pmap_edu_window){ (s + seg_pages - 1) * PG, PG };
	}
	return n;
}

/* dst must equal src inside the windows and still hold 0xEE everywhere else. */
static bool windows_ok(const unsigned char *src, const unsigned char *dst, size_t len,
		       const struct p2pmap_edu_window *w, unsigned int nr)
{
	size_t i;

	for (i = 0; i < len; i++) {
		bool in = nr == 0;
		unsigned int k;

		for (k = 0; k < nr && !in; k++)
			in = i >= w[k].offset && i < w[k].offset + w[k].len;
		if (in ? src[i] != dst[i] : dst[i] != 0xEE) {
			tap_diag("byte %zu: src %02x dst %02x (%s window)", i, src[i], dst[i],
				 in ? "in" : "outside");
			return false;
		}
	}
	return true;
}

static int raw_ioctl(int f, unsigned long cmd, void *arg)
{
	return ioctl(f, cmd, arg) ? -errno : 0;
}

static const char *const path_name[] = { "RAM", "P2P", "bounce" };

/* Copy src -> dst through @edu and check data and the path each side took. */
static void copy_case(const char *what, const struct lab_dev *edu, unsigned char *src,
		      unsigned char *dst, size_t len, int src_path, int dst_path,
		      size_t seg_pages, uint32_t seed)
{
	struct p2pmap_edu_window w[64];
	struct p2pmap_edu_copy c;
	unsigned int nr = seg_pages ? sample_windows(w, len / PG, seg_pages) : 0;
	int ret;

	fill_pattern(src, len, seed);
	memset(dst, 0xEE, len);
	ret = edu_copy(edu, src, dst, len, nr ? w : NULL, nr, &c);
	if (!tap_ok(ret == 0, "%s: edu %s copies (%s)", what, edu->name, strerror(-ret))) {
		tap_skip("copy failed", "%s: paths", what);
		tap_skip("copy failed", "%s: data", what);
		return;
	}
	tap_ok(c.src_bytes[src_path] == len && c.dst_bytes[dst_path] == len,
	       "%s: source went %s, destination went %s (src %llu/%llu/%llu dst %llu/%llu/%llu)",
	       what, path_name[src_path], path_name[dst_path],
	       (unsigned long long)c.src_bytes[0], (unsigned long long)c.src_bytes[1],
	       (unsigned long long)c.src_bytes[2], (unsigned long long)c.dst_bytes[0],
	       (unsigned long long)c.dst_bytes[1], (unsigned long long)c.dst_bytes[2]);
	tap_ok(windows_ok(src, dst, len, w, nr),
	       "%s: %llu bytes moved by DMA are correct, the rest untouched", what,
	       (unsigned long long)c.dma_bytes / 2);
}

static void t_explain(void)
{
	struct p2pmap_explain ex;
	int ret;

	ret = xexplain(fd, &lab.prov_a, &lab.edu_sw, PG, &ex);
	tap_ok(!ret && ex.verdict == P2PMAP_VERDICT_P2P && ex.kernel_verdict == P2PMAP_KV_BUS_ADDR &&
	       ex.distance == 4 && ex.reason == P2PMAP_REASON_TOPOLOGY_P2P && ex.has_common_bridge &&
	       ex.hops_provider == 2 && ex.hops_client == 2 && ex.acs_redirect == 0,
	       "explain A -> switch edu: P2P via bus address, distance 4, 2+2 hops (verdict %u kv %u dist %d hops %u/%u)",
	       ex.verdict, ex.kernel_verdict, ex.distance, ex.hops_provider, ex.hops_client);
	ret = xexplain(fd, &lab.prov_b, &lab.edu_sw, PG, &ex);
	tap_ok(!ret && ex.verdict == P2PMAP_VERDICT_BOUNCE &&
	       ex.kernel_verdict == P2PMAP_KV_NOT_SUPPORTED && ex.distance == -1 &&
	       ex.reason == P2PMAP_REASON_NO_COMMON_BRIDGE && !ex.has_common_bridge,
	       "explain B -> switch edu: bounce, host bridge not whitelisted (verdict %u reason %u)",
	       ex.verdict, ex.reason);
	ret = xexplain(fd, &lab.prov_a, &lab.edu_rc, PG, &ex);
	tap_ok(!ret && ex.verdict == P2PMAP_VERDICT_BOUNCE &&
	       ex.reason == P2PMAP_REASON_NO_COMMON_BRIDGE,
	       "explain A -> root-complex edu: bounce (verdict %u reason %u)", ex.verdict, ex.reason);
	ret = xexplain(fd, &lab.edu_sw, &lab.edu_rc, PG, &ex);
	tap_ok(ret == -ENODEV, "explain with a provider that has no p2pmem: ENODEV (%d)", ret);
}

static void t_ram(void)
{
	size_t len = 2 * PG;
	unsigned char *src = ram_buf(len), *dst = ram_buf(len);

	copy_case("RAM -> RAM", &lab.edu_sw, src, dst, len, 0, 0, 0, 1);
	copy_case("RAM -> RAM", &lab.edu_rc, src, dst, len, 0, 0, 0, 2);
	munmap(src, len);
	munmap(dst, len);
}

static void t_provider(const char *what, const struct lab_dev *prov, const struct lab_dev *edu,
		       int path, uint32_t seed)
{
	size_t len = 16 * PG;
	unsigned char *p2p = p2pmem_map(prov, len, NULL), *buf = ram_buf(len);
	char name[96];

	snprintf(name, sizeof(name), "%s: p2pmem -> RAM", what);
	copy_case(name, edu, p2p, buf, len, path, 0, 16, seed);
	snprintf(name, sizeof(name), "%s: RAM -> p2pmem", what);
	copy_case(name, edu, buf, p2p, len, 0, path, 16, seed + 1);
	munmap(p2p, len);
	munmap(buf, len);
}

/* One buffer: 2 RAM pages | 2 pages of A | 2 pages of B | 1 RAM page. */
static unsigned char *mixed(size_t *len)
{
	unsigned char *p;

	*len = 7 * PG;
	p = ram_buf(*len);
	p2pmem_map(&lab.prov_a, 2 * PG, p + 2 * PG);
	p2pmem_map(&lab.prov_b, 2 * PG, p + 4 * PG);
	return p;
}

static void t_mixed(void)
{
	static const uint32_t kinds[] = { P2PMAP_SEG_RAM, P2PMAP_SEG_P2P, P2PMAP_SEG_BOUNCE,
					  P2PMAP_SEG_RAM };
	struct p2pmap_edu_window w[] = {
		{ 0, PG }, { PG, PG }, { 2 * PG, PG }, { 3 * PG, PG },
		{ 4 * PG, PG }, { 5 * PG, PG }, { 6 * PG, PG },
	};
	struct p2pmap_segment seg[8];
	struct p2pmap_test_raw raw;
	struct p2pmap_edu_copy c;
	struct p2pmap_map m;
	size_t len;
	unsigned char *buf = mixed(&len), *other = ram_buf(len);
	uint32_t nr = 8, i;
	bool good;
	int ret, tfd;

	ret = xmap(fd, &lab.edu_sw, buf, len, P2PMAP_DIR_BIDIRECTIONAL, &m);
	tap_ok(!ret && m.nr_segments == 4 && m.bytes_ram == 3 * PG && m.bytes_p2p == 2 * PG &&
	       m.bytes_bounce == 2 * PG,
	       "mixed RAM|A|B|RAM buffer maps for the switch edu in one mapping: %u segments, %llu RAM, %llu P2P, %llu bounced (%d)",
	       m.nr_segments, (unsigned long long)m.bytes_ram, (unsigned long long)m.bytes_p2p,
	       (unsigned long long)m.bytes_bounce, ret);
	ret = ret ?: xsegments(fd, m.handle, seg, &nr);
	good = !ret && nr == 4;
	for (i = 0; good && i < 4; i++)
		good = seg[i].kind == kinds[i] && seg[i].len == (i == 3 ? PG : 2 * PG);
	tap_ok(good, "SEGMENTS: RAM, P2P, BOUNCE, RAM with the right lengths");
	tap_ok(good && !memcmp(&seg[1].provider, &lab.prov_a.addr, sizeof(seg[1].provider)) &&
	       !memcmp(&seg[2].provider, &lab.prov_b.addr, sizeof(seg[2].provider)) &&
	       seg[1].reason == P2PMAP_REASON_TOPOLOGY_P2P &&
	       seg[2].reason == P2PMAP_REASON_NO_COMMON_BRIDGE,
	       "SEGMENTS: P2P segment from provider A, bounced one from provider B, with reasons");
	tap_ok(good && seg[1].dma_addr >= lab.prov_a.bar_start &&
	       seg[1].dma_addr + seg[1].len - 1 <= lab.prov_a.bar_end,
	       "SEGMENTS: the P2P segment's DMA address 0x%llx is a bus address in A's BAR [0x%llx-0x%llx]",
	       good ? (unsigned long long)seg[1].dma_addr : 0ULL,
	       (unsigned long long)lab.prov_a.bar_start, (unsigned long long)lab.prov_a.bar_end);
	tap_ok(good && (seg[2].dma_addr < lab.prov_b.bar_start || seg[2].dma_addr > lab.prov_b.bar_end),
	       "SEGMENTS: the bounced segment's DMA address is RAM, not B's BAR");
	tap_ok(!ret && xunmap(fd, m.handle) == 0, "mixed mapping unmaps");

	tfd = open("/dev/p2pmap-test", O_RDWR);
	raw = (struct p2pmap_test_raw){ .argsz = sizeof(raw), .client = lab.edu_sw.addr,
		.dir = P2PMAP_DIR_BIDIRECTIONAL, .iterations = 1, .addr = (uintptr_t)buf,
		.len = len };
	ret = tfd < 0 ? -ENOENT : raw_ioctl(tfd, P2PMAP_TEST_IOC_RAW, &raw);
	tap_ok(!ret && raw.result == -EREMOTEIO,
	       "plain kernel path (pin + dma_map_sgtable) on the same buffer fails with EREMOTEIO (%d/%d)",
	       ret, raw.result);
	if (tfd >= 0)
		close(tfd);

	fill_pattern(buf, len, 11);
	memset(other, 0xEE, len);
	ret = edu_copy(&lab.edu_sw, buf, other, len, w, 7, &c);
	tap_ok(!ret && c.src_bytes[0] == 3 * PG && c.src_bytes[1] == 2 * PG &&
	       c.src_bytes[2] == 2 * PG && !memcmp(buf, other, len),
	       "edu reads the mixed buffer through both paths: data correct (%d)", ret);
	fill_pattern(other, len, 12);
	memset(buf, 0xEE, len);
	ret = edu_copy(&lab.edu_sw, other, buf, len, w, 7, &c);
	tap_ok(!ret && !memcmp(buf, other, len),
	       "edu writes the mixed buffer through both paths: A's and B's memory hold the data (%d)",
	       ret);
	munmap(buf, len);
	munmap(other, len);
}

static void t_unaligned(void)
{
	size_t len = 3 * PG;
	unsigned char *b = p2pmem_map(&lab.prov_b, len, NULL), *r = ram_buf(len);

	copy_case("unaligned RAM+123 -> B p2pmem+77, 5000 bytes", &lab.edu_sw, r + 123, b + 77,
		  5000, 0, 2, 0, 21);
	munmap(b, len);
	munmap(r, len);
}

static void t_sgtable(void)
{
	static const struct {
		const char *what;
		int prov_b, rc, path;
	} cases[] = {
		{ "provider A, switch edu: P2P", 0, 0, 1 },
		{ "provider B, switch edu: bounced", 1, 0, 2 },
		{ "provider A, root-complex edu: bounced", 0, 1, 2 },
	};
	unsigned int i;
	int tfd = open("/dev/p2pmap-test", O_RDWR);

	for (i = 0; i < 3; i++) {
		const struct lab_dev *prov = cases[i].prov_b ? &lab.prov_b : &lab.prov_a;
		const struct lab_dev *client = cases[i].rc ? &lab.edu_rc : &lab.edu_sw;
		struct p2pmap_test_sgtable t = {
			.argsz = sizeof(t), .provider = prov->addr, .client = client->addr,
			.dir = P2PMAP_DIR_BIDIRECTIONAL, .len = 64 * 1024,
		};
		int ret = tfd < 0 ? -ENOENT : raw_ioctl(tfd, P2PMAP_TEST_IOC_SGTABLE, &t);

		tap_ok(!ret && !t.result && t.bytes[cases[i].path] == t.len,
		       "p2pmap_map_sgtable() on pci_p2pmem_alloc_sgl() memory, %s (%d/%d)",
		       cases[i].what, ret, t.result);
	}
	{
		struct p2pmap_test_sgtable t = {
			.argsz = sizeof(t), .flags = P2PMAP_TEST_SGTABLE_NOIO,
			.provider = lab.prov_b.addr, .client = lab.edu_sw.addr,
			.dir = P2PMAP_DIR_BIDIRECTIONAL, .len = 64 * 1024,
		};
		int ret = tfd < 0 ? -ENOENT : raw_ioctl(tfd, P2PMAP_TEST_IOC_SGTABLE, &t);

		tap_ok(!ret && !t.result && t.bytes[2] == t.len,
		       "p2pmap_map_sgtable() inside memalloc_noio_save(), bounced: works (%d/%d)",
		       ret, t.result);
	}
	if (tfd >= 0)
		close(tfd);
}


static void t_bounds(void)
{
	const char *param = "/sys/module/p2pmap/parameters/max_map_bytes";
	uint64_t old = sysfs_u64(param);
	size_t huge = 1UL << 20;
	unsigned char *blk = ram_buf(huge), *buf = ram_buf(PG);
	struct p2pmap_map *m = (void *)blk;
	int ret;

	tap_ok(try_write(param, "0") == -EINVAL && sysfs_u64(param) == old,
	       "max_map_bytes=0 is refused with EINVAL, the value stays");
	tap_ok(try_write(param, "1152921504606846976") == -EINVAL && sysfs_u64(param) == old,
	       "max_map_bytes=2^60 (more pages than an unsigned int counts) is refused with EINVAL");
	tap_ok(try_write(param, "1099511627776") == -EINVAL && sysfs_u64(param) == old &&
	       try_write(param, "1099511619584") == 0 && sysfs_u64(param) == 1099511619584ULL,
	       "max_map_bytes=1 TiB (a page array over kvmalloc's INT_MAX bytes) is refused with EINVAL; 1 TiB - 8 KiB is taken");
	tap_ok(try_write(param, "8192") == 0 && sysfs_u64(param) == 8192 &&
	       xmap(fd, &lab.edu_sw, buf, 3 * PG, P2PMAP_DIR_TO_DEVICE, NULL) == -EINVAL,
	       "max_map_bytes=8192 is accepted and bounds MAP");
	{
		char v[32];

		snprintf(v, sizeof(v), "%llu", (unsigned long long)old);
		sysfs_write(param, v);
	}

	/* A 1 MiB argument with an all-zero tail: refused without reading it. */
	memset(blk, 0, huge);
	*m = (struct p2pmap_map){ .argsz = huge, .client = lab.edu_sw.addr,
		.dir = P2PMAP_DIR_TO_DEVICE, .addr = (uintptr_t)buf, .len = PG };
	ret = raw_ioctl(fd, P2PMAP_IOC_MAP, m);
	if (!ret)
		xunmap(fd, m->handle);
	tap_ok(ret == -E2BIG, "MAP with argsz 1 MiB (zero tail): E2BIG, above P2PMAP_ARGSZ_MAX (%d)",
	       ret);
	*m = (struct p2pmap_map){ .argsz = P2PMAP_ARGSZ_MAX, .client = lab.edu_sw.addr,
		.dir = P2PMAP_DIR_TO_DEVICE, .addr = (uintptr_t)buf, .len = PG };
	ret = raw_ioctl(fd, P2PMAP_IOC_MAP, m);
	tap_ok(!ret && xunmap(fd, m->handle) == 0,
	       "MAP with argsz P2PMAP_ARGSZ_MAX (zero tail) works (%d)", ret);
	munmap(blk, huge);
	munmap(buf, PG);
}

/*
 * Contract: a bounce page recycled from an earlier mapping shows the device nothing
 * of it. The test runs on one CPU so the pool hands back the page just freed.
 */
static void t_bounce_stale(void)
{
	unsigned char *b = p2pmem_map(&lab.prov_b, 2 * PG, NULL), *out = ram_buf(4 * PG);
	struct p2pmap_test_peek pk;
	struct p2pmap_map m;
	cpu_set_t one, all;
	size_t i, old_bytes = 0, nonzero = 0;
	int tfd = open("/dev/p2pmap-test", O_RDWR), ret, round;
	bool inside = true;

	sched_getaffinity(0, sizeof(all), &all);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
	for (round = 0; round < 3; round++) {
		fill_pattern(b, PG, 41 + round);	/* the earlier mapping's data */
		memset(b + PG, 0x11, PG);		/* the new mapping's */
		ret = xmap(fd, &lab.edu_sw, b, PG, P2PMAP_DIR_TO_DEVICE, &m);
		if (!ret)
			xunmap(fd, m.handle);
		pk = (struct p2pmap_test_peek){ .argsz = sizeof(pk), .client = lab.edu_sw.addr,
			.dir = P2PMAP_DIR_TO_DEVICE, .addr = (uintptr_t)b + PG + 100, .len = 200,
			.out = (uintptr_t)out, .out_len = 4 * PG };
		memset(out, 0x5a, 4 * PG);
		ret = ret ?: tfd < 0 ? -ENOENT : raw_ioctl(tfd, P2PMAP_TEST_IOC_PEEK, &pk);
		if (ret || pk.result || pk.nr_pages != 1) {
			inside = false;
			break;
		}
		for (i = 0; i < PG; i++) {
			if (i >= 100 && i < 300) {
				inside &= out[i] == 0x11;
				continue;
			}
			nonzero += out[i] != 0;
			old_bytes += out[i] && out[i] == b[i];
		}
	}
	sched_setaffinity(0, sizeof(all), &all);
	tap_ok(!ret && inside, "bounce page of a 200-byte mapping at offset 100 holds its data (%d)",
	       ret);
	tap_ok(!ret && !nonzero,
	       "the rest of the recycled bounce page is zero: %zu bytes not zero, %zu match the earlier mapping's pattern",
	       nonzero, old_bytes);
	if (tfd >= 0)
		close(tfd);
	munmap(b, 2 * PG);
	munmap(out, 4 * PG);
}

/* Contract: overlapping device-writable mappings get EADDRINUSE. */
static void t_overlap(void)
{
	unsigned char *r = ram_buf(4 * PG), *b = p2pmem_map(&lab.prov_b, 2 * PG, NULL);
	uint64_t errs = dma_api_errors();
	struct p2pmap_map m1, m2, m3;
	int r1, r2, r3;

	r1 = xmap(fd, &lab.edu_sw, r, 2 * PG, P2PMAP_DIR_FROM_DEVICE, &m1);
	r2 = xmap(fd, &lab.edu_rc, r + PG, 2 * PG, P2PMAP_DIR_BIDIRECTIONAL, &m2);
	tap_ok(!r1 && r2 == -EADDRINUSE,
	       "RAM: a BIDIRECTIONAL mapping overlapping a FROM_DEVICE one (other client) is EADDRINUSE (%d/%d)",
	       r1, r2);
	if (!r2)
		xunmap(fd, m2.handle);
	r2 = xmap(fd, &lab.edu_sw, r, PG, P2PMAP_DIR_TO_DEVICE, &m2);
	r3 = xmap(fd, &lab.edu_sw, r, PG, P2PMAP_DIR_TO_DEVICE, &m3);
	tap_ok(!r2 && !r3, "RAM: TO_DEVICE mappings may overlap it and each other (%d/%d)", r2, r3);
	if (!r2)
		xunmap(fd, m2.handle);
	if (!r3)
		xunmap(fd, m3.handle);
	if (!r1)
		xunmap(fd, m1.handle);
	r2 = xmap(fd, &lab.edu_rc, r + PG, 2 * PG, P2PMAP_DIR_BIDIRECTIONAL, &m2);
	tap_ok(!r2 && xunmap(fd, m2.handle) == 0,
	       "RAM: once the first is unmapped, the second maps (%d)", r2);

	r1 = xmap(fd, &lab.edu_sw, r, 2048, P2PMAP_DIR_FROM_DEVICE, &m1);
	r2 = xmap(fd, &lab.edu_sw, r + 2048, 2048, P2PMAP_DIR_FROM_DEVICE, &m2);
	r3 = xmap(fd, &lab.edu_sw, r + 2048 + 4096 - 32, 64, P2PMAP_DIR_FROM_DEVICE, &m3);
	tap_ok(!r1 && !r2 && !r3,
	       "RAM: FROM_DEVICE mappings of one page's halves, no shared cache line, both map (%d/%d/%d)",
	       r1, r2, r3);
	if (!r3)
		xunmap(fd, m3.handle);
	r3 = xmap(fd, &lab.edu_sw, r + 2048 - 8, 16, P2PMAP_DIR_FROM_DEVICE, &m3);
	tap_ok(r3 == -EADDRINUSE,
	       "RAM: a 16-byte FROM_DEVICE mapping across their border (shares a cache line) is EADDRINUSE (%d)",
	       r3);
	if (!r3)
		xunmap(fd, m3.handle);
	if (!r1)
		xunmap(fd, m1.handle);
	if (!r2)
		xunmap(fd, m2.handle);

	r1 = xmap(fd, &lab.edu_sw, b, 2 * PG, P2PMAP_DIR_FROM_DEVICE, &m1);
	r2 = xmap(fd, &lab.edu_rc, b + PG, PG, P2PMAP_DIR_FROM_DEVICE, &m2);
	tap_ok(!r1 && m1.bytes_bounce == 2 * PG && r2 == -EADDRINUSE,
	       "bounced p2pmem of B: a second FROM_DEVICE mapping of it is EADDRINUSE (%d/%d)",
	       r1, r2);
	if (!r2)
		xunmap(fd, m2.handle);
	if (!r1)
		xunmap(fd, m1.handle);
	tap_ok(dma_api_errors() == errs,
	       "DMA-API debug (overlap check on) reported nothing (%llu new errors)",
	       (unsigned long long)(dma_api_errors() - errs));
	munmap(r, 4 * PG);
	munmap(b, 2 * PG);
}

static int trace_set(const char *file, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/kernel/tracing/%s", file);
	return try_write(path, val);
}

static const char *const sync_events[] = {
	"dma_sync_single_for_cpu", "dma_sync_single_for_device",
	"dma_sync_sg_for_cpu", "dma_sync_sg_for_device",
};

static void sync_trace(const char *val)
{
	char f[96];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sync_events); i++) {
		snprintf(f, sizeof(f), "events/dma/%s/enable", sync_events[i]);
		trace_set(f, val);
	}
}

/* Count the dma_sync events in the trace, and the addresses among them inside [lo, hi]. */
static void scan_syncs(uint64_t lo, uint64_t hi, unsigned int *events, unsigned int *inside)
{
	FILE *f = fopen("/sys/kernel/tracing/trace", "r");
	char line[4096];

	*events = *inside = 0;
	while (f && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, " dma_sync_"), *q;

		if (!p || !strstr(line, lab.edu_sw.name))
			continue;
		(*events)++;
		q = strstr(p, "dma_addr=");
		if (q) {
			uint64_t a = strtoull(q + 9, NULL, 16);

			*inside += a >= lo && a <= hi;
			continue;
		}
		q = strstr(p, "dma_addrs={");
		for (q = q ? q + 11 : NULL; q && *q && *q != '}'; q++) {
			char *end;
			uint64_t a = strtoull(q, &end, 0);

			*inside += a >= lo && a <= hi;
			q = end;
			if (*q == '}')
				break;
		}
	}
	if (f)
		fclose(f);
}

static int xsync(int f, uint64_t handle, uint32_t flags);

/*
 * Contract: no CPU sync touches a PCI bus-address segment. The DMA API's dma:
 * tracepoints show every sync p2pmap issues for the switch edu; none may name an address in
 * A's BAR, while the RAM and bounced segments of the same mapping are synced.
 */
static void t_sync_bus_addr(void)
{
	size_t len;
	unsigned char *buf = mixed(&len);
	unsigned int events, inside;
	struct p2pmap_map m;
	int ret;

	trace_set("tracing_on", "0");
	trace_set("trace", "");
	sync_trace("1");
	trace_set("tracing_on", "1");
	ret = xmap(fd, &lab.edu_sw, buf, len, P2PMAP_DIR_BIDIRECTIONAL, &m);
	ret = ret ?: xsync(fd, m.handle, P2PMAP_SYNC_FOR_CPU);
	ret = ret ?: xsync(fd, m.handle, P2PMAP_SYNC_FOR_DEVICE);
	ret = ret ?: xunmap(fd, m.handle);
	trace_set("tracing_on", "0");
	sync_trace("0");
	scan_syncs(lab.prov_a.bar_start, lab.prov_a.bar_end, &events, &inside);
	tap_ok(!ret && events >= 2,
	       "mixed RAM|A|B mapping, SYNC both ways: the dma: tracepoints saw %u sync calls for its RAM and bounce pages (%d)",
	       events, ret);
	tap_ok(!ret && !inside,
	       "no sync names a bus address in A's BAR (%u addresses did)", inside);
	trace_set("trace", "");
	trace_set("tracing_on", "1");
	munmap(buf, len);
}

/* dma_get_seg_boundary(): a 64 KiB P2P run for a client with a 16 KiB boundary is split. */
static void t_seg_boundary(void)
{
	size_t len = 64 * 1024;
	unsigned char *a = p2pmem_map(&lab.prov_a, len, NULL), *r = ram_buf(len);
	struct p2pmap_test_boundary tb = { .argsz = sizeof(tb), .client = lab.edu_sw.addr,
					   .boundary = 0x3fff };
	struct p2pmap_edu_window w[] = { { 16 * 1024 - 2048, PG }, { 48 * 1024 - 100, 200 } };
	uint64_t errs = dma_api_errors();
	struct p2pmap_edu_copy c;
	struct p2pmap_map m;
	int tfd = open("/dev/p2pmap-test", O_RDWR), ret;

	ret = tfd < 0 ? -ENOENT : raw_ioctl(tfd, P2PMAP_TEST_IOC_BOUNDARY, &tb);
	if (!tap_ok(!ret, "the switch edu gets a 16 KiB DMA segment boundary (%d)", ret)) {
		tap_skip("no boundary", "mapping across the boundary");
		tap_skip("no boundary", "data across the boundary");
		goto out;
	}
	ret = xmap(fd, &lab.edu_sw, a, len, P2PMAP_DIR_BIDIRECTIONAL, &m);
	if (!ret)
		xunmap(fd, m.handle);
	tap_ok(!ret && m.bytes_p2p == len && dma_api_errors() == errs,
	       "64 KiB of contiguous p2pmem maps P2P with no segment across the boundary (DMA-API debug: %llu new errors) (%d)",
	       (unsigned long long)(dma_api_errors() - errs), ret);
	fill_pattern(a, len, 61);
	memset(r, 0xEE, len);
	ret = edu_copy(&lab.edu_sw, a, r, len, w, 2, &c);
	tap_ok(!ret && !memcmp(r + w[0].offset, a + w[0].offset, w[0].len) &&
	       !memcmp(r + w[1].offset, a + w[1].offset, w[1].len) && dma_api_errors() == errs,
	       "edu copies across the boundary correctly (%d)", ret);
	tb.boundary = tb.old;
	raw_ioctl(tfd, P2PMAP_TEST_IOC_BOUNDARY, &tb);
out:
	if (tfd >= 0)
		close(tfd);
	munmap(a, len);
	munmap(r, len);
}

/*
 * A client whose DMA segments are half a page: RAM maps in pieces under its limit, but a
 * bounce chunk is a whole page, so memory it would bounce is refused (EOPNOTSUPP), never
 * handed out as a segment over the limit.
 */
static void t_small_segments(void)
{
	size_t len = 4 * PG;
	unsigned char *b = p2pmem_map(&lab.prov_b, len, NULL), *r = ram_buf(len), *r2 = ram_buf(len);
	struct p2pmap_test_boundary tb = { .argsz = sizeof(tb), .flags = P2PMAP_TEST_MAX_SEG,
					   .client = lab.edu_sw.addr, .boundary = PG / 2 };
	uint64_t errs = dma_api_errors(), bounced = p2pmap_stat("bounce_in_use");
	struct p2pmap_edu_copy c;
	struct p2pmap_map m;
	int tfd = open("/dev/p2pmap-test", O_RDWR), ret;

	ret = tfd < 0 ? -ENOENT : raw_ioctl(tfd, P2PMAP_TEST_IOC_BOUNDARY, &tb);
	if (!tap_ok(!ret, "the switch edu gets 2 KiB DMA segments (%d)", ret)) {
		tap_skip("no limit", "bounced memory refused");
		tap_skip("no limit", "RAM under the limit");
		goto out;
	}
	ret = xmap(fd, &lab.edu_sw, b, len, P2PMAP_DIR_TO_DEVICE, &m);
	if (!ret)
		xunmap(fd, m.handle);
	tap_ok(ret == -EOPNOTSUPP && p2pmap_stat("bounce_in_use") == bounced &&
	       dma_api_errors() == errs,
	       "B's memory, bounced for a client with 2 KiB segments: EOPNOTSUPP, nothing held, no DMA-API error (%d)",
	       ret);
	fill_pattern(r, len, 17);
	memset(r2, 0xEE, len);
	ret = edu_copy(&lab.edu_sw, r, r2, len, NULL, 0, &c);
	tap_ok(!ret && !memcmp(r, r2, len) && dma_api_errors() == errs,
	       "RAM for the same client maps in 2 KiB segments and copies right (DMA-API debug: %llu new errors) (%d)",
	       (unsigned long long)(dma_api_errors() - errs), ret);
	tb.boundary = tb.old;
	raw_ioctl(tfd, P2PMAP_TEST_IOC_BOUNDARY, &tb);
out:
	if (tfd >= 0)
		close(tfd);
	munmap(b, len);
	munmap(r, len);
	munmap(r2, len);
}

/*
 * The decision array is sized by providers: 100,000 RAM/P2P alternations of one provider
 * (200,000 segments) need one decision, not a 4.8 MB allocation the page allocator warns about.
 */
static void t_alternate(void)
{
	struct p2pmap_test_alternate t = { .argsz = sizeof(t), .provider = lab.prov_a.addr,
					   .client = lab.edu_sw.addr, .nr = 100000 };
	int tfd = open("/dev/p2pmap-test", O_RDWR), ret;

	ret = tfd < 0 ? -ENOENT : raw_ioctl(tfd, P2PMAP_TEST_IOC_ALTERNATE, &t);
	tap_ok(!ret && !t.result && t.nr_segments == 200000,
	       "a table alternating RAM and A's P2P 100,000 times maps: %u segments (%d/%d)",
	       t.nr_segments, ret, t.result);
	if (tfd >= 0)
		close(tfd);
}

struct bg_copy {
	const struct lab_dev *edu;
	unsigned char *src, *dst;
	size_t len;
	struct p2pmap_edu_window w[16];
	int ret;
};

static void *bg_copy_fn(void *arg)
{
	struct bg_copy *b = arg;

	b->ret = edu_copy(b->edu, b->src, b->dst, b->len, b->w, 16, NULL);
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * p2pmap_edu stops its engine before it unmaps: unbinding the driver from an edu while a
 * copy runs makes the copy fail, and once the COPY call has returned the engine writes no
 * more into its destination.
 */
/*
 * Contract: /dev/p2pmap maps only for devices whose driver registered them, and a
 * driver that goes away takes their mappings with it. Unbinding p2pmap_edu from an edu while
 * a process holds /dev/p2pmap handles for it, and a copy runs, leaves no DMA mapping behind
 * (DMA-API debug would report "pending DMA allocations"); the handles then fail with ENODEV.
 */
static void t_client_unbind(void)
{
	const char *drv = "/sys/bus/pci/drivers/p2pmap_edu";
	size_t len = 16 * PG;
	unsigned char *r = ram_buf(len), *b = p2pmem_map(&lab.prov_b, len, NULL);
	struct bg_copy bc = { .edu = &lab.edu_rc, .src = ram_buf(len), .dst = ram_buf(len), .len = len };
	uint64_t errs = dma_api_errors();
	struct p2pmap_segment seg[4];
	struct p2pmap_map m1, m2;
	char path[160];
	pthread_t th;
	uint32_t nr = 4;
	int f = p2pmap_open(), r1, r2, ret;
	unsigned int i;

	ret = xmap(f, &lab.prov_a, r, PG, P2PMAP_DIR_TO_DEVICE, NULL);
	tap_ok(ret == -EACCES, "MAP for the NVMe (its driver did not register it): EACCES (%d)", ret);

	for (i = 0; i < 16; i++)
		bc.w[i] = (struct p2pmap_edu_window){ i * PG, PG - 1 };
	fill_pattern(b, len, 81);
	r1 = xmap(f, &lab.edu_rc, r, len, P2PMAP_DIR_FROM_DEVICE, &m1);
	r2 = xmap(f, &lab.edu_rc, b, len, P2PMAP_DIR_BIDIRECTIONAL, &m2);
	tap_ok(!r1 && !r2 && m2.bytes_bounce == len && p2pmap_stat("mappings_active") == 2,
	       "two /dev/p2pmap mappings for the root-complex edu, one bounced (%d/%d)", r1, r2);
	pthread_create(&th, NULL, bg_copy_fn, &bc);
	sleep_ms(250);
	snprintf(path, sizeof(path), "%s/unbind", drv);
	ret = try_write(path, lab.edu_rc.name);
	pthread_join(th, NULL);
	tap_ok(!ret && bc.ret == -ENODEV,
	       "unbinding p2pmap_edu with handles live and a copy running: the copy fails with ENODEV (%d/%d)",
	       ret, bc.ret);
	tap_ok(p2pmap_stat("mappings_active") == 0 && p2pmap_stat("pinned_pages") == 0 &&
	       p2pmap_stat("bounce_in_use") == 0 && dma_api_errors() == errs,
	       "the unbind took the handles' mappings down: nothing mapped, pinned or bounced, no DMA-API report");
	tap_ok(check_pattern(b, len, 81, NULL),
	       "B's memory under the bounced BIDIRECTIONAL mapping still holds its data");
	tap_ok(xsync(f, m1.handle, P2PMAP_SYNC_FOR_CPU) == -ENODEV &&
	       xsegments(f, m1.handle, seg, &nr) == -ENODEV,
	       "SYNC and SEGMENTS on a taken-down handle: ENODEV");
	tap_ok(xunmap(f, m1.handle) == -ENODEV && xunmap(f, m2.handle) == -ENODEV &&
	       xunmap(f, m1.handle) == -ENOENT,
	       "UNMAP releases a taken-down handle with ENODEV; a second UNMAP is ENOENT");
	ret = xmap(f, &lab.edu_rc, r, PG, P2PMAP_DIR_TO_DEVICE, NULL);
	tap_ok(ret == -EACCES, "MAP for the unbound edu: EACCES (%d)", ret);
	snprintf(path, sizeof(path), "%s/bind", drv);
	ret = try_write(path, lab.edu_rc.name);
	lab_find(&lab);
	r1 = xmap(f, &lab.edu_rc, r, PG, P2PMAP_DIR_TO_DEVICE, &m1);
	tap_ok(!ret && !r1 && xunmap(f, m1.handle) == 0,
	       "bound again, the edu takes mappings again (%d/%d)", ret, r1);
	close(f);
	munmap(r, len);
	munmap(b, len);
	munmap(bc.src, len);
	munmap(bc.dst, len);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Contract: pins on P2P memory are revocable. A process holds /dev/p2pmap mappings
 * of provider B's p2pmem and does nothing; unbinding B's nvme driver must not wait for it.
 * The unbind runs in a child: without revocation it would wait for this very process, so
 * after 20 s the parent closes its file to let it finish, and the test fails.
 */
#define NVME_DRV "/sys/bus/pci/drivers/nvme"

/*
 * Unbind B's nvme driver in a child, and wait up to 20 s. Without revocation the unbind
 * waits for this very process's pins: then *@f (if not NULL) is closed to let it finish.
 * Returns 0 when the unbind completed in time, with its duration in *@dt.
 */
static int unbind_b(double *dt, int *f)
{
	double t0 = now_s();
	int st = -1;
	pid_t pid;

	pid = fork();
	if (!pid)
		_exit(try_write(NVME_DRV "/unbind", lab.prov_b.name) ? 1 : 0);
	while (waitpid(pid, &st, WNOHANG) == 0 && now_s() - t0 < 20)
		sleep_ms(50);
	*dt = now_s() - t0;
	if (*dt >= 20) {
		if (f) {
			close(*f);
			*f = -1;
		}
		waitpid(pid, &st, 0);
	}
	return *dt < 20 && WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -1;
}

/* Bind nvme to B again and wait for its p2pmem; 0 on success. */
static int rebind_b(void)
{
	char avail[200];
	int ret = try_write(NVME_DRV "/bind", lab.prov_b.name);

	snprintf(avail, sizeof(avail),
		 "sh tests/lib/wait-path.sh back /sys/bus/pci/devices/%s/p2pmem/allocate 30",
		 lab.prov_b.name);
	ret = ret ?: system(avail);
	lab_find(&lab);
	return ret;
}

static void t_provider_unbind(void)
{
	size_t len = 4 * PG;
	unsigned char *b = p2pmem_map(&lab.prov_b, len, NULL), *r = ram_buf(len);
	uint64_t errs = dma_api_errors();
	struct p2pmap_map m1, m2, m3;
	int f = p2pmap_open(), r1, r2, r3, ret;
	double dt;

	fill_pattern(b, len, 91);
	r1 = xmap(f, &lab.edu_rc, b, len, P2PMAP_DIR_BIDIRECTIONAL, &m1);
	r2 = xmap(f, &lab.edu_sw, b, len, P2PMAP_DIR_TO_DEVICE, &m2);
	r3 = xmap(f, &lab.edu_sw, r, len, P2PMAP_DIR_TO_DEVICE, &m3);
	tap_ok(!r1 && !r2 && !r3 && p2pmap_stat("pinned_pages") == 3 * len / PG,
	       "3 mappings held: two of B's p2pmem (bounced for both edus), one of RAM (%d/%d/%d)",
	       r1, r2, r3);
	ret = unbind_b(&dt, &f);
	tap_ok(!ret, "unbinding B's nvme driver while the mappings are held completes in %.1f s", dt);
	tap_ok(f >= 0 && xsync(f, m1.handle, P2PMAP_SYNC_FOR_CPU) == -ENODEV &&
	       xunmap(f, m1.handle) == -ENODEV && xunmap(f, m2.handle) == -ENODEV,
	       "the revoked handles: SYNC and UNMAP fail with ENODEV");
	tap_ok(f >= 0 && xunmap(f, m3.handle) == 0 && p2pmap_stat("pinned_pages") == 0 &&
	       p2pmap_stat("bounce_in_use") == 0 && dma_api_errors() == errs,
	       "the RAM mapping was left alone and unmaps; nothing stays pinned; no DMA-API report");
	if (f >= 0)
		close(f);
	munmap(b, len);
	munmap(r, len);

	ret = rebind_b();
	b = ret ? MAP_FAILED : p2pmem_try(&lab.prov_b, len, NULL);
	r1 = b == MAP_FAILED ? -1 : xmap(fd, &lab.edu_rc, b, len, P2PMAP_DIR_TO_DEVICE, &m1);
	tap_ok(!ret && !r1 && xunmap(fd, m1.handle) == 0,
	       "nvme binds B again, its p2pmem comes back and maps (%d/%d)", ret, r1);
	if (b != MAP_FAILED)
		munmap(b, len);
}

/* One of t_unbind_copies()' threads: copies through @edu until told to stop. */
struct unbind_copier {
	const struct lab_dev *edu;
	unsigned char *src, *dst;
	const unsigned char *want;	/* what dst must hold after a copy; NULL: dst is B's */
	atomic_bool *stop;
	unsigned int done, failed, wrong, bad_errno;
	int first_err, last_err;
	bool finished;
};

#define UC_LEN (4 * PG)

static void *unbind_copier_fn(void *arg)
{
	struct unbind_copier *c = arg;
	struct p2pmap_edu_window w[2] = { { 0, PG }, { UC_LEN - PG, PG } };
	int ret;

	while (!*c->stop) {
		if (c->want)
			memset(c->dst, 0xEE, UC_LEN);
		ret = edu_copy(c->edu, c->src, c->dst, UC_LEN, w, 2, NULL);
		if (!ret) {
			c->done++;
			if (c->want && (memcmp(c->dst, c->want, PG) ||
					memcmp(c->dst + UC_LEN - PG, c->want + UC_LEN - PG, PG)))
				c->wrong++;
			continue;
		}
		if (!c->failed++)
			c->first_err = -ret;
		c->last_err = -ret;
		/* The provider is going or gone: ENODEV; its pages cannot be pinned: EFAULT. */
		if (ret != -ENODEV && ret != -EFAULT)
			c->bad_errno++;
		sleep_ms(20);
	}
	c->finished = true;
	return NULL;
}

/*
 * Contract, under load: 3 threads copy through both edus with B's p2pmem on one
 * side (bounced: the kernel refuses B's pairs) while B's nvme driver is unbound. Every copy
 * either completes with correct data or fails with a documented errno; the unbind completes;
 * no thread hangs. The CPU never touches B's memory once the unbind starts (it would fault).
 */
static void t_unbind_copies(void)
{
	unsigned char *b = p2pmem_map(&lab.prov_b, 2 * UC_LEN, NULL), *want = ram_buf(UC_LEN);
	atomic_bool stop = false;
	struct unbind_copier c[3] = {
		{ .edu = &lab.edu_rc, .src = b, .dst = ram_buf(UC_LEN), .want = want },
		{ .edu = &lab.edu_sw, .src = b, .dst = ram_buf(UC_LEN), .want = want },
		{ .edu = &lab.edu_sw, .src = ram_buf(UC_LEN), .dst = b + UC_LEN },
	};
	uint64_t errs = dma_api_errors();
	unsigned int i, done = 0, failed = 0, wrong = 0, bad = 0, hung = 0;
	pthread_t th[3];
	double dt;
	int ret;

	fill_pattern(b, UC_LEN, 97);
	memcpy(want, b, UC_LEN);
	fill_pattern(c[2].src, UC_LEN, 98);
	for (i = 0; i < 3; i++) {
		c[i].stop = &stop;
		pthread_create(&th[i], NULL, unbind_copier_fn, &c[i]);
	}
	sleep_ms(600);
	ret = unbind_b(&dt, NULL);
	sleep_ms(500);
	stop = true;
	for (i = 0; i < 3; i++) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 15;
		if (pthread_timedjoin_np(th[i], NULL, &ts)) {
			hung++;
			continue;
		}
		done += c[i].done;
		failed += c[i].failed;
		wrong += c[i].wrong;
		bad += c[i].bad_errno;
		tap_diag("thread %u: %u copies done, %u failed (first errno %d, last %d)", i,
			 c[i].done, c[i].failed, c[i].first_err, c[i].last_err);
	}
	tap_ok(!ret, "unbinding B's nvme driver while 3 threads copy through both edus completes in %.1f s",
	       dt);
	tap_ok(!hung, "every copying thread returns (%u hung)", hung);
	tap_ok(done > 0 && failed > 0 && !wrong,
	       "copies before the unbind completed with correct data, later ones failed (%u done, %u wrong, %u failed)",
	       done, wrong, failed);
	tap_ok(!bad, "every failed copy returned ENODEV or EFAULT (%u did not)", bad);
	tap_ok(!hung && nothing_held(0) && dma_api_errors() == errs,
	       "nothing left mapped, pinned or bounced; no DMA-API report");
	if (!hung) {
		munmap(b, 2 * UC_LEN);
		munmap(want, UC_LEN);
		for (i = 0; i < 3; i++)
			munmap(c[i].want ? c[i].dst : c[i].src, UC_LEN);
	}
	ret = rebind_b();
	tap_ok(!ret, "nvme binds B again and its p2pmem comes back");
}

#define EDU_TIMEOUT "/sys/module/p2pmap_edu/parameters/xfer_timeout_us"

static void t_edu_stop(void)
{
	const char *drv = "/sys/bus/pci/drivers/p2pmap_edu";
	unsigned char *snap = ram_buf(16 * PG);
	struct bg_copy b = { .edu = &lab.edu_rc, .src = ram_buf(16 * PG), .dst = ram_buf(16 * PG),
			     .len = 16 * PG };
	static const long delay_ms[] = { 130, 180, 260, 330, 410, 490 };
	unsigned int i, failed = 0, late = 0, rebound = 0;
	char path[160];
	pthread_t th;

	for (i = 0; i < 16; i++)
		b.w[i] = (struct p2pmap_edu_window){ i * PG, PG - 1 };
	fill_pattern(b.src, b.len, 71);
	for (i = 0; i < ARRAY_SIZE(delay_ms); i++) {
		memset(b.dst, 0xEE, b.len);
		pthread_create(&th, NULL, bg_copy_fn, &b);
		sleep_ms(delay_ms[i]);
		snprintf(path, sizeof(path), "%s/unbind", drv);
		try_write(path, lab.edu_rc.name);
		pthread_join(th, NULL);
		failed += b.ret == -ENODEV;
		memcpy(snap, b.dst, b.len);
		sleep_ms(400);			/* an engine left running writes within 100 ms */
		late += memcmp(snap, b.dst, b.len) != 0;
		snprintf(path, sizeof(path), "%s/bind", drv);
		rebound += try_write(path, lab.edu_rc.name) == 0;
		lab_find(&lab);
	}
	tap_ok(failed == ARRAY_SIZE(delay_ms),
	       "unbinding p2pmap_edu during a copy fails the copy with ENODEV (%u of %zu)",
	       failed, ARRAY_SIZE(delay_ms));
	tap_ok(!late, "no DMA lands in the destination after the copy returned (%u of %zu did)",
	       late, ARRAY_SIZE(delay_ms));
	tap_ok(rebound == ARRAY_SIZE(delay_ms) && lab.edu_rc.node[0],
	       "the edu binds again and has its node back (%s)", lab.edu_rc.node);

	/*
	 * A transfer abandoned on timeout: the copy gets a 1 ms timeout while it runs, so the
	 * next transfer (half of them write the destination) is abandoned 99 ms before the
	 * engine ends it. Without the stop, that write lands after the copy returned.
	 */
	failed = late = 0;
	for (i = 0; i < ARRAY_SIZE(delay_ms); i++) {
		memset(b.dst, 0xEE, b.len);
		try_write(EDU_TIMEOUT, "5000000");
		pthread_create(&th, NULL, bg_copy_fn, &b);
		sleep_ms(delay_ms[i]);
		try_write(EDU_TIMEOUT, "1000");
		pthread_join(th, NULL);
		failed += b.ret == -ETIMEDOUT;
		memcpy(snap, b.dst, b.len);
		sleep_ms(400);
		late += memcmp(snap, b.dst, b.len) != 0;
	}
	try_write(EDU_TIMEOUT, "5000000");
	tap_ok(failed == ARRAY_SIZE(delay_ms),
	       "a transfer over xfer_timeout_us fails the copy with ETIMEDOUT (%u of %zu)",
	       failed, ARRAY_SIZE(delay_ms));
	tap_ok(!late, "... and no DMA lands in the destination after the copy returned (%u of %zu did)",
	       late, ARRAY_SIZE(delay_ms));
	memset(b.dst, 0xEE, b.len);
	b.ret = edu_copy(b.edu, b.src, b.dst, b.len, b.w, 2, NULL);
	tap_ok(!b.ret && !memcmp(b.src, b.dst, PG - 1) && !memcmp(b.src + PG, b.dst + PG, PG - 1),
	       "the engine works again after the timeouts: a copy is correct (%d)", b.ret);
	munmap(snap, 16 * PG);
	munmap(b.src, 16 * PG);
	munmap(b.dst, 16 * PG);
}

static void t_bad_input(void)
{
	unsigned char *buf = ram_buf(4 * PG), *ro;
	struct {
		struct p2pmap_map m;
		uint64_t tail;
	} big;
	struct p2pmap_map m;
	int ret, fd2;

	ro = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
#define MAPARG(...) (m = (struct p2pmap_map){ .argsz = sizeof(m), .client = lab.edu_sw.addr, \
	.dir = P2PMAP_DIR_TO_DEVICE, .addr = (uintptr_t)buf, .len = PG, __VA_ARGS__ })

	MAPARG(.addr = 0x1000);
	tap_ok(raw_ioctl(fd, P2PMAP_IOC_MAP, &m) == -EFAULT, "MAP of an unmapped address: EFAULT");
	MAPARG(.addr = (uintptr_t)ro, .dir = P2PMAP_DIR_FROM_DEVICE);
	tap_ok(raw_ioctl(fd, P2PMAP_IOC_MAP, &m) == -EFAULT,
	       "MAP FROM_DEVICE of read-only memory: EFAULT");
	MAPARG(.len = 0);
	tap_ok(raw_ioctl(fd, P2PMAP_IOC_MAP, &m) == -EINVAL, "MAP of zero length: EINVAL");
	MAPARG(.len = (1ULL << 30) + 1);
	tap_ok(raw_ioctl(fd, P2PMAP_IOC_MAP, &m) == -EINVAL, "MAP longer than max_map_bytes: EINVAL");
	MAPARG(.addr = ~0ULL - 100, .len = PG);
	tap_ok(raw_ioctl(fd, P2PMAP_IOC_MAP, &m) == -EINVAL, "MAP whose range wraps: EINVAL");
	MAPARG(.addr = (uintptr_t)buf + 1, .len = 2 * PG);
	ret = raw_ioctl(fd, P2PMAP_IOC_MAP, &m);
	tap_ok(!ret && m.bytes_ram == 2 * PG && xunmap(fd, m.handle) == 0,
	       "MAP of an unaligned buffer works (%d)", ret);
	MAPARG(.client = { .domain = 0x1234, .bus = 0x99, .devfn = 0 });
	tap_ok(raw_ioctl(fd, P2PMAP_IOC_MAP, &m) == -ENODEV, "MAP for an unknown client: ENODEV");
	MAPARG(.client.reserved = 1);
	tap_ok(raw_ioctl(fd, P2PMAP_IOC_MAP, &m) == -EINVAL, "client address with reserved bits: EINVAL");
	MAPARG(.flags = 1U << 7);
	tap_ok(raw_ioctl(fd, P2PMAP_IOC_MAP, &m) == -EINVAL, "MAP with an unknown flag: EINVAL");
	MAPARG(.reserved = 1);
	tap_ok(raw_ioctl(fd, P2PMAP_IOC_MAP, &m) == -EINVAL, "MAP with a reserved field set: EINVAL");
	MAPARG(.dir = 7);
	tap_ok(raw_ioctl(fd, P2PMAP_IOC_MAP, &m) == -EINVAL, "MAP with a bad direction: EINVAL");
	MAPARG(.argsz = 8);
	tap_ok(raw_ioctl(fd, P2PMAP_IOC_MAP, &m) == -EINVAL, "MAP with a short argsz: EINVAL");
	MAPARG();
	big.m = m;
	big.m.argsz = sizeof(big);
	big.tail = 1;
	tap_ok(raw_ioctl(fd, P2PMAP_IOC_MAP, &big) == -E2BIG,
	       "MAP with a longer struct and a non-zero tail: E2BIG");
	big.tail = 0;
	ret = raw_ioctl(fd, P2PMAP_IOC_MAP, &big);
	tap_ok(!ret && xunmap(fd, big.m.handle) == 0,
	       "MAP with a longer struct and a zero tail works (%d)", ret);
	tap_ok(raw_ioctl(fd, _IO(P2PMAP_IOC_MAGIC, 0x3f), &m) == -ENOTTY, "unknown ioctl: ENOTTY");

	MAPARG();
	ret = raw_ioctl(fd, P2PMAP_IOC_MAP, &m);
	tap_ok(!ret && xunmap(fd, m.handle) == 0 && xunmap(fd, m.handle) == -ENOENT,
	       "double UNMAP: ENOENT");
	MAPARG();
	ret = raw_ioctl(fd, P2PMAP_IOC_MAP, &m);
	fd2 = p2pmap_open();
	tap_ok(!ret && xunmap(fd2, m.handle) == -ENOENT && xunmap(fd, m.handle) == 0,
	       "UNMAP of another file's handle: ENOENT, the owner still unmaps");
	close(fd2);
	{
		struct p2pmap_handle_arg h = { .argsz = sizeof(h), .flags = 3, .handle = 1 };

		tap_ok(raw_ioctl(fd, P2PMAP_IOC_SYNC, &h) == -EINVAL,
		       "SYNC with both directions: EINVAL");
	}
	munmap(buf, 4 * PG);
	munmap(ro, PG);
#undef MAPARG
}

static void sysfs_put_u64(const char *path, uint64_t v)
{
	char s[32];

	snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
	sysfs_write(path, s);
}

/*
 * The drivers' reserve: /dev/p2pmap's mappings stop bounce_reserve_pages short of the cap,
 * a driver's own mapping (p2pmap_edu's COPY) may use all of it.
 */
static void t_bounce_reserve(void)
{
	const char *cap = "/sys/module/p2pmap/parameters/bounce_max_pages";
	const char *keep = "/sys/module/p2pmap/parameters/bounce_reserve_pages";
	uint64_t old_cap = sysfs_u64(cap), old_keep = sysfs_u64(keep);
	size_t len = 24 * PG;
	unsigned char *b = p2pmem_map(&lab.prov_b, len, NULL);
	unsigned char *ram = mmap(NULL, len, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct p2pmap_edu_copy c;
	struct p2pmap_map m;
	int ret;

	sysfs_put_u64(cap, 32);
	sysfs_put_u64(keep, 16);
	ret = xmap(fd, &lab.edu_sw, b, len, P2PMAP_DIR_TO_DEVICE, &m);
	tap_ok(ret == -EBUSY && p2pmap_stat("bounce_in_use") == 0,
	       "/dev/p2pmap: 24 bounced pages with bounce_max_pages=32, bounce_reserve_pages=16: EBUSY (%d)",
	       ret);
	ret = xmap(fd, &lab.edu_sw, b, 16 * PG, P2PMAP_DIR_TO_DEVICE, &m);
	tap_ok(!ret && xunmap(fd, m.handle) == 0,
	       "/dev/p2pmap: 16 bounced pages fit short of the reserve (%d)", ret);
	memset(b, 0x3c, len);
	ret = edu_copy(&lab.edu_sw, b, ram, len, NULL, 0, &c);
	tap_ok(!ret && c.src_bytes[2] == len && ram[0] == 0x3c && ram[len - 1] == 0x3c,
	       "a driver's own mapping of the same 24 bounced pages uses the reserve (%d, bounced %llu)",
	       ret, (unsigned long long)c.src_bytes[2]);
	sysfs_put_u64(keep, old_keep);
	sysfs_put_u64(cap, old_cap);
	munmap(ram, len);
	munmap(b, len);
}

static void t_bounce_cap(void)
{
	const char *param = "/sys/module/p2pmap/parameters/bounce_max_pages";
	const char *keep = "/sys/module/p2pmap/parameters/bounce_reserve_pages";
	uint64_t old = sysfs_u64(param), old_keep = sysfs_u64(keep);
	size_t len = 16 * PG;
	unsigned char *b = p2pmem_map(&lab.prov_b, len, NULL);
	uint64_t pinned = p2pmap_stat("pinned_pages");
	struct p2pmap_map m;
	int ret;

	sysfs_write(keep, "0");
	sysfs_write(param, "8");
	ret = xmap(fd, &lab.edu_sw, b, len, P2PMAP_DIR_TO_DEVICE, &m);
	tap_ok(ret == -EBUSY, "16 bounced pages with bounce_max_pages=8: EBUSY (%d)", ret);
	tap_ok(p2pmap_stat("pinned_pages") == pinned && p2pmap_stat("bounce_in_use") == 0,
	       "the refused mapping left nothing pinned or reserved");
	ret = xmap(fd, &lab.edu_sw, b, 8 * PG, P2PMAP_DIR_TO_DEVICE, &m);
	tap_ok(!ret && p2pmap_stat("bounce_in_use") == 8 && xunmap(fd, m.handle) == 0,
	       "8 bounced pages fit the cap exactly (%d)", ret);
	sysfs_put_u64(param, old);
	sysfs_put_u64(keep, old_keep);
	munmap(b, len);
}

static int xsync(int f, uint64_t handle, uint32_t flags)
{
	struct p2pmap_handle_arg h = { .argsz = sizeof(h), .flags = flags, .handle = handle };

	return raw_ioctl(f, P2PMAP_IOC_SYNC, &h);
}

/*
 * SYNC moves data between B's memory and the bounce pages, and only in the mapping's
 * directions: after SYNC_FOR_CPU the buffer shows what the device saw (the bounce pages).
 */
static void t_sync(void)
{
	size_t len = 2 * PG;
	unsigned char *b = p2pmem_map(&lab.prov_b, len, NULL);
	struct p2pmap_map m;
	int ret;

	fill_pattern(b, len, 31);
	ret = xmap(fd, &lab.edu_sw, b, len, P2PMAP_DIR_BIDIRECTIONAL, &m);
	fill_pattern(b, len, 32);		/* a CPU write the bounce pages have not seen */
	ret = ret ?: xsync(fd, m.handle, P2PMAP_SYNC_FOR_CPU);
	tap_ok(!ret && m.bytes_bounce == len && check_pattern(b, len, 31, NULL),
	       "BIDIRECTIONAL bounce: SYNC_FOR_CPU brings back the device's view (%d)", ret);
	fill_pattern(b, len, 33);
	ret = ret ?: xsync(fd, m.handle, P2PMAP_SYNC_FOR_DEVICE);
	fill_pattern(b, len, 34);
	ret = ret ?: xsync(fd, m.handle, P2PMAP_SYNC_FOR_CPU);
	tap_ok(!ret && check_pattern(b, len, 33, NULL),
	       "BIDIRECTIONAL bounce: SYNC_FOR_DEVICE hands the CPU's data to the device (%d)", ret);
	tap_ok(!ret && xunmap(fd, m.handle) == 0 && check_pattern(b, len, 33, NULL),
	       "BIDIRECTIONAL bounce: UNMAP copies the device's view back");

	ret = xmap(fd, &lab.edu_sw, b, len, P2PMAP_DIR_TO_DEVICE, &m);
	fill_pattern(b, len, 35);
	ret = ret ?: xsync(fd, m.handle, P2PMAP_SYNC_FOR_CPU);
	tap_ok(!ret && check_pattern(b, len, 35, NULL) && xunmap(fd, m.handle) == 0 &&
	       check_pattern(b, len, 35, NULL),
	       "TO_DEVICE bounce: SYNC_FOR_CPU and UNMAP never write the buffer (%d)", ret);
	munmap(b, len);
}

static void t_close_live(void)
{
	size_t len = 8 * PG;
	unsigned char *a = p2pmem_map(&lab.prov_a, len, NULL), *b = p2pmem_map(&lab.prov_b, len, NULL);
	unsigned char *r = ram_buf(len);
	int f = p2pmap_open(), ret = 0;

	ret |= xmap(f, &lab.edu_sw, a, len, P2PMAP_DIR_FROM_DEVICE, NULL);
	ret |= xmap(f, &lab.edu_sw, b, len, P2PMAP_DIR_BIDIRECTIONAL, NULL);
	ret |= xmap(f, &lab.edu_rc, r, len, P2PMAP_DIR_TO_DEVICE, NULL);
	tap_ok(!ret && p2pmap_stat("mappings_active") == 3 && p2pmap_stat("pinned_pages") == 24 &&
	       p2pmap_stat("bounce_in_use") == 8,
	       "3 live mappings: 24 pages pinned, 8 bounce pages in use");
	close(f);
	tap_ok(nothing_held(0),
	       "closing the file releases them: nothing pinned, no bounce pages in use");
	munmap(a, len);
	munmap(b, len);
	munmap(r, len);
}

int main(void)
{
	int ret;

	tap_plan(0);
	ret = lab_find(&lab);
	if (ret)
		tap_bail("lab topology not found (%s): need 2 p2pmem providers and 2 edu clients",
			 strerror(-ret));
	tap_diag("provider A %s, provider B %s, switch edu %s (%s), root-complex edu %s (%s)",
		 lab.prov_a.name, lab.prov_b.name, lab.edu_sw.name, lab.edu_sw.node,
		 lab.edu_rc.name, lab.edu_rc.node);
	fd = p2pmap_open();

	t_explain();
	t_ram();
	t_provider("provider A, switch edu", &lab.prov_a, &lab.edu_sw, 1, 100);
	t_provider("provider B, switch edu", &lab.prov_b, &lab.edu_sw, 2, 200);
	t_provider("provider A, root-complex edu", &lab.prov_a, &lab.edu_rc, 2, 300);
	t_mixed();
	t_unaligned();
	t_sgtable();
	t_bad_input();
	t_bounce_cap();
	t_bounce_reserve();
	t_sync();
	t_close_live();
	t_bounds();
	t_bounce_stale();
	t_overlap();
	t_sync_bus_addr();
	t_seg_boundary();
	t_small_segments();
	t_alternate();
	t_client_unbind();
	t_edu_stop();
	t_provider_unbind();
	t_unbind_copies();

	close(fd);
	tap_ok(nothing_held(0),
	       "at the end: no live mapping, no pinned page, no bounce page in use");
	tap_ok(dma_api_errors() == 0, "DMA-API debug counted no error (%llu)",
	       (unsigned long long)dma_api_errors());
	return tap_done();
}
