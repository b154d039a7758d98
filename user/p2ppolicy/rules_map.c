// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rules map (bpf/rules.h) of the rules policy: filled in a loaded object before it
 * attaches, and edited live through the pins under PIN_MAPS. The map is read-only to user
 * space; every change goes through the policy's writer program, which tells p2pmap.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"
#include "rules_map.h"
#include "rules_write.h"
#include "util.h"

struct bpf_map *rules_map_of(struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj)
		if (!strcmp(bpf_map__name(m), P2PMAP_RULES_MAP))
			return m;
	return NULL;
}

struct bpf_program *rules_writer_of(struct bpf_object *obj)
{
	return bpf_object__find_program_by_name(obj, P2PMAP_RULES_WRITER);
}

/* Put @val (hits zeroed) for @key through @writer; errors said, with rule @nr if not 0. */
static int put(int writer, const struct p2pmap_rule_key *key, struct p2pmap_rule val,
	       size_t nr)
{
	int ret;

	val.hits = 0;
	ret = rules_write(writer, P2PMAP_RULES_PUT, key, &val);
	if (ret == -E2BIG)
		err("the rules map is full (%d rules)", P2PMAP_RULES_MAX);
	else if (ret && nr)
		err_errno(ret, "cannot write rule %zu into the rules map", nr);
	else if (ret)
		err_errno(ret, "cannot write the rule");
	return ret;
}

int rules_fill(int writer, const struct rule_def *rules, size_t n)
{
	struct p2pmap_rule_key key;
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		memset(&key, 0, sizeof(key));
		rule_key(&rules[i], &key);
		ret = put(writer, &key, rules[i].val, i + 1);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- the attached policy's rules, through the pinned map ---- */

static int rules_fd(void)
{
	int fd = bpf_obj_get(PIN_MAPS "/" P2PMAP_RULES_MAP);
	char cur[64];

	if (fd >= 0)
		return fd;
	policy_current(cur, sizeof(cur));
	if (!strcmp(cur, "none") || access(PIN_LINK, F_OK))
		err("no rules policy is loaded: load it with 'p2ppolicy load rules'");
	else
		err("the attached policy (%s) has no rules map: load the rules policy with 'p2ppolicy load rules'",
		    cur);
	return -ENOENT;
}

/* The pinned writer of the map, or -errno (said). */
static int writer_fd(void)
{
	int fd = bpf_obj_get(PIN_MAPS "/" P2PMAP_RULES_WRITER), e = -errno;

	if (fd >= 0)
		return fd;
	err_errno(e, "cannot open the rules writer %s (reload the policy with 'p2ppolicy load rules')",
		  PIN_MAPS "/" P2PMAP_RULES_WRITER);
	return e;
}

long rules_count(int fd)
{
	struct p2pmap_rule_key k, next;
	void *prev = NULL;
	long n = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct p2pmap_rule_key));
}

int rules_list(struct rule_def **out, uint64_t **hits, size_t *nr)
{
	struct p2pmap_rule_key *keys = NULL, *t, k;
	void *prev = NULL;
	size_t n = 0, i;
	int fd = rules_fd();

	if (fd < 0)
		return fd;
	while (!bpf_map_get_next_key(fd, prev, &k)) {
		t = realloc(keys, (n + 1) * sizeof(*keys));
		if (!t)
			break;
		keys = t;
		keys[n] = k;
		prev = &keys[n++];
	}
	qsort(keys, n, sizeof(*keys), key_cmp);
	*out = calloc(n ? n : 1, sizeof(**out));
	*hits = calloc(n ? n : 1, sizeof(**hits));
	*nr = 0;
	for (i = 0; *out && *hits && i < n; i++) {
		struct rule_def *d = &(*out)[*nr];

		if (bpf_map_lookup_elem(fd, &keys[i], &d->val))
			continue;	/* deleted meanwhile */
		rule_from_key(&keys[i], d);
		(*hits)[*nr] = d->val.hits;
		(*nr)++;
	}
	free(keys);
	close(fd);
	return *out && *hits ? 0 : -ENOMEM;
}

int rules_add(const struct rule_def *r, bool *replaced)
{
	struct p2pmap_rule_key key = { 0 };
	struct p2pmap_rule val;
	int fd = rules_fd(), w, ret;

	if (fd < 0)
		return fd;
	w = writer_fd();
	if (w < 0) {
		close(fd);
		return w;
	}
	rule_key(r, &key);
	*replaced = !bpf_map_lookup_elem(fd, &key, &val);
	ret = put(w, &key, r->val, 0);
	close(w);
	close(fd);
	return ret;
}

int rules_del(const struct rule_def *r)
{
	struct p2pmap_rule_key key = { 0 };
	int fd = rules_fd(), w, ret;

	if (fd < 0)
		return fd;
	w = writer_fd();
	if (w < 0) {
		close(fd);
		return w;
	}
	rule_key(r, &key);
	ret = rules_write(w, P2PMAP_RULES_DEL, &key, NULL);
	close(w);
	if (ret) {
		char a[32], b[32];

		if (ret == -ENOENT)
			err("no rule for provider %s, client %s", pci_spec_str(&r->provider, a, sizeof(a)),
			    pci_spec_str(&r->client, b, sizeof(b)));
		else
			err_errno(ret, "cannot delete the rule");
	}
	close(fd);
	return ret;
}

int rules_sync(const struct rule_def *rules, size_t nr, unsigned int *changed)
{
	struct p2pmap_rule_key key, next, *stale = NULL, *t;
	struct p2pmap_rule cur, want;
	size_t i, nstale = 0;
	void *prev = NULL;
	int fd = rules_fd(), w, ret = 0;

	*changed = 0;
	if (fd < 0)
		return fd;
	w = writer_fd();
	if (w < 0) {
		close(fd);
		return w;
	}
	for (i = 0; i < nr; i++) {
		memset(&key, 0, sizeof(key));
		rule_key(&rules[i], &key);
		want = rules[i].val;
		if (!bpf_map_lookup_elem(fd, &key, &cur)) {
			want.hits = cur.hits;
			if (!memcmp(&cur, &want, sizeof(cur)))
				continue;
		} else {
			want.hits = 0;
		}
		ret = rules_write(w, P2PMAP_RULES_PUT, &key, &want);
		if (ret)
			goto out;
		(*changed)++;
	}
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		bool wanted = false;

		for (i = 0; i < nr && !wanted; i++) {
			memset(&key, 0, sizeof(key));
			rule_key(&rules[i], &key);
			wanted = !memcmp(&key, &next, sizeof(key));
		}
		if (!wanted) {
			t = realloc(stale, (nstale + 1) * sizeof(*stale));
			if (!t) {
				ret = -ENOMEM;
				goto out;
			}
			stale = t;
			stale[nstale++] = next;
		}
		key = next;
		prev = &key;
	}
	for (i = 0; i < nstale; i++)
		if (!rules_write(w, P2PMAP_RULES_DEL, &stale[i], NULL))
			(*changed)++;
out:
	free(stale);
	close(w);
	close(fd);
	return ret;
}
