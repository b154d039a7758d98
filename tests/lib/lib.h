/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers for the in-guest tests: TAP output, lab devices, p2pmem, /dev/p2pmap. */
#ifndef P2PMAP_TEST_LIB_H
#define P2PMAP_TEST_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../include/uapi/p2pmap.h"
#include "../../samples/p2pmap_edu/p2pmap_edu.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* TAP (kselftest style): plan, one line per assertion, exit status from the results. */
void tap_plan(int n);
bool tap_ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tap_skip(const char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int tap_done(void);
void tap_bail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

struct lab_dev {
	char name[64];			/* "0000:03:00.0" */
	struct p2pmap_pci_addr addr;
	char node[32];			/* edu: /dev/p2pmap-eduN */
	uint64_t bar_start, bar_end;	/* provider: the BAR that holds p2pmem */
	unsigned char *mem;		/* provider: the p2pmem the test mapped, or NULL */
};

/* The p2pmem the test mapped of @prov (p2pmem_map(), kept in its lab_dev). */
static inline unsigned char *mem_of(const struct lab_dev *prov)
{
	return prov->mem;
}

/* The switch topology as the tests see it, found from sysfs and EXPLAIN. */
struct lab {
	struct lab_dev prov_a;		/* provider behind the switch */
	struct lab_dev prov_b;		/* provider on its own root port */
	struct lab_dev edu_sw;		/* client behind the same switch as A */
	struct lab_dev edu_rc;		/* client on the root complex */
};

int lab_find(struct lab *lab);
/* lab_find(), or bail out saying what the lab lacks. */
void lab_require(struct lab *lab);
/* Every provider (publishes p2pmem) and every edu, sorted by address; counts or -errno. */
int lab_scan(struct lab_dev *prov, int *np, struct lab_dev *edu, int *ne, int max);
int pci_addr_parse(const char *s, struct p2pmap_pci_addr *a);
/* "0000:03:00.0"; returns @buf. */
char *pci_addr_str(const struct p2pmap_pci_addr *a, char *buf, size_t len);

int p2pmap_open(void);
/* ioctl(): 0 or -errno. */
int xioctl(int fd, unsigned long cmd, void *arg);
int xmap(int fd, const struct lab_dev *client, void *buf, size_t len, uint32_t dir,
	 struct p2pmap_map *out);		/* 0 or -errno */
int xunmap(int fd, uint64_t handle);		/* 0 or -errno */
int xexplain(int fd, const struct lab_dev *prov, const struct lab_dev *client, uint64_t len,
	     struct p2pmap_explain *out);	/* 0 or -errno */
int xsegments(int fd, uint64_t handle, struct p2pmap_segment *segs, uint32_t *nr);
/* P2PMAP_IOC_SYNC of @handle with @flags: 0 or -errno. */
int xsync(int fd, uint64_t handle, uint32_t flags);
/* P2PMAP_IOC_VERIFY of the pair into @v; 0 or -errno. */
int xverify(int fd, const struct lab_dev *prov, const struct lab_dev *client, uint32_t flags,
	    struct p2pmap_verify *v);
/* P2PMAP_IOC_OVERRIDE (ADD or DEL in @flags) of the pair, its answer in @o (or NULL); 0 or -errno. */
int xoverride(int fd, const struct lab_dev *prov, const struct lab_dev *client, uint32_t flags,
	      struct p2pmap_override *o);
/* One buffer: 2 RAM pages | 2 pages of A's p2pmem | 2 of B's | 1 RAM page; *@len its size. */
unsigned char *lab_mixed_buf(const struct lab *lab, size_t *len);
/* P2PMAP_IOC_STATS into @out (*@nr entries of @entry_size; *@nr: the pairs there are). */
int xstats(int fd, struct p2pmap_pair_stat *out, uint32_t *nr, uint32_t flags,
	   uint32_t entry_size);
/* The entry of (@prov, @client) among @nr entries of a snapshot, or NULL. */
const struct p2pmap_pair_stat *stat_find(const struct p2pmap_pair_stat *t, uint32_t nr,
					 const struct lab_dev *prov, const struct lab_dev *client);

/* p2pmem of a provider, mapped into this process (at @at if not NULL, MAP_FIXED). */
void *p2pmem_map(const struct lab_dev *prov, size_t len, void *at);
/* The same, returning MAP_FAILED with errno set instead of bailing out. */
void *p2pmem_try(const struct lab_dev *prov, size_t len, void *at);

/* Copy src -> dst through an edu; 0 or -errno. */
int edu_copy(const struct lab_dev *edu, void *src, void *dst, size_t len,
	     const struct p2pmap_edu_window *win, unsigned int nr, struct p2pmap_edu_copy *out);

uint64_t sysfs_u64(const char *path);
/* The first line of @path, without its newline; bails out if it cannot be read. */
void sysfs_str(const char *path, char *buf, size_t size);
void sysfs_write(const char *path, const char *val);
/* Write a sysfs file; 0 or -errno (the write's own error, unlike sysfs_write()). */
int try_write(const char *path, const char *val);
/* p2pmap.ko's bounce cache size, a module parameter (tests lower it and put it back). */
#define POOL_PAGES "/sys/module/p2pmap/parameters/bounce_pool_pages"
uint64_t p2pmap_stat(const char *name);		/* /sys/kernel/p2pmap/<name> */
/*
 * Bind nvme to provider B again and wait for its p2pmem, then find the lab again; 0 or an
 * error (-EBUSY, B bound already, is 0 with @bound_ok).
 */
int lab_rebind_b(struct lab *lab, bool bound_ok);
/* The end of a mapping test: nothing held, no DMA-API error; tap_done()'s status. */
int lab_done(void);
/* Does /sys/kernel/p2pmap/@file start with @prefix? Says what it holds if not. */
bool sysfs_is(const char *file, const char *prefix);
uint64_t dma_api_errors(void);
/* Nothing left pinned (beyond @pinned0 pages), mapped or bounced; a diagnostic says what is. */
bool nothing_held(uint64_t pinned0);

/*
 * Mappers: @n threads that map and unmap @len bytes of @buf for @client (TO_DEVICE) in a
 * loop until mappers_stop(), which joins them and returns their counts. A mapping that
 * fails, is not one segment, or is neither P2P nor bounced whole counts as a failure; one
 * whose segment's reason is not P2PMAP_REASON_POLICY also counts in @nopolicy.
 */
struct mapper_counts {
	long maps, failures, nopolicy, p2p, bounce;
};
struct mappers;
struct mappers *mappers_start(int n, const struct lab_dev *client, void *buf, size_t len);
struct mapper_counts mappers_stop(struct mappers *m);

/* Monotonic time in seconds. */
double now(void);
/* This process's pinned memory charged to RLIMIT_MEMLOCK (VmPin), in KiB; -1 if unknown. */
long vm_pinned_kb(void);
/* Ask @cond(@arg) every 10 ms until it holds, for up to @ms; its last answer. */
bool wait_until(bool (*cond)(void *arg), void *arg, int ms);
/* @len bytes of private anonymous RAM, read-write; bails out if mmap fails. */
void *ram_buf(size_t len);

void fill_pattern(void *buf, size_t len, uint32_t seed);
bool check_pattern(const void *buf, size_t len, uint32_t seed, size_t *bad);

#endif
