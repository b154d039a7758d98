// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bounce engine: what the CPU reads from and writes to device memory, and that
 * every byte lands where it belongs.
 *
 *  - A FROM_DEVICE bounce with the driver's promise (P2PMAP_MAP_DEVICE_WRITES, the edu sample
 *    moving a buffer from its start) reads no device memory (bytes_devmem_read), writes back
 *    exactly what the device wrote, and the data the edu moved is right; a device that wrote
 *    only the start of the buffer leaves the rest as it was.
 *  - Without the promise (windows with gaps), a partial device write keeps the bytes the device
 *    did not write.
 *  - Heads and tails at every offset 0..63 of device memory are copied exactly, both
 *    directions (p2pmap_test.ko plays the device on the bounce chunks), and device memory
 *    outside the buffer is not touched.
 *  - 64 KiB bounced is a few chunks (DMA entries), not one per page.
 *  - /dev/p2pmap: the MAP flag, UNMAP and SYNC with P2PMAP_HANDLE_WRITTEN, and their refusals.
 *  - A recycled bounce chunk never brings an earlier mapping's data back (stale_cases()).
 *
 * Provider A's memory is bounced for the root-complex edu (no P2P path). Guest time: about
 * 3 s, most of it the edu's 100 ms transfers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib.h"
#include "../kmod/p2pmap_test.h"

#define PG 4096UL
#define P2P_LEN (32 * PG)

static struct lab lab;
static int fd, tfd;
static unsigned char *p2p;

struct devmem {
	uint64_t read, written;
};

static struct devmem devmem_now(void)
{
	return (struct devmem){ p2pmap_stat("bytes_devmem_read"),
				p2pmap_stat("bytes_devmem_written") };
}

/* Device memory read and written since @then. */
static struct devmem devmem_since(struct devmem then)
{
	struct devmem now = devmem_now();

	return (struct devmem){ now.read - then.read, now.written - then.written };
}

/* The first byte where @a and @b differ, or -1. */
static long first_diff(const unsigned char *a, const unsigned char *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (a[i] != b[i])
			return i;
	return -1;
}

static long first_not(const unsigned char *a, unsigned char c, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (a[i] != c)
			return i;
	return -1;
}

/* Real DMA: the edu moves src (RAM) to dst (provider A's memory, bounced). */
static void edu_cases(void)
{
	static const struct p2pmap_edu_window start[] = { { 0, 1000 } };
	static const struct p2pmap_edu_window gaps[] = { { 100, 100 }, { 5000, 100 } };
	const size_t len = 6000, off = 13;	/* two edu transfers; unaligned in device memory */
	unsigned char *src = ram_buf(2 * PG), *dst = p2p + off;
	struct p2pmap_edu_copy c;
	struct devmem d0, d;
	int ret;

	/* The whole buffer, from its start: the edu sample promises. */
	fill_pattern(src, len, 1);
	memset(p2p, 0xEE, 2 * PG);
	d0 = devmem_now();
	ret = edu_copy(&lab.edu_rc, src, dst, len, NULL, 0, &c);
	d = devmem_since(d0);
	tap_ok(ret == 0 && c.dst_bytes[2] == len, "edu copy RAM -> bounced p2pmem, %zu bytes at offset %zu (ret %d, %llu bounced)",
	       len, off, ret, (unsigned long long)c.dst_bytes[2]);
	tap_ok(d.read == 0, "with the promise: no device memory read (%llu bytes)",
	       (unsigned long long)d.read);
	tap_ok(d.written == len, "with the promise: exactly the bytes written copied back (%llu of %zu)",
	       (unsigned long long)d.written, len);
	tap_ok(first_diff(src, dst, len) < 0 && first_not(p2p, 0xEE, off) < 0 &&
	       first_not(dst + len, 0xEE, 2 * PG - off - len) < 0,
	       "with the promise: the data is right, and nothing around it changed");

	/* One window from the start: the device wrote 1000 bytes of 6000. */
	memset(p2p, 0xEE, 2 * PG);
	d0 = devmem_now();
	ret = edu_copy(&lab.edu_rc, src, dst, len, start, 1, &c);
	d = devmem_since(d0);
	tap_ok(ret == 0 && d.read == 0 && d.written == 1000,
	       "promise, device wrote the first 1000 bytes: read %llu, wrote back %llu (ret %d)",
	       (unsigned long long)d.read, (unsigned long long)d.written, ret);
	tap_ok(first_diff(src, dst, 1000) < 0 && first_not(dst + 1000, 0xEE, len - 1000) < 0,
	       "promise, partial write: the bytes not written keep theirs");

	/* Windows with gaps: no promise, every bounced byte is copied in first. */
	memset(p2p, 0xEE, 2 * PG);
	d0 = devmem_now();
	ret = edu_copy(&lab.edu_rc, src, dst, len, gaps, 2, &c);
	d = devmem_since(d0);
	tap_ok(ret == 0 && d.read == len && d.written == len,
	       "no promise: the buffer read once and written back once (read %llu, wrote %llu, ret %d)",
	       (unsigned long long)d.read, (unsigned long long)d.written, ret);
	tap_ok(first_diff(src + 100, dst + 100, 100) < 0 &&
	       first_diff(src + 5000, dst + 5000, 100) < 0 && first_not(dst, 0xEE, 100) < 0 &&
	       first_not(dst + 200, 0xEE, 4800) < 0 && first_not(dst + 5100, 0xEE, len - 5100) < 0,
	       "no promise, partial device write: the untouched bytes keep theirs");
	munmap(src, 2 * PG);
}

static int bounce(uint32_t dir, uint32_t map_flags, void *addr, size_t len, void *out, void *in,
		  long written)
{
	struct p2pmap_test_bounce b = {
		.argsz = sizeof(b), .client = lab.edu_rc.addr, .dir = dir, .map_flags = map_flags,
		.addr = (uintptr_t)addr, .len = len, .out = (uintptr_t)out, .in = (uintptr_t)in,
		.flags = written >= 0 ? P2PMAP_TEST_BOUNCE_WRITTEN : 0,
		.written = written >= 0 ? written : 0,
	};

	if (ioctl(tfd, P2PMAP_TEST_IOC_BOUNCE, &b))
		return -errno;
	return b.result;
}

/*
 * Every head and tail: the buffer starts at offset 0..63 of a page of device memory, and is
 * 1..16 bytes long or a few pages ending at every offset modulo 8. Device memory is set and
 * read back in one copy of a window around the buffer (64 bytes either side) and compared in
 * RAM: under TCG every access to it is an MMIO exit.
 */
static void unaligned_cases(void)
{
	unsigned char *out = ram_buf(4 * PG), *in = ram_buf(4 * PG), *exp = ram_buf(4 * PG);
	unsigned char *got = ram_buf(4 * PG);
	const char *fail[3] = { NULL, NULL, NULL };
	char why[3][160];
	unsigned long bytes[3] = { 0, 0, 0 }, copied_in = 0;
	struct devmem d0, d;
	int o, k, c;

	d0 = devmem_now();
	for (o = 0; o < 64; o++) {
		for (k = 0; k < 2; k++) {
			size_t len = k ? 3 * PG - 2 * o + 7 : 1 + (size_t)o % 16;
			unsigned char *win = p2p + PG - 64, *buf = p2p + PG + o;
			size_t wlen = 64 + o + len + 64, at = 64 + o;
			long bad[3];
			int ret[3];

			/* The device reads: bounce chunks filled from device memory. */
			fill_pattern(exp, wlen, o * 2 + k);
			memcpy(win, exp, wlen);
			ret[0] = bounce(P2PMAP_DIR_TO_DEVICE, 0, buf, len, out, NULL, -1);
			bad[0] = first_diff(exp + at, out, len);
			bytes[0] += len;

			/* The device writes it all, with the promise. */
			fill_pattern(in, len, o * 2 + k + 1000);
			memset(exp, 0xEE, wlen);
			memcpy(win, exp, wlen);
			ret[1] = bounce(P2PMAP_DIR_FROM_DEVICE, P2PMAP_MAP_DEVICE_WRITES, buf, len,
					NULL, in, -1);
			memcpy(got, win, wlen);
			memcpy(exp + at, in, len);
			bad[1] = first_diff(exp, got, wlen);
			bytes[1] += len;

			/* No promise, the device wrote the first half: the rest keeps its bytes. */
			memset(exp, 0xEE, wlen);
			memcpy(win, exp, wlen);
			ret[2] = bounce(P2PMAP_DIR_FROM_DEVICE, 0, buf, len, NULL, in, len / 2);
			memcpy(got, win, wlen);
			memcpy(exp + at, in, len / 2);
			bad[2] = first_diff(exp, got, wlen);
			bytes[2] += len / 2;
			copied_in += len;

			for (c = 0; c < 3; c++) {
				if (fail[c] || (!ret[c] && bad[c] < 0))
					continue;
				snprintf(why[c], sizeof(why[c]),
					 "offset %d len %zu: ret %d, first wrong byte at %ld from the buffer's start",
					 o, len, ret[c], bad[c] - (c ? (long)at : 0));
				fail[c] = why[c];
			}
		}
	}
	d = devmem_since(d0);
	tap_ok(!fail[0], "device memory -> bounce chunks: every offset 0..63, heads and tails exact%s%s",
	       fail[0] ? ": " : "", fail[0] ?: "");
	tap_ok(!fail[1], "bounce chunks -> device memory (promise): every offset 0..63 exact, nothing around it touched%s%s",
	       fail[1] ? ": " : "", fail[1] ?: "");
	tap_ok(!fail[2], "bounce chunks -> device memory (no promise, half written): exact, the rest kept%s%s",
	       fail[2] ? ": " : "", fail[2] ?: "");
	/* Reads: once per byte the device reads, once per byte copied in without the promise. */
	tap_ok(d.read == bytes[0] + copied_in, "device memory read: %llu bytes, expected %lu",
	       (unsigned long long)d.read, bytes[0] + copied_in);
	tap_ok(d.written == bytes[1] + bytes[2], "device memory written: %llu bytes, expected %lu",
	       (unsigned long long)d.written, bytes[1] + bytes[2]);
	munmap(out, 4 * PG);
	munmap(in, 4 * PG);
	munmap(exp, 4 * PG);
	munmap(got, 4 * PG);
}

/*
 * Bounce chunks: 64 KiB of device memory, page-aligned and not, is fewer DMA entries than
 * pages (one per chunk of up to 64 KiB) and copied exactly.
 */
static void chunk_cases(void)
{
	static const size_t offs[] = { 0, 100 };
	const size_t len = 16 * PG;
	unsigned char *exp = ram_buf(len + PG), *out = ram_buf(len + PG);
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct p2pmap_test_bounce b = {
			.argsz = sizeof(b), .client = lab.edu_rc.addr, .dir = P2PMAP_DIR_TO_DEVICE,
			.addr = (uintptr_t)p2p + offs[i], .len = len, .out = (uintptr_t)out,
		};
		int ret;

		fill_pattern(exp, len, 77 + i);
		memcpy(p2p + offs[i], exp, len);
		ret = ioctl(tfd, P2PMAP_TEST_IOC_BOUNCE, &b) ? -errno : b.result;
		/* 16 pages, 17 when not aligned: in chunks, a handful of entries at most. */
		tap_ok(!ret && b.nr_entries <= 5 && first_diff(exp, out, len) < 0,
		       "64 KiB of device memory at offset %zu: %u DMA entries for %zu pages, data exact (ret %d)",
		       offs[i], b.nr_entries, offs[i] ? 17 : (size_t)16, ret);
	}
	munmap(exp, len + PG);
	munmap(out, len + PG);
}

static int handle_ioctl(unsigned long cmd, uint32_t argsz, uint32_t flags, uint64_t handle,
			uint64_t written)
{
	struct p2pmap_handle_arg h = { .argsz = argsz, .flags = flags, .handle = handle,
				       .written = written };

	return ioctl(fd, cmd, &h) ? -errno : 0;
}

/* /dev/p2pmap: the MAP flag, and UNMAP/SYNC with the bytes the device wrote. */
static void uapi_cases(void)
{
	struct p2pmap_map m = {
		.argsz = sizeof(m), .flags = P2PMAP_MAP_DEVICE_WRITES, .client = lab.edu_rc.addr,
		.dir = P2PMAP_DIR_FROM_DEVICE, .addr = (uintptr_t)p2p, .len = 2 * PG,
	};
	struct devmem d0, d;
	int ret;

	d0 = devmem_now();
	ret = ioctl(fd, P2PMAP_IOC_MAP, &m) ? -errno : 0;
	d = devmem_since(d0);
	tap_ok(ret == 0 && m.bytes_bounce == 2 * PG && d.read == 0,
	       "MAP FROM_DEVICE with P2PMAP_MAP_DEVICE_WRITES: bounced, nothing read (ret %d, read %llu)",
	       ret, (unsigned long long)d.read);
	if (!ret) {
		tap_ok(handle_ioctl(P2PMAP_IOC_SYNC, sizeof(struct p2pmap_handle_arg),
				    P2PMAP_SYNC_FOR_DEVICE | P2PMAP_HANDLE_WRITTEN, m.handle, 1) == -EINVAL,
		       "SYNC FOR_DEVICE with P2PMAP_HANDLE_WRITTEN: EINVAL");
		tap_ok(handle_ioctl(P2PMAP_IOC_UNMAP, sizeof(struct p2pmap_handle_arg) - 8,
				    P2PMAP_HANDLE_WRITTEN, m.handle, 0) == -EINVAL,
		       "UNMAP with an argsz below the struct's (no room for @written): EINVAL");
		d0 = devmem_now();
		ret = handle_ioctl(P2PMAP_IOC_SYNC, sizeof(struct p2pmap_handle_arg),
				   P2PMAP_SYNC_FOR_CPU | P2PMAP_HANDLE_WRITTEN, m.handle, 100);
		d = devmem_since(d0);
		tap_ok(ret == 0 && d.written == 100 && d.read == 0,
		       "SYNC FOR_CPU with written=100: 100 bytes written back (ret %d, %llu)", ret,
		       (unsigned long long)d.written);
		d0 = devmem_now();
		ret = handle_ioctl(P2PMAP_IOC_UNMAP, sizeof(struct p2pmap_handle_arg),
				   P2PMAP_HANDLE_WRITTEN, m.handle, 300);
		d = devmem_since(d0);
		tap_ok(ret == 0 && d.written == 300 && d.read == 0,
		       "UNMAP with written=300: 300 bytes written back (ret %d, %llu)", ret,
		       (unsigned long long)d.written);
	} else {
		tap_skip("MAP failed", "SYNC FOR_DEVICE with WRITTEN");
		tap_skip("MAP failed", "UNMAP WRITTEN with argsz 16");
		tap_skip("MAP failed", "SYNC FOR_CPU written=100");
		tap_skip("MAP failed", "UNMAP written=300");
	}
	m.dir = P2PMAP_DIR_BIDIRECTIONAL;
	tap_ok((ioctl(fd, P2PMAP_IOC_MAP, &m) ? -errno : 0) == -EINVAL,
	       "MAP BIDIRECTIONAL with P2PMAP_MAP_DEVICE_WRITES: EINVAL (the device reads it)");
	m.dir = P2PMAP_DIR_FROM_DEVICE;
	m.flags = 1U << 7;
	tap_ok((ioctl(fd, P2PMAP_IOC_MAP, &m) ? -errno : 0) == -EINVAL,
	       "MAP with an unknown flag: EINVAL");
	tap_ok(handle_ioctl(P2PMAP_IOC_UNMAP, sizeof(struct p2pmap_handle_arg), 1U << 5, 1, 0) ==
	       -EINVAL, "UNMAP with an unknown flag: EINVAL");
}

/*
 * The stale-data rule with the chunk cache: a chunk given back holds the data of the mapping
 * it served (here 0xAB, copied in from device memory). A device-written mapping of another
 * buffer (0xCD) that gets it next, and whose device writes nothing, must copy back zeroes:
 * 0xAB would be the last mapping's data, 0xCD a copy in that the promise rules out. The cache
 * is emptied first (bounce_pool_pages 0, then back), so the chunk the first mapping leaves is
 * the only one cached, and the second mapping takes it (the cache is empty again).
 */
static void stale_cases(void)
{
	unsigned char *a = p2p + 8 * PG, *b = p2p + 12 * PG;
	struct p2pmap_map m = {
		.argsz = sizeof(m), .client = lab.edu_rc.addr, .dir = P2PMAP_DIR_FROM_DEVICE,
		.addr = (uintptr_t)a, .len = 2 * PG,
	};
	uint64_t before, emptied, cached[2] = { 0, 1 };
	char pool[32];
	long bad;
	int ret;

	before = p2pmap_stat("bounce_cached");
	sysfs_str(POOL_PAGES, pool, sizeof(pool));
	sysfs_write(POOL_PAGES, "0");
	emptied = p2pmap_stat("bounce_cached");
	sysfs_write(POOL_PAGES, pool);
	tap_ok(before > 0 && emptied == 0,
	       "bounce_pool_pages 0 empties the chunk cache (%llu pages cached, then %llu)",
	       (unsigned long long)before, (unsigned long long)emptied);

	memset(a, 0xAB, 2 * PG);
	memset(b, 0xCD, 2 * PG);
	ret = ioctl(fd, P2PMAP_IOC_MAP, &m) ? -errno : 0;
	if (!ret)
		ret = handle_ioctl(P2PMAP_IOC_UNMAP, sizeof(struct p2pmap_handle_arg), 0, m.handle, 0);
	if (!ret)
		cached[0] = p2pmap_stat("bounce_cached");
	m.flags = P2PMAP_MAP_DEVICE_WRITES;
	m.addr = (uintptr_t)b;
	if (!ret)
		ret = ioctl(fd, P2PMAP_IOC_MAP, &m) ? -errno : 0;
	if (!ret) {
		cached[1] = p2pmap_stat("bounce_cached");
		ret = handle_ioctl(P2PMAP_IOC_UNMAP, sizeof(struct p2pmap_handle_arg), 0, m.handle, 0);
	}
	bad = first_not(b, 0, 2 * PG);
	tap_ok(!ret && cached[0] == 2 && cached[1] == 0 && m.bytes_bounce == 2 * PG && bad < 0,
	       "a recycled chunk: the device wrote nothing, zeroes came back (ret %d; pages cached %llu, then %llu; first non-zero byte %ld: 0x%02x)",
	       ret, (unsigned long long)cached[0], (unsigned long long)cached[1], bad,
	       bad < 0 ? 0 : b[bad]);

	/*
	 * Closing the file agrees with UNMAP without P2PMAP_HANDLE_WRITTEN: nobody said what the
	 * device wrote, so all of it comes back (zeroes here), not nothing.
	 */
	{
		int f = p2pmap_open();

		memset(b, 0xCD, 2 * PG);
		ret = ioctl(f, P2PMAP_IOC_MAP, &m) ? -errno : 0;
		close(f);
		bad = first_not(b, 0, 2 * PG);
		tap_ok(!ret && bad < 0,
		       "close of a device-written mapping copies it all back, as UNMAP does (ret %d; first non-zero byte %ld: 0x%02x)",
		       ret, bad, bad < 0 ? 0 : b[bad]);
	}
}

int main(void)
{
	uint64_t pinned0;

	lab_require(&lab);
	fd = p2pmap_open();
	tfd = open("/dev/p2pmap-test", O_RDWR);
	if (tfd < 0)
		tap_bail("/dev/p2pmap-test: %m (p2pmap_test.ko not loaded)");
	p2p = p2pmem_map(&lab.prov_a, P2P_LEN, NULL);
	pinned0 = p2pmap_stat("pinned_pages");
	tap_plan(27);

	edu_cases();
	unaligned_cases();
	chunk_cases();
	uapi_cases();
	stale_cases();
	tap_ok(nothing_held(pinned0), "nothing left pinned, mapped or bounced");
	return tap_done();
}
