// SPDX-License-Identifier: GPL-2.0-only
/* The shadow report, a table and JSON; names from include/uapi/p2pmap_names.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "fmt_shadow.h"
#include "pci.h"
#include "uapi/p2pmap_names.h"
#include "util.h"

#define NAME_AT(sym, name) [sym] = name,
static const char *const bucket_names[] = { P2PMAP_SIZE_BUCKET_NAMES(NAME_AT, NAME_AT) };

const char *size_bucket_str(unsigned int b)
{
	return b < ARRAY_SIZE(bucket_names) && bucket_names[b] ? bucket_names[b] : "?";
}

static bool shown(const struct shadow_report *r, const struct p2pmap_pair_stat *p)
{
	return r->all || p->shadow_compared;
}

/* "P2P->BOUNCE 4, BOUNCE->P2P 1", or "-". */
static void disagree_str(const struct p2pmap_pair_stat *p, char *buf, size_t len)
{
	size_t n = 0;
	int a, s;

	buf[0] = '\0';
	for (a = 0; a < 3; a++)
		for (s = 0; s < 3; s++)
			if (p->shadow_disagree[a][s] && n < len)
				n += snprintf(buf + n, len - n, "%s%s->%s %" PRIu64, n ? ", " : "",
					      verdict_str(a + 1), verdict_str(s + 1),
					      (uint64_t)p->shadow_disagree[a][s]);
	if (!n)
		snprintf(buf, len, "-");
}

/* "4 (32 KiB)", or "0". */
static void moved_str(uint64_t n, uint64_t bytes, char *buf, size_t len)
{
	char sz[32];

	if (!n)
		snprintf(buf, len, "0");
	else
		snprintf(buf, len, "%" PRIu64 " (%s)", n, fmt_size(bytes, sz, sizeof(sz)));
}

static void sum(const struct shadow_report *r, uint64_t *compared, uint64_t *agreed,
		uint64_t *errors, uint64_t *moved)
{
	size_t i;
	int b;

	*compared = *agreed = *errors = *moved = 0;
	for (i = 0; i < r->nr; i++) {
		*compared += r->pairs[i].shadow_compared;
		*agreed += r->pairs[i].shadow_agreed;
		*errors += r->pairs[i].shadow_errors;
		for (b = 0; b < P2PMAP_NR_SIZE_BUCKETS; b++)
			*moved += r->pairs[i].shadow_moved[b];
	}
}

void fmt_shadow_report(FILE *f, const struct shadow_report *r)
{
	char a[32], c[32], d[160], m[P2PMAP_NR_SIZE_BUCKETS][40], h[40];
	uint64_t compared, agreed, errors, moved;
	size_t i, shown_n = 0;
	int b;

	sum(r, &compared, &agreed, &errors, &moved);
	fprintf(f, "shadow %s beside %s: %" PRIu64 " decisions compared, %" PRIu64 " agreed",
		r->shadow, strcmp(r->policy, "none") ? r->policy : "the built-in rule", compared,
		agreed);
	if (compared)
		fprintf(f, " (%.0f%%)", 100.0 * (double)agreed / (double)compared);
	fprintf(f, ", %" PRIu64 " would have moved path, %" PRIu64 " shadow errors\n", moved,
		errors);
	fprintf(f, "state: %s\n\n", r->shadow_state);
	fprintf(f, "%-13s %-13s %8s %7s  %-30s", "PROVIDER", "CLIENT", "COMPARED", "AGREED",
		"DISAGREE (ACTIVE->SHADOW)");
	for (b = 0; b < P2PMAP_NR_SIZE_BUCKETS; b++) {
		snprintf(h, sizeof(h), "MOVED %s", size_bucket_str(b));
		fprintf(f, " %-14s", h);
	}
	fprintf(f, " %6s\n", "ERRORS");
	for (i = 0; i < r->nr; i++) {
		const struct p2pmap_pair_stat *p = &r->pairs[i];

		if (!shown(r, p))
			continue;
		shown_n++;
		disagree_str(p, d, sizeof(d));
		for (b = 0; b < P2PMAP_NR_SIZE_BUCKETS; b++)
			moved_str(p->shadow_moved[b], p->shadow_moved_bytes[b], m[b], sizeof(m[b]));
		fprintf(f, "%-13s %-13s %8" PRIu64 " %7" PRIu64 "  %-30s",
			pci_addr_str(&p->provider, a, sizeof(a)),
			pci_addr_str(&p->client, c, sizeof(c)), (uint64_t)p->shadow_compared,
			(uint64_t)p->shadow_agreed, d);
		for (b = 0; b < P2PMAP_NR_SIZE_BUCKETS; b++)
			fprintf(f, " %-14s", m[b]);
		fprintf(f, " %6" PRIu64 "\n", (uint64_t)p->shadow_errors);
	}
	if (!shown_n)
		fprintf(f, "(no decision compared yet%s)\n", r->all ? "" : "; --all lists every pair");
}

json_object *fmt_shadow_report_json(const struct shadow_report *r)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array();
	uint64_t compared, agreed, errors, moved;
	char a[32];
	size_t i;
	int b, x, y;

	sum(r, &compared, &agreed, &errors, &moved);
	json_object_object_add(o, "shadow", json_object_new_string(r->shadow));
	json_object_object_add(o, "shadow_state", json_object_new_string(r->shadow_state));
	json_object_object_add(o, "policy", json_object_new_string(r->policy));
	json_object_object_add(o, "compared", json_object_new_uint64(compared));
	json_object_object_add(o, "agreed", json_object_new_uint64(agreed));
	json_object_object_add(o, "moved", json_object_new_uint64(moved));
	json_object_object_add(o, "errors", json_object_new_uint64(errors));
	for (i = 0; i < r->nr; i++) {
		const struct p2pmap_pair_stat *p = &r->pairs[i];
		json_object *e, *dis, *mv;

		if (!shown(r, p))
			continue;
		e = json_object_new_object();
		json_object_object_add(e, "provider",
				       json_object_new_string(pci_addr_str(&p->provider, a, sizeof(a))));
		json_object_object_add(e, "client",
				       json_object_new_string(pci_addr_str(&p->client, a, sizeof(a))));
		json_object_object_add(e, "kernel_verdict",
				       json_object_new_string(kverdict_str(p->kernel_verdict)));
		json_object_object_add(e, "compared", json_object_new_uint64(p->shadow_compared));
		json_object_object_add(e, "agreed", json_object_new_uint64(p->shadow_agreed));
		json_object_object_add(e, "errors", json_object_new_uint64(p->shadow_errors));
		dis = json_object_new_array();
		for (x = 0; x < 3; x++)
			for (y = 0; y < 3; y++) {
				json_object *d;

				if (!p->shadow_disagree[x][y])
					continue;
				d = json_object_new_object();
				json_object_object_add(d, "active", json_object_new_string(verdict_str(x + 1)));
				json_object_object_add(d, "shadow", json_object_new_string(verdict_str(y + 1)));
				json_object_object_add(d, "decisions",
						       json_object_new_uint64(p->shadow_disagree[x][y]));
				json_object_array_add(dis, d);
			}
		json_object_object_add(e, "disagree", dis);
		mv = json_object_new_array();
		for (b = 0; b < P2PMAP_NR_SIZE_BUCKETS; b++) {
			json_object *d = json_object_new_object();

			json_object_object_add(d, "size", json_object_new_string(size_bucket_str(b)));
			json_object_object_add(d, "decisions", json_object_new_uint64(p->shadow_moved[b]));
			json_object_object_add(d, "bytes", json_object_new_uint64(p->shadow_moved_bytes[b]));
			json_object_array_add(mv, d);
		}
		json_object_object_add(e, "moved", mv);
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "pairs", arr);
	return o;
}

void fmt_explain_shadow(FILE *f, const struct p2pmap_explain *e, const char *name)
{
	if (!e->shadow_verdict) {
		fprintf(f, "  shadow:   no shadow policy\n");
		return;
	}
	fprintf(f, "  shadow:   %s (shadow policy \"%s\": %s [%s])%s\n",
		verdict_str(e->shadow_verdict), name, reason_text(e->shadow_reason),
		reason_str(e->shadow_reason), e->shadow_verdict == e->verdict ? ", agrees" :
		", disagrees");
}

json_object *fmt_explain_shadow_json(const struct p2pmap_explain *e, const char *name)
{
	json_object *o;

	if (!e->shadow_verdict)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "policy", json_object_new_string(name));
	json_object_object_add(o, "verdict", json_object_new_string(verdict_str(e->shadow_verdict)));
	json_object_object_add(o, "reason", json_object_new_string(reason_str(e->shadow_reason)));
	return o;
}
