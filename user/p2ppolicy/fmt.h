/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the read commands print: tables for people, JSON (json-c) for programs. Every function
 * takes plain data, so the unit tests check the output without a kernel.
 */
#ifndef P2PPOLICY_FMT_H
#define P2PPOLICY_FMT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "kmod.h"
#include "pci.h"
#include "rule.h"

/* The names of include/uapi/p2pmap_names.h; "-", "unknown" or "?" for other values. */
const char *verdict_str(uint32_t v);		/* "P2P", "BOUNCE", "REJECT", "-" */
const char *kverdict_str(uint32_t kv);		/* "bus-address", "host-bridge", "refused" */
const char *reason_str(uint32_t r);		/* "topology-p2p", ... */
const char *reason_text(uint32_t r);		/* a sentence fragment for people */
const char *dir_str(uint32_t dir);		/* "to", "from", "bidi" */
int dir_parse(const char *s, uint32_t *dir);	/* a name of dir_str() -> @dir; 0 or -EINVAL */

/* A tunable of the attached policy (a global variable of its data maps). */
struct tunable_value {
	char name[64];
	uint64_t value;
};

/* What p2ppolicy knows about the attached policy beyond sysfs. */
struct policy_pin {
	bool pinned;			/* a link is pinned under the pin directory */
	char link_path[256];
	uint32_t link_id, map_id;
	struct tunable_value tunables[32];
	unsigned int nr_tunables;
	long nr_rules;			/* -1: no rules map */
};

void fmt_status(FILE *f, const struct kmod_status *st, const struct policy_pin *pin);
json_object *fmt_status_json(const struct kmod_status *st, const struct policy_pin *pin);

/* The pair table; idle pairs (no mapping yet) only if @all. */
/* No decision and no error: a pair only EXPLAIN or 'devices' has seen. */
bool pair_idle(const struct p2pmap_pair_stat *p);
void fmt_pairs(FILE *f, const struct p2pmap_pair_stat *p, size_t n, bool all);
json_object *fmt_pairs_json(const struct p2pmap_pair_stat *p, size_t n, bool all);

struct explain_req {
	struct p2pmap_pci_addr provider, client;
	uint64_t len;
	uint32_t dir;
};
void fmt_explain(FILE *f, const struct explain_req *req, const struct p2pmap_explain *e,
		 const char *policy);
json_object *fmt_explain_json(const struct explain_req *req, const struct p2pmap_explain *e,
			      const char *policy);

/* Providers x clients; cell [c * nprov + p] holds EXPLAIN's answer, or its error in @errs. */
struct device_matrix {
	const struct pci_info *prov, *cli;
	size_t nprov, ncli;
	const struct p2pmap_explain *cell;
	const int *errs;
};
void fmt_devices(FILE *f, const struct device_matrix *m);
json_object *fmt_devices_json(const struct device_matrix *m);

void fmt_rules(FILE *f, const struct rule_def *r, size_t n, const uint64_t *hits);
json_object *fmt_rules_json(const struct rule_def *r, size_t n, const uint64_t *hits);

/* Print and free @o (pretty, no slash escaping); 0 or -EIO. */
int json_print(FILE *f, json_object *o);

#endif
