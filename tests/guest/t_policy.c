// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF policy tests in the lab: the struct_ops policy engine and the sample policies.
 *
 * Every sample policy is loaded twice: with bpftool, as a user would, and through its libbpf
 * skeleton, to tune it and to swap it. What a policy decides is checked three ways: EXPLAIN
 * (the dry run), SEGMENTS of a real mapping (kind and reason), and real DMA through the edu
 * engine (the path each byte took, and the data).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib.h"
#include "rules.h"
#include "topology.skel.h"
#include "bounce_all.skel.h"
#include "size_threshold.skel.h"
#include "rules.skel.h"
#include "../../user/p2ppolicy/rules_write.h"
#include "numa_local.skel.h"
#include "force_p2p.skel.h"
#include "garbage.skel.h"
#include "init_fail.skel.h"
#include "pure_sized.skel.h"
#include "holds_copy.skel.h"

#define PG		4096UL
#define P2PMEM_LEN	(256 * 1024UL)
#define PIN_DIR		"/sys/fs/bpf/p2pmap"
#define MAX_ERRORS	"/sys/module/p2pmap/parameters/max_policy_errors"

enum { PATH_RAM, PATH_P2P, PATH_BOUNCE };
static const char *const path_name[] = { "RAM", "P2P", "bounce" };

static struct lab lab;
static int fd;
static unsigned char *mem_a, *mem_b;	/* p2pmem of providers A and B */

static bool policy_is(const char *name)
{
	char buf[64];

	sysfs_str("/sys/kernel/p2pmap/policy", buf, sizeof(buf));
	if (strcmp(buf, name))
		tap_diag("policy is \"%s\", expected \"%s\"", buf, name);
	return !strcmp(buf, name);
}

static bool state_starts(const char *prefix)
{
	char buf[256];

	sysfs_str("/sys/kernel/p2pmap/policy_state", buf, sizeof(buf));
	if (strncmp(buf, prefix, strlen(prefix)))
		tap_diag("policy_state is \"%s\"", buf);
	return !strncmp(buf, prefix, strlen(prefix));
}

/* The kind of the active slot's latest exit, by name (P2PMAP_POLICY_EXIT_NAMES). */
static bool exit_is(const char *kind)
{
	char buf[64];

	sysfs_str("/sys/kernel/p2pmap/policy_exit", buf, sizeof(buf));
	if (strcmp(buf, kind))
		tap_diag("policy_exit is \"%s\", expected \"%s\"", buf, kind);
	return !strcmp(buf, kind);
}

static uint32_t dev_id(const struct lab_dev *d)
{
	char path[128];
	uint32_t v;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", d->name);
	v = sysfs_u64(path) << 16;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", d->name);
	return v | sysfs_u64(path);
}


/* EXPLAIN @prov -> @client for @len: verdict and reason as expected? */
static void explain_is(const char *what, const struct lab_dev *prov, const struct lab_dev *client,
		       uint64_t len, uint32_t verdict, uint32_t reason)
{
	struct p2pmap_explain ex;
	int ret = xexplain(fd, prov, client, len, &ex);

	if (ret || ex.verdict != verdict || ex.reason != reason)
		tap_diag("explain %s -> %s, %llu bytes: ret %d verdict %u reason %u", prov->name,
			 client->name, (unsigned long long)len, ret, ex.verdict, ex.reason);
	tap_ok(!ret && ex.verdict == verdict && ex.reason == reason, "%s", what);
}

/* Map @len bytes of @prov's p2pmem for @client: the one segment's kind and reason. */
/* The kind of the one segment @len bytes of @prov's p2pmem get for @client in @dir, or -errno. */
static int seg_kind(const struct lab_dev *prov, const struct lab_dev *client, size_t len,
		    uint32_t dir, uint32_t *reason)
{
	struct p2pmap_segment seg[4];
	struct p2pmap_map m;
	uint32_t nr = 4;
	int ret;

	*reason = 0;
	ret = xmap(fd, client, mem_of(prov), len, dir, &m);
	if (ret)
		return ret;
	ret = xsegments(fd, m.handle, seg, &nr);
	xunmap(fd, m.handle);
	if (ret)
		return ret;
	if (nr != 1)
		return -EPROTO;
	*reason = seg[0].reason;
	return seg[0].kind;
}

static void segment_is(const char *what, const struct lab_dev *prov, const struct lab_dev *client,
		       size_t len, uint32_t kind, uint32_t reason)
{
	uint32_t r;
	int k = seg_kind(prov, client, len, P2PMAP_DIR_TO_DEVICE, &r);

	if (k != (int)kind || r != reason)
		tap_diag("map %s for %s: kind (or -errno) %d, reason %u", prov->name, client->name,
			 k, r);
	tap_ok(k == (int)kind && r == reason, "%s", what);
}

/*
 * Real DMA: @len bytes of @prov's p2pmem through @edu into RAM (the first and last page),
 * checking the data and the path the source took.
 */
static void copy_is(const char *what, const struct lab_dev *prov, const struct lab_dev *edu,
		    size_t len, int path)
{
	struct p2pmap_edu_window w[2] = { { 0, PG }, { len - PG, PG } };
	unsigned char *src = mem_of(prov), *dst = ram_buf(len);
	static uint32_t seed = 100;
	struct p2pmap_edu_copy c;
	bool data_ok = true;
	size_t bad;
	int ret;

	fill_pattern(src, len, ++seed);
	memset(dst, 0xEE, len);
	ret = edu_copy(edu, src, dst, len, w, len > PG ? 2 : 1, &c);
	if (!ret) {
		data_ok = check_pattern(dst, PG, seed, &bad) &&
			  !memcmp(dst + len - PG, src + len - PG, PG);
	}
	if (ret || c.src_bytes[path] != len || !data_ok)
		tap_diag("copy %s via %s, %zu bytes: ret %d, src RAM/P2P/bounce %llu/%llu/%llu, data %s",
			 prov->name, edu->name, len, ret, (unsigned long long)c.src_bytes[0],
			 (unsigned long long)c.src_bytes[1], (unsigned long long)c.src_bytes[2],
			 data_ok ? "ok" : "WRONG");
	tap_ok(!ret && c.src_bytes[path] == len && data_ok, "%s (%s, data ok)", what,
	       path_name[path]);
	munmap(dst, len);
}

static struct bpf_link *attach(struct bpf_map *map)
{
	struct bpf_link *link = bpf_map__attach_struct_ops(map);

	if (!link)
		tap_bail("struct_ops %s: cannot attach: %s", bpf_map__name(map), strerror(errno));
	return link;
}

static bool policy_named(void *name)
{
	char buf[64];

	sysfs_str("/sys/kernel/p2pmap/policy", buf, sizeof(buf));
	return !strcmp(buf, name);
}

/* Removing a pin releases the link from a workqueue: give it a moment. */
static bool policy_becomes(const char *name)
{
	return wait_until(policy_named, (void *)name, 2000) || policy_is(name);
}

struct u32_is {
	uint32_t *v, want;
};

static bool u32_reached(void *arg)
{
	struct u32_is *w = arg;

	return __atomic_load_n(w->v, __ATOMIC_RELAXED) == w->want;
}

static bool wait_for(uint32_t *v, uint32_t want)
{
	struct u32_is w = { v, want };

	return wait_until(u32_reached, &w, 2000);
}

/* Each sample, the way the README shows: bpftool struct_ops register, then rm the pin. */
static void test_bpftool(void)
{
	static const struct {
		const char *name;
		uint64_t len;			/* an EXPLAIN of A -> edu_sw with this length */
		uint32_t verdict;		/* gives this verdict */
	} samples[] = {
		{ "topology", PG, P2PMAP_VERDICT_P2P },
		{ "bounce_all", PG, P2PMAP_VERDICT_BOUNCE },
		{ "size_threshold", PG, P2PMAP_VERDICT_BOUNCE },
		{ "rules", PG, P2PMAP_VERDICT_P2P },
		{ "numa_local", PG, P2PMAP_VERDICT_P2P },
	};
	unsigned int i;

	mkdir(PIN_DIR, 0700);
	for (i = 0; i < ARRAY_SIZE(samples); i++) {
		char cmd[256], pin[128], what[128];
		int rc;

		snprintf(cmd, sizeof(cmd),
			 "bpftool struct_ops register bpf/%s.bpf.o " PIN_DIR " >/dev/null 2>&1",
			 samples[i].name);
		rc = system(cmd);
		/* bpftool 7.5 crashes printing a module's struct_ops name, after the pin. */
		if (rc)
			tap_diag("bpftool exit status %d (bpftool 7.5 segfaults after pinning a module struct_ops)",
				 WIFSIGNALED(rc) ? 128 + WTERMSIG(rc) : WEXITSTATUS(rc));
		snprintf(pin, sizeof(pin), PIN_DIR "/%s", samples[i].name);
		tap_ok(!access(pin, F_OK) && policy_is(samples[i].name) && exit_is("none"),
		       "bpftool registers %s: pinned at %s, /sys/kernel/p2pmap/policy says so",
		       samples[i].name, pin);
		snprintf(what, sizeof(what), "%s decides A -> edu behind the switch as expected",
			 samples[i].name);
		explain_is(what, &lab.prov_a, &lab.edu_sw, samples[i].len, samples[i].verdict,
			   P2PMAP_REASON_POLICY);
		unlink(pin);
		tap_ok(policy_becomes("none") && exit_is("detached"),
		       "removing the pin detaches %s: no policy, exit kind detached", samples[i].name);
	}
	explain_is("without a policy the reason is the topology again", &lab.prov_a, &lab.edu_sw,
		   PG, P2PMAP_VERDICT_P2P, P2PMAP_REASON_TOPOLOGY_P2P);
}

static void test_topology(void)
{
	struct topology_bpf *s = topology_bpf__open_and_load();
	struct bpf_link *link;

	if (!s)
		tap_bail("load topology: %s", strerror(errno));
	link = attach(s->maps.topology);
	segment_is("topology: A for edu behind the switch is P2P, reason policy", &lab.prov_a,
		   &lab.edu_sw, 2 * PG, P2PMAP_SEG_P2P, P2PMAP_REASON_POLICY);
	segment_is("topology: B for the same edu bounces, reason policy", &lab.prov_b, &lab.edu_sw,
		   2 * PG, P2PMAP_SEG_BOUNCE, P2PMAP_REASON_POLICY);
	copy_is("topology: A -> edu_sw -> RAM", &lab.prov_a, &lab.edu_sw, 2 * PG, PATH_P2P);
	copy_is("topology: B -> edu_sw -> RAM", &lab.prov_b, &lab.edu_sw, 2 * PG, PATH_BOUNCE);

	/* One policy at a time: a second attach is refused and changes nothing. */
	{
		struct bounce_all_bpf *b = bounce_all_bpf__open_and_load();
		struct bpf_link *l2 = b ? bpf_map__attach_struct_ops(b->maps.bounce_all) : NULL;
		int err = errno;

		tap_ok(b && !l2 && err == EBUSY && policy_is("topology"),
		       "a second policy cannot attach while one is attached (EBUSY)");
		bpf_link__destroy(l2);
		bounce_all_bpf__destroy(b);
	}
	bpf_link__destroy(link);
	topology_bpf__destroy(s);
	tap_ok(policy_is("none"), "destroying the link detaches topology");
}

static void test_bounce_all(void)
{
	struct bounce_all_bpf *s = bounce_all_bpf__open_and_load();
	struct bpf_link *link;

	if (!s)
		tap_bail("load bounce_all: %s", strerror(errno));
	link = attach(s->maps.bounce_all);
	segment_is("bounce_all: A for edu behind the switch bounces, reason policy", &lab.prov_a,
		   &lab.edu_sw, 2 * PG, P2PMAP_SEG_BOUNCE, P2PMAP_REASON_POLICY);
	copy_is("bounce_all: A -> edu_sw -> RAM", &lab.prov_a, &lab.edu_sw, 2 * PG, PATH_BOUNCE);
	bpf_link__destroy(link);
	bounce_all_bpf__destroy(s);
}

static void test_size_threshold(void)
{
	struct size_threshold_bpf *s = size_threshold_bpf__open_and_load();
	struct bpf_link *link;

	if (!s)
		tap_bail("load size_threshold: %s", strerror(errno));
	link = attach(s->maps.size_threshold);
	explain_is("size_threshold (default 64 KiB): 60 KiB bounces", &lab.prov_a, &lab.edu_sw,
		   60 * 1024, P2PMAP_VERDICT_BOUNCE, P2PMAP_REASON_POLICY);
	explain_is("size_threshold (default 64 KiB): 64 KiB goes P2P", &lab.prov_a, &lab.edu_sw,
		   64 * 1024, P2PMAP_VERDICT_P2P, P2PMAP_REASON_POLICY);
	explain_is("size_threshold: 1 MiB from B still bounces (kernel refuses the pair)",
		   &lab.prov_b, &lab.edu_sw, 1 << 20, P2PMAP_VERDICT_BOUNCE, P2PMAP_REASON_POLICY);

	s->data->min_p2p_bytes = 16 * 1024;	/* tuned while attached */
	copy_is("size_threshold at 16 KiB: an 8 KiB copy from A bounces", &lab.prov_a,
		&lab.edu_sw, 8 * 1024, PATH_BOUNCE);
	copy_is("size_threshold at 16 KiB: a 32 KiB copy from A goes P2P", &lab.prov_a,
		&lab.edu_sw, 32 * 1024, PATH_P2P);
	s->data->min_p2p_bytes = 4 * 1024;
	copy_is("size_threshold lowered to 4 KiB: the 8 KiB copy now goes P2P", &lab.prov_a,
		&lab.edu_sw, 8 * 1024, PATH_P2P);
	bpf_link__destroy(link);
	size_threshold_bpf__destroy(s);
}

static struct p2pmap_rule_match m_addr(const struct lab_dev *d)
{
	return (struct p2pmap_rule_match){
		P2PMAP_MATCH_ADDR, d->addr.domain, (uint32_t)d->addr.bus << 8 | d->addr.devfn,
	};
}

static struct p2pmap_rule_match m_id(const struct lab_dev *d)
{
	return (struct p2pmap_rule_match){ P2PMAP_MATCH_ID, dev_id(d), 0 };
}

static const struct p2pmap_rule_match m_any = { P2PMAP_MATCH_ANY, 0, 0 };

/* The loaded rules policy's writer (P2PMAP_RULES_WRITER): the map is read-only to us. */
static int writer = -1;

static void rule_set(struct p2pmap_rule_match p, struct p2pmap_rule_match c,
		     const struct p2pmap_rule_range *r, unsigned int nr)
{
	struct p2pmap_rule_key key = { p, c };
	struct p2pmap_rule val = { .nr_ranges = nr };
	int ret;

	memcpy(val.range, r, nr * sizeof(*r));
	ret = rules_write(writer, P2PMAP_RULES_PUT, &key, &val);
	if (ret)
		tap_bail("rules: put: %s", strerror(-ret));
}

static void rule_del(struct p2pmap_rule_match p, struct p2pmap_rule_match c)
{
	struct p2pmap_rule_key key = { p, c };
	int ret = rules_write(writer, P2PMAP_RULES_DEL, &key, NULL);

	if (ret)
		tap_bail("rules: delete: %s", strerror(-ret));
}

static uint64_t rule_hits(struct bpf_map *map, struct p2pmap_rule_match p,
			  struct p2pmap_rule_match c)
{
	struct p2pmap_rule_key key = { p, c };
	struct p2pmap_rule val;

	if (bpf_map__lookup_elem(map, &key, sizeof(key), &val, sizeof(val), 0))
		return 0;
	return val.hits;
}

#define RANGE(lo, hi, v) { .min_len = (lo), .max_len = (hi), .verdict = (v) }

static void test_rules(void)
{
	static const struct p2pmap_rule_range by_size[] = {
		RANGE(0, 16 * 1024 - 1, P2PMAP_VERDICT_BOUNCE),
		RANGE(16 * 1024, UINT64_MAX, P2PMAP_VERDICT_P2P),
	};
	static const struct p2pmap_rule_range reject[] = { RANGE(0, UINT64_MAX, P2PMAP_VERDICT_REJECT) };
	static const struct p2pmap_rule_range bounce[] = { RANGE(0, UINT64_MAX, P2PMAP_VERDICT_BOUNCE) };
	static const struct p2pmap_rule_range p2p[] = { RANGE(0, UINT64_MAX, P2PMAP_VERDICT_P2P) };
	static const struct p2pmap_rule_range big_reject[] = {
		RANGE(1 << 20, 2 << 20, P2PMAP_VERDICT_REJECT),
	};
	struct rules_bpf *s = rules_bpf__open_and_load();
	const struct lab_dev *A = &lab.prov_a, *B = &lab.prov_b;
	const struct lab_dev *sw = &lab.edu_sw, *rc = &lab.edu_rc;
	struct bpf_map *map;
	struct bpf_link *link;
	struct p2pmap_map m;
	uint64_t errs;
	int ret;

	if (!s)
		tap_bail("load rules: %s", strerror(errno));
	map = s->maps.p2pmap_rules;
	writer = bpf_program__fd(s->progs.p2pmap_rules_write);
	tap_ok(!strcmp(bpf_map__name(map), P2PMAP_RULES_MAP), "the rules map is named %s",
	       P2PMAP_RULES_MAP);
	link = attach(s->maps.rules);
	explain_is("rules, empty map: the built-in verdict (A -> edu_sw P2P)", A, sw, PG,
		   P2PMAP_VERDICT_P2P, P2PMAP_REASON_POLICY);

	rule_set(m_addr(A), m_addr(sw), by_size, 2);
	copy_is("rules, pair by address, < 16 KiB bounce: 8 KiB from A bounces", A, sw,
		8 * 1024, PATH_BOUNCE);
	copy_is("rules, pair by address, >= 16 KiB P2P: 32 KiB from A goes P2P", A, sw,
		32 * 1024, PATH_P2P);
	tap_ok(rule_hits(map, m_addr(A), m_addr(sw)) >= 2, "rules: the pair rule counts its hits");

	rule_set(m_id(B), m_any, reject, 1);
	ret = xmap(fd, sw, mem_b, 2 * PG, P2PMAP_DIR_TO_DEVICE, &m);
	tap_ok(ret == -EPERM, "rules, provider by vendor:device -> REJECT: mapping B fails EPERM (got %d)",
	       ret);
	if (!ret)
		xunmap(fd, m.handle);
	explain_is("rules: the address rule for (A, edu_sw) beats the ID rule A also matches", A, sw,
		   32 * 1024, P2PMAP_VERDICT_P2P, P2PMAP_REASON_POLICY);

	rule_del(m_addr(A), m_addr(sw));
	rule_del(m_id(B), m_any);
	rule_set(m_any, m_id(sw), bounce, 1);
	explain_is("rules, any provider -> client by vendor:device BOUNCE: A -> edu_sw bounces", A,
		   sw, 32 * 1024, P2PMAP_VERDICT_BOUNCE, P2PMAP_REASON_POLICY);
	rule_set(m_addr(A), m_id(sw), p2p, 1);
	explain_is("rules: (A by address, edu by ID) P2P beats (any, edu by ID)", A, sw, 32 * 1024,
		   P2PMAP_VERDICT_P2P, P2PMAP_REASON_POLICY);

	errs = p2pmap_stat("policy_errors");
	segment_is("rules: a P2P rule on a pair the kernel refuses (A -> edu_rc) bounces", A, rc,
		   2 * PG, P2PMAP_SEG_BOUNCE, P2PMAP_REASON_POLICY);
	tap_ok(p2pmap_stat("policy_errors") == errs, "rules: ... without counting a policy error");

	rule_set(m_addr(B), m_addr(sw), big_reject, 1);
	explain_is("rules: a size range that does not hold the length is skipped", B, sw, 8 * 1024,
		   P2PMAP_VERDICT_BOUNCE, P2PMAP_REASON_POLICY);
	explain_is("rules: ... and applies when it does (1 MiB from B rejected)", B, sw, 1 << 20,
		   P2PMAP_VERDICT_REJECT, P2PMAP_REASON_POLICY);
	bpf_link__destroy(link);
	rules_bpf__destroy(s);
}

static void set_node(const struct lab_dev *d, int node)
{
	char path[128], val[16];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/numa_node", d->name);
	snprintf(val, sizeof(val), "%d", node);
	sysfs_write(path, val);
}

/* Last: a NUMA node written to sysfs cannot be set back to -1. */
static void test_numa_local(void)
{
	struct numa_local_bpf *s = numa_local_bpf__open_and_load();
	struct bpf_link *link;
	uint64_t errs;

	if (!s)
		tap_bail("load numa_local: %s", strerror(errno));
	link = attach(s->maps.numa_local);
	explain_is("numa_local: devices without a NUMA node count as local (A -> edu_sw P2P)",
		   &lab.prov_a, &lab.edu_sw, PG, P2PMAP_VERDICT_P2P, P2PMAP_REASON_POLICY);
	set_node(&lab.prov_a, 0);
	set_node(&lab.edu_sw, 1);
	copy_is("numa_local: A on node 0, edu_sw on node 1: bounces", &lab.prov_a, &lab.edu_sw,
		2 * PG, PATH_BOUNCE);
	set_node(&lab.edu_sw, 0);
	copy_is("numa_local: both on node 0: P2P", &lab.prov_a, &lab.edu_sw, 2 * PG, PATH_P2P);
	set_node(&lab.prov_b, 0);
	errs = p2pmap_stat("policy_errors");
	explain_is("numa_local: B and edu_sw on node 0 still bounce (kernel refuses the pair)",
		   &lab.prov_b, &lab.edu_sw, PG, P2PMAP_VERDICT_BOUNCE, P2PMAP_REASON_POLICY);
	tap_ok(p2pmap_stat("policy_errors") == errs, "numa_local makes no policy errors");
	bpf_link__destroy(link);
	numa_local_bpf__destroy(s);
}

static void test_force_p2p(void)
{
	struct force_p2p_bpf *s = force_p2p_bpf__open_and_load();
	struct bpf_link *link;
	uint64_t errs;

	if (!s)
		tap_bail("load force_p2p: %s", strerror(errno));
	link = attach(s->maps.force_p2p);
	errs = p2pmap_stat("policy_errors");
	explain_is("P2P on B (kernel refuses): EXPLAIN says demoted to bounce", &lab.prov_b,
		   &lab.edu_sw, PG, P2PMAP_VERDICT_BOUNCE, P2PMAP_REASON_POLICY_DEMOTED);
	tap_ok(p2pmap_stat("policy_errors") == errs, "EXPLAIN counts no policy error");
	segment_is("P2P on B: the mapping bounces, reason policy-demoted", &lab.prov_b, &lab.edu_sw,
		   2 * PG, P2PMAP_SEG_BOUNCE, P2PMAP_REASON_POLICY_DEMOTED);
	tap_ok(p2pmap_stat("policy_errors") == errs + 1, "the demotion counts one policy error");
	copy_is("P2P on B: real data takes the bounce path", &lab.prov_b, &lab.edu_sw, 2 * PG,
		PATH_BOUNCE);
	segment_is("P2P on A (allowed) stays P2P, reason policy", &lab.prov_a, &lab.edu_sw, 2 * PG,
		   P2PMAP_SEG_P2P, P2PMAP_REASON_POLICY);
	tap_ok(policy_is("force_p2p") && state_starts("attached: policy \"force_p2p\""),
	       "2 errors are below max_policy_errors: still attached");
	bpf_link__destroy(link);
	tap_ok(s->bss->exit_kind == P2PMAP_POLICY_EXIT_UNREG && s->bss->exit_errors == 2,
	       "exit() ran at detach with kind UNREG and 2 errors (got %u, %llu)",
	       s->bss->exit_kind, (unsigned long long)s->bss->exit_errors);
	force_p2p_bpf__destroy(s);
}

/*
 * Replacing a policy through its link's update (docs/policies.md): the new policy's init()
 * runs before the old one's exit(); a new policy whose init() fails leaves the old one
 * attached, its exit() not called, and the reason in last_error.
 */
static void test_replace_order(void)
{
	struct force_p2p_bpf *a = force_p2p_bpf__open_and_load();
	struct force_p2p_bpf *b = force_p2p_bpf__open_and_load();
	struct init_fail_bpf *f = init_fail_bpf__open_and_load();
	struct bpf_link *link;
	char why[192];
	int ret;

	if (!a || !b || !f)
		tap_bail("load force_p2p/init_fail: %s", strerror(errno));
	link = attach(a->maps.force_p2p);
	ret = bpf_link__update_map(link, b->maps.force_p2p);
	tap_ok(!ret && a->bss->init_ns && b->bss->init_ns && a->bss->exit_ns &&
	       b->bss->init_ns < a->bss->exit_ns && a->bss->exit_kind == P2PMAP_POLICY_EXIT_REPLACED,
	       "replace: the new policy's init() runs before the old one's exit() (new init %+lld ns from old exit)",
	       (long long)(b->bss->init_ns - a->bss->exit_ns));
	ret = bpf_link__update_map(link, f->maps.init_fail);
	sysfs_str("/sys/kernel/p2pmap/last_error", why, sizeof(why));
	tap_ok(ret && policy_is("force_p2p") && !b->bss->exit_ns &&
	       strstr(why, "init() returned -22"),
	       "a replacement whose init() fails: the old policy stays, its exit() not called, last_error says why (%s)",
	       why);
	bpf_link__destroy(link);
	tap_ok(b->bss->exit_ns && b->bss->exit_kind == P2PMAP_POLICY_EXIT_UNREG && policy_is("none"),
	       "the policy that stayed gets its exit() at detach");
	init_fail_bpf__destroy(f);
	force_p2p_bpf__destroy(b);
	force_p2p_bpf__destroy(a);
}

static void test_garbage(void)
{
	struct garbage_bpf *s = garbage_bpf__open_and_load();
	struct bpf_link *link;
	uint64_t errs, calls;
	int i, ok = 0;

	if (!s)
		tap_bail("load garbage: %s", strerror(errno));
	sysfs_write(MAX_ERRORS, "5");
	link = attach(s->maps.garbage);
	tap_ok(s->bss->inits == 1, "init() ran once, at attach");
	errs = p2pmap_stat("policy_errors");
	explain_is("verdict 42: EXPLAIN gives the built-in verdict, reason policy-error",
		   &lab.prov_a, &lab.edu_sw, PG, P2PMAP_VERDICT_P2P, P2PMAP_REASON_POLICY_ERROR);
	for (i = 0; i < 4; i++) {
		struct p2pmap_segment seg;
		struct p2pmap_map m;
		uint32_t nr = 1;

		if (!xmap(fd, &lab.edu_sw, mem_a, 2 * PG, P2PMAP_DIR_TO_DEVICE, &m)) {
			ok += !xsegments(fd, m.handle, &seg, &nr) && seg.kind == P2PMAP_SEG_P2P &&
			      seg.reason == P2PMAP_REASON_POLICY_ERROR;
			xunmap(fd, m.handle);
		}
	}
	tap_ok(ok == 4, "4 mappings with verdict 42 succeed with the built-in verdict (%d/4)", ok);
	tap_ok(p2pmap_stat("policy_errors") == errs + 4 && policy_is("garbage"),
	       "4 errors counted, still attached below the limit of 5");
	copy_is("the 5th error (a real copy) is still mapped with the built-in verdict",
		&lab.prov_a, &lab.edu_sw, 2 * PG, PATH_P2P);
	tap_ok(wait_for(&s->bss->exit_kind, P2PMAP_POLICY_EXIT_ERRORS) && s->bss->exit_errors >= 5,
	       "at the limit the policy is detached: exit() kind ERRORS (%u), %llu errors",
	       s->bss->exit_kind, (unsigned long long)s->bss->exit_errors);
	tap_ok(policy_is("none") && exit_is("auto-detached") &&
	       state_starts("auto-detached: policy \"garbage\" made 5 errors (max_policy_errors=5)"),
	       "policy_exit is auto-detached, and policy_state says it in words");
	calls = s->bss->calls;
	segment_is("after the eject the built-in rule decides", &lab.prov_a, &lab.edu_sw, 2 * PG,
		   P2PMAP_SEG_P2P, P2PMAP_REASON_TOPOLOGY_P2P);
	tap_ok(s->bss->calls == calls, "the ejected policy is not called any more");
	bpf_link__destroy(link);
	garbage_bpf__destroy(s);
	sysfs_write(MAX_ERRORS, "100");
	tap_ok(exit_is("auto-detached"), "removing the ejected policy's link is harmless");
	{
		struct topology_bpf *t = topology_bpf__open_and_load();
		struct bpf_link *l = t ? attach(t->maps.topology) : NULL;

		tap_ok(l && policy_is("topology") && exit_is("none") && state_starts("attached"),
		       "a new policy attaches after an eject and clears the exit record");
		bpf_link__destroy(l);
		topology_bpf__destroy(t);
	}
}

/* Policy swaps under load: 4 threads map and unmap while the link is updated. */
static void test_swap(void)
{
	struct topology_bpf *t = topology_bpf__open_and_load();
	struct bounce_all_bpf *b = bounce_all_bpf__open_and_load();
	struct mapper_counts c;
	struct bpf_link *link;
	struct mappers *m;
	int i, updates = 0, n = 100;

	if (!t || !b)
		tap_bail("load topology/bounce_all: %s", strerror(errno));
	link = attach(t->maps.topology);
	m = mappers_start(4, &lab.edu_sw, mem_a, 2 * PG);
	for (i = 0; i < n; i++) {
		struct bpf_map *next = i % 2 ? t->maps.topology : b->maps.bounce_all;

		updates += !bpf_link__update_map(link, next);
		usleep(5000);
	}
	c = mappers_stop(m);
	tap_diag("%d updates, %ld mappings: %ld P2P, %ld bounced, %ld failed", updates, c.maps,
		 c.p2p, c.bounce, c.failures);
	tap_ok(updates == n, "%d of %d link updates (topology <-> bounce_all) succeed", updates, n);
	tap_ok(c.maps > 0 && c.failures == 0, "no mapping failed during the swaps (%ld of %ld)",
	       c.failures, c.maps);
	tap_ok(c.p2p > 0 && c.bounce > 0, "both policies decided mappings (%ld P2P, %ld bounced)",
	       c.p2p, c.bounce);
	tap_ok(policy_is("topology"), "after an even number of swaps topology is attached");
	bpf_link__destroy(link);
	tap_ok(policy_is("none"), "destroying the link detaches the last policy");
	topology_bpf__destroy(t);
	bounce_all_bpf__destroy(b);
}

/* A mapping of @len bytes of A for the switch's edu in @dir: its kind, reason policy required. */
static int a_kind(size_t len, uint32_t dir)
{
	uint32_t r;
	int k = seg_kind(&lab.prov_a, &lab.edu_sw, len, dir, &r);

	return k >= 0 && r != P2PMAP_REASON_POLICY ? -EPROTO : k;
}

static uint32_t calls_of(struct pure_sized_bpf *s)
{
	return __atomic_load_n(&s->bss->calls, __ATOMIC_RELAXED);
}

static uint64_t rule_hits_of(struct bpf_map *map, const struct lab_dev *p, const struct lab_dev *c)
{
	return rule_hits(map, m_addr(p), m_addr(c));
}

/*
 * With its map unfrozen, rules reads it on every decision, so a write from user space (as
 * bpftool's) reaches the very next mapping. Frozen, it says for which lengths each answer
 * holds (p2pmap_verdict_holds()), so p2pmap asks it once per pair and range; every change
 * through the writer reaches the very next mapping, and a write from user space is refused.
 */
static void test_rules_cache(void)
{
	static const struct p2pmap_rule_range by_size[] = {
		RANGE(0, 16 * 1024 - 1, P2PMAP_VERDICT_BOUNCE),
		RANGE(16 * 1024, UINT64_MAX, P2PMAP_VERDICT_P2P),
	};
	static const struct p2pmap_rule_range bounce[] = { RANGE(0, UINT64_MAX, P2PMAP_VERDICT_BOUNCE) };
	static const struct p2pmap_rule_range p2p[] = { RANGE(0, UINT64_MAX, P2PMAP_VERDICT_P2P) };
	struct rules_bpf *s = rules_bpf__open_and_load();
	const struct lab_dev *A = &lab.prov_a, *sw = &lab.edu_sw;
	struct p2pmap_rule_key key = { m_addr(A), m_addr(sw) };
	struct p2pmap_rule val = { .nr_ranges = 1, .range = { RANGE(0, UINT64_MAX, P2PMAP_VERDICT_P2P) } };
	struct p2pmap_rules_write bad = { .op = 99 };
	struct bpf_link *link;
	struct bpf_map *map;
	uint64_t hits;
	int k[3], ret;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &bad, .ctx_size_in = sizeof(bad));

	if (!s)
		tap_bail("load rules: %s", strerror(errno));
	map = s->maps.p2pmap_rules;
	writer = bpf_program__fd(s->progs.p2pmap_rules_write);
	link = attach(s->maps.rules);

	rule_set(m_addr(A), m_addr(sw), bounce, 1);
	k[0] = a_kind(PG, P2PMAP_DIR_TO_DEVICE);
	k[1] = a_kind(PG, P2PMAP_DIR_TO_DEVICE);
	tap_ok(k[0] == P2PMAP_SEG_BOUNCE && k[1] == k[0] && rule_hits_of(map, A, sw) == 2,
	       "rules, map not frozen: the rule is looked up on every mapping (%llu hits for 2)",
	       (unsigned long long)rule_hits_of(map, A, sw));
	ret = bpf_map_update_elem(bpf_map__fd(map), &key, &val, BPF_ANY);
	k[0] = a_kind(PG, P2PMAP_DIR_TO_DEVICE);
	tap_ok(!ret && k[0] == P2PMAP_SEG_P2P,
	       "rules, map not frozen: a write from user space (as bpftool map update) reaches the very next mapping (kind %d)",
	       k[0]);
	tap_ok(!bpf_map_freeze(bpf_map__fd(map)), "rules: the map freezes (as p2ppolicy does)");

	rule_set(m_addr(A), m_addr(sw), bounce, 1);
	k[0] = a_kind(PG, P2PMAP_DIR_TO_DEVICE);
	hits = rule_hits_of(map, A, sw);
	k[1] = a_kind(PG, P2PMAP_DIR_TO_DEVICE);
	k[2] = a_kind(PG, P2PMAP_DIR_TO_DEVICE);
	tap_ok(k[0] == P2PMAP_SEG_BOUNCE && k[1] == k[0] && k[2] == k[0] && hits == 1 &&
	       rule_hits_of(map, A, sw) == 1,
	       "rules cache: three equal 4 KiB mappings bounce, the rule looked up once (%llu hits)",
	       (unsigned long long)rule_hits_of(map, A, sw));
	rule_set(m_addr(A), m_addr(sw), p2p, 1);
	k[0] = a_kind(PG, P2PMAP_DIR_TO_DEVICE);
	tap_ok(k[0] == P2PMAP_SEG_P2P,
	       "rules cache: a rule replaced through the writer: the very next mapping goes P2P (kind %d)",
	       k[0]);
	rule_set(m_addr(A), m_addr(sw), bounce, 1);
	k[0] = a_kind(PG, P2PMAP_DIR_TO_DEVICE);
	rule_del(m_addr(A), m_addr(sw));
	rule_set(m_any, m_any, p2p, 1);
	k[1] = a_kind(PG, P2PMAP_DIR_TO_DEVICE);
	tap_ok(k[0] == P2PMAP_SEG_BOUNCE && k[1] == P2PMAP_SEG_P2P,
	       "rules cache: a rule deleted through the writer: the very next mapping is the next rule's (kinds %d, %d)",
	       k[0], k[1]);
	rule_del(m_any, m_any);

	rule_set(m_addr(A), m_addr(sw), by_size, 2);
	k[0] = a_kind(8 * 1024, P2PMAP_DIR_TO_DEVICE);
	k[1] = a_kind(32 * 1024, P2PMAP_DIR_TO_DEVICE);
	k[2] = a_kind(8 * 1024, P2PMAP_DIR_TO_DEVICE);
	tap_ok(k[0] == P2PMAP_SEG_BOUNCE && k[1] == P2PMAP_SEG_P2P && k[2] == k[0],
	       "rules cache: an answer holds for its range only: 8 KiB bounces, 32 KiB of the same size class goes P2P, 8 KiB bounces (kinds %d %d %d)",
	       k[0], k[1], k[2]);

	ret = bpf_map_update_elem(bpf_map__fd(map), &key, &val, BPF_ANY);
	tap_ok(ret && errno == EPERM,
	       "rules cache: frozen, a write from user space (as bpftool map update) is refused: EPERM");
	ret = bpf_map_delete_elem(bpf_map__fd(map), &key);
	tap_ok(ret && errno == EPERM, "rules cache: so is a delete (as bpftool map delete): EPERM");
	k[0] = a_kind(8 * 1024, P2PMAP_DIR_TO_DEVICE);
	tap_ok(k[0] == P2PMAP_SEG_BOUNCE, "rules cache: ... and the rules are as they were: 8 KiB still bounces");

	ret = bpf_prog_test_run_opts(writer, &opts);
	tap_ok(!ret && (int)opts.retval == -EINVAL, "rules writer: an unknown op fails EINVAL (%d)",
	       (int)opts.retval);
	ret = rules_write(writer, P2PMAP_RULES_DEL, &(struct p2pmap_rule_key){ m_any, m_addr(A) },
			  NULL);
	tap_ok(ret == -ENOENT, "rules writer: deleting a rule that does not exist fails ENOENT (%d)",
	       ret);
	bpf_link__destroy(link);
	rules_bpf__destroy(s);
}

/*
 * p2pmap_verdict_holds() writes into p2pmap's own record of the decision in progress, found
 * by CPU, not from the pointer it is given: a policy that passes a copy of its context on
 * its stack changes nothing, and is asked every time.
 */
static void test_holds_copy(void)
{
	struct holds_copy_bpf *h = holds_copy_bpf__open_and_load();
	struct bpf_link *link;
	int k[3], i;

	if (!h) {
		tap_ok(errno == EACCES || errno == EINVAL,
		       "holds: a decide() passing a copy of its context is refused at load (%s)",
		       strerror(errno));
		return;
	}
	link = attach(h->maps.holds_copy);
	for (i = 0; i < 3; i++)
		k[i] = a_kind(PG, P2PMAP_DIR_TO_DEVICE);
	tap_ok(k[0] == P2PMAP_SEG_BOUNCE && k[1] == k[0] && k[2] == k[0] &&
	       __atomic_load_n(&h->bss->calls, __ATOMIC_RELAXED) == 3,
	       "holds: a decide() passing a copy of its context is ignored: asked for each of 3 mappings (%u calls)",
	       __atomic_load_n(&h->bss->calls, __ATOMIC_RELAXED));
	bpf_link__destroy(link);
	holds_copy_bpf__destroy(h);
}

/*
 * A pure policy (P2PMAP_POLICY_PURE) is asked once per pair and input, and every way its
 * answer can change reaches the very next mapping: another size class or direction, its
 * detach, another policy's attach and a replace through the link. Its .rodata cannot be
 * written, so no write can go unseen. (The override state, the other input, is t_override's.)
 */
static void test_pure(void)
{
	struct pure_sized_bpf *s = pure_sized_bpf__open_and_load();
	struct bounce_all_bpf *b = bounce_all_bpf__open_and_load();
	struct topology_bpf *t = topology_bpf__open_and_load();
	struct pure_sized_bpf__rodata ro;
	struct bpf_link *link;
	uint32_t zero = 0, r;
	int k[3], i, ret;

	if (!s || !b || !t)
		tap_bail("load pure_sized/bounce_all/topology: %s", strerror(errno));
	link = attach(s->maps.pure_sized);
	for (i = 0; i < 3; i++)
		k[i] = a_kind(PG, P2PMAP_DIR_TO_DEVICE);
	tap_ok(k[0] == P2PMAP_SEG_BOUNCE && k[1] == k[0] && k[2] == k[0] && calls_of(s) == 1,
	       "pure: three equal 4 KiB mappings bounce, the policy asked once (%u calls)",
	       calls_of(s));
	k[0] = a_kind(128 * 1024, P2PMAP_DIR_TO_DEVICE);
	tap_ok(k[0] == P2PMAP_SEG_P2P && calls_of(s) == 2,
	       "pure: another size class is another question: 128 KiB goes P2P (%u calls)",
	       calls_of(s));
	k[0] = a_kind(PG, P2PMAP_DIR_FROM_DEVICE);
	tap_ok(k[0] == P2PMAP_SEG_P2P && calls_of(s) == 3,
	       "pure: so is another direction: 4 KiB the device writes goes P2P (%u calls)",
	       calls_of(s));
	k[0] = a_kind(PG, P2PMAP_DIR_TO_DEVICE);
	tap_ok(k[0] == P2PMAP_SEG_BOUNCE && calls_of(s) == 3,
	       "pure: the first answer is still the cached one (%u calls)", calls_of(s));
	ro = *s->rodata;
	ro.small_verdict = P2PMAP_VERDICT_P2P;
	ret = bpf_map_update_elem(bpf_map__fd(s->maps.rodata), &zero, &ro, 0);
	tap_ok(ret && errno == EPERM,
	       "pure: its .rodata cannot be written once loaded (EPERM), so a write is refused, not missed");
	bpf_link__destroy(link);
	tap_ok(policy_becomes("none") &&
	       state_starts("detached: policy \"pure_sized\" after 6 decisions"),
	       "pure: its cached answers count as its decisions (6)");
	k[0] = seg_kind(&lab.prov_a, &lab.edu_sw, PG, P2PMAP_DIR_TO_DEVICE, &r);
	tap_ok(k[0] == P2PMAP_SEG_P2P && r == P2PMAP_REASON_TOPOLOGY_P2P,
	       "pure: detached, the next mapping is the built-in rule's (kind %d, reason %u)", k[0], r);

	link = attach(t->maps.topology);
	k[0] = a_kind(PG, P2PMAP_DIR_TO_DEVICE);
	k[1] = a_kind(PG, P2PMAP_DIR_TO_DEVICE);
	tap_ok(k[0] == P2PMAP_SEG_P2P && k[1] == k[0],
	       "pure: topology attached: the next mappings are its P2P, not pure_sized's cached bounce");
	ret = bpf_link__update_map(link, b->maps.bounce_all);
	k[0] = a_kind(PG, P2PMAP_DIR_TO_DEVICE);
	tap_ok(!ret && k[0] == P2PMAP_SEG_BOUNCE,
	       "pure: replaced by bounce_all through the link, the next mapping bounces, not topology's cached P2P");
	bpf_link__destroy(link);
	topology_bpf__destroy(t);
	bounce_all_bpf__destroy(b);
	pure_sized_bpf__destroy(s);
}

int main(void)
{
	int ret;

	tap_plan(99);
	ret = lab_find(&lab);
	if (ret)
		tap_bail("lab devices not found: %s", strerror(-ret));
	fd = p2pmap_open();
	mem_a = lab.prov_a.mem = p2pmem_map(&lab.prov_a, P2PMEM_LEN, NULL);
	mem_b = lab.prov_b.mem = p2pmem_map(&lab.prov_b, P2PMEM_LEN, NULL);
	tap_ok(policy_is("none"), "no policy at the start");

	test_bpftool();
	test_topology();
	test_bounce_all();
	test_size_threshold();
	test_rules();
	test_force_p2p();
	test_replace_order();
	test_garbage();
	test_swap();
	test_numa_local();
	test_pure();
	test_rules_cache();
	test_holds_copy();

	tap_ok(dma_api_errors() == 0, "no DMA-API debug errors");
	return tap_done();
}
