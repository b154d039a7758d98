// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shadow policy in the lab: a second policy beside the active one, asked for
 * every real decision and never obeyed; per-pair agreement statistics in STATS; its errors
 * and auto-detach its own; promote through the active link's update.
 *
 *	t_shadow             the tests (TAP)
 *	t_shadow --workload  STATS reset, then the known mix of mappings only (for t_p2ppolicy_shadow.sh):
 *	                     on every pair, 16 KiB twice, 256 KiB and 1 MiB once (no DMA)
 *	t_shadow --dump      the shadow fields of STATS, one line per pair (for t_p2ppolicy_shadow.sh)
 *
 * Policies are attached through libbpf skeletons; the shadow one gets P2PMAP_POLICY_SHADOW in
 * its flags before it loads, exactly as p2ppolicy sets it (found by name in the BTF).
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "policy.h"
#include "lib.h"
#include "topology.skel.h"
#include "bounce_all.skel.h"
#include "size_threshold.skel.h"
#include "garbage.skel.h"

#define KiB		1024UL
#define MiB		(1024 * KiB)
#define PG		4096UL
#define P2PMEM_LEN	(2 * MiB)
#define MAX_ERRORS	"/sys/module/p2pmap/parameters/max_policy_errors"

enum { PATH_RAM, PATH_P2P, PATH_BOUNCE };

static struct lab lab;
static int fd;
static unsigned char *mem_a, *mem_b;

/* The four pairs of the switch lab, and the verdict topology (the active policy) gives each. */
static struct pair {
	const struct lab_dev *prov, *client;
	uint32_t active;
	const char *name;
} pairs[4];

static void pairs_init(void)
{
	pairs[0] = (struct pair){ &lab.prov_a, &lab.edu_sw, P2PMAP_VERDICT_P2P, "A -> edu_sw" };
	pairs[1] = (struct pair){ &lab.prov_a, &lab.edu_rc, P2PMAP_VERDICT_BOUNCE, "A -> edu_rc" };
	pairs[2] = (struct pair){ &lab.prov_b, &lab.edu_sw, P2PMAP_VERDICT_BOUNCE, "B -> edu_sw" };
	pairs[3] = (struct pair){ &lab.prov_b, &lab.edu_rc, P2PMAP_VERDICT_BOUNCE, "B -> edu_rc" };
}


/* P2PMAP_POLICY_SHADOW in the struct_ops data of @map, before load (as p2ppolicy does). */
static void make_shadow(struct bpf_object *obj, struct bpf_map *map)
{
	if (policy_make_shadow(obj, map))
		tap_bail("no flags in the struct p2pmap_policy_ops of %s", bpf_map__name(map));
}

static struct bpf_link *attach(struct bpf_map *map)
{
	struct bpf_link *link = bpf_map__attach_struct_ops(map);

	if (!link)
		tap_bail("struct_ops %s: cannot attach: %s", bpf_map__name(map), strerror(errno));
	return link;
}

static void stats_reset(void)
{
	struct p2pmap_pair_stat t[32];
	uint32_t nr = ARRAY_SIZE(t);

	if (xstats(fd, t, &nr, P2PMAP_STATS_RESET, sizeof(t[0])))
		tap_bail("STATS reset: %s", strerror(errno));
}

/* The pair's entry in a fresh snapshot; bails out if it has none. */
static struct p2pmap_pair_stat pair_stat(const struct pair *p)
{
	struct p2pmap_pair_stat t[32];
	const struct p2pmap_pair_stat *s;
	uint32_t nr = ARRAY_SIZE(t);

	if (xstats(fd, t, &nr, 0, sizeof(t[0])))
		tap_bail("STATS: %s", strerror(errno));
	s = stat_find(t, nr < ARRAY_SIZE(t) ? nr : ARRAY_SIZE(t), p->prov, p->client);
	if (!s)
		tap_bail("no statistics for %s", p->name);
	return *s;
}

/* MAP @len of the pair's p2pmem: the one segment's kind and reason; 0 or -errno. */
static int map_seg(const struct pair *p, size_t len, uint32_t *kind, uint32_t *reason)
{
	struct p2pmap_segment seg[4];
	struct p2pmap_map m;
	uint32_t nr = 4;
	int ret;

	ret = xmap(fd, p->client, mem_of(p->prov), len, P2PMAP_DIR_TO_DEVICE, &m);
	if (ret)
		return ret;
	ret = xsegments(fd, m.handle, seg, &nr);
	xunmap(fd, m.handle);
	if (!ret && nr != 1)
		ret = -EPROTO;
	*kind = seg[0].kind;
	*reason = seg[0].reason;
	return ret;
}

/* Real DMA: the first and last page of @len bytes of the pair's p2pmem into RAM. */
static bool copy_ok(const struct pair *p, size_t len, int path)
{
	struct p2pmap_edu_window w[2] = { { 0, PG }, { len - PG, PG } };
	unsigned char *src = mem_of(p->prov), *dst = ram_buf(len);
	static uint32_t seed = 2200;
	struct p2pmap_edu_copy c;
	bool data_ok = false;
	size_t bad;
	int ret;

	fill_pattern(src, len, ++seed);
	memset(dst, 0xEE, len);
	ret = edu_copy(p->client, src, dst, len, w, 2, &c);
	if (!ret)
		data_ok = check_pattern(dst, PG, seed, &bad) &&
			  !memcmp(dst + len - PG, src + len - PG, PG);
	if (ret || c.src_bytes[path] != len || !data_ok)
		tap_diag("copy %s, %zu bytes: ret %d, src RAM/P2P/bounce %llu/%llu/%llu, data %s",
			 p->name, len, ret, (unsigned long long)c.src_bytes[0],
			 (unsigned long long)c.src_bytes[1], (unsigned long long)c.src_bytes[2],
			 data_ok ? "ok" : "WRONG");
	munmap(dst, len);
	return !ret && c.src_bytes[path] == len && data_ok;
}

/* The known mix, MAP only: on every pair 16 KiB twice, 256 KiB and 1 MiB. Failures counted. */
static int workload(void)
{
	static const size_t sizes[] = { 16 * KiB, 16 * KiB, 256 * KiB, MiB };
	uint32_t kind, reason;
	int i, k, failed = 0;

	stats_reset();
	for (i = 0; i < 4; i++)
		for (k = 0; k < 4; k++)
			failed += !!map_seg(&pairs[i], sizes[k], &kind, &reason);
	return failed;
}

static int dump(void)
{
	struct p2pmap_pair_stat t[32];
	uint32_t i, nr = ARRAY_SIZE(t);
	char a[32], c[32];
	int x, y;

	if (xstats(fd, t, &nr, 0, sizeof(t[0])))
		return 1;
	for (i = 0; i < nr && i < ARRAY_SIZE(t); i++) {
		printf("%s %s %llu %llu %llu", pci_addr_str(&t[i].provider, a, sizeof(a)),
		       pci_addr_str(&t[i].client, c, sizeof(c)),
		       (unsigned long long)t[i].shadow_compared,
		       (unsigned long long)t[i].shadow_agreed,
		       (unsigned long long)t[i].shadow_errors);
		for (x = 0; x < 3; x++)
			for (y = 0; y < 3; y++)
				printf(" %llu", (unsigned long long)t[i].shadow_disagree[x][y]);
		for (x = 0; x < P2PMAP_NR_SIZE_BUCKETS; x++)
			printf(" %llu %llu", (unsigned long long)t[i].shadow_moved[x],
			       (unsigned long long)t[i].shadow_moved_bytes[x]);
		printf("\n");
	}
	return 0;
}

/*
 * Active topology, shadow size_threshold (64 KiB): on every pair a real 16 KiB edu copy, a
 * 16 KiB, a 256 KiB and a 1 MiB mapping. Each takes topology's path (SEGMENTS, DMA); the
 * shadow disagrees only where topology goes P2P and the request is below 64 KiB.
 */
static void test_agreement(void)
{
	static const size_t sizes[] = { 16 * KiB, 256 * KiB, MiB };
	struct topology_bpf *t = topology_bpf__open_and_load();
	struct size_threshold_bpf *s = size_threshold_bpf__open();
	struct bounce_all_bpf *b = bounce_all_bpf__open();
	struct bpf_link *lt, *ls;
	uint64_t perr = p2pmap_stat("policy_errors");
	int i, k;

	if (!t || !s || !b)
		tap_bail("open topology/size_threshold/bounce_all: %s", strerror(errno));
	s->data->min_p2p_bytes = 64 * KiB;
	make_shadow(s->obj, s->maps.size_threshold);
	make_shadow(b->obj, b->maps.bounce_all);
	if (size_threshold_bpf__load(s) || bounce_all_bpf__load(b))
		tap_bail("load size_threshold/bounce_all: %s", strerror(errno));
	lt = attach(t->maps.topology);
	ls = attach(s->maps.size_threshold);
	tap_ok(sysfs_is("policy", "topology") && sysfs_is("shadow", "size_threshold") &&
	       sysfs_is("shadow_state", "attached: shadow policy \"size_threshold\", 0 decisions"),
	       "topology is the active policy, size_threshold the shadow (flag set before load)");
	stats_reset();

	for (i = 0; i < 4; i++) {
		const struct pair *p = &pairs[i];
		uint32_t seg = p->active == P2PMAP_VERDICT_P2P ? P2PMAP_SEG_P2P : P2PMAP_SEG_BOUNCE;
		int good = 0;

		good += copy_ok(p, 16 * KiB, seg == P2PMAP_SEG_P2P ? PATH_P2P : PATH_BOUNCE);
		for (k = 0; k < 3; k++) {
			uint32_t kind = 0, reason = 0;
			int ret = map_seg(p, sizes[k], &kind, &reason);

			if (ret || kind != seg || reason != P2PMAP_REASON_POLICY)
				tap_diag("%s, %zu KiB: ret %d kind %u reason %u", p->name,
					 sizes[k] / KiB, ret, kind, reason);
			good += !ret && kind == seg && reason == P2PMAP_REASON_POLICY;
		}
		tap_ok(good == 4, "%s: a real 16 KiB copy and 16K/256K/1M mappings take topology's path, %s (%d/4)",
		       p->name, seg == P2PMAP_SEG_P2P ? "P2P" : "bounce", good);
	}
	for (i = 0; i < 4; i++) {
		const struct pair *p = &pairs[i];
		struct p2pmap_pair_stat e = pair_stat(p);
		bool sw = p->active == P2PMAP_VERDICT_P2P;
		uint64_t dis = e.shadow_disagree[P2PMAP_VERDICT_P2P - 1][P2PMAP_VERDICT_BOUNCE - 1];
		uint64_t other = 0;
		int x, y;

		for (x = 0; x < 3; x++)
			for (y = 0; y < 3; y++)
				other += e.shadow_disagree[x][y];
		other -= dis;
		tap_diag("%s: compared %llu agreed %llu P2P->BOUNCE %llu moved <64K %llu (%llu B) 64K-1M %llu >=1M %llu errors %llu",
			 p->name, (unsigned long long)e.shadow_compared,
			 (unsigned long long)e.shadow_agreed, (unsigned long long)dis,
			 (unsigned long long)e.shadow_moved[0],
			 (unsigned long long)e.shadow_moved_bytes[0],
			 (unsigned long long)e.shadow_moved[1], (unsigned long long)e.shadow_moved[2],
			 (unsigned long long)e.shadow_errors);
		tap_ok(e.shadow_compared == 4 && e.shadow_agreed == (sw ? 2 : 4) &&
		       dis == (sw ? 2 : 0) && other == 0 &&
		       e.shadow_moved[P2PMAP_SIZE_SMALL] == (sw ? 2 : 0) &&
		       e.shadow_moved_bytes[P2PMAP_SIZE_SMALL] == (sw ? 32 * KiB : 0) &&
		       !e.shadow_moved[P2PMAP_SIZE_MEDIUM] && !e.shadow_moved[P2PMAP_SIZE_LARGE] &&
		       !e.shadow_errors,
		       "%s: 4 compared, %s", p->name,
		       sw ? "2 agreed, 2 P2P->BOUNCE, both <64K (32 KiB would have moved)" :
			    "4 agreed");
		tap_ok((sw ? e.decisions_p2p : e.decisions_bounce) == 4 && !e.errors,
		       "%s: STATS counts the 4 decisions as topology's %s, no errors", p->name,
		       sw ? "P2P" : "BOUNCE");
	}
	tap_ok(p2pmap_stat("policy_errors") == perr && sysfs_is("policy_state",
	       "attached: policy \"topology\", 16 decisions, 0 errors"),
	       "the active policy made 16 decisions, no errors");
	tap_ok(sysfs_is("shadow_state", "attached: shadow policy \"size_threshold\", 16 decisions, 0 errors"),
	       "the shadow was asked for the same 16 decisions");

	/* The shadow's link update replaces it; STATS reset resets the shadow fields too. */
	tap_ok(!bpf_link__update_map(ls, b->maps.bounce_all) && sysfs_is("shadow", "bounce_all") &&
	       sysfs_is("policy", "topology"),
	       "the shadow link's update replaces the shadow (bounce_all); the active stays");
	stats_reset();
	{
		struct p2pmap_pair_stat e = pair_stat(&pairs[0]);
		uint32_t kind, reason;
		int ok = !e.shadow_compared && !e.shadow_agreed && !e.shadow_moved[0];

		for (k = 1; k < 3; k++)
			ok += !map_seg(&pairs[0], sizes[k], &kind, &reason) &&
			      kind == P2PMAP_SEG_P2P;
		e = pair_stat(&pairs[0]);
		tap_ok(ok == 3 && e.shadow_compared == 2 && !e.shadow_agreed &&
		       e.shadow_disagree[0][1] == 2 && e.shadow_moved[P2PMAP_SIZE_MEDIUM] == 1 &&
		       e.shadow_moved_bytes[P2PMAP_SIZE_MEDIUM] == 256 * KiB &&
		       e.shadow_moved[P2PMAP_SIZE_LARGE] == 1 &&
		       e.shadow_moved_bytes[P2PMAP_SIZE_LARGE] == MiB,
		       "after a reset, shadow bounce_all: 256 KiB and 1 MiB stay P2P and count in the 64K-1M and >=1M buckets");
	}

	/* EXPLAIN asks the shadow only when told to, and counts nothing. */
	{
		struct p2pmap_explain ex;
		uint64_t before = pair_stat(&pairs[0]).shadow_compared;
		int r1, r2;

		r1 = xexplain(fd, &lab.prov_a, &lab.edu_sw, PG, &ex);
		tap_ok(!r1 && ex.verdict == P2PMAP_VERDICT_P2P && !ex.shadow_verdict,
		       "EXPLAIN does not ask the shadow");
		memset(&ex, 0, sizeof(ex));
		ex.argsz = sizeof(ex);
		ex.flags = P2PMAP_EXPLAIN_SHADOW;
		ex.provider = lab.prov_a.addr;
		ex.client = lab.edu_sw.addr;
		ex.dir = P2PMAP_DIR_TO_DEVICE;
		ex.len = PG;
		r2 = ioctl(fd, P2PMAP_IOC_EXPLAIN, &ex) ? -errno : 0;
		tap_ok(!r2 && ex.verdict == P2PMAP_VERDICT_P2P &&
		       ex.shadow_verdict == P2PMAP_VERDICT_BOUNCE &&
		       ex.shadow_reason == P2PMAP_REASON_POLICY &&
		       pair_stat(&pairs[0]).shadow_compared == before,
		       "EXPLAIN with P2PMAP_EXPLAIN_SHADOW: shadow BOUNCE beside P2P, nothing counted");
		ex.argsz = offsetof(struct p2pmap_explain, shadow_verdict);
		tap_ok(ioctl(fd, P2PMAP_IOC_EXPLAIN, &ex) && errno == EINVAL,
		       "P2PMAP_EXPLAIN_SHADOW with an argsz without the shadow fields is EINVAL");
	}
	/* A second shadow through another link is refused; so is the active map as shadow. */
	{
		struct size_threshold_bpf *s2 = size_threshold_bpf__open();
		struct bpf_link *l2;

		make_shadow(s2->obj, s2->maps.size_threshold);
		size_threshold_bpf__load(s2);
		sysfs_write("/sys/kernel/p2pmap/last_error", "");
		l2 = bpf_map__attach_struct_ops(s2->maps.size_threshold);
		tap_ok(!l2 && errno == EBUSY && sysfs_is("shadow", "bounce_all") &&
		       sysfs_is("last_error", "shadow policy \"size_threshold\" not attached: \"bounce_all\" is attached"),
		       "a second shadow is refused (EBUSY), the reason in last_error");
		bpf_link__destroy(l2);
		size_threshold_bpf__destroy(s2);
	}
	bpf_link__destroy(ls);
	tap_ok(sysfs_is("shadow", "none") && sysfs_is("shadow_exit", "detached") &&
	       sysfs_is("shadow_state", "detached: shadow policy \"bounce_all\"") &&
	       sysfs_is("policy", "topology") && sysfs_is("policy_exit", "none"),
	       "destroying the shadow's link detaches it; the active policy stays");
	bpf_link__destroy(lt);
	size_threshold_bpf__destroy(s);
	bounce_all_bpf__destroy(b);
	topology_bpf__destroy(t);
}

/* A shadow that returns garbage is ejected alone: the active policy and its counters stay. */
static void test_garbage(void)
{
	struct topology_bpf *t = topology_bpf__open_and_load();
	struct garbage_bpf *g = garbage_bpf__open();
	uint64_t perr = p2pmap_stat("policy_errors");
	struct p2pmap_pair_stat e;
	struct bpf_link *lt, *lg;
	int i, ok = 0;

	if (!t || !g)
		tap_bail("open topology/garbage: %s", strerror(errno));
	make_shadow(g->obj, g->maps.garbage);
	if (garbage_bpf__load(g))
		tap_bail("load garbage: %s", strerror(errno));
	sysfs_write(MAX_ERRORS, "5");
	lt = attach(t->maps.topology);
	lg = attach(g->maps.garbage);
	stats_reset();
	for (i = 0; i < 6; i++) {
		uint32_t kind, reason;

		ok += !map_seg(&pairs[0], 2 * PG, &kind, &reason) && kind == P2PMAP_SEG_P2P &&
		      reason == P2PMAP_REASON_POLICY;
	}
	tap_ok(ok == 6, "6 mappings beside a garbage shadow take topology's path (%d/6)", ok);
	tap_ok(sysfs_is("shadow", "none") && sysfs_is("shadow_exit", "auto-detached") &&
	       sysfs_is("shadow_state", "auto-detached: shadow policy \"garbage\" made 5 errors (max_policy_errors=5)"),
	       "at 5 errors the shadow is auto-detached (shadow_exit), and shadow_state says why");
	tap_ok(sysfs_is("policy", "topology") &&
	       sysfs_is("policy_state", "attached: policy \"topology\", 6 decisions, 0 errors") &&
	       p2pmap_stat("policy_errors") == perr,
	       "the active policy is untouched: 6 decisions, 0 errors, global policy_errors unchanged");
	e = pair_stat(&pairs[0]);
	tap_ok(e.decisions_p2p == 6 && !e.errors && e.shadow_errors == 5 && e.shadow_compared == 5,
	       "the pair: 6 P2P decisions, 0 errors; the shadow's 5 errors counted apart (%llu)",
	       (unsigned long long)e.shadow_errors);
	tap_ok(bpf_link__update_map(lt, g->maps.garbage) == -EINVAL &&
	       sysfs_is("policy", "topology") &&
	       sysfs_is("last_error", "policy \"garbage\" not attached: it is flagged P2PMAP_POLICY_SHADOW but is not the attached shadow"),
	       "the ejected shadow's map cannot be promoted through the active link (EINVAL)");
	bpf_link__destroy(lg);
	tap_ok(sysfs_is("policy", "topology") && sysfs_is("shadow_exit", "auto-detached"),
	       "removing the ejected shadow's link is harmless");
	bpf_link__destroy(lt);
	sysfs_write(MAX_ERRORS, "100");
	garbage_bpf__destroy(g);
	topology_bpf__destroy(t);
}

/* Promote under load: 2 threads map while the active link's update promotes the shadow. */
static void test_promote(void)
{
	struct topology_bpf *t = topology_bpf__open_and_load();
	struct bounce_all_bpf *b = bounce_all_bpf__open();
	struct bpf_link *lt, *lb;
	struct mapper_counts c;
	uint32_t kind, reason;
	struct mappers *m;
	int ret;

	if (!t || !b)
		tap_bail("open topology/bounce_all: %s", strerror(errno));
	make_shadow(b->obj, b->maps.bounce_all);
	if (bounce_all_bpf__load(b))
		tap_bail("load bounce_all: %s", strerror(errno));
	lt = attach(t->maps.topology);
	/* topology alone is pure: its answer for A -> edu_sw is kept, and the promote must not serve it. */
	tap_ok(!map_seg(&pairs[0], 2 * PG, &kind, &reason) && kind == P2PMAP_SEG_P2P &&
	       reason == P2PMAP_REASON_POLICY, "topology alone: A -> edu_sw goes P2P");
	lb = attach(b->maps.bounce_all);
	m = mappers_start(2, &lab.edu_sw, mem_a, 2 * PG);
	usleep(300 * 1000);
	ret = bpf_link__update_map(lt, b->maps.bounce_all);
	usleep(300 * 1000);
	c = mappers_stop(m);
	tap_diag("promote: %ld mappings, %ld P2P (topology), %ld bounced (bounce_all), %ld failed, %ld without a policy",
		 c.maps, c.p2p, c.bounce, c.failures, c.nopolicy);
	tap_ok(!ret, "the active link's update with the shadow's map succeeds (promote)");
	tap_ok(c.maps > 0 && !c.failures && !c.nopolicy && c.p2p > 0 && c.bounce > 0 &&
	       c.p2p + c.bounce == c.maps,
	       "under load from 2 threads no mapping failed or went without a policy (%ld: %ld P2P, %ld bounced)",
	       c.maps, c.p2p, c.bounce);
	tap_ok(sysfs_is("policy", "bounce_all") &&
	       sysfs_is("policy_state", "attached: policy \"bounce_all\"") &&
	       sysfs_is("shadow", "none") && sysfs_is("shadow_exit", "promoted") &&
	       sysfs_is("shadow_state", "promoted: shadow policy \"bounce_all\" became the active policy"),
	       "bounce_all is the active policy, the shadow slot is empty and says it was promoted");
	bpf_link__destroy(lb);
	tap_ok(sysfs_is("policy", "bounce_all") && !map_seg(&pairs[0], 2 * PG, &kind, &reason) &&
	       kind == P2PMAP_SEG_BOUNCE && reason == P2PMAP_REASON_POLICY,
	       "releasing the shadow's old link leaves the promoted policy deciding (not topology's cached answer)");
	bpf_link__destroy(lt);
	tap_ok(sysfs_is("policy", "none") && sysfs_is("policy_exit", "detached") &&
	       sysfs_is("policy_state", "detached: policy \"bounce_all\""),
	       "releasing the active link detaches it");
	bounce_all_bpf__destroy(b);
	topology_bpf__destroy(t);

	/* No active policy: a new link of the shadow's own map promotes it into the empty slot. */
	{
		struct size_threshold_bpf *s = size_threshold_bpf__open();
		struct bpf_link *l1, *l2;

		make_shadow(s->obj, s->maps.size_threshold);
		size_threshold_bpf__load(s);
		l1 = attach(s->maps.size_threshold);
		l2 = bpf_map__attach_struct_ops(s->maps.size_threshold);
		tap_ok(l2 && sysfs_is("policy", "size_threshold") && sysfs_is("shadow", "none"),
		       "with no active policy, a new link of the shadow's map promotes it");
		bpf_link__destroy(l1);
		tap_ok(sysfs_is("policy", "size_threshold"), "the old shadow link goes: no change");
		bpf_link__destroy(l2);
		tap_ok(sysfs_is("policy", "none") && sysfs_is("shadow", "none"), "both slots empty");
		size_threshold_bpf__destroy(s);
	}
}

int main(int argc, char **argv)
{
	int ret;

	ret = lab_find(&lab);
	if (ret)
		tap_bail("lab devices not found: %s", strerror(-ret));
	fd = p2pmap_open();
	mem_a = lab.prov_a.mem = p2pmem_map(&lab.prov_a, P2PMEM_LEN, NULL);
	mem_b = lab.prov_b.mem = p2pmem_map(&lab.prov_b, P2PMEM_LEN, NULL);
	pairs_init();
	if (argc > 1 && !strcmp(argv[1], "--workload"))
		return workload() ? 1 : 0;
	if (argc > 1 && !strcmp(argv[1], "--dump"))
		return dump();

	tap_plan(39);
	tap_ok(sysfs_is("policy", "none") && sysfs_is("shadow", "none"), "no policy, no shadow");
	test_agreement();
	test_garbage();
	test_promote();
	tap_ok(dma_api_errors() == 0, "no DMA-API debug errors");
	return tap_done();
}
