// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2pmap's counters in the Prometheus text format (exposition format 0.0.4), named as the
 * Prometheus naming guide asks: p2pmap_ prefix, base units, counters ending in _total. The
 * per-pair families carry provider and client labels (PCI addresses) and show every pair
 * that made a decision (as 'pairs' does), was probed or has an override. Nothing is reset.
 */
#define _GNU_SOURCE	/* mkostemp() */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmds.h"
#include "fmt.h"
#include "fmt_override.h"
#include "metrics.h"
#include "pci.h"
#include "uapi/p2pmap_names.h"
#include "util.h"

#define NAME_AT(sym, name) [sym] = name,
static const char *const bucket_names[] = { P2PMAP_SIZE_BUCKET_NAMES(NAME_AT, NAME_AT) };
static const char *const path_names[] = { "p2p", "bounce" };

int metrics_collect(struct metrics_snapshot *m)
{
	int fd, ret;

	memset(m, 0, sizeof(*m));
	if (access(P2PMAP_SYSFS, F_OK))
		return 0;
	ret = kmod_status(&m->st);
	if (ret)
		return ret;
	if (read_line(P2PMAP_SYSFS "/shadow", m->shadow, sizeof(m->shadow)))
		snprintf(m->shadow, sizeof(m->shadow), "none");
	if (read_line(P2PMAP_SYSFS "/shadow_exit", m->shadow_exit, sizeof(m->shadow_exit)))
		snprintf(m->shadow_exit, sizeof(m->shadow_exit), "none");
	read_u64("/sys/module/p2pmap/parameters/bounce_max_pages", &m->bounce_max_pages);
	fd = open(P2PMAP_DEV, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = kmod_stats(fd, false, &m->pairs, &m->nr);
	close(fd);
	if (ret)
		return ret;
	if (m->nr)
		qsort(m->pairs, m->nr, sizeof(*m->pairs), pair_stat_cmp);
	m->loaded = true;
	return 0;
}

void metrics_free(struct metrics_snapshot *m)
{
	free(m->pairs);
	m->pairs = NULL;
}

/* A label value, escaped as the text format wants (backslash, quote, newline). */
static const char *esc(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s && o + 3 < len; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n') {
			buf[o++] = '\\';
			buf[o++] = *s == '\n' ? 'n' : *s;
		} else {
			buf[o++] = *s;
		}
	}
	buf[o] = '\0';
	return buf;
}

/* "p2p", "bounce", "reject": a verdict as a label value. */
static const char *verdict_label(uint32_t v, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "%s", verdict_str(v));
	for (i = 0; buf[i]; i++)
		buf[i] = tolower((unsigned char)buf[i]);
	return buf;
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One family with one sample, no labels. */
static void single(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
	family(f, name, type, help);
	fprintf(f, "%s %" PRIu64 "\n", name, v);
}

/* The same for a gauge that is a sum of per-CPU shares: signed. */
static void gauge_signed(FILE *f, const char *name, const char *help, int64_t v)
{
	family(f, name, "gauge", help);
	fprintf(f, "%s %" PRId64 "\n", name, v);
}

static void global_metrics(FILE *f, const struct metrics_snapshot *m)
{
	const uint64_t *c = m->st.counter;
	char a[64], b[64], v[16];
	uint32_t i;

	family(f, "p2pmap_decisions_total", "counter",
	       "Decisions on P2P memory in mappings, by verdict.");
	for (i = P2PMAP_VERDICT_P2P; i <= P2PMAP_VERDICT_REJECT; i++)
		fprintf(f, "p2pmap_decisions_total{verdict=\"%s\"} %" PRIu64 "\n",
			verdict_label(i, v, sizeof(v)), c[KC_DECISIONS_P2P + i - P2PMAP_VERDICT_P2P]);
	family(f, "p2pmap_mapped_bytes_total", "counter",
	       "Bytes of successful mappings, by path: system RAM, P2P, bounced P2P memory.");
	fprintf(f, "p2pmap_mapped_bytes_total{path=\"ram\"} %" PRIu64 "\n", c[KC_BYTES_RAM]);
	fprintf(f, "p2pmap_mapped_bytes_total{path=\"p2p\"} %" PRIu64 "\n", c[KC_BYTES_P2P]);
	fprintf(f, "p2pmap_mapped_bytes_total{path=\"bounce\"} %" PRIu64 "\n", c[KC_BYTES_BOUNCE]);
	single(f, "p2pmap_maps_total", "counter", "Mappings made.", c[KC_MAPS]);
	single(f, "p2pmap_map_errors_total", "counter", "Mappings that failed.", c[KC_MAP_ERRORS]);
	single(f, "p2pmap_policy_errors_total", "counter",
	       "Policy errors: P2P demoted to bounce, invalid verdicts.", c[KC_POLICY_ERRORS]);
	gauge_signed(f, "p2pmap_mappings_active", "Mappings that exist now.",
		     (int64_t)c[KC_MAPPINGS_ACTIVE]);
	gauge_signed(f, "p2pmap_pinned_pages", "Pages pinned by mappings now.",
		     (int64_t)c[KC_PINNED_PAGES]);
	single(f, "p2pmap_bounce_in_use_pages", "gauge", "Bounce pages in use by mappings now.",
	       c[KC_BOUNCE_IN_USE]);
	single(f, "p2pmap_bounce_high_water_pages", "gauge",
	       "The most bounce pages in use at once since the module loaded.", c[KC_BOUNCE_HWM]);
	single(f, "p2pmap_bounce_cached_pages", "gauge", "Free bounce pages kept for reuse.",
	       c[KC_BOUNCE_CACHED]);
	single(f, "p2pmap_bounce_max_pages", "gauge",
	       "The bounce pool's cap (module parameter bounce_max_pages).", m->bounce_max_pages);
	single(f, "p2pmap_devmem_read_bytes_total", "counter",
	       "Bytes of device (P2P) memory the bounce path's CPU copies read.",
	       c[KC_BYTES_DEVMEM_READ]);
	single(f, "p2pmap_devmem_written_bytes_total", "counter",
	       "Bytes of device (P2P) memory the bounce path's CPU copies wrote.",
	       c[KC_BYTES_DEVMEM_WRITTEN]);
	family(f, "p2pmap_policy_info", "gauge",
	       "The policy in each slot (active, shadow) and the kind of its latest exit; always 1.");
	fprintf(f, "p2pmap_policy_info{slot=\"active\",policy=\"%s\",exit=\"%s\"} 1\n",
		esc(m->st.policy, a, sizeof(a)), esc(m->st.policy_exit, b, sizeof(b)));
	fprintf(f, "p2pmap_policy_info{slot=\"shadow\",policy=\"%s\",exit=\"%s\"} 1\n",
		esc(m->shadow, a, sizeof(a)), esc(m->shadow_exit, b, sizeof(b)));
}

/*
 * The pairs the per-pair families show: those 'pairs' shows (a decision or an error), and
 * those probed or with an override, which an operator watches before any mapping.
 */
static bool pair_shown(const struct p2pmap_pair_stat *p)
{
	return !pair_idle(p) || p->probes_passed || p->probes_failed || p->override;
}

/* 'provider="...",client="..."': the labels of a pair. Always true. */
static bool pair_labels(const struct p2pmap_pair_stat *p, char *buf, size_t len)
{
	char a[32], b[32];

	snprintf(buf, len, "provider=\"%s\",client=\"%s\"", pci_addr_str(&p->provider, a, sizeof(a)),
		 pci_addr_str(&p->client, b, sizeof(b)));
	return true;
}

/* Each pair a family shows (pair_shown()), as @p, with its labels in @lbl. */
#define for_each_shown_pair(m, p, lbl)							\
	for (size_t _i = 0; _i < (m)->nr; _i++)						\
		if (!pair_shown(p = &(m)->pairs[_i]) || !pair_labels(p, lbl, sizeof(lbl))) {} \
		else

/* A per-pair counter, read by @get. */
static void pair_family(FILE *f, const struct metrics_snapshot *m, const char *name,
			const char *help, uint64_t (*get)(const struct p2pmap_pair_stat *p))
{
	const struct p2pmap_pair_stat *p;
	char l[96];

	family(f, name, "counter", help);
	for_each_shown_pair(m, p, l)
		fprintf(f, "%s{%s} %" PRIu64 "\n", name, l, get(p));
}

static uint64_t get_errors(const struct p2pmap_pair_stat *p) { return p->errors; }
static uint64_t get_compared(const struct p2pmap_pair_stat *p) { return p->shadow_compared; }
static uint64_t get_agreed(const struct p2pmap_pair_stat *p) { return p->shadow_agreed; }
static uint64_t get_shadow_errors(const struct p2pmap_pair_stat *p) { return p->shadow_errors; }

static const char *override_label(uint32_t o)
{
	if (o & P2PMAP_OVERRIDE_ENABLED)
		return "enabled";
	return o & P2PMAP_OVERRIDE_VERIFIED ? "verified" : "none";
}

static void pair_metrics(FILE *f, const struct metrics_snapshot *m)
{
	const struct p2pmap_pair_stat *p;
	char l[96], v[16], w[16];
	uint32_t i, j;

	family(f, "p2pmap_pair_decisions_total", "counter",
	       "Decisions on the provider's memory in the client's mappings, by verdict.");
	for_each_shown_pair(m, p, l) {
		const uint64_t d[] = { p->decisions_p2p, p->decisions_bounce, p->decisions_reject };

		for (i = 0; i < ARRAY_SIZE(d); i++)
			fprintf(f, "p2pmap_pair_decisions_total{%s,verdict=\"%s\"} %" PRIu64 "\n", l,
				verdict_label(P2PMAP_VERDICT_P2P + i, v, sizeof(v)), d[i]);
	}
	family(f, "p2pmap_pair_decisions_by_reason_total", "counter",
	       "The same decisions by reason (p2ppolicy explain says what each means).");
	for_each_shown_pair(m, p, l)
		for (i = P2PMAP_REASON_NONE + 1; i < __P2PMAP_REASON_MAX; i++)
			fprintf(f, "p2pmap_pair_decisions_by_reason_total{%s,reason=\"%s\"} %" PRIu64 "\n",
				l, reason_str(i), (uint64_t)p->decisions_by_reason[i]);
	family(f, "p2pmap_pair_mapped_bytes_total", "counter",
	       "Bytes of the provider's memory in the client's successful mappings, by path.");
	for_each_shown_pair(m, p, l) {
		const uint64_t b[] = { p->bytes_p2p, p->bytes_bounce };

		for (i = 0; i < ARRAY_SIZE(b); i++)
			fprintf(f, "p2pmap_pair_mapped_bytes_total{%s,path=\"%s\"} %" PRIu64 "\n", l,
				path_names[i], b[i]);
	}
	pair_family(f, m, "p2pmap_pair_errors_total",
		    "Policy errors and mappings that failed after the decision.", get_errors);
	family(f, "p2pmap_pair_info", "gauge",
	       "The kernel's verdict on the pair and its override state; always 1.");
	for_each_shown_pair(m, p, l)
		fprintf(f, "p2pmap_pair_info{%s,kernel_verdict=\"%s\",override=\"%s\"} 1\n", l,
			kverdict_str(p->kernel_verdict), override_label(p->override));
	family(f, "p2pmap_pair_distance", "gauge",
	       "pci_p2pdma_distance() of the pair; -1 when the kernel refuses it.");
	for_each_shown_pair(m, p, l)
		fprintf(f, "p2pmap_pair_distance{%s} %d\n", l, (int)p->distance);
	family(f, "p2pmap_pair_probes_total", "counter",
	       "Verification probes of the pair (p2ppolicy verify), by result.");
	for_each_shown_pair(m, p, l) {
		fprintf(f, "p2pmap_pair_probes_total{%s,result=\"passed\"} %" PRIu64 "\n", l,
			(uint64_t)p->probes_passed);
		fprintf(f, "p2pmap_pair_probes_total{%s,result=\"failed\"} %" PRIu64 "\n", l,
			(uint64_t)p->probes_failed);
	}
	pair_family(f, m, "p2pmap_pair_shadow_compared_total",
		    "Decisions the shadow policy was asked about too.", get_compared);
	pair_family(f, m, "p2pmap_pair_shadow_agreed_total",
		    "Compared decisions where the shadow policy agreed.", get_agreed);
	pair_family(f, m, "p2pmap_pair_shadow_errors_total", "Errors of the shadow policy.",
		    get_shadow_errors);
	family(f, "p2pmap_pair_shadow_disagreements_total", "counter",
	       "Compared decisions where the shadow policy differed, by both verdicts.");
	for_each_shown_pair(m, p, l)
		for (i = 0; i < 3; i++)
			for (j = 0; j < 3; j++)
				if (i != j)
					fprintf(f, "p2pmap_pair_shadow_disagreements_total{%s,active=\"%s\",shadow=\"%s\"} %" PRIu64 "\n",
						l, verdict_label(i + 1, v, sizeof(v)),
						verdict_label(j + 1, w, sizeof(w)),
						(uint64_t)p->shadow_disagree[i][j]);
	family(f, "p2pmap_pair_shadow_moved_total", "counter",
	       "Disagreements between P2P and bounce (the data would have taken the other path), by request size.");
	for_each_shown_pair(m, p, l)
		for (i = 0; i < P2PMAP_NR_SIZE_BUCKETS; i++)
			fprintf(f, "p2pmap_pair_shadow_moved_total{%s,size=\"%s\"} %" PRIu64 "\n", l,
				bucket_names[i], (uint64_t)p->shadow_moved[i]);
	family(f, "p2pmap_pair_shadow_moved_bytes_total", "counter",
	       "Bytes of those disagreements, by request size.");
	for_each_shown_pair(m, p, l)
		for (i = 0; i < P2PMAP_NR_SIZE_BUCKETS; i++)
			fprintf(f, "p2pmap_pair_shadow_moved_bytes_total{%s,size=\"%s\"} %" PRIu64 "\n",
				l, bucket_names[i], (uint64_t)p->shadow_moved_bytes[i]);
}

void metrics_format(FILE *f, const struct metrics_snapshot *m)
{
	single(f, "p2pmap_up", "gauge", "1 when the p2pmap module is loaded.", m->loaded);
	if (!m->loaded)
		return;
	global_metrics(f, m);
	pair_metrics(f, m);
}

int metrics_write_textfile(const char *dir)
{
	char tmp[4096], dst[4096];
	struct metrics_snapshot m;
	int fd, ret;
	FILE *f;

	/* node_exporter reads only *.prom: the temporary name is never read. */
	if (snprintf(tmp, sizeof(tmp), "%s/." METRICS_TEXTFILE ".XXXXXX", dir) >= (int)sizeof(tmp) ||
	    snprintf(dst, sizeof(dst), "%s/" METRICS_TEXTFILE, dir) >= (int)sizeof(dst))
		return -ENAMETOOLONG;
	/* A module that cannot be read is p2pmap_up 0, never the last numbers frozen. */
	if (metrics_collect(&m)) {
		metrics_free(&m);
		memset(&m, 0, sizeof(m));
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		close(fd);
		unlink(tmp);
		goto out;
	}
	errno = 0;
	metrics_format(f, &m);
	ret = 0;
	/* node_exporter runs as its own user: the file must be readable by it. */
	if (fchmod(fd, 0644) || fflush(f) || ferror(f) || fsync(fd))
		ret = errno ? -errno : -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, dst))
		ret = -errno;
	if (ret)
		unlink(tmp);
out:
	metrics_free(&m);
	return ret;
}

void metrics_remove_textfile(const char *dir)
{
	char path[4096];

	if (snprintf(path, sizeof(path), "%s/" METRICS_TEXTFILE, dir) < (int)sizeof(path))
		unlink(path);
}
