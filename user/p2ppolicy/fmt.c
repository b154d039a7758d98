// SPDX-License-Identifier: GPL-2.0-only
/* What the read commands print: tables for people, JSON (json-c) for programs. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "fmt.h"
#include "fmt_override.h"
#include "uapi/p2pmap_names.h"
#include "util.h"

/* Names from include/uapi/p2pmap_names.h, indexed by value. */
#define NAME_AT(sym, name) [sym] = name,
static const char *const verdict_names[] = { P2PMAP_VERDICT_NAMES(NAME_AT, NAME_AT) };
static const char *const kverdict_names[] = { P2PMAP_KV_NAMES(NAME_AT, NAME_AT) };
static const char *const dir_names[] = { P2PMAP_DIR_NAMES(NAME_AT, NAME_AT) };
static const char *const reason_names[] = { P2PMAP_REASON_NAMES(NAME_AT, NAME_AT) };

static const char *name_of(const char *const *names, size_t n, uint32_t v, const char *none)
{
	return v < n && names[v] ? names[v] : none;
}

const char *verdict_str(uint32_t v)
{
	return name_of(verdict_names, ARRAY_SIZE(verdict_names), v, "-");
}

const char *kverdict_str(uint32_t kv)
{
	return name_of(kverdict_names, ARRAY_SIZE(kverdict_names), kv, "-");
}

const char *reason_str(uint32_t r)
{
	return name_of(reason_names, ARRAY_SIZE(reason_names), r, "unknown");
}

const char *dir_str(uint32_t dir)
{
	return name_of(dir_names, ARRAY_SIZE(dir_names), dir, "?");
}

int dir_parse(const char *s, uint32_t *dir)
{
	uint32_t i;

	for (i = 0; i < ARRAY_SIZE(dir_names); i++) {
		if (dir_names[i] && !strcmp(s, dir_names[i])) {
			*dir = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* What each reason means, for people (the names are the table's). */
static const char *const reason_texts[] = {
	[P2PMAP_REASON_NONE] = "no P2P memory involved",
	[P2PMAP_REASON_TOPOLOGY_P2P] =
		"built-in rule: the devices share an upstream switch and no ACS redirect is in the way, so P2P uses PCI bus addresses",
	[P2PMAP_REASON_NO_COMMON_BRIDGE] =
		"built-in rule: no common upstream switch and the host bridge is not whitelisted for P2P, so the data bounces through RAM",
	[P2PMAP_REASON_ACS_REDIRECT] =
		"built-in rule: ACS redirect on the path sends the traffic to a host bridge that is not whitelisted, so the data bounces",
	[P2PMAP_REASON_CLIENT_NOT_PCI] = "the client is not a PCI device, so the data bounces",
	[P2PMAP_REASON_POLICY] = "the attached policy chose this verdict",
	[P2PMAP_REASON_POLICY_DEMOTED] =
		"the policy chose P2P where the kernel refuses it; p2pmap bounced it and counted a policy error",
	[P2PMAP_REASON_POLICY_ERROR] =
		"the policy returned an invalid verdict; the built-in rule decided and a policy error was counted",
	[P2PMAP_REASON_BOUNCE_CAP] = "bouncing would exceed the bounce pool cap, so the mapping fails",
	[P2PMAP_REASON_HOST_BRIDGE_P2P] =
		"built-in rule: P2P through a host bridge the kernel whitelists (CPU physical addresses)",
	[P2PMAP_REASON_DIFFERENT_HOST_BRIDGES] =
		"built-in rule: the devices are below different host bridges, which the kernel never allows, so the data bounces",
	[P2PMAP_REASON_DMA_UNREACHABLE] =
		"the client's DMA mask does not reach this memory, so the data bounces through RAM the client reaches",
	[P2PMAP_REASON_VERIFIED_OVERRIDE] =
		"the kernel refuses the pair, but a probe passed on this boot and the operator enabled its override, so P2P is allowed",
};
_Static_assert(ARRAY_SIZE(reason_names) == __P2PMAP_REASON_MAX &&
	       ARRAY_SIZE(reason_texts) == __P2PMAP_REASON_MAX,
	       "every reason has a name (include/uapi/p2pmap_names.h) and a text");

const char *reason_text(uint32_t r)
{
	return name_of(reason_texts, ARRAY_SIZE(reason_texts), r, "unknown reason");
}

int json_print(FILE *f, json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	int ret = fprintf(f, "%s\n", s) < 0 ? -EIO : 0;

	json_object_put(o);
	return ret;
}

static json_object *jaddr(const struct p2pmap_pci_addr *a)
{
	char b[32];

	return json_object_new_string(pci_addr_str(a, b, sizeof(b)));
}

static json_object *ju64(uint64_t v)
{
	return json_object_new_uint64(v);
}

/* ---- status ---- */

void fmt_status(FILE *f, const struct kmod_status *st, const struct policy_pin *pin)
{
	const uint64_t *c = st->counter;
	char a[32], b[32], d[32];
	unsigned int i;

	fprintf(f, "module:     p2pmap %s\n", st->version);
	fprintf(f, "policy:     %s\n", st->policy);
	fprintf(f, "state:      %s\n", st->policy_state);
	if (pin->pinned) {
		fprintf(f, "pinned:     %s (link %u, struct_ops map %u)\n", pin->link_path,
			pin->link_id, pin->map_id);
		for (i = 0; i < pin->nr_tunables; i++)
			fprintf(f, "%s %s = %" PRIu64 "\n", i ? "           " : "tunables:  ",
				pin->tunables[i].name, pin->tunables[i].value);
		if (pin->nr_rules >= 0)
			fprintf(f, "rules:      %ld\n", pin->nr_rules);
	} else if (strcmp(st->policy, "none")) {
		fprintf(f, "pinned:     no (attached by another program)\n");
	}
	fprintf(f, "decisions:  %" PRIu64 " P2P, %" PRIu64 " bounce, %" PRIu64 " reject; %" PRIu64
		" policy errors\n", c[KC_DECISIONS_P2P], c[KC_DECISIONS_BOUNCE],
		c[KC_DECISIONS_REJECT], c[KC_POLICY_ERRORS]);
	fprintf(f, "bytes:      %s P2P, %s bounced, %s RAM\n", fmt_size(c[KC_BYTES_P2P], a, sizeof(a)),
		fmt_size(c[KC_BYTES_BOUNCE], b, sizeof(b)), fmt_size(c[KC_BYTES_RAM], d, sizeof(d)));
	fprintf(f, "mappings:   %" PRIu64 " made, %" PRIu64 " failed, %" PRIu64 " active, %" PRIu64
		" pages pinned\n", c[KC_MAPS], c[KC_MAP_ERRORS], c[KC_MAPPINGS_ACTIVE],
		c[KC_PINNED_PAGES]);
	fprintf(f, "bounce:     %" PRIu64 " pages in use, %" PRIu64 " high-water, %" PRIu64 " cached\n",
		c[KC_BOUNCE_IN_USE], c[KC_BOUNCE_HWM], c[KC_BOUNCE_CACHED]);
	fprintf(f, "devmem:     %s read, %s written by the CPU (bounce copies)\n",
		fmt_size(c[KC_BYTES_DEVMEM_READ], a, sizeof(a)),
		fmt_size(c[KC_BYTES_DEVMEM_WRITTEN], b, sizeof(b)));
}

json_object *fmt_status_json(const struct kmod_status *st, const struct policy_pin *pin)
{
	json_object *o = json_object_new_object(), *pol = json_object_new_object();
	json_object *cnt = json_object_new_object();
	unsigned int i;

	json_object_object_add(o, "module", json_object_new_string("p2pmap"));
	json_object_object_add(o, "version", json_object_new_string(st->version));
	json_object_object_add(pol, "name", strcmp(st->policy, "none") ?
			       json_object_new_string(st->policy) : NULL);
	json_object_object_add(pol, "state", json_object_new_string(st->policy_state));
	json_object_object_add(pol, "exit", json_object_new_string(st->policy_exit));
	json_object_object_add(pol, "pinned", json_object_new_boolean(pin->pinned));
	if (pin->pinned) {
		json_object *t = json_object_new_object();

		json_object_object_add(pol, "link_path", json_object_new_string(pin->link_path));
		json_object_object_add(pol, "link_id", ju64(pin->link_id));
		json_object_object_add(pol, "map_id", ju64(pin->map_id));
		for (i = 0; i < pin->nr_tunables; i++)
			json_object_object_add(t, pin->tunables[i].name, ju64(pin->tunables[i].value));
		json_object_object_add(pol, "tunables", t);
		if (pin->nr_rules >= 0)
			json_object_object_add(pol, "rules", json_object_new_int64(pin->nr_rules));
	}
	json_object_object_add(o, "policy", pol);
	for (i = 0; i < KC_NR; i++)
		json_object_object_add(cnt, kmod_counter_names[i], ju64(st->counter[i]));
	json_object_object_add(o, "counters", cnt);
	return o;
}

/* ---- pairs ---- */

bool pair_idle(const struct p2pmap_pair_stat *p)
{
	return !p->decisions_p2p && !p->decisions_bounce && !p->decisions_reject && !p->errors;
}

void fmt_pairs(FILE *f, const struct p2pmap_pair_stat *p, size_t n, bool all)
{
	char a[32], b[32], x[32], y[32], last[48];
	size_t i, shown = 0;

	fprintf(f, "%-13s %-13s %-12s %4s %8s %8s %7s %11s %11s %6s  %s\n", "PROVIDER", "CLIENT",
		"KERNEL", "DIST", "P2P", "BOUNCE", "REJECT", "BYTES P2P", "BYTES BNC", "ERRORS",
		"LAST");
	for (i = 0; i < n; i++, p++) {
		if (!all && pair_idle(p))
			continue;
		shown++;
		if (p->last_verdict)
			snprintf(last, sizeof(last), "%s (%s)", verdict_str(p->last_verdict),
				 reason_str(p->last_reason));
		else
			snprintf(last, sizeof(last), "-");
		fprintf(f, "%-13s %-13s %-12s %4d %8" PRIu64 " %8" PRIu64 " %7" PRIu64
			" %11s %11s %6" PRIu64 "  %s\n",
			pci_addr_str(&p->provider, a, sizeof(a)), pci_addr_str(&p->client, b, sizeof(b)),
			kverdict_str(p->kernel_verdict), p->distance, (uint64_t)p->decisions_p2p,
			(uint64_t)p->decisions_bounce, (uint64_t)p->decisions_reject,
			fmt_size(p->bytes_p2p, x, sizeof(x)), fmt_size(p->bytes_bounce, y, sizeof(y)),
			(uint64_t)p->errors, last);
	}
	if (!shown)
		fprintf(f, "(no mappings yet%s)\n", all ? "" : "; --all lists idle pairs too");
	for (i = 0, p -= n; i < n && !pair_has_override(&p[i]); i++)
		;
	if (i < n) {
		fprintf(f, "\nverified overrides:\n");
		fmt_overrides(f, p, n);
	}
}

json_object *fmt_pairs_json(const struct p2pmap_pair_stat *p, size_t n, bool all)
{
	json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++, p++) {
		json_object *o;

		if (!all && pair_idle(p))
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "provider", jaddr(&p->provider));
		json_object_object_add(o, "client", jaddr(&p->client));
		json_object_object_add(o, "kernel_verdict", json_object_new_string(kverdict_str(p->kernel_verdict)));
		json_object_object_add(o, "distance", json_object_new_int(p->distance));
		json_object_object_add(o, "decisions_p2p", ju64(p->decisions_p2p));
		json_object_object_add(o, "decisions_bounce", ju64(p->decisions_bounce));
		json_object_object_add(o, "decisions_reject", ju64(p->decisions_reject));
		json_object_object_add(o, "bytes_p2p", ju64(p->bytes_p2p));
		json_object_object_add(o, "bytes_bounce", ju64(p->bytes_bounce));
		json_object_object_add(o, "errors", ju64(p->errors));
		json_object_object_add(o, "last_verdict", p->last_verdict ?
				       json_object_new_string(verdict_str(p->last_verdict)) : NULL);
		json_object_object_add(o, "last_reason", p->last_verdict ?
				       json_object_new_string(reason_str(p->last_reason)) : NULL);
		json_object_object_add(o, "override", fmt_override_json(p->override, p->probe_result,
									 p->verified_at));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* ---- explain ---- */

void fmt_explain(FILE *f, const struct explain_req *req, const struct p2pmap_explain *e,
		 const char *policy)
{
	char a[32], b[32], c[32], sz[32], ov[160];

	fprintf(f, "%s -> %s, %s, direction %s: %s\n", pci_addr_str(&req->provider, a, sizeof(a)),
		pci_addr_str(&req->client, b, sizeof(b)), fmt_size(req->len, sz, sizeof(sz)),
		dir_str(req->dir), verdict_str(e->verdict));
	fprintf(f, "  why:      %s", reason_text(e->reason));
	if (e->reason == P2PMAP_REASON_POLICY || e->reason == P2PMAP_REASON_POLICY_DEMOTED ||
	    e->reason == P2PMAP_REASON_POLICY_ERROR)
		fprintf(f, " (policy \"%s\")", policy);
	fprintf(f, " [%s]\n", reason_str(e->reason));
	fprintf(f, "  kernel:   %s, distance %d\n", kverdict_str(e->kernel_verdict), e->distance);
	if (e->has_common_bridge)
		fprintf(f, "  path:     %u hop%s up from the provider, %u from the client, to %s\n",
			e->hops_provider, e->hops_provider == 1 ? "" : "s", e->hops_client,
			pci_addr_str(&e->common_bridge, c, sizeof(c)));
	else
		fprintf(f, "  path:     no common upstream bridge (%u hop%s up from the provider, %u from the client)\n",
			e->hops_provider, e->hops_provider == 1 ? "" : "s", e->hops_client);
	fprintf(f, "  ACS:      %u bridge%s with ACS redirect on the path", e->acs_redirect,
		e->acs_redirect == 1 ? "" : "s");
	if (e->has_acs_bridge)
		fprintf(f, ", the first at %s (pci=disable_acs_redir= lifts it)",
			pci_addr_str(&e->acs_bridge, c, sizeof(c)));
	fputc('\n', f);
	if (e->link_speed_mbps || e->link_width)
		fprintf(f, "  link:     slowest %u Mb/s per lane, narrowest x%u\n", e->link_speed_mbps,
			e->link_width);
	if (e->override || e->probe_result)
		fprintf(f, "  override: %s\n", fmt_override_state(e->override, e->probe_result,
								 e->verified_at, ov, sizeof(ov)));
}

json_object *fmt_explain_json(const struct explain_req *req, const struct p2pmap_explain *e,
			      const char *policy)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "provider", jaddr(&req->provider));
	json_object_object_add(o, "client", jaddr(&req->client));
	json_object_object_add(o, "len", ju64(req->len));
	json_object_object_add(o, "dir", json_object_new_string(dir_str(req->dir)));
	json_object_object_add(o, "verdict", json_object_new_string(verdict_str(e->verdict)));
	json_object_object_add(o, "reason", json_object_new_string(reason_str(e->reason)));
	json_object_object_add(o, "reason_text", json_object_new_string(reason_text(e->reason)));
	json_object_object_add(o, "policy", strcmp(policy, "none") ? json_object_new_string(policy) : NULL);
	json_object_object_add(o, "kernel_verdict", json_object_new_string(kverdict_str(e->kernel_verdict)));
	json_object_object_add(o, "distance", json_object_new_int(e->distance));
	json_object_object_add(o, "hops_provider", ju64(e->hops_provider));
	json_object_object_add(o, "hops_client", ju64(e->hops_client));
	json_object_object_add(o, "common_bridge", e->has_common_bridge ? jaddr(&e->common_bridge) : NULL);
	json_object_object_add(o, "acs_redirect", ju64(e->acs_redirect));
	json_object_object_add(o, "acs_bridge", e->has_acs_bridge ? jaddr(&e->acs_bridge) : NULL);
	json_object_object_add(o, "link_speed_mbps", ju64(e->link_speed_mbps));
	json_object_object_add(o, "link_width", ju64(e->link_width));
	json_object_object_add(o, "override", fmt_override_json(e->override, e->probe_result,
								 e->verified_at));
	return o;
}

/* ---- devices ---- */

static void cell_str(const struct device_matrix *m, size_t c, size_t p, char *buf, size_t len)
{
	const struct p2pmap_explain *e = &m->cell[c * m->nprov + p];
	int ret = m->errs[c * m->nprov + p];

	if (ret)
		snprintf(buf, len, "error: %s", strerror(-ret));
	else if (e->kernel_verdict == P2PMAP_KV_NOT_SUPPORTED)
		snprintf(buf, len, "refused");
	else
		snprintf(buf, len, "%s (%d)", kverdict_str(e->kernel_verdict), e->distance);
}

void fmt_devices(FILE *f, const struct device_matrix *m)
{
	char sz[32], av[32], id[16], node[8], cell[64];
	size_t c, p;

	fprintf(f, "P2P providers\n");
	fprintf(f, "%-13s %-10s %-12s %4s %10s %10s  %s\n", "DEVICE", "ID", "DRIVER", "NODE",
		"P2PMEM", "AVAILABLE", "PUBLISHED");
	for (p = 0; p < m->nprov; p++) {
		const struct pci_info *d = &m->prov[p];

		snprintf(id, sizeof(id), "%04x:%04x", d->vendor, d->device);
		snprintf(node, sizeof(node), "%d", d->numa_node);
		fprintf(f, "%-13s %-10s %-12s %4s %10s %10s  %s\n", d->name, id,
			d->driver[0] ? d->driver : "-", d->numa_node < 0 ? "-" : node,
			fmt_size(d->p2pmem_size, sz, sizeof(sz)),
			fmt_size(d->p2pmem_available, av, sizeof(av)), d->p2pmem_published ? "yes" : "no");
	}
	if (!m->nprov)
		fprintf(f, "(none: no PCI device publishes P2P memory)\n");

	fprintf(f, "\nDMA clients: the kernel's verdict per provider (distance)\n");
	fprintf(f, "%-13s %-10s %-12s", "CLIENT", "ID", "DRIVER");
	for (p = 0; p < m->nprov; p++)
		fprintf(f, " %-18s", m->prov[p].name);
	fputc('\n', f);
	for (c = 0; c < m->ncli; c++) {
		const struct pci_info *d = &m->cli[c];

		snprintf(id, sizeof(id), "%04x:%04x", d->vendor, d->device);
		fprintf(f, "%-13s %-10s %-12s", d->name, id, d->driver);
		for (p = 0; p < m->nprov; p++) {
			cell_str(m, c, p, cell, sizeof(cell));
			fprintf(f, " %-18s", cell);
		}
		fputc('\n', f);
	}
}

static json_object *jdev(const struct pci_info *d)
{
	json_object *o = json_object_new_object();
	char id[16];

	snprintf(id, sizeof(id), "%04x:%04x", d->vendor, d->device);
	json_object_object_add(o, "address", json_object_new_string(d->name));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "class", json_object_new_int((int)d->class));
	json_object_object_add(o, "driver", d->driver[0] ? json_object_new_string(d->driver) : NULL);
	json_object_object_add(o, "numa_node", json_object_new_int(d->numa_node));
	return o;
}

json_object *fmt_devices_json(const struct device_matrix *m)
{
	json_object *o = json_object_new_object(), *pa = json_object_new_array();
	json_object *ca = json_object_new_array(), *pairs = json_object_new_array();
	size_t c, p;

	for (p = 0; p < m->nprov; p++) {
		json_object *d = jdev(&m->prov[p]);

		json_object_object_add(d, "p2pmem_size", ju64(m->prov[p].p2pmem_size));
		json_object_object_add(d, "p2pmem_available", ju64(m->prov[p].p2pmem_available));
		json_object_object_add(d, "p2pmem_published", json_object_new_boolean(m->prov[p].p2pmem_published));
		json_object_array_add(pa, d);
	}
	for (c = 0; c < m->ncli; c++)
		json_object_array_add(ca, jdev(&m->cli[c]));
	for (c = 0; c < m->ncli; c++) {
		for (p = 0; p < m->nprov; p++) {
			const struct p2pmap_explain *e = &m->cell[c * m->nprov + p];
			int ret = m->errs[c * m->nprov + p];
			json_object *x = json_object_new_object();

			json_object_object_add(x, "provider", json_object_new_string(m->prov[p].name));
			json_object_object_add(x, "client", json_object_new_string(m->cli[c].name));
			if (ret) {
				json_object_object_add(x, "error", json_object_new_string(strerror(-ret)));
			} else {
				json_object_object_add(x, "kernel_verdict",
						       json_object_new_string(kverdict_str(e->kernel_verdict)));
				json_object_object_add(x, "distance", json_object_new_int(e->distance));
			}
			json_object_array_add(pairs, x);
		}
	}
	json_object_object_add(o, "providers", pa);
	json_object_object_add(o, "clients", ca);
	json_object_object_add(o, "pairs", pairs);
	return o;
}

/* ---- rules ---- */

void fmt_rules(FILE *f, const struct rule_def *r, size_t n, const uint64_t *hits)
{
	char a[32], b[32], v[160];
	size_t i;

	fprintf(f, "%-13s %-13s %10s  %s\n", "PROVIDER", "CLIENT", "HITS", "VERDICT");
	for (i = 0; i < n; i++)
		fprintf(f, "%-13s %-13s %10" PRIu64 "  %s\n", pci_spec_str(&r[i].provider, a, sizeof(a)),
			pci_spec_str(&r[i].client, b, sizeof(b)), hits[i],
			rule_verdicts_str(&r[i].val, v, sizeof(v)));
	if (!n)
		fprintf(f, "(no rules: the built-in rule decides every pair)\n");
}

json_object *fmt_rules_json(const struct rule_def *r, size_t n, const uint64_t *hits)
{
	json_object *arr = json_object_new_array();
	char a[32], b[32], v[160];
	size_t i;

	for (i = 0; i < n; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "provider", json_object_new_string(pci_spec_str(&r[i].provider, a, sizeof(a))));
		json_object_object_add(o, "client", json_object_new_string(pci_spec_str(&r[i].client, b, sizeof(b))));
		json_object_object_add(o, "verdict", json_object_new_string(rule_verdicts_str(&r[i].val, v, sizeof(v))));
		json_object_object_add(o, "hits", ju64(hits[i]));
		json_object_array_add(arr, o);
	}
	return arr;
}
