// SPDX-License-Identifier: GPL-2.0-only
/*
 * Core mapping tests in the lab: P2P-aware GUP and dual-path DMA mapping.
 *
 * The API: EXPLAIN, RAM, each provider and mixed buffers, unaligned buffers, sg_tables, bad
 * input, the bounce cap and reserve, SYNC, close with live mappings, and the limits of one
 * mapping (t_contract checks the kernel contract). Real data moves through QEMU's edu DMA engine; every byte the engine moved is compared,
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
	unsigned char *buf = lab_mixed_buf(&lab, &len), *other = ram_buf(len);
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
	ret = tfd < 0 ? -ENOENT : xioctl(tfd, P2PMAP_TEST_IOC_RAW, &raw);
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

/*
 * One-shot mappings in the caller's storage (p2pmap_io_map(), through p2pmap_test.ko): a
 * buffer of up to 16 pages of one kind that the client reaches directly is mapped in the
 * storage alone, contiguous pages in one DMA segment; every other buffer by the general
 * path, with the same summary; a second unmap and an unmap of storage that holds nothing
 * leave the counters balanced (lab_done()).
 */
static void t_io(void)
{
	size_t mixed_len;
	unsigned char *ram = ram_buf(20 * PG), *mixed = lab_mixed_buf(&lab, &mixed_len);
	unsigned char *a = p2pmem_map(&lab.prov_a, 16 * PG, NULL);
	unsigned char *b = p2pmem_map(&lab.prov_b, PG, NULL);
	unsigned char *mem[] = { ram, a, b, mixed };	/* by cases[].mem */
	static const char *const path_name[] = { "in the caller's storage", "by the general path" };
	static const struct {
		const char *what;
		int mem;		/* 0 RAM, 1 A, 2 B, 3 mixed RAM|A|B|RAM */
		size_t off, len;
		bool fast;
		int path;		/* 0 RAM, 1 P2P, 2 bounced, 3 mixed */
		unsigned int max_entries;
	} cases[] = {
		{ "4 KiB of RAM", 0, 0, PG, true, 0, 1 },
		{ "100 bytes of RAM at offset 3000", 0, 3000, 100, true, 0, 1 },
		{ "4 KiB of A's p2pmem (P2P for the switch edu)", 1, 0, PG, true, 1, 1 },
		{ "4 KiB of B's p2pmem (bounced for it)", 2, 0, PG, false, 2, 0 },
		{ "RAM across a page edge", 0, PG - 8, 16, true, 0, 2 },
		{ "64 KiB of RAM", 0, 0, 16 * PG, true, 0, 16 },
		{ "64 KiB of A's p2pmem (one contiguous run)", 1, 0, 16 * PG, true, 1, 1 },
		{ "64 KiB of RAM at offset 8 (17 pages)", 0, 8, 16 * PG, false, 0, 0 },
		{ "RAM|A|B|RAM (7 pages of three kinds)", 3, 0, 7 * PG, false, 3, 0 },
	};
	int tfd = open("/dev/p2pmap-test", O_RDWR);
	unsigned int i;

	if (tfd < 0)
		tap_bail("no /dev/p2pmap-test: %s", strerror(errno));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned char *base = mem[cases[i].mem];
		struct p2pmap_test_io t = {
			.argsz = sizeof(t), .client = lab.edu_sw.addr,
			.dir = P2PMAP_DIR_BIDIRECTIONAL,
			.addr = (uintptr_t)(base + cases[i].off), .len = cases[i].len,
		};
		__u64 want[3] = { 0, 0, 0 }, *got = &t.bytes_ram;
		int ret = xioctl(tfd, P2PMAP_TEST_IOC_IO, &t);

		if (cases[i].path == 3) {	/* lab_mixed_buf(): 3 RAM, 2 P2P, 2 bounced pages */
			want[0] = 3 * PG;
			want[1] = 2 * PG;
			want[2] = 2 * PG;
		} else {
			want[cases[i].path] = cases[i].len;
		}
		tap_ok(!ret && !t.result && t.fast == cases[i].fast &&
		       (!t.fast || (t.nr_entries >= 1 && t.nr_entries <= cases[i].max_entries)) &&
		       t.dma_len == cases[i].len &&
		       got[0] == want[0] && got[1] == want[1] && got[2] == want[2],
		       "p2pmap_io_map() of %s: %s, %u DMA segments of %llu bytes, %llu RAM / %llu P2P / %llu bounced (%d/%d)",
		       cases[i].what, path_name[!t.fast], t.nr_entries, (unsigned long long)t.dma_len,
		       (unsigned long long)got[0], (unsigned long long)got[1],
		       (unsigned long long)got[2], ret, t.result);
	}
	{
		struct p2pmap_test_io t = {
			.argsz = sizeof(t), .client = lab.edu_sw.addr, .dir = P2PMAP_DIR_TO_DEVICE,
			.addr = 4096, .len = 16,
		};
		int ret = xioctl(tfd, P2PMAP_TEST_IOC_IO, &t);

		tap_ok(!ret && t.result == -EFAULT,
		       "p2pmap_io_map() of an unmapped address fails with EFAULT, storage left empty (%d)",
		       t.result);
	}
	close(tfd);
	munmap(ram, 20 * PG);
	munmap(mixed, mixed_len);
	munmap(a, 16 * PG);
	munmap(b, PG);
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
		int ret = tfd < 0 ? -ENOENT : xioctl(tfd, P2PMAP_TEST_IOC_SGTABLE, &t);

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
		int ret = tfd < 0 ? -ENOENT : xioctl(tfd, P2PMAP_TEST_IOC_SGTABLE, &t);

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
	ret = xioctl(fd, P2PMAP_IOC_MAP, m);
	if (!ret)
		xunmap(fd, m->handle);
	tap_ok(ret == -E2BIG, "MAP with argsz 1 MiB (zero tail): E2BIG, above P2PMAP_ARGSZ_MAX (%d)",
	       ret);
	*m = (struct p2pmap_map){ .argsz = P2PMAP_ARGSZ_MAX, .client = lab.edu_sw.addr,
		.dir = P2PMAP_DIR_TO_DEVICE, .addr = (uintptr_t)buf, .len = PG };
	ret = xioctl(fd, P2PMAP_IOC_MAP, m);
	tap_ok(!ret && xunmap(fd, m->handle) == 0,
	       "MAP with argsz P2PMAP_ARGSZ_MAX (zero tail) works (%d)", ret);
	munmap(blk, huge);
	munmap(buf, PG);
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
	tap_ok(xioctl(fd, P2PMAP_IOC_MAP, &m) == -EFAULT, "MAP of an unmapped address: EFAULT");
	MAPARG(.addr = (uintptr_t)ro, .dir = P2PMAP_DIR_FROM_DEVICE);
	tap_ok(xioctl(fd, P2PMAP_IOC_MAP, &m) == -EFAULT,
	       "MAP FROM_DEVICE of read-only memory: EFAULT");
	MAPARG(.len = 0);
	tap_ok(xioctl(fd, P2PMAP_IOC_MAP, &m) == -EINVAL, "MAP of zero length: EINVAL");
	MAPARG(.len = (1ULL << 30) + 1);
	tap_ok(xioctl(fd, P2PMAP_IOC_MAP, &m) == -EINVAL, "MAP longer than max_map_bytes: EINVAL");
	MAPARG(.addr = ~0ULL - 100, .len = PG);
	tap_ok(xioctl(fd, P2PMAP_IOC_MAP, &m) == -EINVAL, "MAP whose range wraps: EINVAL");
	MAPARG(.addr = (uintptr_t)buf + 1, .len = 2 * PG);
	ret = xioctl(fd, P2PMAP_IOC_MAP, &m);
	tap_ok(!ret && m.bytes_ram == 2 * PG && xunmap(fd, m.handle) == 0,
	       "MAP of an unaligned buffer works (%d)", ret);
	MAPARG(.client = { .domain = 0x1234, .bus = 0x99, .devfn = 0 });
	tap_ok(xioctl(fd, P2PMAP_IOC_MAP, &m) == -ENODEV, "MAP for an unknown client: ENODEV");
	MAPARG(.client.reserved = 1);
	tap_ok(xioctl(fd, P2PMAP_IOC_MAP, &m) == -EINVAL, "client address with reserved bits: EINVAL");
	MAPARG(.flags = 1U << 7);
	tap_ok(xioctl(fd, P2PMAP_IOC_MAP, &m) == -EINVAL, "MAP with an unknown flag: EINVAL");
	MAPARG(.reserved = 1);
	tap_ok(xioctl(fd, P2PMAP_IOC_MAP, &m) == -EINVAL, "MAP with a reserved field set: EINVAL");
	MAPARG(.dir = 7);
	tap_ok(xioctl(fd, P2PMAP_IOC_MAP, &m) == -EINVAL, "MAP with a bad direction: EINVAL");
	MAPARG(.argsz = 8);
	tap_ok(xioctl(fd, P2PMAP_IOC_MAP, &m) == -EINVAL, "MAP with a short argsz: EINVAL");
	MAPARG();
	big.m = m;
	big.m.argsz = sizeof(big);
	big.tail = 1;
	tap_ok(xioctl(fd, P2PMAP_IOC_MAP, &big) == -E2BIG,
	       "MAP with a longer struct and a non-zero tail: E2BIG");
	big.tail = 0;
	ret = xioctl(fd, P2PMAP_IOC_MAP, &big);
	tap_ok(!ret && xunmap(fd, big.m.handle) == 0,
	       "MAP with a longer struct and a zero tail works (%d)", ret);
	tap_ok(xioctl(fd, _IO(P2PMAP_IOC_MAGIC, 0x3f), &m) == -ENOTTY, "unknown ioctl: ENOTTY");

	MAPARG();
	ret = xioctl(fd, P2PMAP_IOC_MAP, &m);
	tap_ok(!ret && xunmap(fd, m.handle) == 0 && xunmap(fd, m.handle) == -ENOENT,
	       "double UNMAP: ENOENT");
	MAPARG();
	ret = xioctl(fd, P2PMAP_IOC_MAP, &m);
	fd2 = p2pmap_open();
	tap_ok(!ret && xunmap(fd2, m.handle) == -ENOENT && xunmap(fd, m.handle) == 0,
	       "UNMAP of another file's handle: ENOENT, the owner still unmaps");
	close(fd2);
	{
		struct p2pmap_handle_arg h = { .argsz = sizeof(h), .flags = 3, .handle = 1 };

		tap_ok(xioctl(fd, P2PMAP_IOC_SYNC, &h) == -EINVAL,
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
	tap_plan(0);
	lab_require(&lab);
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
	t_io();
	t_unaligned();
	t_sgtable();
	t_bad_input();
	t_bounce_cap();
	t_bounce_reserve();
	t_sync();
	t_close_live();
	t_bounds();

	close(fd);
	return lab_done();
}
