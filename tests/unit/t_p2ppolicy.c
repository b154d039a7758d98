// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of p2ppolicy's parts that need no kernel: device names, sizes, rule verdicts,
 * the configuration file (every way it can be wrong), device lookup in a fake sysfs tree,
 * and the output of the read commands (tables, JSON). cmocka, TAP output.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "fmt.h"
#include "fmt_shadow.h"
#include "fmt_override.h"
#include "metrics.h"
#include "pci.h"
#include "rule.h"
#include "util.h"

/* ---- device names ---- */

static void addr_forms(void **state)
{
	struct pci_spec s;
	char why[192], buf[32];

	(void)state;
	assert_int_equal(pci_spec_parse("0000:03:00.0", false, &s, why, sizeof(why)), 0);
	assert_int_equal(s.kind, SPEC_ADDR);
	assert_int_equal(s.addr.bus, 3);
	assert_int_equal(s.addr.devfn, 0);
	assert_int_equal(pci_spec_parse("03:1f.7", false, &s, why, sizeof(why)), 0);
	assert_int_equal(s.addr.domain, 0);
	assert_int_equal(s.addr.devfn, 0x1f << 3 | 7);
	assert_string_equal(pci_spec_str(&s, buf, sizeof(buf)), "0000:03:1f.7");
	assert_int_equal(pci_spec_parse("10000:ff:00.1", false, &s, why, sizeof(why)), 0);
	assert_int_equal(s.addr.domain, 0x10000);
	assert_string_equal(pci_spec_str(&s, buf, sizeof(buf)), "10000:ff:00.1");
	assert_int_equal(pci_spec_parse("1b36:0010", false, &s, why, sizeof(why)), 0);
	assert_int_equal(s.kind, SPEC_ID);
	assert_int_equal(s.vendor, 0x1b36);
	assert_int_equal(s.device, 0x0010);
	assert_int_equal(pci_spec_parse("any", true, &s, why, sizeof(why)), 0);
	assert_int_equal(s.kind, SPEC_ANY);
}

static void addr_bad(void **state)
{
	static const char *const bad[] = {
		"", "any", "03:00", "03:20.0", "03:00.8", "100:00.0", "0000:03:00.0.1", "0000:03:00.",
		"xyz", "1b36:10", "1b36:00100", "03:00.0 ", "-1:00.0", "0000:03:00:0.0", "g3:00.0",
		"123456789:00:00.0",
	};
	struct pci_spec s;
	char why[192];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		why[0] = '\0';
		if (pci_spec_parse(bad[i], false, &s, why, sizeof(why)) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(strstr(why, "is not a device"));
	}
}

/* ---- sizes ---- */

static void sizes(void **state)
{
	uint64_t v;
	char buf[32];

	(void)state;
	assert_int_equal(parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size("64K", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(parse_size("1MiB", &v), 0);
	assert_int_equal(v, 1 << 20);
	assert_int_equal(parse_size("2 G", &v), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(parse_size("0x10", &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(parse_size("", &v), -EINVAL);
	assert_int_equal(parse_size("-1", &v), -EINVAL);
	assert_int_equal(parse_size("12Q", &v), -EINVAL);
	assert_int_equal(parse_size("1KK", &v), -EINVAL);
	assert_int_equal(parse_size("99999999999999999999", &v), -ERANGE);
	assert_int_equal(parse_size("17179869184G", &v), -ERANGE);
	assert_string_equal(fmt_size(0, buf, sizeof(buf)), "0 B");
	assert_string_equal(fmt_size(65536, buf, sizeof(buf)), "64 KiB");
	assert_string_equal(fmt_size(1536 * 1024, buf, sizeof(buf)), "1.5 MiB");
}

/* ---- rule verdicts ---- */

static void verdicts(void **state)
{
	struct p2pmap_rule r;
	char why[192], buf[160];

	(void)state;
	assert_int_equal(rule_verdicts_parse("bounce", &r, why, sizeof(why)), 0);
	assert_int_equal(r.nr_ranges, 1);
	assert_int_equal(r.range[0].min_len, 0);
	assert_true(r.range[0].max_len == UINT64_MAX);
	assert_int_equal(r.range[0].verdict, P2PMAP_VERDICT_BOUNCE);

	assert_int_equal(rule_verdicts_parse("0-64K:bounce 64K-:p2p", &r, why, sizeof(why)), 0);
	assert_int_equal(r.nr_ranges, 2);
	assert_int_equal(r.range[0].max_len, 65535);
	assert_int_equal(r.range[1].min_len, 65536);
	assert_int_equal(r.range[1].verdict, P2PMAP_VERDICT_P2P);
	assert_string_equal(rule_verdicts_str(&r, buf, sizeof(buf)), "0-64K:bounce 64K-:p2p");

	assert_int_equal(rule_verdicts_parse("1M-2M:reject,0-4K:builtin", &r, why, sizeof(why)), 0);
	assert_string_equal(rule_verdicts_str(&r, buf, sizeof(buf)), "1M-2M:reject 0-4K:builtin");
}

static void verdicts_bad(void **state)
{
	static const struct { const char *in, *why; } bad[] = {
		{ "", "no verdict" },
		{ "fast", "unknown verdict 'fast'" },
		{ "0-64K:bounce 32K-:p2p", "overlap" },
		{ "64K-64K:p2p", "empty size range" },
		{ "1M-64K:p2p", "empty size range" },
		{ "64K:p2p", "must look like MIN-MAX" },
		{ "x-1M:p2p", "bad size 'x'" },
		{ "0-1Z:p2p", "bad size '1Z'" },
		{ "0-1K:p2p 1K-2K:p2p 2K-3K:p2p 3K-4K:p2p 4K-:p2p", "at most 4" },
		{ "p2p bounce", "overlap" },
	};
	struct p2pmap_rule r;
	char why[192];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		why[0] = '\0';
		if (rule_verdicts_parse(bad[i].in, &r, why, sizeof(why)) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i].in);
		if (!strstr(why, bad[i].why))
			fail_msg("'%s': expected '%s' in '%s'", bad[i].in, bad[i].why, why);
	}
}

static void rule_keys(void **state)
{
	struct rule_def d = { 0 }, back;
	struct p2pmap_rule_key k;
	char why[192];

	(void)state;
	assert_int_equal(pci_spec_parse("0000:03:00.1", true, &d.provider, why, sizeof(why)), 0);
	assert_int_equal(pci_spec_parse("1234:11e8", true, &d.client, why, sizeof(why)), 0);
	rule_key(&d, &k);
	assert_int_equal(k.provider.kind, P2PMAP_MATCH_ADDR);
	assert_int_equal(k.provider.b, 3 << 8 | 1);
	assert_int_equal(k.client.kind, P2PMAP_MATCH_ID);
	assert_int_equal(k.client.a, 0x123411e8);
	assert_int_equal(k.client.b, 0);
	rule_from_key(&k, &back);
	assert_memory_equal(&back.provider, &d.provider, sizeof(d.provider));
	assert_memory_equal(&back.client, &d.client, sizeof(d.client));
}

/* ---- configuration ---- */

static const char good_conf[] =
	"# comment\n"
	"[policy]\n"
	"name = rules ; inline comment\n"
	"on_exit = detach\n"
	"\n"
	"[rule \"a to edu\"]\n"
	"provider = 0000:03:00.0\n"
	"client = 1234:11e8\n"
	"verdict = 0-64K:bounce 64K-:p2p\n"
	"[rule b]\n"
	"provider = any\n"
	"client = 03:00.0\n"
	"verdict = reject\n";

static void config_good(void **state)
{
	struct config c;
	char why[512];

	(void)state;
	assert_int_equal(config_parse_string(good_conf, "t.conf", &c, why, sizeof(why)), 0);
	assert_string_equal(c.policy, "rules");
	assert_int_equal(c.policy_line, 3);
	assert_true(c.detach_on_exit);
	assert_int_equal(c.nr_rules, 2);
	assert_string_equal(c.rules[0].name, "a to edu");
	assert_int_equal(c.rules[0].line, 6);
	assert_int_equal(c.rules[0].def.val.nr_ranges, 2);
	assert_string_equal(c.rules[1].name, "b");
	assert_int_equal(c.rules[1].def.provider.kind, SPEC_ANY);
	assert_int_equal(c.rules[1].def.val.range[0].verdict, P2PMAP_VERDICT_REJECT);
	/* No [metrics]: node_exporter's Debian directory, every 15 s. */
	assert_string_equal(c.metrics_dir, "/var/lib/prometheus/node-exporter");
	assert_int_equal(c.metrics_interval, 15);
	config_free(&c);

	/* [metrics]: another directory and interval; an empty directory turns the file off. */
	assert_int_equal(config_parse_string("[policy]\nname = topology\n[metrics]\n"
					     "textfile_dir = /tmp/tf\ninterval = 2\n", "t.conf", &c,
					     why, sizeof(why)), 0);
	assert_string_equal(c.metrics_dir, "/tmp/tf");
	assert_int_equal(c.metrics_interval, 2);
	config_free(&c);
	assert_int_equal(config_parse_string("[policy]\nname = topology\n[metrics]\ntextfile_dir =\n",
					     "t.conf", &c, why, sizeof(why)), 0);
	assert_string_equal(c.metrics_dir, "");
	config_free(&c);

	assert_int_equal(config_parse_string("[policy]\nname = size_threshold\n[tunables]\n"
					     "min_p2p_bytes = 1M\nflag = true\n", "t.conf", &c,
					     why, sizeof(why)), 0);
	assert_false(c.detach_on_exit);
	assert_int_equal(c.nr_tunables, 2);
	assert_string_equal(c.tunables[0].name, "min_p2p_bytes");
	assert_int_equal(c.tunables[0].value, 1 << 20);
	assert_int_equal(c.tunables[0].line, 4);
	assert_int_equal(c.tunables[1].value, 1);
	config_free(&c);

	/* [shadow]: its name, and its own tunables beside the policy's. */
	assert_int_equal(config_parse_string("[policy]\nname = topology\n[shadow]\n"
					     "name = size_threshold\nmin_p2p_bytes = 64K\n"
					     "[tunables]\nx = 1\n", "t.conf", &c, why, sizeof(why)), 0);
	assert_string_equal(c.shadow, "size_threshold");
	assert_int_equal(c.shadow_line, 4);
	assert_int_equal(c.nr_shadow_tunables, 1);
	assert_string_equal(c.shadow_tunables[0].name, "min_p2p_bytes");
	assert_int_equal(c.shadow_tunables[0].value, 64 << 10);
	assert_int_equal(c.nr_tunables, 1);
	config_free(&c);

	/* [override]: one pair a line, addresses or vendor:device IDs. */
	assert_int_equal(config_parse_string("[policy]\nname = topology\n[override]\n"
					     "pair = 0000:05:00.0 0000:04:00.0\n"
					     "pair = 1b36:0010 1234:11e8\n", "t.conf", &c, why,
					     sizeof(why)), 0);
	assert_int_equal(c.nr_overrides, 2);
	assert_int_equal(c.overrides[0].provider.addr.bus, 5);
	assert_int_equal(c.overrides[0].client.addr.bus, 4);
	assert_int_equal(c.overrides[0].line, 4);
	assert_int_equal(c.overrides[1].client.device, 0x11e8);
	config_free(&c);
}

static void config_bad(void **state)
{
	static const struct { const char *text, *why; } bad[] = {
		{ "", "t.conf:1: no policy" },
		{ "[policy]\non_exit = keep\n", "t.conf:1: no policy" },
		{ "name = rules\n", "t.conf:1: 'name' is outside any section" },
		{ "[policy]\nname = rules\n[polcy]\n", "t.conf:3: unknown section [polcy]" },
		{ "[policy]\nnaem = rules\n", "t.conf:2: unknown key 'naem' in [policy]" },
		{ "[policy]\nname = rules\nname = topology\n", "t.conf:3: 'name' given twice" },
		{ "[policy]\nname =\n", "t.conf:2: 'name' is empty" },
		{ "[policy]\nname = rules\non_exit = maybe\n", "t.conf:3: on_exit must be keep or detach" },
		{ "[policy]\nname = rules\nthis is not ini\n", "t.conf:3: not a [section] or key = value" },
		{ "[policy\nname = rules\n", "t.conf:1: not a [section]" },
		{ "[policy]\nname = size_threshold\n[tunables]\nmin = lots\n", "t.conf:4: bad value 'lots'" },
		{ "[policy]\nname = size_threshold\n[tunables]\nmin = 1\nmin = 2\n",
		  "t.conf:5: tunable 'min' given twice (first at line 4)" },
		{ "[policy]\nname = rules\n[rule x]\nprovider = 03:00\n", "t.conf:4: provider: '03:00' is not a device" },
		{ "[policy]\nname = rules\n[rule x]\nprovider = 0000:03:00.9\n", "t.conf:4: provider: '0000:03:00.9'" },
		{ "[policy]\nname = rules\n[rule x]\nclient = nvme0\n", "t.conf:4: client: 'nvme0' is not a device" },
		{ "[policy]\nname = rules\n[rule x]\nprovider = any\nclient = any\nverdict = 0-1Q:p2p\n",
		  "t.conf:6: verdict: bad size '1Q'" },
		{ "[policy]\nname = rules\n[rule x]\nprovider = any\nclient = any\nverdict = 1M-1K:p2p\n",
		  "t.conf:6: verdict: empty size range" },
		{ "[policy]\nname = rules\n[rule x]\nprovider = any\nclient = any\nverdict = 0-2M:p2p 1M-:bounce\n",
		  "t.conf:6: verdict: size ranges overlap" },
		{ "[policy]\nname = rules\n[rule x]\nprovider = any\nclient = any\nverdict = sometimes\n",
		  "t.conf:6: verdict: unknown verdict 'sometimes'" },
		{ "[policy]\nname = rules\n[metrics]\ninterval = 0\n",
		  "t.conf:4: interval must be 1 to 3600 seconds, not '0'" },
		{ "[policy]\nname = rules\n[metrics]\ntextfile_dir = tf\n",
		  "t.conf:4: textfile_dir must be an absolute path" },
		{ "[policy]\nname = rules\n[metrics]\nport = 9100\n",
		  "t.conf:4: unknown key 'port' in [metrics] (have: textfile_dir, interval)" },
		{ "[policy]\nname = rules\n[rule x]\nprovider = any\nclient = any\ncolour = red\n",
		  "t.conf:6: unknown key 'colour' in rule \"x\"" },
		{ "[policy]\nname = rules\n[rule x]\nprovider = any\nverdict = p2p\n", "t.conf:3: rule \"x\" has no 'client'" },
		{ "[policy]\nname = rules\n[rule x]\nclient = any\nverdict = p2p\n", "t.conf:3: rule \"x\" has no 'provider'" },
		{ "[policy]\nname = rules\n[rule x]\nprovider = any\nclient = any\n", "t.conf:3: rule \"x\" has no 'verdict'" },
		{ "[policy]\nname = rules\n[rule x]\nprovider = any\nprovider = any\n", "t.conf:5: 'provider' given twice" },
		{ "[policy]\nname = rules\n[rule x]\nprovider = 03:00.0\nclient = any\nverdict = p2p\n"
		  "[rule y]\nprovider = 0000:03:00.0\nclient = any\nverdict = bounce\n",
		  "t.conf:7: rule \"y\" overlaps rule \"x\" (line 3)" },
		{ "[policy]\nname = rules\n[rule x]\nprovider = any\nclient = any\nverdict = p2p\n"
		  "[rule z]\n[rule x]\n", "t.conf:8: rule \"x\" is already defined at line 3" },
		{ "[policy]\nname = rules\n[rule \"\"]\n", "t.conf:3: a rule needs a name" },
		{ "[policy]\nname = topology\n[shadow]\nmin = 1\n",
		  "t.conf:4: [shadow] has tunables but no 'name'" },
		{ "[policy]\nname = topology\n[shadow]\nname = a\nname = b\n",
		  "t.conf:5: 'name' given twice in [shadow]" },
		{ "[policy]\nname = topology\n[shadow]\nname =\n", "t.conf:4: 'name' is empty" },
		{ "[policy]\nname = topology\n[override]\npair = 0000:05:00.0\n",
		  "t.conf:4: pair: '0000:05:00.0' is not PROVIDER CLIENT" },
		{ "[policy]\nname = topology\n[override]\npair = any 0000:04:00.0\n",
		  "t.conf:4: pair: " },
		{ "[policy]\nname = topology\n[override]\npair = 05:00.0 04:00.0\npair = 05:00.0 04:00.0\n",
		  "t.conf:5: pair '05:00.0 04:00.0' given twice (first at line 4)" },
		{ "[policy]\nname = topology\n[override]\nprovider = 05:00.0\n",
		  "t.conf:4: unknown key 'provider' in [override]" },
		{ "[policy]\nname = topology\n[rule x]\nprovider = any\nclient = any\nverdict = p2p\n",
		  "t.conf:3: rules need 'name = rules'" },
		{ "[policy]\nname = rules\n[rule \"a name that is far too long for inih to keep it\"]\n",
		  "t.conf:3: section name longer than 48" },
		{ "[policy]\nname = rules\n[tunables]\nx = 1 ; a very long line .......................................................................................................................................................................................................\n",
		  "t.conf:4: line longer than" },
	};
	struct config c;
	char why[512];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		why[0] = '\0';
		if (config_parse_string(bad[i].text, "t.conf", &c, why, sizeof(why)) != -EINVAL)
			fail_msg("case %zu was accepted:\n%s", i, bad[i].text);
		if (strncmp(why, bad[i].why, strlen(bad[i].why)))
			fail_msg("case %zu: expected '%s...', got '%s'", i, bad[i].why, why);
		config_free(&c);
	}
}

static void config_file(void **state)
{
	char path[] = "/tmp/p2ppolicy-unit-XXXXXX", why[512];
	struct config c;
	int fd;

	(void)state;
	assert_int_equal(config_parse_file("/nonexistent/p2ppolicy.conf", &c, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "/nonexistent/p2ppolicy.conf: No such file or directory");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, good_conf, strlen(good_conf)), (ssize_t)strlen(good_conf));
	close(fd);
	assert_int_equal(config_parse_file(path, &c, why, sizeof(why)), 0);
	assert_int_equal(c.nr_rules, 2);
	assert_string_equal(c.path, path);
	config_free(&c);
	unlink(path);
}

/* The example configuration that ships must parse. */
static void config_example(void **state)
{
	struct config c;
	char why[512];

	(void)state;
	if (config_parse_file(P2PPOLICY_EXAMPLE_CONF, &c, why, sizeof(why)))
		fail_msg("%s", why);
	assert_string_equal(c.policy, "rules");
	assert_true(c.nr_rules >= 1);
	config_free(&c);
}

/* ---- device lookup in a fake sysfs ---- */

static char fake_root[64];

static void put(const char *name, const char *attr, const char *val)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", fake_root, name, attr);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", val);
	fclose(f);
}

static void fake_dev(const char *name, const char *vendor, const char *device, const char *class,
		     bool p2pmem)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", fake_root, name);
	mkdir(path, 0755);
	put(name, "vendor", vendor);
	put(name, "device", device);
	put(name, "class", class);
	put(name, "numa_node", "-1");
	if (p2pmem) {
		snprintf(path, sizeof(path), "%s/%s/p2pmem", fake_root, name);
		mkdir(path, 0755);
		put(name, "p2pmem/size", "67108864");
		put(name, "p2pmem/available", "67100000");
		put(name, "p2pmem/published", "1");
	}
}

static int fake_setup(void **state)
{
	(void)state;
	snprintf(fake_root, sizeof(fake_root), "/tmp/p2ppolicy-sysfs-XXXXXX");
	if (!mkdtemp(fake_root))
		return -1;
	fake_dev("0000:03:00.0", "0x1b36", "0x0010", "0x010802", true);
	fake_dev("0000:04:00.0", "0x1234", "0x11e8", "0x00ff00", false);
	fake_dev("0000:00:06.0", "0x1234", "0x11e8", "0x00ff00", false);
	fake_dev("0000:01:00.0", "0x104c", "0x8232", "0x060400", false);
	pci_sysfs_dir = fake_root;
	return 0;
}

static int fake_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fake_root);
	return system(cmd);
}

static void lookup(void **state)
{
	struct pci_info *v, pi;
	struct pci_spec s;
	char why[256];
	size_t n;

	(void)state;
	assert_int_equal(pci_list(&v, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(v[0].name, "0000:00:06.0");	/* sorted */
	assert_true(v[1].bridge);
	assert_true(v[2].p2pmem);
	assert_int_equal(v[2].p2pmem_size, 64 << 20);
	free(v);

	pci_spec_parse("03:00.0", false, &s, why, sizeof(why));
	assert_int_equal(pci_resolve(&s, &pi, why, sizeof(why)), 0);
	assert_int_equal(pi.vendor, 0x1b36);
	pci_spec_parse("1b36:0010", false, &s, why, sizeof(why));
	assert_int_equal(pci_resolve(&s, &pi, why, sizeof(why)), 0);
	assert_string_equal(pi.name, "0000:03:00.0");
	pci_spec_parse("1234:11e8", false, &s, why, sizeof(why));
	assert_int_equal(pci_resolve(&s, &pi, why, sizeof(why)), -ENOTUNIQ);
	assert_string_equal(why, "1234:11e8 matches 2 devices (0000:00:06.0, 0000:04:00.0): name one by its address");
	pci_spec_parse("09:00.0", false, &s, why, sizeof(why));
	assert_int_equal(pci_resolve(&s, &pi, why, sizeof(why)), -ENODEV);
	assert_string_equal(why, "no PCI device 0000:09:00.0 on this machine");
}

/* ---- output ---- */

static const struct p2pmap_pair_stat pairs[] = {
	{ .provider = { 0, 3, 0 }, .client = { 0, 4, 0 }, .decisions_p2p = 3, .decisions_bounce = 1,
	  .bytes_p2p = 3 << 20, .bytes_bounce = 16384, .last_verdict = P2PMAP_VERDICT_P2P,
	  .last_reason = P2PMAP_REASON_POLICY, .kernel_verdict = P2PMAP_KV_BUS_ADDR, .distance = 4 },
	{ .provider = { 0, 5, 0 }, .client = { 0, 0, 6 << 3 }, .kernel_verdict = P2PMAP_KV_NOT_SUPPORTED,
	  .distance = -1 },
};

static char *capture(void (*fn)(FILE *f, const void *arg), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, arg);
	fclose(f);
	return buf;
}

static void pairs_all(FILE *f, const void *arg) { (void)arg; fmt_pairs(f, pairs, 2, true); }
static void pairs_busy(FILE *f, const void *arg) { (void)arg; fmt_pairs(f, pairs, 2, false); }

static void out_pairs(void **state)
{
	char *all = capture(pairs_all, NULL), *busy = capture(pairs_busy, NULL);
	json_object *j, *e, *x;

	(void)state;
	assert_non_null(strstr(all, "PROVIDER      CLIENT"));
	assert_non_null(strstr(all, "0000:03:00.0  0000:04:00.0  bus-address     4        3        1       0       3 MiB      16 KiB      0  P2P (policy)\n"));
	assert_non_null(strstr(all, "0000:05:00.0  0000:00:06.0  refused        -1"));
	assert_null(strstr(busy, "0000:05:00.0"));	/* idle pairs only with --all */
	free(all);
	free(busy);

	j = fmt_pairs_json(pairs, 2, false);
	assert_int_equal(json_object_array_length(j), 1);
	e = json_object_array_get_idx(j, 0);
	assert_true(json_object_object_get_ex(e, "bytes_p2p", &x));
	assert_int_equal(json_object_get_uint64(x), 3 << 20);
	assert_true(json_object_object_get_ex(e, "last_reason", &x));
	assert_string_equal(json_object_get_string(x), "policy");
	json_object_put(j);
}

static const struct p2pmap_pair_stat shadow_pairs[] = {
	{ .provider = { 0, 3, 0 }, .client = { 0, 4, 0 }, .shadow_compared = 4, .shadow_agreed = 2,
	  .shadow_disagree = { [0] = { [1] = 2 } }, .shadow_moved = { 2 },
	  .shadow_moved_bytes = { 32768 } },
	{ .provider = { 0, 5, 0 }, .client = { 0, 0, 6 << 3 }, .shadow_compared = 4, .shadow_agreed = 4 },
	{ .provider = { 0, 5, 0 }, .client = { 0, 4, 0 } },
};

static void shadow_text(FILE *f, const void *arg)
{
	struct shadow_report r = { "size_threshold", "attached", "topology", shadow_pairs, 3, false };

	(void)arg;
	fmt_shadow_report(f, &r);
}

static void out_shadow(void **state)
{
	struct shadow_report r = { "size_threshold", "attached", "topology", shadow_pairs, 3, true };
	char *t = capture(shadow_text, NULL);
	json_object *j, *p, *e, *x;

	(void)state;
	assert_non_null(strstr(t, "shadow size_threshold beside topology: 8 decisions compared, 6 agreed (75%), 2 would have moved path, 0 shadow errors\n"));
	assert_non_null(strstr(t, "MOVED <64K     MOVED 64K-1M   MOVED >=1M"));
	assert_non_null(strstr(t, "0000:03:00.0  0000:04:00.0         4       2  P2P->BOUNCE 2                  2 (32 KiB)     0              0                   0\n"));
	assert_null(strstr(t, "0000:05:00.0  0000:04:00.0"));	/* nothing compared: --all */
	free(t);

	j = fmt_shadow_report_json(&r);
	assert_true(json_object_object_get_ex(j, "compared", &x));
	assert_int_equal(json_object_get_uint64(x), 8);
	assert_true(json_object_object_get_ex(j, "pairs", &p));
	assert_int_equal(json_object_array_length(p), 3);
	e = json_object_array_get_idx(p, 0);
	assert_true(json_object_object_get_ex(e, "disagree", &x));
	x = json_object_array_get_idx(x, 0);
	assert_string_equal(json_object_get_string(json_object_object_get(x, "active")), "P2P");
	assert_string_equal(json_object_get_string(json_object_object_get(x, "shadow")), "BOUNCE");
	assert_int_equal(json_object_get_uint64(json_object_object_get(x, "decisions")), 2);
	assert_true(json_object_object_get_ex(e, "moved", &x));
	x = json_object_array_get_idx(x, 0);
	assert_string_equal(json_object_get_string(json_object_object_get(x, "size")), "<64K");
	assert_int_equal(json_object_get_uint64(json_object_object_get(x, "bytes")), 32768);
	json_object_put(j);
	assert_string_equal(size_bucket_str(P2PMAP_SIZE_LARGE), ">=1M");
}

static void out_json_roundtrip(void **state)
{
	struct p2pmap_explain e = { .verdict = P2PMAP_VERDICT_BOUNCE, .reason = P2PMAP_REASON_NO_COMMON_BRIDGE,
				    .kernel_verdict = P2PMAP_KV_NOT_SUPPORTED, .distance = -1 };
	struct explain_req req = { { 0, 3, 0 }, { 0, 0, 6 << 3 }, 65536, P2PMAP_DIR_TO_DEVICE };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_object *o, *x;

	(void)state;
	assert_int_equal(json_print(f, fmt_explain_json(&req, &e, "none")), 0);
	fclose(f);
	assert_null(strstr(buf, "\\/"));	/* no slash escaping */
	o = json_tokener_parse(buf);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "verdict", &x));
	assert_string_equal(json_object_get_string(x), "BOUNCE");
	assert_true(json_object_object_get_ex(o, "reason", &x));
	assert_string_equal(json_object_get_string(x), "no-common-bridge");
	assert_true(json_object_object_get_ex(o, "policy", &x));
	assert_null(x);
	assert_true(json_object_object_get_ex(o, "dir", &x));
	assert_string_equal(json_object_get_string(x), "to");
	json_object_put(o);
	free(buf);
}

static void out_verify(void **state)
{
	struct p2pmap_verify v = {
		.provider = { 0, 5, 0 }, .client = { 0, 4, 0 }, .result = P2PMAP_PROBE_ALL_ONES,
		.nr_cases = 1, .bytes = 4032, .duration_ns = 200000000, .dma_provider = 0xf8020000,
		.cases = { { .dir = P2PMAP_PROBE_READ, .result = P2PMAP_PROBE_ALL_ONES, .len = 4032,
			     .expected = 0xa4, .got = 0xff } },
	};
	struct p2pmap_pair_stat p = { .provider = { 0, 5, 0 }, .client = { 0, 4, 0 },
				      .override = P2PMAP_OVERRIDE_VERIFIED | P2PMAP_OVERRIDE_ENABLED,
				      .probe_result = P2PMAP_PROBE_PASS, .verified_at = 1795952597,
				      .probes_passed = 1, .probes_failed = 2 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	fmt_verify(f, &v);
	fmt_overrides(f, &p, 1);
	fclose(f);
	assert_non_null(strstr(buf, "DMA address 0xf8020000"));
	assert_non_null(strstr(buf, "\n  read        0   4032  all-ones (byte 0 is 0xff, expected 0xa4)\n"));
	assert_non_null(strstr(buf, "\nresult: FAIL: the data read all ones"));
	assert_non_null(strstr(buf, "\noverride: none: the latest probe failed (all-ones)\n"));
	assert_non_null(strstr(buf, "0000:05:00.0  0000:04:00.0  verified 2026-11-29 "));
	assert_non_null(strstr(buf, "UTC, enabled: P2P allowed; probes passed 1, failed 2\n"));
	free(buf);
}

static void out_names(void **state)
{
	uint32_t r;

	(void)state;
	/* Every reason the UAPI knows has a name and an explanation. */
	for (r = 0; r < __P2PMAP_REASON_MAX; r++) {
		assert_string_not_equal(reason_str(r), "unknown");
		assert_string_not_equal(reason_text(r), "unknown reason");
	}
	assert_string_equal(reason_str(__P2PMAP_REASON_MAX), "unknown");
	assert_string_equal(reason_str(P2PMAP_REASON_VERIFIED_OVERRIDE), "verified-override");
	for (r = P2PMAP_PROBE_PASS; r <= P2PMAP_PROBE_AER_ERROR; r++)
		assert_string_not_equal(probe_result_str(r), "-");
	assert_string_equal(probe_result_str(P2PMAP_PROBE_ALL_ONES), "all-ones");
	assert_string_equal(kverdict_str(P2PMAP_KV_HOST_BRIDGE), "host-bridge");
}

/* A snapshot with every kind of family: two busy pairs (one with a shadow, one verified) and an idle one. */
static const struct p2pmap_pair_stat metric_pairs[] = {
	{ .provider = { 0, 3, 0 }, .client = { 0, 4, 0 }, .decisions_p2p = 3, .decisions_bounce = 1,
	  .bytes_p2p = 3 << 20, .bytes_bounce = 16384, .last_verdict = P2PMAP_VERDICT_P2P,
	  .last_reason = P2PMAP_REASON_POLICY, .kernel_verdict = P2PMAP_KV_BUS_ADDR, .distance = 4,
	  .decisions_by_reason = { [P2PMAP_REASON_POLICY] = 4 }, .shadow_compared = 4,
	  .shadow_agreed = 2, .shadow_disagree = { [0] = { [1] = 2 } }, .shadow_moved = { 2 },
	  .shadow_moved_bytes = { 32768 } },
	{ .provider = { 0, 5, 0 }, .client = { 0, 4, 0 }, .decisions_bounce = 2, .bytes_bounce = 8192,
	  .errors = 1, .kernel_verdict = P2PMAP_KV_NOT_SUPPORTED, .distance = -1,
	  .decisions_by_reason = { [P2PMAP_REASON_NO_COMMON_BRIDGE] = 2 },
	  .override = P2PMAP_OVERRIDE_VERIFIED, .probes_passed = 1 },
	{ .provider = { 0, 5, 0 }, .client = { 0, 0, 6 << 3 }, .kernel_verdict = P2PMAP_KV_NOT_SUPPORTED,
	  .distance = -1 },
};

static void metrics_sample(FILE *f, const void *arg)
{
	struct metrics_snapshot m = {
		.loaded = true, .st = { .version = "0.1.0", .policy = "odd \"name\"\\",
					.policy_state = "attached", .policy_exit = "none",
					.counter = { [KC_MAPS] = 7, [KC_BYTES_P2P] = 3 << 20 } },
		.shadow = "size_threshold", .shadow_exit = "none", .bounce_max_pages = 65536,
		.pairs = (struct p2pmap_pair_stat *)metric_pairs, .nr = ARRAY_SIZE(metric_pairs),
	};

	metrics_format(f, arg ? arg : &m);
}

static void out_metrics(void **state)
{
	struct metrics_snapshot none = { .loaded = false };
	char *t = capture(metrics_sample, NULL), *u = capture(metrics_sample, &none);

	(void)state;
	assert_non_null(strstr(t, "# HELP p2pmap_maps_total "));
	assert_non_null(strstr(t, "# TYPE p2pmap_maps_total counter\np2pmap_maps_total 7\n"));
	assert_non_null(strstr(t, "p2pmap_mapped_bytes_total{path=\"p2p\"} 3145728\n"));
	assert_non_null(strstr(t, "p2pmap_pair_mapped_bytes_total{provider=\"0000:03:00.0\",client=\"0000:04:00.0\",path=\"p2p\"} 3145728\n"));
	assert_non_null(strstr(t, "p2pmap_pair_decisions_total{provider=\"0000:05:00.0\",client=\"0000:04:00.0\",verdict=\"bounce\"} 2\n"));
	assert_non_null(strstr(t, "p2pmap_pair_decisions_by_reason_total{provider=\"0000:05:00.0\",client=\"0000:04:00.0\",reason=\"no-common-bridge\"} 2\n"));
	assert_non_null(strstr(t, "p2pmap_pair_shadow_disagreements_total{provider=\"0000:03:00.0\",client=\"0000:04:00.0\",active=\"p2p\",shadow=\"bounce\"} 2\n"));
	assert_non_null(strstr(t, "p2pmap_pair_info{provider=\"0000:05:00.0\",client=\"0000:04:00.0\",kernel_verdict=\"refused\",override=\"verified\"} 1\n"));
	assert_non_null(strstr(t, "p2pmap_policy_info{slot=\"active\",policy=\"odd \\\"name\\\"\\\\\",exit=\"none\"} 1\n"));
	assert_null(strstr(t, "client=\"0000:00:06.0\""));	/* the idle pair */
	assert_string_equal(u, "# HELP p2pmap_up 1 when the p2pmap module is loaded.\n"
			       "# TYPE p2pmap_up gauge\np2pmap_up 0\n");
	free(t);
	free(u);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(addr_forms),
		cmocka_unit_test(addr_bad),
		cmocka_unit_test(sizes),
		cmocka_unit_test(verdicts),
		cmocka_unit_test(verdicts_bad),
		cmocka_unit_test(rule_keys),
		cmocka_unit_test(config_good),
		cmocka_unit_test(config_bad),
		cmocka_unit_test(config_file),
		cmocka_unit_test(config_example),
		cmocka_unit_test_setup_teardown(lookup, fake_setup, fake_teardown),
		cmocka_unit_test(out_pairs),
		cmocka_unit_test(out_shadow),
		cmocka_unit_test(out_json_roundtrip),
		cmocka_unit_test(out_verify),
		cmocka_unit_test(out_names),
		cmocka_unit_test(out_metrics),
	};

	/* The sample exposition alone, for promtool (tests/host/t_metrics.sh). */
	if (argc == 2 && !strcmp(argv[1], "--metrics-sample")) {
		metrics_sample(stdout, NULL);
		return 0;
	}

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("p2ppolicy", tests, NULL, NULL);
}
