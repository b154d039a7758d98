// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel contract for client drivers in the lab (docs/contract.md), one test per item:
 * recycled bounce pages show nothing stale, overlapping device-writable mappings are refused,
 * no CPU sync touches a bus address, segments keep the client's limits, SEGMENTS is linear,
 * /dev/p2pmap maps only for registered clients, and pins on P2P memory are revoked when a
 * client or provider unbinds (under load too). t_map checks the mapping API itself.
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
		ret = ret ?: tfd < 0 ? -ENOENT : xioctl(tfd, P2PMAP_TEST_IOC_PEEK, &pk);
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

	/*
	 * A driver's own mappings (the test module's p2pmap_map_user()): memory that bounces is
	 * claimed as /dev/p2pmap's is. (What nothing bounces is not: overlaps there are the
	 * driver's, as with dma_map_sg(), and 6.12's DMA-API debug reports every one, so the
	 * lab does not make one.)
	 */
	{
		int tfd = open("/dev/p2pmap-test", O_RDWR);
		struct p2pmap_test_overlap o = {
			.argsz = sizeof(o), .client = lab.edu_sw.addr,
			.dir = P2PMAP_DIR_FROM_DEVICE,
			.addr = (uintptr_t)b, .len = 2 * PG, .addr2 = (uintptr_t)b + PG, .len2 = PG,
		};

		r1 = tfd < 0 ? -errno : ioctl(tfd, P2PMAP_TEST_IOC_OVERLAP, &o) ? -errno : 0;
		tap_ok(!r1 && !o.result && o.result2 == -EADDRINUSE,
		       "a driver's bounced mapping of B's p2pmem: a second one of it is EADDRINUSE (%d: %d/%d)",
		       r1, o.result, o.result2);
		if (tfd >= 0)
			close(tfd);
	}
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


/*
 * Contract: no CPU sync touches a PCI bus-address segment. The DMA API's dma:
 * tracepoints show every sync p2pmap issues for the switch edu; none may name an address in
 * A's BAR, while the RAM and bounced segments of the same mapping are synced.
 */
static void t_sync_bus_addr(void)
{
	size_t len;
	unsigned char *buf = lab_mixed_buf(&lab, &len);
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

	ret = tfd < 0 ? -ENOENT : xioctl(tfd, P2PMAP_TEST_IOC_BOUNDARY, &tb);
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
	xioctl(tfd, P2PMAP_TEST_IOC_BOUNDARY, &tb);
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

	ret = tfd < 0 ? -ENOENT : xioctl(tfd, P2PMAP_TEST_IOC_BOUNDARY, &tb);
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
	xioctl(tfd, P2PMAP_TEST_IOC_BOUNDARY, &tb);
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

	ret = tfd < 0 ? -ENOENT : xioctl(tfd, P2PMAP_TEST_IOC_ALTERNATE, &t);
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
	double t0 = now();
	int st = -1;
	pid_t pid;

	pid = fork();
	if (!pid)
		_exit(try_write(NVME_DRV "/unbind", lab.prov_b.name) ? 1 : 0);
	while (waitpid(pid, &st, WNOHANG) == 0 && now() - t0 < 20)
		sleep_ms(50);
	*dt = now() - t0;
	if (*dt >= 20) {
		if (f) {
			close(*f);
			*f = -1;
		}
		waitpid(pid, &st, 0);
	}
	return *dt < 20 && WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -1;
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

	ret = lab_rebind_b(&lab, false);
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
	ret = lab_rebind_b(&lab, false);
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

int main(void)
{
	tap_plan(0);
	lab_require(&lab);
	fd = p2pmap_open();

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
	return lab_done();
}
