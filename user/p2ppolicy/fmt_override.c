// SPDX-License-Identifier: GPL-2.0-only
/* Verified overrides: the probe's report and a pair's override state, for people and JSON. */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "fmt.h"
#include "fmt_override.h"
#include "pci.h"
#include "uapi/p2pmap_names.h"
#include "util.h"

#define NAME_AT(sym, name) [sym] = name,
static const char *const result_names[] = { P2PMAP_PROBE_RESULT_NAMES(NAME_AT, NAME_AT) };
static const char *const pdir_names[] = { P2PMAP_PROBE_DIR_NAMES(NAME_AT, NAME_AT) };

/* What each failure signature means, for people. */
static const char *const result_texts[] = {
	[P2PMAP_PROBE_PASS] = "every byte arrived as written, both ways",
	[P2PMAP_PROBE_ALL_ONES] =
		"the data read all ones: the path dropped the request or completed it with an error",
	[P2PMAP_PROBE_ZEROS] = "the data read all zeros",
	[P2PMAP_PROBE_NOT_WRITTEN] = "the destination kept its old content: the transfer did not land",
	[P2PMAP_PROBE_CORRUPT] = "other bytes than written arrived, or bytes beside the transfer changed",
	[P2PMAP_PROBE_DMA_ERROR] = "the client driver's DMA failed (see the kernel log)",
	[P2PMAP_PROBE_AER_ERROR] =
		"the data arrived, but a device on the path reported a PCIe error (see the kernel log)",
};

#define NAMES_OF(a) (sizeof(a) / sizeof((a)[0]))

const char *probe_result_str(uint32_t r)
{
	return r < NAMES_OF(result_names) && result_names[r] ? result_names[r] : "-";
}

const char *probe_dir_str(uint32_t d)
{
	return d < NAMES_OF(pdir_names) && pdir_names[d] ? pdir_names[d] : "-";
}

static const char *result_text(uint32_t r)
{
	return r < NAMES_OF(result_texts) && result_texts[r] ? result_texts[r] : "unknown result";
}

static char *fmt_time(uint64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, len, "%" PRIu64, t);
	return buf;
}

char *fmt_override_state(uint32_t state, uint32_t probe_result, uint64_t verified_at,
			 char *buf, size_t len)
{
	char t[48];

	if (state & P2PMAP_OVERRIDE_VERIFIED)
		snprintf(buf, len, "verified %s, %s", fmt_time(verified_at, t, sizeof(t)),
			 state & P2PMAP_OVERRIDE_ENABLED ? "enabled: P2P allowed" :
			 "not enabled ('override add' enables it)");
	else if (probe_result && probe_result != P2PMAP_PROBE_PASS)
		snprintf(buf, len, "none: the latest probe failed (%s)", probe_result_str(probe_result));
	else
		snprintf(buf, len, "none (not verified on this boot)");
	return buf;
}

json_object *fmt_override_json(uint32_t state, uint32_t probe_result, uint64_t verified_at)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "verified",
			       json_object_new_boolean(state & P2PMAP_OVERRIDE_VERIFIED));
	json_object_object_add(o, "enabled",
			       json_object_new_boolean(state & P2PMAP_OVERRIDE_ENABLED));
	json_object_object_add(o, "verified_at", state & P2PMAP_OVERRIDE_VERIFIED ?
			       json_object_new_uint64(verified_at) : NULL);
	json_object_object_add(o, "last_probe", probe_result ?
			       json_object_new_string(probe_result_str(probe_result)) : NULL);
	return o;
}

void fmt_verify(FILE *f, const struct p2pmap_verify *v)
{
	char a[32], b[32], s[160];
	uint32_t i;

	fprintf(f, "probe %s -> %s: the client's DMA engine moved data between %s's P2P memory (DMA address %#" PRIx64 ") and RAM\n",
		pci_addr_str(&v->provider, a, sizeof(a)), pci_addr_str(&v->client, b, sizeof(b)),
		a, (uint64_t)v->dma_provider);
	fprintf(f, "  %-5s %7s %6s  %s\n", "DIR", "OFFSET", "BYTES", "RESULT");
	for (i = 0; i < v->nr_cases && i < P2PMAP_PROBE_MAX_CASES; i++) {
		const struct p2pmap_probe_case *c = &v->cases[i];

		fprintf(f, "  %-5s %7u %6u  %s", probe_dir_str(c->dir), c->offset, c->len,
			probe_result_str(c->result));
		if (c->result != P2PMAP_PROBE_PASS)
			fprintf(f, " (byte %d is 0x%02x, expected 0x%02x)", (int32_t)c->bad_offset,
				c->got, c->expected);
		fputc('\n', f);
	}
	fprintf(f, "result: %s: %s (%u transfer%s, %" PRIu64 " bytes, %.1f s)\n",
		v->result == P2PMAP_PROBE_PASS ? "PASS" : "FAIL", result_text(v->result),
		v->nr_cases, v->nr_cases == 1 ? "" : "s", (uint64_t)v->bytes,
		v->duration_ns / 1e9);
	fprintf(f, "override: %s\n", fmt_override_state(v->override, v->result,
		v->override & P2PMAP_OVERRIDE_VERIFIED ? (uint64_t)time(NULL) : 0, s, sizeof(s)));
}

json_object *fmt_verify_json(const struct p2pmap_verify *v)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array();
	char a[32];
	uint32_t i;

	json_object_object_add(o, "provider", json_object_new_string(pci_addr_str(&v->provider, a, sizeof(a))));
	json_object_object_add(o, "client", json_object_new_string(pci_addr_str(&v->client, a, sizeof(a))));
	json_object_object_add(o, "result", json_object_new_string(probe_result_str(v->result)));
	json_object_object_add(o, "passed", json_object_new_boolean(v->result == P2PMAP_PROBE_PASS));
	json_object_object_add(o, "bytes", json_object_new_uint64(v->bytes));
	json_object_object_add(o, "duration_ns", json_object_new_uint64(v->duration_ns));
	json_object_object_add(o, "dma_provider", json_object_new_uint64(v->dma_provider));
	for (i = 0; i < v->nr_cases && i < P2PMAP_PROBE_MAX_CASES; i++) {
		const struct p2pmap_probe_case *c = &v->cases[i];
		json_object *t = json_object_new_object();

		json_object_object_add(t, "dir", json_object_new_string(probe_dir_str(c->dir)));
		json_object_object_add(t, "offset", json_object_new_uint64(c->offset));
		json_object_object_add(t, "len", json_object_new_uint64(c->len));
		json_object_object_add(t, "result", json_object_new_string(probe_result_str(c->result)));
		if (c->result != P2PMAP_PROBE_PASS) {
			json_object_object_add(t, "bad_offset", json_object_new_int((int32_t)c->bad_offset));
			json_object_object_add(t, "expected", json_object_new_int(c->expected));
			json_object_object_add(t, "got", json_object_new_int(c->got));
		}
		json_object_array_add(arr, t);
	}
	json_object_object_add(o, "transfers", arr);
	json_object_object_add(o, "verified", json_object_new_boolean(v->override & P2PMAP_OVERRIDE_VERIFIED));
	json_object_object_add(o, "enabled", json_object_new_boolean(v->override & P2PMAP_OVERRIDE_ENABLED));
	return o;
}

bool pair_has_override(const struct p2pmap_pair_stat *p)
{
	return p->override || p->probes_passed || p->probes_failed;
}

void fmt_overrides(FILE *f, const struct p2pmap_pair_stat *p, size_t n)
{
	char a[32], b[32], s[160];
	size_t i, shown = 0;

	for (i = 0; i < n; i++, p++) {
		if (!pair_has_override(p))
			continue;
		fprintf(f, "%-13s %-13s %s; probes passed %" PRIu64 ", failed %" PRIu64 "\n",
			pci_addr_str(&p->provider, a, sizeof(a)), pci_addr_str(&p->client, b, sizeof(b)),
			fmt_override_state(p->override, p->probe_result, p->verified_at, s, sizeof(s)),
			(uint64_t)p->probes_passed, (uint64_t)p->probes_failed);
		shown++;
	}
	if (!shown)
		fprintf(f, "(none: no pair was verified on this boot)\n");
}

json_object *fmt_overrides_json(const struct p2pmap_pair_stat *p, size_t n)
{
	json_object *arr = json_object_new_array();
	char a[32];
	size_t i;

	for (i = 0; i < n; i++, p++) {
		json_object *o;

		if (!pair_has_override(p))
			continue;
		o = fmt_override_json(p->override, p->probe_result, p->verified_at);
		json_object_object_add(o, "provider", json_object_new_string(pci_addr_str(&p->provider, a, sizeof(a))));
		json_object_object_add(o, "client", json_object_new_string(pci_addr_str(&p->client, a, sizeof(a))));
		json_object_object_add(o, "probes_passed", json_object_new_uint64(p->probes_passed));
		json_object_object_add(o, "probes_failed", json_object_new_uint64(p->probes_failed));
		json_object_array_add(arr, o);
	}
	return arr;
}
