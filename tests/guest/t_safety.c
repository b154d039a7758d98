// SPDX-License-Identifier: GPL-2.0-only
/*
 * t_safety: /dev/p2pmap under hostile timing, in the switch lab.
 *
 *  - MAP racing with the client's unbind and with the provider's, two threads sharing one
 *    file: a mapping freed under MAP would come back with slab poison in its summary
 *    (the lab boots with slub_debug on p2pmap's mapping cache) or crash the guest.
 *  - Copies of device memory as slow as a GPU BAR's (p2pmap_slow.ko): they reschedule (the
 *    soft-lockup detector, at a short threshold, stays quiet), a kill -9 ends them, and a
 *    provider's unbind does not wait for them, nor for a SYNC's.
 *  - MAP of a buffer whose page fault never returns (userfaultfd): the client's and a
 *    provider's unbind both complete.
 *  - SEGMENTS does work linear in the segments (the DMA segments it steps over, which its
 *    tracepoint reports), not quadratic.
 *  - Pinned pages of handles are charged to RLIMIT_MEMLOCK.
 *
 * Any soft lockup or hung task the detectors report fails the test (and the lab run).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib.h"
#include "../kmod/p2pmap_test.h"

#define PG 4096UL
#define EDU_DRV "/sys/bus/pci/drivers/p2pmap_edu"
#define NVME_DRV "/sys/bus/pci/drivers/nvme"
#define TRACING "/sys/kernel/tracing"
#define SLOW_DELAY "/sys/module/p2pmap_slow/parameters/us_per_kib"

static struct lab lab;
static uint64_t pinned0;
static int uffd = -1;		/* closed in children, so that closing it here releases it */


static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int xmap_flags(int f, const struct lab_dev *client, void *buf, size_t len, uint32_t dir,
		      uint32_t flags, struct p2pmap_map *out)
{
	struct p2pmap_map m = {
		.argsz = sizeof(m), .flags = flags, .client = client->addr, .dir = dir,
		.addr = (uintptr_t)buf, .len = len,
	};
	int ret = xioctl(f, P2PMAP_IOC_MAP, &m);

	if (out)
		*out = m;
	return ret;
}

/* Lines of the kernel log that name a soft lockup or a hung task, since the test started. */
static int lockup_reports(void)
{
	FILE *p = popen("dmesg | grep -cE 'soft lockup|blocked for more than'", "r");
	int n = -1;

	if (!p)
		return -1;
	if (fscanf(p, "%d", &n) != 1)
		n = -1;
	pclose(p);
	return n;
}

/* Run @path <- @val in a child; wait up to @secs. 0 when it completed in time; *@dt: how long. */
static int write_bounded(const char *path, const char *val, int secs, double *dt)
{
	double t0 = now();
	int st = -1;
	pid_t pid = fork();

	if (!pid) {
		if (uffd >= 0)
			close(uffd);
		_exit(try_write(path, val) ? 1 : 0);
	}
	while (waitpid(pid, &st, WNOHANG) == 0 && now() - t0 < secs)
		sleep_ms(20);
	*dt = now() - t0;
	if (*dt >= secs)
		return -ETIMEDOUT;	/* the caller lets it finish */
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -EIO;
}

static void reap_all(void)
{
	while (waitpid(-1, NULL, 0) > 0)
		;
}

static int rebind_edu(void)
{
	int ret = try_write(EDU_DRV "/bind", lab.edu_rc.name);

	lab_find(&lab);
	return ret == -EBUSY ? 0 : ret;	/* bound already */
}

/* ---- MAP racing with unbinds ---------------------------------------------------------- */

#define RACE_LEN (64 * 1024UL)

struct racer {
	int f;
	atomic_int *stop;
	unsigned int maps, bad, errors;
	uint32_t bad_nr;
	uint64_t bad_bounce;
};

/*
 * MAP and UNMAP 64 KiB of B's p2pmem for the root-complex edu (bounced) until told to stop.
 * A MAP that succeeds must describe the mapping it made: one bounced segment of RACE_LEN.
 */
static void *racer_fn(void *arg)
{
	struct racer *r = arg;

	while (!atomic_load(r->stop)) {
		void *b = p2pmem_try(&lab.prov_b, RACE_LEN, NULL);
		struct p2pmap_map m;
		int ret;

		if (b == MAP_FAILED) {
			sleep_ms(20);
			continue;
		}
		ret = xmap(r->f, &lab.edu_rc, b, RACE_LEN, P2PMAP_DIR_BIDIRECTIONAL, &m);
		if (!ret) {
			r->maps++;
			if (m.nr_segments != 1 || m.bytes_bounce != RACE_LEN || m.bytes_ram ||
			    m.bytes_p2p) {
				r->bad++;
				r->bad_nr = m.nr_segments;
				r->bad_bounce = m.bytes_bounce;
			}
			ret = xunmap(r->f, m.handle);
			if (ret && ret != -ENODEV && ret != -ENOENT)
				r->errors++;
		} else if (ret != -EACCES && ret != -ENODEV && ret != -EFAULT) {
			r->errors++;
		}
		munmap(b, RACE_LEN);
	}
	return NULL;
}

/* Two racers on one file while @cycle unbinds and rebinds a driver for @secs seconds. */
static void race(const char *what, int (*cycle)(void), int secs)
{
	atomic_int stop = 0;
	struct racer r[2];
	pthread_t th[2];
	unsigned int i, cycles = 0, maps = 0, bad = 0, errors = 0;
	int f = p2pmap_open(), cret = 0;
	double t0 = now();

	for (i = 0; i < 2; i++) {
		r[i] = (struct racer){ .f = f, .stop = &stop };
		pthread_create(&th[i], NULL, racer_fn, &r[i]);
	}
	while (now() - t0 < secs && !cret) {
		sleep_ms(30);
		cret = cycle();
		cycles++;
	}
	atomic_store(&stop, 1);
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		maps += r[i].maps;
		bad += r[i].bad;
		errors += r[i].errors;
		if (r[i].bad)
			tap_diag("a MAP described %u segments, %llu bytes bounced", r[i].bad_nr,
				 (unsigned long long)r[i].bad_bounce);
	}
	close(f);
	tap_ok(!cret && cycles > 2 && maps > 0 && !bad && !errors,
	       "%s: %u unbind/bind cycles under %u MAPs from two threads sharing a file; every MAP described its own mapping (bad %u, unexpected errors %u, cycle %d)",
	       what, cycles, maps, bad, errors, cret);
}

static int cycle_edu(void)
{
	int ret = try_write(EDU_DRV "/unbind", lab.edu_rc.name);

	sleep_ms(20);
	return ret ?: rebind_edu();
}

static int cycle_b(void)
{
	int ret = try_write(NVME_DRV "/unbind", lab.prov_b.name);

	sleep_ms(20);
	return ret ?: lab_rebind_b(&lab, true);
}

static int race_secs = 10;

static void t_races(void)
{
	char v[16];

	/* Slow copies back (2 ms per 64 KiB) widen the windows the two sides race in. */
	snprintf(v, sizeof(v), "%d", 32);
	sysfs_write(SLOW_DELAY, v);
	race("the client's driver (p2pmap_edu)", cycle_edu, race_secs);
	race("the provider's driver (nvme on B)", cycle_b, race_secs);
	tap_ok(nothing_held(pinned0), "after the races nothing is pinned, mapped or bounced");
}

/* ---- slow copies ------------------------------------------------------------------------ */

#define SLOW_LEN (16UL << 20)

/* In a child: MAP (and UNMAP) SLOW_LEN of B's p2pmem for the root-complex edu, bounced. */
static pid_t slow_map_child(uint32_t dir, uint32_t flags, int *ret_pipe)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		tap_bail("pipe: %m");
	pid = fork();
	if (!pid) {
		void *b = p2pmem_try(&lab.prov_b, SLOW_LEN, NULL);
		int f = p2pmap_open(), ret;
		struct p2pmap_map m;

		close(p[0]);
		ret = b == MAP_FAILED ? -errno :
		      xmap_flags(f, &lab.edu_rc, b, SLOW_LEN, dir, flags, &m);
		if (!ret)
			ret = xunmap(f, m.handle);
		if (write(p[1], &ret, sizeof(ret)) < 0)
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	*ret_pipe = p[0];
	return pid;
}

static int pipe_ret(int p)
{
	int ret = 1;

	if (read(p, &ret, sizeof(ret)) != sizeof(ret))
		ret = 1;	/* the child died before it could say */
	close(p);
	return ret;
}

static void t_slow_copies(void)
{
	int reports0 = lockup_reports(), p, ret, st;
	double t0, dt;
	pid_t pid;
	char v[16];

	snprintf(v, sizeof(v), "%d", 640);	/* 640 us per KiB: 1.6 MB/s, a GPU BAR's */
	sysfs_write(SLOW_DELAY, v);

	/* A map that copies for about 10 s: killed after 1 s, it ends within the next slice. */
	pid = slow_map_child(P2PMAP_DIR_TO_DEVICE, 0, &p);
	sleep_ms(1500);
	t0 = now();
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	dt = now() - t0;
	close(p);
	tap_ok(dt < 3, "kill -9 of a process whose 16 MiB bounced MAP copies at 1.6 MB/s ends it in %.2f s",
	       dt);
	tap_ok(nothing_held(pinned0), "the killed MAP left nothing pinned, mapped or bounced");

	/* B's unbind while a MAP copies from B: the MAP stops, the unbind does not wait. */
	pid = slow_map_child(P2PMAP_DIR_TO_DEVICE, 0, &p);
	sleep_ms(1500);
	ret = write_bounded(NVME_DRV "/unbind", lab.prov_b.name, 20, &dt);
	st = pipe_ret(p);
	waitpid(pid, NULL, 0);
	reap_all();
	tap_ok(!ret && dt < 5 && st == -ENODEV,
	       "unbinding B while a MAP copies 16 MiB from it: done in %.2f s, the MAP fails with ENODEV (%d, MAP %d)",
	       dt, ret, st);
	ret = lab_rebind_b(&lab, true);
	tap_ok(!ret, "nvme binds B again (%d)", ret);

	/* A SYNC copying back 16 MiB into B: B's unbind stops it and goes on. */
	{
		void *b = p2pmem_map(&lab.prov_b, SLOW_LEN, NULL);
		int f = p2pmap_open(), sret = 1, pp[2];
		struct p2pmap_map m;

		sysfs_write(SLOW_DELAY, "0");		/* the map itself copies nothing */
		ret = xmap_flags(f, &lab.edu_rc, b, SLOW_LEN, P2PMAP_DIR_FROM_DEVICE,
				 P2PMAP_MAP_DEVICE_WRITES, &m);
		sysfs_write(SLOW_DELAY, v);
		if (!ret && !pipe(pp)) {
			pid = fork();
			if (!pid) {
				sret = xsync(f, m.handle, P2PMAP_SYNC_FOR_CPU);
				if (write(pp[1], &sret, sizeof(sret)) < 0)
					_exit(2);
				_exit(0);
			}
			close(pp[1]);
			sleep_ms(1500);
			ret = write_bounded(NVME_DRV "/unbind", lab.prov_b.name, 20, &dt);
			sret = pipe_ret(pp[0]);
			reap_all();
		}
		tap_ok(!ret && dt < 5 && sret == -ENODEV,
		       "unbinding B while a SYNC copies 16 MiB back into it: done in %.2f s, the SYNC fails with ENODEV (%d, SYNC %d)",
		       dt, ret, sret);
		close(f);
		munmap(b, SLOW_LEN);
		ret = lab_rebind_b(&lab, true);
		tap_ok(!ret, "nvme binds B again (%d)", ret);
	}

	/*
	 * An unmap copying 16 MiB back into B, for /dev/p2pmap (UNMAP) and for a driver
	 * (p2pmap_unmap(), through the test module): B's unbind drops what was left to copy
	 * into it, and the unmap says so instead of reporting a delivered buffer.
	 */
	for (int k = 0; k < 2; k++) {
		void *b = p2pmem_map(&lab.prov_b, SLOW_LEN, NULL);
		int f = p2pmap_open(), tfd = k ? open("/dev/p2pmap-test", O_RDWR) : -1;
		int uret = 1, pp[2];
		struct p2pmap_map m;

		ret = 0;
		if (!k) {
			sysfs_write(SLOW_DELAY, "0");	/* the map itself copies nothing */
			ret = xmap_flags(f, &lab.edu_rc, b, SLOW_LEN, P2PMAP_DIR_FROM_DEVICE,
					 P2PMAP_MAP_DEVICE_WRITES, &m);
			sysfs_write(SLOW_DELAY, v);
		} else if (tfd < 0) {
			ret = -errno;	/* p2pmap_test.ko is not loaded */
		}
		if (!ret && !pipe(pp)) {
			pid = fork();
			if (!pid) {
				struct p2pmap_test_bounce tb = {
					.argsz = sizeof(tb), .client = lab.edu_rc.addr,
					.dir = P2PMAP_DIR_FROM_DEVICE,
					.map_flags = P2PMAP_MAP_DEVICE_WRITES,
					.addr = (uintptr_t)b, .len = SLOW_LEN,
				};

				if (!k)
					uret = xunmap(f, m.handle);
				else
					uret = ioctl(tfd, P2PMAP_TEST_IOC_BOUNCE, &tb) ? -errno :
					       tb.result;
				if (write(pp[1], &uret, sizeof(uret)) < 0)
					_exit(2);
				_exit(0);
			}
			close(pp[1]);
			sleep_ms(1500);
			ret = write_bounded(NVME_DRV "/unbind", lab.prov_b.name, 20, &dt);
			uret = pipe_ret(pp[0]);
			reap_all();
		}
		tap_ok(!ret && dt < 5 && uret == -ENODEV,
		       "unbinding B while %s copies 16 MiB back into it: done in %.2f s, the unmap fails with ENODEV (%d, unmap %d)",
		       k ? "a driver's p2pmap_unmap()" : "an UNMAP", dt, ret, uret);
		if (tfd >= 0)
			close(tfd);
		close(f);
		munmap(b, SLOW_LEN);
		ret = lab_rebind_b(&lab, true);
		tap_ok(!ret, "nvme binds B again (%d)", ret);
	}

	/* Copies that run to their end, past the soft-lockup threshold, rescheduling. */
	{
		size_t len = 4UL << 20;
		void *b = p2pmem_map(&lab.prov_b, len, NULL);
		int f = p2pmap_open();
		struct p2pmap_map m;

		fill_pattern(b, len, 7);
		ret = xmap(f, &lab.edu_rc, b, len, P2PMAP_DIR_BIDIRECTIONAL, &m);
		ret = ret ?: xunmap(f, m.handle);
		tap_ok(!ret && check_pattern(b, len, 7, NULL),
		       "a slow 4 MiB bounced BIDIRECTIONAL map and unmap complete, the data intact (%d)",
		       ret);
		close(f);
		munmap(b, len);
	}
	sysfs_write(SLOW_DELAY, "0");
	ret = lockup_reports();
	tap_ok(ret == reports0, "no soft lockup or hung task reported during the slow copies (%d new)",
	       ret - reports0);
	tap_ok(nothing_held(pinned0), "after the slow copies nothing is pinned, mapped or bounced");
}

/* ---- a page fault that never returns ---------------------------------------------------- */

struct stalled {
	void *buf;
	int ret;
};

static void *stalled_map_fn(void *arg)
{
	struct stalled *s = arg;
	int f = p2pmap_open();
	struct p2pmap_map m;

	s->ret = xmap(f, &lab.edu_rc, s->buf, 4 * PG, P2PMAP_DIR_TO_DEVICE, &m);
	if (!s->ret)
		xunmap(f, m.handle);
	close(f);
	return NULL;
}

static void t_userfault(void)
{
	int ret, r1 = -1, r2 = -1;
	struct uffdio_api api = { .api = UFFD_API };
	struct stalled s = { .ret = 1 };
	struct pollfd pfd;
	struct uffdio_register reg;
	double dt1 = 0, dt2 = 0;
	pthread_t th;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
		tap_bail("userfaultfd: %m (the lab kernel needs CONFIG_USERFAULTFD)");
	s.buf = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	reg = (struct uffdio_register){
		.range = { .start = (uintptr_t)s.buf, .len = 4 * PG },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	if (s.buf == MAP_FAILED || ioctl(uffd, UFFDIO_REGISTER, &reg))
		tap_bail("UFFDIO_REGISTER: %m");
	pthread_create(&th, NULL, stalled_map_fn, &s);
	pfd = (struct pollfd){ .fd = uffd, .events = POLLIN };
	ret = poll(&pfd, 1, 20000);
	tap_ok(ret == 1, "MAP of a userfaultfd buffer stalls in its page fault (nobody answers)");

	if (ret == 1) {
		r1 = write_bounded(EDU_DRV "/unbind", lab.edu_rc.name, 20, &dt1);
		r2 = write_bounded(NVME_DRV "/unbind", lab.prov_b.name, 20, &dt2);
	}
	tap_ok(!r1 && dt1 < 5, "the client's unbind (p2pmap_edu) completes in %.2f s (%d)", dt1, r1);
	tap_ok(!r2 && dt2 < 5, "then a provider's unbind (nvme on B) completes in %.2f s (%d)", dt2, r2);
	close(uffd);		/* the fault goes on without it: the MAP returns */
	uffd = -1;
	pthread_join(th, NULL);
	reap_all();
	tap_ok(s.ret == -EFAULT || s.ret == -ENODEV,
	       "released, the stalled MAP fails cleanly (%d: EFAULT or ENODEV)", s.ret);
	munmap(s.buf, 4 * PG);
	r1 = lab_rebind_b(&lab, true);
	ret = rebind_edu();
	tap_ok(!ret && !r1 && nothing_held(pinned0),
	       "both drivers bind again; nothing is pinned, mapped or bounced (%d/%d)", ret, r1);
}

/* ---- SEGMENTS is linear ----------------------------------------------------------------- */

/*
 * The work one SEGMENTS call did: the DMA segments it stepped over, as its p2pmap_segments
 * tracepoint says; -1 when the event is missing.
 */
static long segments_work(int f, uint64_t handle, uint32_t nr, int *err)
{
	struct p2pmap_segment *segs = calloc(nr, sizeof(*segs));
	char line[512];
	long steps = -1;
	FILE *t;

	try_write(TRACING "/trace", "");
	if (try_write(TRACING "/events/p2pmap/p2pmap_segments/enable", "1"))
		tap_diag("no p2pmap:p2pmap_segments tracepoint");
	*err = xsegments(f, handle, segs, &nr);
	try_write(TRACING "/events/p2pmap/p2pmap_segments/enable", "0");
	t = fopen(TRACING "/trace", "r");
	while (t && fgets(line, sizeof(line), t)) {
		char *p = strstr(line, " steps=");

		if (strstr(line, "p2pmap_segments:") && p)
			steps = strtol(p + 7, NULL, 10);
	}
	if (t)
		fclose(t);
	free(segs);
	return steps;
}

/* @pages pages alternating A's p2pmem and RAM, mapped for the switch edu: one segment each. */
static long alternating(unsigned int pages, uint32_t *nsegs)
{
	char *buf = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	int f = p2pmap_open(), ret, err = -1;
	struct p2pmap_map m;
	unsigned int i;
	long hits = -1;

	if (buf == MAP_FAILED)
		tap_bail("mmap: %m");
	for (i = 1; i < pages; i += 2)
		p2pmem_map(&lab.prov_a, PG, buf + i * PG);
	memset(buf, 1, pages * PG);
	ret = xmap(f, &lab.edu_sw, buf, pages * PG, P2PMAP_DIR_TO_DEVICE, &m);
	*nsegs = ret ? 0 : m.nr_segments;
	if (!ret) {
		hits = segments_work(f, m.handle, m.nr_segments, &err);
		xunmap(f, m.handle);
	}
	if (ret || err)
		tap_diag("alternating %u pages: MAP %d, SEGMENTS %d", pages, ret, err);
	close(f);
	munmap(buf, pages * PG);
	return ret || err ? -1 : hits;
}

static void t_segments_linear(void)
{
	uint32_t n1, n2;
	long w1 = alternating(512, &n1), w2 = alternating(2048, &n2);

	tap_ok(n1 == 512 && n2 == 2048 && w1 > 0 && w2 > 0 && w2 < 6 * w1 && w2 <= 2 * (long)n2,
	       "SEGMENTS of %u and %u alternating segments: %ld and %ld steps over DMA segments, linear, not quadratic",
	       n1, n2, w1, w2);
}

/* ---- RLIMIT_MEMLOCK --------------------------------------------------------------------- */

/* Drop CAP_IPC_LOCK from the effective set: the memlock limit then applies to root too. */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &hdr, d))
		return -errno;
	d[CAP_IPC_LOCK / 32].effective &= ~(1U << (CAP_IPC_LOCK % 32));
	return syscall(SYS_capset, &hdr, d) ? -errno : 0;
}

static void t_memlock(void)
{
	int st = -1;
	pid_t pid = fork();

	if (!pid) {
		struct rlimit rl = { 64 * 1024, 64 * 1024 };
		char *r = ram_buf(32 * PG);
		struct p2pmap_map m1, m2;
		int f = p2pmap_open(), a, b, c, d, fails = 0;
		long pin1, pin2;

		if (drop_ipc_lock() || setrlimit(RLIMIT_MEMLOCK, &rl))
			_exit(100);
		a = xmap(f, &lab.edu_rc, r, 8 * PG, P2PMAP_DIR_TO_DEVICE, &m1);
		pin1 = vm_pinned_kb();
		b = xmap(f, &lab.edu_rc, r + 8 * PG, 16 * PG, P2PMAP_DIR_TO_DEVICE, &m2);
		c = a ? a : xunmap(f, m1.handle);
		pin2 = vm_pinned_kb();
		d = xmap(f, &lab.edu_rc, r + 8 * PG, 16 * PG, P2PMAP_DIR_TO_DEVICE, &m2);
		if (a || pin1 != 32 || b != -ENOMEM)
			fails |= 1;
		if (c || pin2 != 0)
			fails |= 2;
		if (d)
			fails |= 4;
		close(f);
		if (vm_pinned_kb() != 0)
			fails |= 8;
		printf("# memlock: MAP 32 KiB %d (VmPin %ld kB), MAP 64 KiB more %d, UNMAP %d (VmPin %ld kB), MAP 64 KiB %d\n",
		       a, pin1, b, c, pin2, d);
		fflush(stdout);
		_exit(fails);
	}
	waitpid(pid, &st, 0);
	tap_ok(WIFEXITED(st) && (WEXITSTATUS(st) & 1) == 0 && WEXITSTATUS(st) != 100,
	       "with RLIMIT_MEMLOCK 64 KiB and no CAP_IPC_LOCK: 32 KiB maps and is charged (VmPin), 64 KiB more is ENOMEM");
	tap_ok(WIFEXITED(st) && (WEXITSTATUS(st) & 2) == 0 && WEXITSTATUS(st) != 100,
	       "UNMAP gives the charge back");
	tap_ok(WIFEXITED(st) && (WEXITSTATUS(st) & 12) == 0 && WEXITSTATUS(st) != 100,
	       "then 64 KiB maps; closing the file gives its charge back");
}

/*
 * Every section, or those named on the command line (memlock segments races slow userfault);
 * --race-seconds N runs each race N seconds (make stress: long, under KASAN=1 too).
 */
static bool want(int argc, char **argv, const char *name)
{
	bool named = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--race-seconds")) {
			i++;
			continue;
		}
		named = true;
		if (!strcmp(argv[i], name))
			return true;
	}
	return !named;
}

int main(int argc, char **argv)
{
	char v[16];

	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--race-seconds"))
			race_secs = atoi(argv[i + 1]);
	if (race_secs < 1)
		tap_bail("usage: t_safety [--race-seconds N>0] [memlock|segments|races|slow|userfault]...");
	if (lab_find(&lab))
		tap_bail("not the switch lab");
	if (access(SLOW_DELAY, F_OK) && system("insmod tests/kmod/p2pmap_slow.ko"))
		tap_bail("insmod tests/kmod/p2pmap_slow.ko failed");
	if (access(SLOW_DELAY, W_OK))
		tap_bail("p2pmap_slow.ko is not loaded (%s)", SLOW_DELAY);
	pinned0 = p2pmap_stat("pinned_pages");
	/* Short thresholds: a copy that never yields for 4 s, or a task blocked for 4 s, shows. */
	sysfs_write("/proc/sys/kernel/watchdog_thresh", "2");
	sysfs_write("/proc/sys/kernel/hung_task_timeout_secs", "4");
	snprintf(v, sizeof(v), "%d", 0);
	sysfs_write(SLOW_DELAY, v);
	tap_plan(0);

	if (want(argc, argv, "memlock"))
		t_memlock();
	if (want(argc, argv, "segments"))
		t_segments_linear();
	if (want(argc, argv, "races"))
		t_races();
	if (want(argc, argv, "slow"))
		t_slow_copies();
	if (want(argc, argv, "userfault"))
		t_userfault();

	sysfs_write(SLOW_DELAY, "0");
	sysfs_write("/proc/sys/kernel/watchdog_thresh", "10");
	sysfs_write("/proc/sys/kernel/hung_task_timeout_secs", "120");
	if (system("rmmod p2pmap_slow"))
		tap_diag("rmmod p2pmap_slow failed");
	return tap_done();
}
