// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib.h"

static int tap_n, tap_failed, tap_planned;

void tap_plan(int n)
{
	tap_planned = n;
	printf("TAP version 13\n");
	if (n)
		printf("1..%d\n", n);
	fflush(stdout);
}

bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	tap_failed += !cond;
	return cond;
}

void tap_skip(const char *why, const char *fmt, ...)
{
	va_list ap;

	printf("ok %d - ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", why);
	fflush(stdout);
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void tap_bail(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

int tap_done(void)
{
	if (!tap_planned)
		printf("1..%d\n", tap_n);
	else if (tap_n != tap_planned)
		printf("# planned %d tests, ran %d\n", tap_planned, tap_n);
	printf("# %d passed, %d failed\n", tap_n - tap_failed, tap_failed);
	return tap_failed || (tap_planned && tap_n != tap_planned);
}

int pci_addr_parse(const char *s, struct p2pmap_pci_addr *a)
{
	unsigned int dom, bus, dev, fn;

	memset(a, 0, sizeof(*a));
	if (sscanf(s, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4 || bus > 255 || dev > 31 || fn > 7)
		return -EINVAL;
	a->domain = dom;
	a->bus = bus;
	a->devfn = dev << 3 | fn;
	return 0;
}

char *pci_addr_str(const struct p2pmap_pci_addr *a, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%x", a->domain, a->bus, a->devfn >> 3, a->devfn & 7);
	return buf;
}

uint64_t sysfs_u64(const char *path)
{
	unsigned long long v = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		tap_bail("cannot read %s: %s", path, strerror(errno));
	if (fscanf(f, "%lli", &v) != 1)
		tap_bail("no number in %s", path);
	fclose(f);
	return v;
}

void sysfs_str(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (!f)
		tap_bail("cannot read %s: %s", path, strerror(errno));
	if (!fgets(buf, size, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

void sysfs_write(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(val, f) < 0 || fclose(f))
		tap_bail("cannot write %s", path);
}

int try_write(const char *path, const char *val)
{
	int f = open(path, O_WRONLY | O_TRUNC), ret = 0;

	if (f < 0)
		return -errno;
	if (write(f, val, strlen(val)) < 0)
		ret = -errno;
	close(f);
	return ret;
}

int lab_rebind_b(struct lab *lab, bool bound_ok)
{
	char cmd[200];
	int ret = try_write("/sys/bus/pci/drivers/nvme/bind", lab->prov_b.name);

	if (ret == -EBUSY && bound_ok)
		ret = 0;
	snprintf(cmd, sizeof(cmd),
		 "sh tests/lib/wait-path.sh back /sys/bus/pci/devices/%s/p2pmem/allocate 30",
		 lab->prov_b.name);
	ret = ret ?: system(cmd);
	lab_find(lab);
	return ret;
}

int lab_done(void)
{
	tap_ok(nothing_held(0),
	       "at the end: no live mapping, no pinned page, no bounce page in use");
	tap_ok(dma_api_errors() == 0, "DMA-API debug counted no error (%llu)",
	       (unsigned long long)dma_api_errors());
	return tap_done();
}

bool sysfs_is(const char *file, const char *prefix)
{
	char path[128], buf[256];

	snprintf(path, sizeof(path), "/sys/kernel/p2pmap/%s", file);
	sysfs_str(path, buf, sizeof(buf));
	if (strncmp(buf, prefix, strlen(prefix)))
		tap_diag("%s is \"%s\", expected \"%s...\"", file, buf, prefix);
	return !strncmp(buf, prefix, strlen(prefix));
}

uint64_t p2pmap_stat(const char *name)
{
	char path[320];

	snprintf(path, sizeof(path), "/sys/kernel/p2pmap/%s", name);
	return sysfs_u64(path);
}

uint64_t dma_api_errors(void)
{
	return sysfs_u64("/sys/kernel/debug/dma-api/error_count");
}

bool nothing_held(uint64_t pinned0)
{
	uint64_t pinned = p2pmap_stat("pinned_pages"), active = p2pmap_stat("mappings_active");
	uint64_t bounce = p2pmap_stat("bounce_in_use");

	if (pinned == pinned0 && !active && !bounce)
		return true;
	tap_diag("left: %llu pages pinned (%llu before), %llu mappings active, %llu bounce pages in use",
		 (unsigned long long)pinned, (unsigned long long)pinned0,
		 (unsigned long long)active, (unsigned long long)bounce);
	return false;
}

long vm_pinned_kb(void)
{
	FILE *s = fopen("/proc/self/status", "r");
	char line[128];
	long kb = -1;

	while (s && fgets(line, sizeof(line), s))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	if (s)
		fclose(s);
	return kb;
}

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

bool wait_until(bool (*cond)(void *arg), void *arg, int ms)
{
	int i;

	for (i = 0; i < ms / 10 && !cond(arg); i++)
		usleep(10000);
	return cond(arg);
}

void *ram_buf(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));
	return p;
}

static int read_hex(const char *dev, const char *attr)
{
	char path[320];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", dev, attr);
	return (int)sysfs_u64(path);
}

static void dev_init(struct lab_dev *d, const char *name)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%.63s", name);
	pci_addr_parse(name, &d->addr);
}

/* The provider's p2pmem BAR: the largest memory BAR (the NVMe CMB). */
static void provider_bar(struct lab_dev *d)
{
	unsigned long long s, e, fl, best = 0;
	char path[320];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", d->name);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fscanf(f, "%llx %llx %llx", &s, &e, &fl) == 3)
		if (e > s && e - s + 1 > best && (fl & 0x200)) {
			best = e - s + 1;
			d->bar_start = s;
			d->bar_end = e;
		}
	fclose(f);
}

static void edu_node(struct lab_dev *d)
{
	char path[320], link[256];
	struct dirent *de;
	DIR *dir = opendir("/sys/class/misc");

	while (dir && (de = readdir(dir))) {
		ssize_t n;

		if (strncmp(de->d_name, "p2pmap-edu", 10))
			continue;
		snprintf(path, sizeof(path), "/sys/class/misc/%s/device", de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (strstr(link, d->name))
			snprintf(d->node, sizeof(d->node), "/dev/%.20s", de->d_name);
	}
	if (dir)
		closedir(dir);
}

void lab_require(struct lab *lab)
{
	int ret = lab_find(lab);

	if (ret)
		tap_bail("lab topology not found (%s): need 2 p2pmem providers and 2 edu clients",
			 strerror(-ret));
}

int lab_find(struct lab *lab)
{
	struct lab_dev prov[32], edu[32];
	int np, ne, fd, i, j, found = 0, ret;

	memset(lab, 0, sizeof(*lab));
	ret = lab_scan(prov, &np, edu, &ne, 32);
	if (ret)
		return ret;
	if (np < 2 || ne < 2)
		return -ENODEV;

	fd = p2pmap_open();
	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2; j++) {
			struct p2pmap_explain ex;

			if (xexplain(fd, &prov[i], &edu[j], 4096, &ex))
				continue;
			if (ex.kernel_verdict == P2PMAP_KV_BUS_ADDR) {
				lab->prov_a = prov[i];
				lab->prov_b = prov[!i];
				lab->edu_sw = edu[j];
				lab->edu_rc = edu[!j];
				found = 1;
			}
		}
	}
	close(fd);
	return found ? 0 : -ENOENT;
}

static int dev_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lab_dev *)a)->name, ((const struct lab_dev *)b)->name);
}

int lab_scan(struct lab_dev *prov, int *np, struct lab_dev *edu, int *ne, int max)
{
	struct dirent *de;
	DIR *dir;
	int i;

	*np = *ne = 0;
	dir = opendir("/sys/bus/pci/devices");
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		char path[320];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/p2pmem", de->d_name);
		if (!access(path, F_OK)) {
			if (*np == max)
				break;
			dev_init(&prov[(*np)++], de->d_name);
		} else if (read_hex(de->d_name, "vendor") == 0x1234 &&
			   read_hex(de->d_name, "device") == 0x11e8) {
			if (*ne == max)
				break;
			dev_init(&edu[(*ne)++], de->d_name);
		}
	}
	closedir(dir);
	if (de)
		return -E2BIG;
	qsort(prov, *np, sizeof(*prov), dev_cmp);
	qsort(edu, *ne, sizeof(*edu), dev_cmp);
	for (i = 0; i < *np; i++)
		provider_bar(&prov[i]);
	for (i = 0; i < *ne; i++)
		edu_node(&edu[i]);
	return 0;
}

int p2pmap_open(void)
{
	int fd = open("/dev/p2pmap", O_RDWR);

	if (fd < 0)
		tap_bail("open /dev/p2pmap: %s", strerror(errno));
	return fd;
}

int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

int xmap(int fd, const struct lab_dev *client, void *buf, size_t len, uint32_t dir,
	 struct p2pmap_map *out)
{
	struct p2pmap_map m = {
		.argsz = sizeof(m), .client = client->addr, .dir = dir,
		.addr = (uintptr_t)buf, .len = len,
	};
	int ret = xioctl(fd, P2PMAP_IOC_MAP, &m);

	if (out)
		*out = m;
	return ret;
}

int xunmap(int fd, uint64_t handle)
{
	struct p2pmap_handle_arg a = { .argsz = sizeof(a), .handle = handle };

	return xioctl(fd, P2PMAP_IOC_UNMAP, &a);
}

int xexplain(int fd, const struct lab_dev *prov, const struct lab_dev *client, uint64_t len,
	     struct p2pmap_explain *out)
{
	memset(out, 0, sizeof(*out));
	out->argsz = sizeof(*out);
	out->provider = prov->addr;
	out->client = client->addr;
	out->dir = P2PMAP_DIR_TO_DEVICE;
	out->len = len;
	return xioctl(fd, P2PMAP_IOC_EXPLAIN, out);
}

int xsegments(int fd, uint64_t handle, struct p2pmap_segment *segs, uint32_t *nr)
{
	struct p2pmap_segments a = {
		.argsz = sizeof(a), .handle = handle, .segs = (uintptr_t)segs,
		.nr = *nr, .seg_size = sizeof(*segs),
	};
	int ret = xioctl(fd, P2PMAP_IOC_SEGMENTS, &a);

	*nr = a.nr;
	return ret;
}

int xsync(int fd, uint64_t handle, uint32_t flags)
{
	struct p2pmap_handle_arg h = { .argsz = sizeof(h), .flags = flags, .handle = handle };

	return xioctl(fd, P2PMAP_IOC_SYNC, &h);
}

int xverify(int fd, const struct lab_dev *prov, const struct lab_dev *client, uint32_t flags,
	    struct p2pmap_verify *v)
{
	memset(v, 0, sizeof(*v));
	v->argsz = sizeof(*v);
	v->flags = flags;
	v->provider = prov->addr;
	v->client = client->addr;
	return xioctl(fd, P2PMAP_IOC_VERIFY, v);
}

int xoverride(int fd, const struct lab_dev *prov, const struct lab_dev *client, uint32_t flags,
	      struct p2pmap_override *o)
{
	struct p2pmap_override tmp;

	if (!o)
		o = &tmp;
	memset(o, 0, sizeof(*o));
	o->argsz = sizeof(*o);
	o->flags = flags;
	o->provider = prov->addr;
	o->client = client->addr;
	return xioctl(fd, P2PMAP_IOC_OVERRIDE, o);
}

struct mappers {
	int n, stop;
	const struct lab_dev *client;
	void *buf;
	size_t len;
	struct mapper {
		struct mappers *all;
		pthread_t tid;
		struct mapper_counts c;
	} t[];
};

static void *mapper_fn(void *arg)
{
	struct mapper *mt = arg;
	struct mappers *m = mt->all;
	int f = p2pmap_open();

	while (!__atomic_load_n(&m->stop, __ATOMIC_RELAXED)) {
		struct p2pmap_segment seg;
		struct p2pmap_map map;
		uint32_t nr = 1;

		mt->c.maps++;
		if (xmap(f, m->client, m->buf, m->len, P2PMAP_DIR_TO_DEVICE, &map)) {
			mt->c.failures++;
			continue;
		}
		if (xsegments(f, map.handle, &seg, &nr) || nr != 1 ||
		    (map.bytes_p2p != m->len && map.bytes_bounce != m->len))
			mt->c.failures++;
		else if (seg.reason != P2PMAP_REASON_POLICY)
			mt->c.nopolicy++;
		mt->c.p2p += map.bytes_p2p == m->len;
		mt->c.bounce += map.bytes_bounce == m->len;
		if (xunmap(f, map.handle))
			mt->c.failures++;
	}
	close(f);
	return NULL;
}

struct mappers *mappers_start(int n, const struct lab_dev *client, void *buf, size_t len)
{
	struct mappers *m = calloc(1, sizeof(*m) + n * sizeof(m->t[0]));
	int i;

	if (!m)
		tap_bail("mappers: out of memory");
	*m = (struct mappers){ .n = n, .client = client, .buf = buf, .len = len };
	for (i = 0; i < n; i++) {
		m->t[i].all = m;
		if (pthread_create(&m->t[i].tid, NULL, mapper_fn, &m->t[i]))
			tap_bail("mappers: pthread_create failed");
	}
	return m;
}

struct mapper_counts mappers_stop(struct mappers *m)
{
	struct mapper_counts sum = {};
	int i;

	__atomic_store_n(&m->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < m->n; i++) {
		pthread_join(m->t[i].tid, NULL);
		sum.maps += m->t[i].c.maps;
		sum.failures += m->t[i].c.failures;
		sum.nopolicy += m->t[i].c.nopolicy;
		sum.p2p += m->t[i].c.p2p;
		sum.bounce += m->t[i].c.bounce;
	}
	free(m);
	return sum;
}

unsigned char *lab_mixed_buf(const struct lab *lab, size_t *len)
{
	unsigned char *p;

	*len = 7 * 4096;
	p = ram_buf(*len);
	p2pmem_map(&lab->prov_a, 2 * 4096, p + 2 * 4096);
	p2pmem_map(&lab->prov_b, 2 * 4096, p + 4 * 4096);
	return p;
}

int xstats(int fd, struct p2pmap_pair_stat *out, uint32_t *nr, uint32_t flags,
	   uint32_t entry_size)
{
	struct p2pmap_stats a = {
		.argsz = sizeof(a), .flags = flags, .pairs = (uintptr_t)out, .nr = *nr,
		.entry_size = entry_size,
	};
	int ret = xioctl(fd, P2PMAP_IOC_STATS, &a);

	*nr = a.nr;
	return ret;
}

static bool same_dev(const struct p2pmap_pci_addr *a, const struct lab_dev *d)
{
	return a->domain == d->addr.domain && a->bus == d->addr.bus && a->devfn == d->addr.devfn;
}

const struct p2pmap_pair_stat *stat_find(const struct p2pmap_pair_stat *t, uint32_t nr,
					 const struct lab_dev *prov, const struct lab_dev *client)
{
	uint32_t i;

	for (i = 0; i < nr; i++)
		if (same_dev(&t[i].provider, prov) && same_dev(&t[i].client, client))
			return &t[i];
	return NULL;
}

void *p2pmem_try(const struct lab_dev *prov, size_t len, void *at)
{
	char path[320];
	int fd, err;
	void *p;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/p2pmem/allocate", prov->name);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return MAP_FAILED;
	p = mmap(at, len, PROT_READ | PROT_WRITE, MAP_SHARED | (at ? MAP_FIXED : 0), fd, 0);
	err = errno;
	close(fd);
	errno = err;
	return p;
}

void *p2pmem_map(const struct lab_dev *prov, size_t len, void *at)
{
	void *p = p2pmem_try(prov, len, at);

	if (p == MAP_FAILED)
		tap_bail("p2pmem of %s (%zu bytes): %s", prov->name, len, strerror(errno));
	return p;
}

int edu_copy(const struct lab_dev *edu, void *src, void *dst, size_t len,
	     const struct p2pmap_edu_window *win, unsigned int nr, struct p2pmap_edu_copy *out)
{
	struct p2pmap_edu_copy c = {
		.argsz = sizeof(c), .src = (uintptr_t)src, .dst = (uintptr_t)dst, .len = len,
		.windows = (uintptr_t)win, .nr_windows = nr,
	};
	int fd = open(edu->node, O_RDWR), ret;

	if (fd < 0)
		tap_bail("open %s: %s", edu->node, strerror(errno));
	ret = xioctl(fd, P2PMAP_EDU_IOC_COPY, &c);
	close(fd);
	if (out)
		*out = c;
	return ret;
}

void fill_pattern(void *buf, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = x >> 16;
	}
}

bool check_pattern(const void *buf, size_t len, uint32_t seed, size_t *bad)
{
	uint32_t x = seed * 2654435761u + 1;
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		if (p[i] != (unsigned char)(x >> 16)) {
			if (bad)
				*bad = i;
			return false;
		}
	}
	return true;
}
