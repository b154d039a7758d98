// SPDX-License-Identifier: GPL-2.0-only
/*
 * Verified override (P2PMAP_IOC_VERIFY, P2PMAP_IOC_OVERRIDE), with real edu DMA. The pair is
 * provider B (its own root port) with the edu behind the switch: the kernel refuses it (q35's
 * host bridge is not whitelisted), so without an override it bounces.
 *
 *  - a failing probe (p2pmap_edu's probe_fault knob: all-ones data, nothing moved): its
 *    signature is reported and logged, the pair stays refused, ADD is ENOKEY, a mapping
 *    bounces, the failure is counted in STATS;
 *  - a passing probe: every transfer both ways; the pair is verified but not yet overridden;
 *    ADD turns the override on: EXPLAIN and MAP say P2P, reason verified-override; the DMA
 *    address is the provider's own (no IOMMU) or an IOVA (viommu); edu DMA is byte-correct
 *    both ways, also in a buffer that mixes RAM, provider A (bus addresses) and provider B
 *    (the override's dma_map_resource()) in one table; STATS shows the state and times;
 *  - DEL: bounce again, data still right; a failing probe drops an enabled override;
 *  - rebinding the client drops the verification (ADD is ENOKEY); a client bound without
 *    the probe op cannot be verified (EOPNOTSUPP); a client no driver registered is EACCES;
 *  - privilege: without CAP_SYS_ADMIN, VERIFY and OVERRIDE are EPERM, even on a descriptor
 *    root opened.
 *
 * The run fails on any kernel report in the guest log (tests/vm/run.sh).
 *
 *   t_override
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "../../include/uapi/p2pmap_names.h"
#include "lib.h"
#include "topology.skel.h"

#define PG 4096UL
#define EDU_PARAM "/sys/module/p2pmap_edu/parameters/"
#define PATH_P2P 1		/* struct p2pmap_edu_copy's src_bytes[] / dst_bytes[] */
#define PATH_BOUNCE 2
#define BOTH (P2PMAP_OVERRIDE_VERIFIED | P2PMAP_OVERRIDE_ENABLED)

#define NAME_AT(sym, name) [(sym)] = (name),
static const char *const reason_names[] = { P2PMAP_REASON_NAMES(NAME_AT, NAME_AT) };
static const char *const result_names[] = { P2PMAP_PROBE_RESULT_NAMES(NAME_AT, NAME_AT) };

static struct lab lab;
static int fd;
static bool iommu;
static bool bus_pair;		/* A and the switch's edu are a bus-address pair */

static const char *reason_name(uint32_t r)
{
	return r < ARRAY_SIZE(reason_names) && reason_names[r] ? reason_names[r] : "?";
}

static const char *result_name(uint32_t r)
{
	return r < ARRAY_SIZE(result_names) && result_names[r] ? result_names[r] : "?";
}

/* The STATS entry of (prov_b, edu_sw); false if there is none. */
static bool pair_stat(struct p2pmap_pair_stat *out)
{
	struct p2pmap_pair_stat e[64];
	const struct p2pmap_pair_stat *s;
	uint32_t nr = 64;

	if (xstats(fd, e, &nr, 0, sizeof(e[0])))
		return false;
	s = stat_find(e, nr < 64 ? nr : 64, &lab.prov_b, &lab.edu_sw);
	if (s)
		*out = *s;
	return s;
}

static void explain_is(uint32_t verdict, uint32_t reason, const char *what)
{
	struct p2pmap_explain ex;
	int ret = xexplain(fd, &lab.prov_b, &lab.edu_sw, PG, &ex);

	tap_ok(!ret && ex.verdict == verdict && ex.reason == reason &&
	       ex.kernel_verdict == P2PMAP_KV_NOT_SUPPORTED,
	       "%s: EXPLAIN says %s, reason %s (got %d, verdict %u, %s)", what,
	       verdict == P2PMAP_VERDICT_P2P ? "P2P" : "BOUNCE", reason_name(reason), ret,
	       ex.verdict, reason_name(ex.reason));
}

/* Map a page of B's p2pmem for the switch's edu: its one segment's kind and reason. */
static void map_is(uint32_t kind, uint32_t reason, const char *what)
{
	void *p = p2pmem_map(&lab.prov_b, PG, NULL);
	struct p2pmap_segment seg = { 0 };
	struct p2pmap_map m;
	uint32_t nr = 1;
	int ret;

	ret = xmap(fd, &lab.edu_sw, p, PG, P2PMAP_DIR_BIDIRECTIONAL, &m);
	if (!ret) {
		ret = xsegments(fd, m.handle, &seg, &nr);
		xunmap(fd, m.handle);
	}
	tap_ok(!ret && nr == 1 && seg.kind == kind && seg.reason == reason &&
	       (kind == P2PMAP_SEG_P2P ? m.bytes_p2p : m.bytes_bounce) == PG,
	       "%s: a mapping of B's memory is %s, reason %s (got %d, kind %u, %s)", what,
	       kind == P2PMAP_SEG_P2P ? "P2P" : "bounced", reason_name(reason), ret, seg.kind,
	       reason_name(seg.reason));
	if (!ret && kind == P2PMAP_SEG_P2P && !iommu)
		tap_ok(seg.dma_addr >= lab.prov_b.bar_start && seg.dma_addr < lab.prov_b.bar_end,
		       "%s: without an IOMMU, the DMA address %#llx is in B's BAR", what,
		       (unsigned long long)seg.dma_addr);
	else if (!ret && kind == P2PMAP_SEG_P2P)
		tap_ok(seg.dma_addr < lab.prov_b.bar_start || seg.dma_addr >= lab.prov_b.bar_end,
		       "%s: through the IOMMU, the DMA address %#llx is an IOVA", what,
		       (unsigned long long)seg.dma_addr);
	munmap(p, PG);
}

/* Real edu DMA both ways between B's memory and RAM; @path: the path B's bytes take. */
static void dma_both_ways(int path, const char *what)
{
	size_t len = 2 * PG;
	struct p2pmap_edu_window win[] = { { 0, 300 }, { PG - 100, 200 }, { 2 * PG - 64, 64 } };
	void *p = p2pmem_map(&lab.prov_b, len, NULL);
	void *ram = ram_buf(len), *ref = ram_buf(len);
	struct p2pmap_edu_copy c;
	bool good = true;
	unsigned int i;
	int ret;

	/* B -> RAM: the edu reads B's memory. */
	fill_pattern(p, len, 11);
	memset(ram, 0, len);
	ret = edu_copy(&lab.edu_sw, p, ram, len, win, ARRAY_SIZE(win), &c);
	fill_pattern(ref, len, 11);
	for (i = 0; i < ARRAY_SIZE(win); i++)
		good &= !memcmp((char *)ram + win[i].offset, (char *)ref + win[i].offset,
				win[i].len);
	tap_ok(!ret && good && c.src_bytes[path] == len,
	       "%s: the edu reads B's memory byte-correct, %s (ret %d, P2P %llu, bounced %llu)",
	       what, path == PATH_P2P ? "peer to peer" : "bounced", ret,
	       (unsigned long long)c.src_bytes[PATH_P2P],
	       (unsigned long long)c.src_bytes[PATH_BOUNCE]);

	/* RAM -> B: the edu writes B's memory. */
	fill_pattern(ram, len, 12);
	memset(p, 0, len);
	ret = edu_copy(&lab.edu_sw, ram, p, len, win, ARRAY_SIZE(win), &c);
	good = true;
	for (i = 0; i < ARRAY_SIZE(win); i++)
		good &= !memcmp((char *)p + win[i].offset, (char *)ram + win[i].offset,
				win[i].len);
	tap_ok(!ret && good && c.dst_bytes[path] == len,
	       "%s: the edu writes B's memory byte-correct, %s (ret %d, P2P %llu, bounced %llu)",
	       what, path == PATH_P2P ? "peer to peer" : "bounced", ret,
	       (unsigned long long)c.dst_bytes[PATH_P2P],
	       (unsigned long long)c.dst_bytes[PATH_BOUNCE]);
	munmap(p, len);
	munmap(ram, len);
	munmap(ref, len);
}

/*
 * One buffer of RAM, A's memory (bus addresses through the switch) and B's (the override's
 * dma_map_resource()): one table, three kinds of segment in order, data right across them.
 */
static void mixed_buffer(void)
{
	size_t len = 3 * PG;
	char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct p2pmap_edu_window win[] = { { PG - 50, 100 }, { 2 * PG - 50, 100 } };
	struct p2pmap_segment segs[4];
	char *ram = ram_buf(len), *ref = ram_buf(len);
	struct p2pmap_edu_copy c;
	struct p2pmap_map m;
	uint32_t nr = 4;
	bool good = true;
	unsigned int i;
	int ret;

	if (buf == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));
	p2pmem_map(&lab.prov_a, PG, buf + PG);
	p2pmem_map(&lab.prov_b, PG, buf + 2 * PG);
	ret = xmap(fd, &lab.edu_sw, buf, len, P2PMAP_DIR_TO_DEVICE, &m);
	if (!ret) {
		ret = xsegments(fd, m.handle, segs, &nr);
		xunmap(fd, m.handle);
	}
	tap_ok(!ret && nr == 3 && segs[0].kind == P2PMAP_SEG_RAM &&
	       segs[1].kind == P2PMAP_SEG_P2P && segs[1].reason == P2PMAP_REASON_TOPOLOGY_P2P &&
	       segs[2].kind == P2PMAP_SEG_P2P &&
	       segs[2].reason == P2PMAP_REASON_VERIFIED_OVERRIDE && m.bytes_p2p == 2 * PG,
	       "RAM, A and B in one mapping: RAM, P2P topology-p2p, P2P verified-override (ret %d, %u segments, %s, %s)",
	       ret, nr, nr > 1 ? reason_name(segs[1].reason) : "-",
	       nr > 2 ? reason_name(segs[2].reason) : "-");

	fill_pattern(buf, len, 21);
	fill_pattern(ref, len, 21);
	memset(ram, 0, len);
	ret = edu_copy(&lab.edu_sw, buf, ram, len, win, ARRAY_SIZE(win), &c);
	for (i = 0; i < ARRAY_SIZE(win); i++)
		good &= !memcmp(ram + win[i].offset, ref + win[i].offset, win[i].len);
	tap_ok(!ret && good && c.src_bytes[PATH_P2P] == 2 * PG,
	       "the edu reads across RAM | A | B byte-correct (ret %d, P2P %llu)", ret,
	       (unsigned long long)c.src_bytes[PATH_P2P]);
	munmap(buf, len);
	munmap(ram, len);
	munmap(ref, len);
}

static void set_fault(const char *v)
{
	sysfs_write(EDU_PARAM "probe_fault", v);
}

static bool dmesg_has(const char *what)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "dmesg | grep -q '%s'", what);
	return system(cmd) == 0;
}

static void failing_probes(void)
{
	static const struct {
		const char *fault;
		uint32_t result;
	} f[] = { { "1", P2PMAP_PROBE_ALL_ONES }, { "2", P2PMAP_PROBE_NOT_WRITTEN } };
	struct p2pmap_pair_stat e = { 0 };
	struct p2pmap_verify v;
	unsigned int i;
	char sig[128];
	bool found;
	int ret;

	for (i = 0; i < ARRAY_SIZE(f); i++) {
		set_fault(f[i].fault);
		ret = xverify(fd, &lab.prov_b, &lab.edu_sw, P2PMAP_VERIFY_ENABLE, &v);
		tap_ok(!ret && v.result == f[i].result && v.nr_cases == 1 &&
		       v.cases[0].dir == P2PMAP_PROBE_READ && v.cases[0].result == f[i].result &&
		       v.override == 0,
		       "probe_fault=%s: the probe fails at its first transfer with %s, no override (ret %d, %s, %u transfers, state %u)",
		       f[i].fault, result_name(f[i].result), ret, result_name(v.result),
		       v.nr_cases, v.override);
		snprintf(sig, sizeof(sig), "probe of %s failed, %s", lab.prov_b.name,
			 result_name(f[i].result));
		tap_ok(dmesg_has(sig), "the kernel log has the signature: \"%s\"", sig);
	}
	set_fault("0");
	tap_ok(xoverride(fd, &lab.prov_b, &lab.edu_sw, P2PMAP_OVERRIDE_ADD, NULL) == -ENOKEY,
	       "after failed probes, OVERRIDE ADD is ENOKEY");
	explain_is(P2PMAP_VERDICT_BOUNCE, P2PMAP_REASON_NO_COMMON_BRIDGE, "failed probe");
	map_is(P2PMAP_SEG_BOUNCE, P2PMAP_REASON_NO_COMMON_BRIDGE, "failed probe");
	found = pair_stat(&e);
	tap_ok(found && e.probes_failed >= 2 && e.override == 0 &&
	       e.probe_result == P2PMAP_PROBE_NOT_WRITTEN,
	       "STATS counts the failed probes (%llu), last result %s, no override",
	       (unsigned long long)e.probes_failed, result_name(e.probe_result));
}

/*
 * The override state is part of a pure policy's cache key (topology is pure): after an ADD
 * and after a DEL, the very next mapping gets the policy's new answer, not the cached one.
 */
static void pure_follows_override(void)
{
	struct topology_bpf *t = topology_bpf__open_and_load();
	struct bpf_link *l = t ? bpf_map__attach_struct_ops(t->maps.topology) : NULL;

	if (!l)
		tap_bail("attach topology: %s", strerror(errno));
	map_is(P2PMAP_SEG_BOUNCE, P2PMAP_REASON_POLICY, "topology (pure), override off");
	if (xoverride(fd, &lab.prov_b, &lab.edu_sw, P2PMAP_OVERRIDE_ADD, NULL))
		tap_diag("OVERRIDE ADD failed: %m");
	map_is(P2PMAP_SEG_P2P, P2PMAP_REASON_VERIFIED_OVERRIDE, "topology (pure), override on");
	if (xoverride(fd, &lab.prov_b, &lab.edu_sw, P2PMAP_OVERRIDE_DEL, NULL))
		tap_diag("OVERRIDE DEL failed: %m");
	map_is(P2PMAP_SEG_BOUNCE, P2PMAP_REASON_POLICY, "topology (pure), override off again");
	bpf_link__destroy(l);
	topology_bpf__destroy(t);
}

static void passing_probe(void)
{
	struct p2pmap_pair_stat e = { 0 };
	struct p2pmap_override o;
	struct p2pmap_verify v;
	bool all = true, found;
	uint32_t i;
	int ret;

	ret = xverify(fd, &lab.prov_b, &lab.edu_sw, 0, &v);
	for (i = 0; i < v.nr_cases; i++)
		all &= v.cases[i].result == P2PMAP_PROBE_PASS;
	tap_ok(!ret && v.result == P2PMAP_PROBE_PASS && v.nr_cases == 8 && all &&
	       v.override == P2PMAP_OVERRIDE_VERIFIED && v.bytes > 0,
	       "the probe passes: %u transfers, %llu bytes both ways in %.1f s, verified, not enabled (ret %d, %s)",
	       v.nr_cases, (unsigned long long)v.bytes, v.duration_ns / 1e9, ret,
	       result_name(v.result));
	for (i = 0; i < v.nr_cases; i++)
		all &= v.cases[i].dir == (i < v.nr_cases / 2 ? P2PMAP_PROBE_READ : P2PMAP_PROBE_WRITE);
	tap_ok(all && v.cases[1].offset % 4 && v.cases[3].len < 8 && v.cases[5].offset % 4,
	       "it moved data both ways, every read before the first write, at unaligned offsets and a few bytes too");
	explain_is(P2PMAP_VERDICT_BOUNCE, P2PMAP_REASON_NO_COMMON_BRIDGE,
		   "verified, override off");

	ret = xoverride(fd, &lab.prov_b, &lab.edu_sw, P2PMAP_OVERRIDE_ADD, &o);
	tap_ok(!ret && o.override == BOTH && o.verified_at &&
	       o.verified_at <= (uint64_t)time(NULL) && o.verified_at + 3600 > (uint64_t)time(NULL),
	       "OVERRIDE ADD: verified and enabled, verified %lld s ago (ret %d)",
	       (long long)time(NULL) - (long long)o.verified_at, ret);
	explain_is(P2PMAP_VERDICT_P2P, P2PMAP_REASON_VERIFIED_OVERRIDE, "override on");
	map_is(P2PMAP_SEG_P2P, P2PMAP_REASON_VERIFIED_OVERRIDE, "override on");
	dma_both_ways(PATH_P2P, "override on");
	if (bus_pair)
		mixed_buffer();
	found = pair_stat(&e);
	tap_ok(found && e.override == BOTH && e.probes_passed >= 1 &&
	       e.probe_result == P2PMAP_PROBE_PASS && e.verified_at == o.verified_at &&
	       e.last_reason == P2PMAP_REASON_VERIFIED_OVERRIDE && e.bytes_p2p > 0,
	       "STATS: override on, probe passed at %llu, last reason %s",
	       (unsigned long long)e.verified_at, reason_name(e.last_reason));

	ret = xoverride(fd, &lab.prov_b, &lab.edu_sw, P2PMAP_OVERRIDE_DEL, &o);
	tap_ok(!ret && o.override == P2PMAP_OVERRIDE_VERIFIED,
	       "OVERRIDE DEL: still verified, not enabled (ret %d, state %u)", ret, o.override);
	explain_is(P2PMAP_VERDICT_BOUNCE, P2PMAP_REASON_NO_COMMON_BRIDGE, "override off");
	map_is(P2PMAP_SEG_BOUNCE, P2PMAP_REASON_NO_COMMON_BRIDGE, "override off");
	dma_both_ways(PATH_BOUNCE, "override off");
	pure_follows_override();

	/* A failing probe takes an enabled override away. */
	tap_ok(!xoverride(fd, &lab.prov_b, &lab.edu_sw, P2PMAP_OVERRIDE_ADD, NULL),
	       "ADD again needs no new probe");
	set_fault("1");
	ret = xverify(fd, &lab.prov_b, &lab.edu_sw, 0, &v);
	set_fault("0");
	tap_ok(!ret && v.result == P2PMAP_PROBE_ALL_ONES && v.override == 0,
	       "a failing probe drops the enabled override (ret %d, %s, state %u)", ret,
	       result_name(v.result), v.override);
	explain_is(P2PMAP_VERDICT_BOUNCE, P2PMAP_REASON_NO_COMMON_BRIDGE, "re-probe failed");
}

static void bind_edu(const char *drv_file)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/p2pmap_edu/%s", drv_file);
	sysfs_write(path, lab.edu_sw.name);
}

static void rebind(void)
{
	struct p2pmap_verify v;
	int ret;

	ret = xverify(fd, &lab.prov_b, &lab.edu_sw, P2PMAP_VERIFY_ENABLE, &v);
	tap_ok(!ret && v.result == P2PMAP_PROBE_PASS && v.override == BOTH,
	       "VERIFY with ENABLE: passed and enabled in one call (ret %d)", ret);
	sysfs_write(EDU_PARAM "offer_dma_copy", "N");
	bind_edu("unbind");
	bind_edu("bind");
	sysfs_write(EDU_PARAM "offer_dma_copy", "Y");
	explain_is(P2PMAP_VERDICT_BOUNCE, P2PMAP_REASON_NO_COMMON_BRIDGE, "client rebound");
	tap_ok(xoverride(fd, &lab.prov_b, &lab.edu_sw, P2PMAP_OVERRIDE_ADD, NULL) == -ENOKEY,
	       "the client's rebind dropped the verification: ADD is ENOKEY");
	ret = xverify(fd, &lab.prov_b, &lab.edu_sw, 0, &v);
	tap_ok(ret == -EOPNOTSUPP, "a client bound without the probe op cannot be verified: %s",
	       strerror(-ret));
	bind_edu("unbind");
	bind_edu("bind");
	ret = xverify(fd, &lab.prov_b, &lab.prov_a, 0, &v);
	tap_ok(ret == -EACCES, "a client no driver registered (A's NVMe): %s", strerror(-ret));
	ret = xverify(fd, &lab.edu_sw, &lab.edu_sw, 0, &v);
	tap_ok(ret == -ENODEV, "a provider without P2P memory (an edu): %s", strerror(-ret));
}

/* Without CAP_SYS_ADMIN, on a descriptor root opened: EPERM for both ioctls. */
static void privilege(void)
{
	pid_t pid = fork();
	int status = -1;

	if (pid == 0) {
		struct p2pmap_verify v;

		if (setgid(65534) || setuid(65534))
			_exit(3);
		if (xverify(fd, &lab.prov_b, &lab.edu_sw, P2PMAP_VERIFY_ENABLE, &v) != -EPERM)
			_exit(1);
		if (xoverride(fd, &lab.prov_b, &lab.edu_sw, P2PMAP_OVERRIDE_ADD, NULL) != -EPERM)
			_exit(2);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "nobody: VERIFY and OVERRIDE ADD are EPERM on an inherited descriptor (status %d)",
	       status);
}

/*
 * "viommu": Linux turns ACS redirect on everywhere and the lab's AMD Zen root complex is
 * whitelisted, so the kernel allows every pair through the host bridge: there is nothing to
 * override. What can be checked is the probe through the IOMMU (the client is given an IOVA
 * for B's memory, and the data is right both ways), a failing probe, privilege, and that an
 * override on an allowed pair changes nothing.
 */
static void allowed_pair(void)
{
	struct p2pmap_override o;
	struct p2pmap_explain ex;
	struct p2pmap_verify v;
	int ret;

	ret = xexplain(fd, &lab.prov_b, &lab.edu_sw, PG, &ex);
	tap_ok(!ret && ex.kernel_verdict == P2PMAP_KV_HOST_BRIDGE &&
	       ex.verdict == P2PMAP_VERDICT_P2P && ex.reason == P2PMAP_REASON_HOST_BRIDGE_P2P,
	       "the kernel allows B -> the switch's edu through the host bridge (%s)",
	       reason_name(ex.reason));
	ret = xverify(fd, &lab.prov_b, &lab.edu_sw, 0, &v);
	tap_ok(!ret && v.result == P2PMAP_PROBE_PASS && v.nr_cases == 8,
	       "the probe passes through the IOMMU: %u transfers (ret %d, %s)", v.nr_cases, ret,
	       result_name(v.result));
	tap_ok(!ret && (v.dma_provider < lab.prov_b.bar_start ||
			v.dma_provider > lab.prov_b.bar_end),
	       "the client was given an IOVA for B's memory (%#llx), not its BAR (%#llx)",
	       (unsigned long long)v.dma_provider, (unsigned long long)lab.prov_b.bar_start);
	ret = xoverride(fd, &lab.prov_b, &lab.edu_sw, P2PMAP_OVERRIDE_ADD, &o);
	xexplain(fd, &lab.prov_b, &lab.edu_sw, PG, &ex);
	tap_ok(!ret && o.override == BOTH && ex.reason == P2PMAP_REASON_HOST_BRIDGE_P2P,
	       "an override on an allowed pair changes nothing: %s", reason_name(ex.reason));
	xoverride(fd, &lab.prov_b, &lab.edu_sw, P2PMAP_OVERRIDE_DEL, NULL);
	set_fault("2");
	ret = xverify(fd, &lab.prov_b, &lab.edu_sw, 0, &v);
	set_fault("0");
	tap_ok(!ret && v.result == P2PMAP_PROBE_NOT_WRITTEN && v.override == 0,
	       "a transfer that does not land through the IOMMU: not-written, verification cleared (%s)",
	       result_name(v.result));
	privilege();
}

int main(void)
{
	struct p2pmap_override o = { .argsz = sizeof(o), .flags = 3 };
	struct p2pmap_explain ex;
	struct lab_dev prov[8], edu[8];
	int np, ne;

	bus_pair = !lab_find(&lab);
	if (!bus_pair) {
		/* No bus-address pair (ACS redirect): B and the switch's edu by address order. */
		if (lab_scan(prov, &np, edu, &ne, 8) || np < 2 || ne < 2)
			tap_bail("the lab's devices were not found");
		lab.prov_b = prov[1];
		lab.edu_sw = edu[1];
	}
	fd = p2pmap_open();
	iommu = access("/sys/class/iommu", F_OK) == 0 &&
		system("[ -n \"$(ls /sys/class/iommu)\" ]") == 0;
	tap_diag("provider B %s, client %s, %s", lab.prov_b.name, lab.edu_sw.name,
		 iommu ? "IOMMU" : "no IOMMU");
	if (!xexplain(fd, &lab.prov_b, &lab.edu_sw, PG, &ex) &&
	    ex.kernel_verdict != P2PMAP_KV_NOT_SUPPORTED) {
		tap_plan(6);
		allowed_pair();
		close(fd);
		return tap_done();
	}
	tap_plan(bus_pair ? 41 : 39);

	explain_is(P2PMAP_VERDICT_BOUNCE, P2PMAP_REASON_NO_COMMON_BRIDGE, "no override");
	tap_ok(ioctl(fd, P2PMAP_IOC_OVERRIDE, &o) && errno == EINVAL,
	       "OVERRIDE with both ADD and DEL is EINVAL");
	privilege();
	failing_probes();
	passing_probe();
	rebind();
	close(fd);
	return tap_done();
}
