// SPDX-License-Identifier: GPL-2.0-only
/* Rules of the rules policy as people write them, and as its map holds them. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rule.h"
#include "util.h"

static const char *const verdict_names[] = {
	[P2PMAP_RULE_BUILTIN] = "builtin",
	[P2PMAP_VERDICT_P2P] = "p2p",
	[P2PMAP_VERDICT_BOUNCE] = "bounce",
	[P2PMAP_VERDICT_REJECT] = "reject",
};

const char *rule_verdict_name(__u32 v)
{
	return v < ARRAY_SIZE(verdict_names) ? verdict_names[v] : NULL;
}

static int fail(char *why, size_t len, const char *fmt, const char *arg)
{
	snprintf(why, len, fmt, arg);
	return -EINVAL;
}

static int parse_item(char *item, struct p2pmap_rule_range *rg, char *why, size_t len)
{
	char *colon = strrchr(item, ':'), *verdict = item, *dash;
	unsigned int v;
	uint64_t min, max;

	rg->min_len = 0;
	rg->max_len = UINT64_MAX;
	rg->reserved = 0;
	if (colon) {
		*colon = '\0';
		verdict = colon + 1;
		dash = strchr(item, '-');
		if (!dash)
			return fail(why, len, "size range '%s' must look like MIN-MAX or MIN- (64K-1M)", item);
		*dash = '\0';
		if (parse_size(item, &min))
			return fail(why, len, "bad size '%s' (a number with an optional K, M, G, T suffix)", item);
		rg->min_len = min;
		if (dash[1]) {
			if (parse_size(dash + 1, &max))
				return fail(why, len, "bad size '%s' (a number with an optional K, M, G, T suffix)", dash + 1);
			if (max <= rg->min_len) {
				*dash = '-';
				return fail(why, len, "empty size range '%s': MAX must be above MIN (the range is [MIN, MAX))", item);
			}
			rg->max_len = max - 1;
		}
	}
	for (v = 0; v < ARRAY_SIZE(verdict_names); v++) {
		if (!strcmp(verdict, verdict_names[v])) {
			rg->verdict = v;
			return 0;
		}
	}
	return fail(why, len, "unknown verdict '%s' (p2p, bounce, reject or builtin)", verdict);
}

int rule_verdicts_parse(const char *s, struct p2pmap_rule *r, char *why, size_t len)
{
	char *copy = strdup(s), *save = NULL, *tok;
	unsigned int i, j, n = 0;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	memset(r, 0, sizeof(*r));
	for (tok = strtok_r(copy, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		if (n == P2PMAP_RULE_RANGES) {
			snprintf(why, len, "at most %d verdicts per rule", P2PMAP_RULE_RANGES);
			ret = -EINVAL;
			goto out;
		}
		ret = parse_item(tok, &r->range[n], why, len);
		if (ret)
			goto out;
		n++;
	}
	if (!n) {
		ret = fail(why, len, "no verdict given%s (p2p, bounce, reject or builtin, optionally after MIN-MAX:)", "");
		goto out;
	}
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++) {
			const struct p2pmap_rule_range *a = &r->range[i], *b = &r->range[j];

			if (a->min_len <= b->max_len && b->min_len <= a->max_len) {
				char ba[48], bb[48];
				struct p2pmap_rule one = { .nr_ranges = 1 };

				one.range[0] = *a;
				rule_verdicts_str(&one, ba, sizeof(ba));
				one.range[0] = *b;
				rule_verdicts_str(&one, bb, sizeof(bb));
				snprintf(why, len, "size ranges overlap: '%s' and '%s'", ba, bb);
				ret = -EINVAL;
				goto out;
			}
		}
	}
	r->nr_ranges = n;
out:
	free(copy);
	return ret;
}

/* 65536 -> "64K"; sizes that are not a whole K, M, G or T stay in bytes. */
static void compact_size(uint64_t n, char *buf, size_t len)
{
	static const char suffix[] = "KMGT";
	int i;

	for (i = 3; i >= 0; i--) {
		uint64_t unit = 1ULL << (10 * (i + 1));

		if (n && n % unit == 0) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(n / unit), suffix[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)n);
}

char *rule_verdicts_str(const struct p2pmap_rule *r, char *buf, size_t len)
{
	size_t used = 0;
	__u32 i;

	buf[0] = '\0';
	for (i = 0; i < r->nr_ranges && i < P2PMAP_RULE_RANGES; i++) {
		const struct p2pmap_rule_range *rg = &r->range[i];
		const char *v = rule_verdict_name(rg->verdict);
		char lo[24], hi[24] = "";

		if (rg->min_len == 0 && rg->max_len == UINT64_MAX) {
			used += snprintf(buf + used, used < len ? len - used : 0, "%s%s",
					 i ? " " : "", v ? v : "?");
		} else {
			compact_size(rg->min_len, lo, sizeof(lo));
			if (rg->max_len != UINT64_MAX)
				compact_size(rg->max_len + 1, hi, sizeof(hi));
			used += snprintf(buf + used, used < len ? len - used : 0, "%s%s-%s:%s",
					 i ? " " : "", lo, hi, v ? v : "?");
		}
	}
	return buf;
}

static void spec_to_match(const struct pci_spec *s, struct p2pmap_rule_match *m)
{
	memset(m, 0, sizeof(*m));
	switch (s->kind) {
	case SPEC_ADDR:
		m->kind = P2PMAP_MATCH_ADDR;
		m->a = s->addr.domain;
		m->b = (__u32)s->addr.bus << 8 | s->addr.devfn;
		break;
	case SPEC_ID:
		m->kind = P2PMAP_MATCH_ID;
		m->a = (__u32)s->vendor << 16 | s->device;
		break;
	default:
		m->kind = P2PMAP_MATCH_ANY;
	}
}

static void match_to_spec(const struct p2pmap_rule_match *m, struct pci_spec *s)
{
	memset(s, 0, sizeof(*s));
	switch (m->kind) {
	case P2PMAP_MATCH_ADDR:
		s->kind = SPEC_ADDR;
		s->addr.domain = m->a;
		s->addr.bus = (__u8)(m->b >> 8);
		s->addr.devfn = (__u8)m->b;
		break;
	case P2PMAP_MATCH_ID:
		s->kind = SPEC_ID;
		s->vendor = (__u16)(m->a >> 16);
		s->device = (__u16)m->a;
		break;
	default:
		s->kind = SPEC_ANY;
	}
}

void rule_key(const struct rule_def *d, struct p2pmap_rule_key *key)
{
	spec_to_match(&d->provider, &key->provider);
	spec_to_match(&d->client, &key->client);
}

void rule_from_key(const struct p2pmap_rule_key *key, struct rule_def *d)
{
	match_to_spec(&key->provider, &d->provider);
	match_to_spec(&key->client, &d->client);
}
