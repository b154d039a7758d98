// SPDX-License-Identifier: GPL-2.0-only
/*
 * Registrations and their slices, through p2pmap_edu's COPY of /dev/p2pmap handles (switch
 * lab):
 *  - data: for both edus, every kind of source and destination (RAM, A's p2pmem, B's
 *    p2pmem), registered once at an odd offset of a 64 KiB buffer; windows at many offsets,
 *    across page edges and longer than one transfer, each a slice: the windows' bytes are the
 *    source's, every other byte of the destination keeps its own. The registrations are
 *    reused from one copy to the next, the buffers rewritten by the CPU in between;
 *  - after slices, UNMAP copies nothing back: the CPU's writes beside the slices survive;
 *  - errors: a handle of the wrong direction, a part beyond the registration, a file that is
 *    not /dev/p2pmap, an unknown handle, a handle made for the other edu, an UNMAPped one;
 *  - revocation while three threads copy from a registration: B's unbind (its p2pmem), the
 *    edu's unbind (the client), the user's munmap() of one page of it (RAM and B's p2pmem):
 *    every copy is exact or fails cleanly, the unbind or munmap() completes, the
 *    registration's SYNC fails with ENODEV and its RLIMIT_MEMLOCK charge (VmPin) is back;
 *  - a munmap() beside a registration, or an madvise(MADV_DONTNEED) of it, does not revoke
 *    it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib.h"

#define EDU_DRV "/sys/bus/pci/drivers/p2pmap_edu"
#define NVME_DRV "/sys/bus/pci/drivers/nvme"
#define BUF (64 * 1024UL)
#define PART (20 * 1024UL)	/* the part of each registration a copy uses */

static struct lab lab;
static int p2p_fd;

enum kind { K_RAM, K_A, K_B, NR_KINDS };
static const char *const kind_name[NR_KINDS] = { "RAM", "A's p2pmem", "B's p2pmem" };

static unsigned char *bufs[NR_KINDS][2];	/* [kind][0: source, 1: destination] */

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static unsigned char *new_buf(enum kind k)
{
	switch (k) {
	case K_A:
		return p2pmem_map(&lab.prov_a, BUF, NULL);
	case K_B:
		return p2pmem_map(&lab.prov_b, BUF, NULL);
	default:
		return ram_buf(BUF);
	}
}

/* MAP @buf for @client: the handle, or 0 with the error in *@err. */
static uint64_t reg(const struct lab_dev *client, void *buf, uint32_t dir, int *err)
{
	struct p2pmap_map m;

	*err = xmap(p2p_fd, client, buf, BUF, dir, &m);
	return *err ? 0 : m.handle;
}

static int copy_handles(const struct lab_dev *edu, uint32_t flags, uint64_t src, uint64_t src_off,
			uint64_t dst, uint64_t dst_off, uint64_t len,
			const struct p2pmap_edu_window *win, unsigned int nr,
			struct p2pmap_edu_copy *out)
{
	struct p2pmap_edu_copy c = {
		.argsz = sizeof(c), .flags = flags, .src = src, .dst = dst, .len = len,
		.windows = (uintptr_t)win, .nr_windows = nr, .p2pmap_fd = p2p_fd,
		.src_off = src_off, .dst_off = dst_off,
	};
	int fd = open(edu->node, O_RDWR), ret;

	if (fd < 0)
		return -errno;
	ret = xioctl(fd, P2PMAP_EDU_IOC_COPY, &c);
	close(fd);
	if (out)
		*out = c;
	return ret;
}

#define BOTH (P2PMAP_EDU_COPY_SRC_HANDLE | P2PMAP_EDU_COPY_DST_HANDLE)

/* Windows at odd offsets: inside a page, across a page edge, longer than one transfer. */
static const struct p2pmap_edu_window wins[] = {
	{ .offset = 3, .len = 100 },
	{ .offset = 4000, .len = 300 },
	{ .offset = 9001, .len = 5000 },
	{ .offset = PART - 64, .len = 64 },
};

static void t_data(void)
{
	const struct lab_dev *clients[] = { &lab.edu_sw, &lab.edu_rc };
	static unsigned char want[BUF];
	uint64_t h[2][NR_KINDS][2];
	const uint64_t soff = 4096 + 5, doff = 8192 + 77;
	unsigned int c, s, d, w, seed = 1;
	int err;

	for (s = 0; s < NR_KINDS; s++)
		for (d = 0; d < 2; d++)
			bufs[s][d] = new_buf(s);
	/* One client at a time: device-writable mappings of the same memory exclude each other. */
	for (c = 0; c < 2; c++) {
		for (s = 0; s < NR_KINDS; s++)
			for (d = 0; d < 2; d++) {
				h[c][s][d] = reg(clients[c], bufs[s][d],
						 d ? P2PMAP_DIR_FROM_DEVICE : P2PMAP_DIR_TO_DEVICE,
						 &err);
				if (!h[c][s][d])
					tap_bail("MAP of %s for %s: %s", kind_name[s],
						 clients[c]->name, strerror(-err));
			}

		for (s = 0; s < NR_KINDS; s++)
			for (d = 0; d < NR_KINDS; d++) {
				unsigned char *src = bufs[s][0], *dst = bufs[d][1];
				struct p2pmap_edu_copy out;
				size_t bad = 0;
				uint64_t sum;
				int ret;

				fill_pattern(src, BUF, seed++);
				fill_pattern(dst, BUF, seed++);
				memcpy(want, dst, BUF);
				for (w = 0; w < ARRAY_SIZE(wins); w++)
					memcpy(want + doff + wins[w].offset,
					       src + soff + wins[w].offset, wins[w].len);
				ret = copy_handles(clients[c], BOTH, h[c][s][0], soff, h[c][d][1],
						   doff, PART, wins, ARRAY_SIZE(wins), &out);
				sum = out.src_bytes[0] + out.src_bytes[1] + out.src_bytes[2];
				tap_ok(!ret && sum == BUF,
				       "%s: COPY of slices %s -> %s (%d; source RAM %llu, P2P %llu, bounced %llu)",
				       clients[c]->name, kind_name[s], kind_name[d], ret,
				       (unsigned long long)out.src_bytes[0],
				       (unsigned long long)out.src_bytes[1],
				       (unsigned long long)out.src_bytes[2]);
				for (bad = 0; bad < BUF && dst[bad] == want[bad]; bad++)
					;
				tap_ok(bad == BUF,
				       "%s: %s -> %s: the windows hold the source, every other byte its own (first bad %zu)",
				       clients[c]->name, kind_name[s], kind_name[d], bad);
			}

		for (s = 0; s < NR_KINDS; s++)
			for (d = 0; d < 2; d++)
				xunmap(p2p_fd, h[c][s][d]);
	}
	for (s = 0; s < NR_KINDS; s++)
		for (d = 0; d < 2; d++)
			munmap(bufs[s][d], BUF);
}

static void t_errors(void)
{
	unsigned char *a = ram_buf(BUF), *b = ram_buf(BUF);
	uint64_t src, dst, other;
	int err, ret, fd;

	src = reg(&lab.edu_sw, a, P2PMAP_DIR_TO_DEVICE, &err);
	dst = reg(&lab.edu_sw, b, P2PMAP_DIR_FROM_DEVICE, &err);
	other = reg(&lab.edu_rc, a, P2PMAP_DIR_TO_DEVICE, &err);
	if (!src || !dst || !other)
		tap_bail("MAP for the error checks failed");

	ret = copy_handles(&lab.edu_sw, BOTH, dst, 0, src, 0, 4096, NULL, 0, NULL);
	tap_ok(ret == -EINVAL, "a FROM_DEVICE handle as the source, a TO_DEVICE one as the destination: EINVAL (%d)", ret);
	ret = copy_handles(&lab.edu_sw, BOTH, src, BUF - 100, dst, 0, 4096, NULL, 0, NULL);
	tap_ok(ret == -EINVAL, "a part beyond the registration's end: EINVAL (%d)", ret);
	fd = open("/dev/null", O_RDONLY);
	{
		int keep = p2p_fd;

		p2p_fd = fd;
		ret = copy_handles(&lab.edu_sw, BOTH, src, 0, dst, 0, 4096, NULL, 0, NULL);
		p2p_fd = keep;
	}
	close(fd);
	tap_ok(ret == -EBADF, "a file that is not /dev/p2pmap: EBADF (%d)", ret);
	ret = copy_handles(&lab.edu_sw, P2PMAP_EDU_COPY_SRC_HANDLE, 99999, 0, (uintptr_t)b, 0, 4096,
			   NULL, 0, NULL);
	tap_ok(ret == -ENOENT, "an unknown handle: ENOENT (%d)", ret);
	ret = copy_handles(&lab.edu_sw, P2PMAP_EDU_COPY_SRC_HANDLE, other, 0, (uintptr_t)b, 0, 4096,
			   NULL, 0, NULL);
	tap_ok(ret == -EXDEV, "a handle made for the other edu: EXDEV (%d)", ret);
	xunmap(p2p_fd, src);
	ret = copy_handles(&lab.edu_sw, P2PMAP_EDU_COPY_SRC_HANDLE, src, 0, (uintptr_t)b, 0, 4096,
			   NULL, 0, NULL);
	tap_ok(ret == -ENOENT, "an UNMAPped handle: ENOENT (%d)", ret);
	xunmap(p2p_fd, dst);
	xunmap(p2p_fd, other);
	munmap(a, BUF);
	munmap(b, BUF);
}

/*
 * A take-down copies nothing back once slices were taken: each slice's sync did, and the CPU
 * may have written the rest of the buffer since (bounced memory: B's p2pmem).
 */
static void t_no_copy_back(void)
{
	unsigned char *dst = p2pmem_map(&lab.prov_b, BUF, NULL), *src = ram_buf(BUF);
	static unsigned char want[BUF];
	uint64_t h;
	size_t bad;
	int err, ret;

	fill_pattern(dst, BUF, 5);
	fill_pattern(src, BUF, 6);
	h = reg(&lab.edu_sw, dst, P2PMAP_DIR_FROM_DEVICE, &err);
	if (!h)
		tap_bail("MAP of B's p2pmem: %s", strerror(-err));
	ret = copy_handles(&lab.edu_sw, P2PMAP_EDU_COPY_DST_HANDLE, (uintptr_t)src, 0, h, 0, 4096,
			   NULL, 0, NULL);
	memset(dst + 8192, 0xab, 4096);
	memcpy(want, dst, BUF);
	memcpy(want, src, 4096);
	xunmap(p2p_fd, h);
	for (bad = 0; bad < BUF && dst[bad] == want[bad]; bad++)
		;
	tap_ok(!ret && bad == BUF,
	       "UNMAP after a slice: the slice holds the device's bytes, the CPU's later writes beside it survive (%d; first bad %zu)",
	       ret, bad);
	munmap(dst, BUF);
	munmap(src, BUF);
}

/* ---- revocation with slices in flight -------------------------------------------------- */

struct copier {
	pthread_t t;
	const struct lab_dev *edu;
	uint64_t handle;
	const unsigned char *expect;	/* what the registered memory holds */
	long ok, bad_data, failed;
	int last;
	volatile bool *stop;
};

static void *copier_fn(void *arg)
{
	struct copier *cp = arg;
	unsigned char *dst = ram_buf(4096);
	unsigned int i = 0;

	while (!*cp->stop) {
		uint64_t off = (i++ * 1237) % (BUF - 512);
		int ret = copy_handles(cp->edu, P2PMAP_EDU_COPY_SRC_HANDLE, cp->handle, off,
				       (uintptr_t)dst, 0, 512, NULL, 0, NULL);

		cp->last = ret;
		if (ret) {
			cp->failed++;
			break;
		}
		if (memcmp(dst, cp->expect + off, 512))
			cp->bad_data++;
		else
			cp->ok++;
	}
	munmap(dst, 4096);
	return NULL;
}

/* Run @path <- @val in a child; wait up to @secs. 0 when it completed in time; *@dt: how long. */
static int write_bounded(const char *path, const char *val, int secs, double *dt)
{
	double t0 = now();
	int st = -1;
	pid_t pid = fork();

	if (!pid)
		_exit(try_write(path, val) ? 1 : 0);
	while (waitpid(pid, &st, WNOHANG) == 0 && now() - t0 < secs)
		sleep_ms(20);
	*dt = now() - t0;
	if (*dt >= secs)
		return -ETIMEDOUT;
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -EIO;
}

/* How a registration is revoked under the copies; 0 once it completed, in *@dt seconds. */
struct revoker {
	const char *what;
	const char *drv;	/* unbind @dev from @drv, or ... */
	const char *dev;
	long unmap_off;		/* ... munmap() the page at this offset of the memory */
};

static int do_revoke(const struct revoker *rv, unsigned char *mem, double *dt)
{
	char path[128];
	double t0 = now();
	int ret;

	if (!rv->drv) {
		ret = munmap(mem + rv->unmap_off, 4096) ? -errno : 0;
		*dt = now() - t0;
		return ret;
	}
	snprintf(path, sizeof(path), "%s/unbind", rv->drv);
	return write_bounded(path, rv->dev, 30, dt);
}

/* A revoke by munmap() takes the registration down in a work item: wait for its VmPin. */
static long pinned_settled(long want)
{
	double t0 = now();
	long kb;

	while ((kb = vm_pinned_kb()) != want && now() - t0 < 10)
		sleep_ms(20);
	return kb;
}

/*
 * Three threads copy from a registration of @mem for @edu while @rv revokes it: each copy is
 * exact until one fails; all stop by failing.
 */
static void revoke_under_copies(const struct revoker *rv, const struct lab_dev *edu,
				unsigned char *mem)
{
	const char *what = rv->what;
	struct copier cp[3];
	volatile bool stop = false;
	long pin0 = vm_pinned_kb(), pin1, pin2, ok = 0, bad = 0, failed = 0;
	struct p2pmap_handle_arg sa = { .argsz = sizeof(sa), .flags = P2PMAP_SYNC_FOR_DEVICE };
	unsigned char *expect = malloc(BUF);
	uint64_t h;
	double dt, t0;
	int err, ret, i;

	fill_pattern(mem, BUF, 77);
	memcpy(expect, mem, BUF);
	h = reg(edu, mem, P2PMAP_DIR_TO_DEVICE, &err);
	if (!h)
		tap_bail("%s: MAP failed: %s", what, strerror(-err));
	pin1 = vm_pinned_kb();
	for (i = 0; i < 3; i++) {
		cp[i] = (struct copier){ .edu = edu, .handle = h, .expect = expect, .stop = &stop };
		pthread_create(&cp[i].t, NULL, copier_fn, &cp[i]);
	}
	sleep_ms(1500);
	ret = do_revoke(rv, mem, &dt);
	/*
	 * Each thread's next copy fails: a munmap() returns at once, and a copy that took its
	 * slice before may still be finishing (the edu needs 100 ms per transfer).
	 */
	for (t0 = now(); now() - t0 < 10; sleep_ms(20)) {
		for (i = 0; i < 3 && cp[i].failed; i++)
			;
		if (i == 3)
			break;
	}
	stop = true;
	for (i = 0; i < 3; i++) {
		pthread_join(cp[i].t, NULL);
		ok += cp[i].ok;
		bad += cp[i].bad_data;
		failed += cp[i].failed;
	}
	tap_ok(!ret, "%s: it completes with three threads copying slices (%d, %.2f s)", what, ret,
	       dt);
	tap_ok(ok > 0 && !bad && failed == 3,
	       "%s: %ld copies exact before it, none wrong (%ld), each thread then failed cleanly (%ld; last %d)",
	       what, ok, bad, failed, cp[0].last);
	/* After a munmap() the take-down runs in a work item: SYNC fails once it has. */
	pin2 = pinned_settled(pin0);
	sa.handle = h;
	ret = xioctl(p2p_fd, P2PMAP_IOC_SYNC, &sa);
	tap_ok(ret == -ENODEV, "%s: the registration is revoked: SYNC fails with ENODEV (%d)", what,
	       ret);
	tap_ok(pin2 == pin0 && pin1 >= pin0 + (long)(BUF >> 10),
	       "%s: its RLIMIT_MEMLOCK charge came back (VmPin %ld -> %ld -> %ld kB)", what, pin0,
	       pin1, pin2);
	xunmap(p2p_fd, h);
	free(expect);
}

/*
 * What must not revoke: a munmap() of the pages on either side of a registration, and an
 * madvise() of its own pages (the registration keeps the pages it pinned).
 */
static void t_munmap_beside(void)
{
	unsigned char *area = ram_buf(BUF + 2 * 4096), *mem = area + 4096;
	unsigned char *dst = ram_buf(4096), expect[512];
	uint64_t h;
	int err, ret;

	fill_pattern(mem, BUF, 91);
	h = reg(&lab.edu_rc, mem, P2PMAP_DIR_TO_DEVICE, &err);
	if (!h)
		tap_bail("munmap beside: MAP failed: %s", strerror(-err));
	munmap(area, 4096);
	munmap(mem + BUF, 4096);
	ret = copy_handles(&lab.edu_rc, P2PMAP_EDU_COPY_SRC_HANDLE, h, BUF - 512, (uintptr_t)dst,
			   0, 512, NULL, 0, NULL);
	tap_ok(!ret && !memcmp(dst, mem + BUF - 512, 512),
	       "a munmap() of the pages beside a registration leaves it working (%d)", ret);
	/* MADV_DONTNEED drops the page from the mapping; the registration keeps it pinned. */
	memcpy(expect, mem, sizeof(expect));
	ret = madvise(mem, 4096, MADV_DONTNEED) ? -errno : 0;
	ret = ret ?: copy_handles(&lab.edu_rc, P2PMAP_EDU_COPY_SRC_HANDLE, h, 0, (uintptr_t)dst, 0,
				  sizeof(expect), NULL, 0, NULL);
	tap_ok(!ret && !memcmp(dst, expect, sizeof(expect)) && !mem[0],
	       "an madvise(MADV_DONTNEED) of its pages leaves it the pages it pinned (%d)", ret);
	xunmap(p2p_fd, h);
	munmap(mem, BUF);
	munmap(dst, 4096);
}

static void t_revoke(void)
{
	const struct revoker by_b = { .what = "B's unbind", .drv = NVME_DRV,
				      .dev = lab.prov_b.name };
	const struct revoker unmap_ram = { .what = "munmap() of a page of RAM",
					   .unmap_off = 8192 };
	const struct revoker unmap_b = { .what = "munmap() of a page of B's p2pmem",
					 .unmap_off = 4096 };
	struct revoker by_edu = { .what = "the edu's unbind", .drv = EDU_DRV };
	unsigned char *mem;
	int ret;

	mem = p2pmem_map(&lab.prov_b, BUF, NULL);
	revoke_under_copies(&by_b, &lab.edu_rc, mem);
	munmap(mem, BUF);
	ret = lab_rebind_b(&lab, true);
	tap_ok(!ret, "B binds to nvme again (%d)", ret);

	mem = ram_buf(BUF);
	by_edu.dev = lab.edu_rc.name;	/* after B's rebind: lab_rebind_b() finds the lab again */
	revoke_under_copies(&by_edu, &lab.edu_rc, mem);
	munmap(mem, BUF);
	ret = try_write(EDU_DRV "/bind", lab.edu_rc.name);
	lab_find(&lab);
	tap_ok(!ret || ret == -EBUSY, "the edu binds again (%d)", ret);

	mem = ram_buf(BUF);
	revoke_under_copies(&unmap_ram, &lab.edu_rc, mem);
	munmap(mem, BUF);
	mem = p2pmem_map(&lab.prov_b, BUF, NULL);
	revoke_under_copies(&unmap_b, &lab.edu_rc, mem);
	munmap(mem, BUF);
	t_munmap_beside();
}

int main(void)
{
	lab_require(&lab);
	p2p_fd = p2pmap_open();
	tap_plan(0);
	t_data();
	t_errors();
	t_no_copy_back();
	t_revoke();
	close(p2p_fd);
	return lab_done();
}
