// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tunables: a policy's global variables (.data, .bss, .rodata), found by name through BTF, so
 * they work for any policy object. Set before load in the object, read from the pinned maps of
 * the attached policy, and changed there while it runs (.data and .bss only).
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"
#include "tunables.h"
#include "util.h"

/* ".data", ".bss", ".rodata" from "size_thr.data"; NULL for maps that hold no globals. */
const char *tunables_datasec(const char *map_name)
{
	const char *s = map_name[0] == '.' ? map_name : strchr(map_name, '.');

	if (!s || !strcmp(s, ".kconfig") ||
	    (strncmp(s, ".data", 5) && strncmp(s, ".bss", 4) && strncmp(s, ".rodata", 7)))
		return NULL;
	return s;
}

typedef int (*var_fn)(const char *name, __u32 off, __u32 size, bool is_signed, void *arg);

/* Call @fn for each integer (or bool/enum) variable of datasec @sec_id, stop on non-zero. */
static int for_each_var(const struct btf *btf, __u32 sec_id, var_fn fn, void *arg)
{
	const struct btf_type *sec = btf__type_by_id(btf, sec_id);
	const struct btf_var_secinfo *vs;
	int i, ret;

	if (!sec || !btf_is_datasec(sec))
		return 0;
	vs = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(btf, vs->type);
		const struct btf_type *t;
		int tid;

		if (!var || !btf_is_var(var))
			continue;
		tid = btf__resolve_type(btf, var->type);
		t = tid < 0 ? NULL : btf__type_by_id(btf, tid);
		if (!t || !(btf_is_int(t) || btf_is_enum(t)) || vs->size > 8)
			continue;
		ret = fn(btf__name_by_offset(btf, var->name_off), vs->offset, vs->size,
			 btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_SIGNED), arg);
		if (ret)
			return ret;
	}
	return 0;
}

static bool fits(uint64_t v, __u32 size, bool is_signed)
{
	if (size >= 8)
		return true;
	if (is_signed)
		return (int64_t)v >= -(1LL << (size * 8 - 1)) && (int64_t)v < (1LL << (size * 8 - 1));
	return v < (1ULL << (size * 8));
}

static void store(void *at, uint64_t v, __u32 size)
{
	switch (size) {
	case 1: *(uint8_t *)at = (uint8_t)v; break;
	case 2: *(uint16_t *)at = (uint16_t)v; break;
	case 4: *(uint32_t *)at = (uint32_t)v; break;
	default: *(uint64_t *)at = v; break;
	}
}

static uint64_t fetch(const void *at, __u32 size, bool is_signed)
{
	switch (size) {
	case 1: return is_signed ? (uint64_t)*(const int8_t *)at : *(const uint8_t *)at;
	case 2: return is_signed ? (uint64_t)*(const int16_t *)at : *(const uint16_t *)at;
	case 4: return is_signed ? (uint64_t)*(const int32_t *)at : *(const uint32_t *)at;
	default: return *(const uint64_t *)at;
	}
}

struct setter {
	const struct tunable *t;
	void *data;
	size_t data_size;
	bool found;
	int ret;
	const char *where;
	char names[256];
};

static int set_one(const char *name, __u32 off, __u32 size, bool is_signed, void *arg)
{
	struct setter *s = arg;

	snprintf(s->names + strlen(s->names), sizeof(s->names) - strlen(s->names), "%s%s",
		 s->names[0] ? ", " : "", name);
	if (strcmp(name, s->t->name))
		return 0;
	s->found = true;
	if (off + size > s->data_size) {
		s->ret = -EINVAL;
		return 1;
	}
	if (!fits(s->t->value, size, is_signed)) {
		err("%stunable %s is %u bytes: %llu does not fit", s->where, name, size,
		    (unsigned long long)s->t->value);
		s->ret = -ERANGE;
		return 1;
	}
	store((char *)s->data + off, s->t->value, size);
	return 1;
}

int tunables_set(struct bpf_object *obj, const struct tunable *t, unsigned int n,
		 const char *file)
{
	char where[PATH_MAX + 16];
	const struct btf *btf = bpf_object__btf(obj);
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct setter s = { .t = &t[i], .where = where };
		struct bpf_map *m;

		where[0] = '\0';
		if (file)
			snprintf(where, sizeof(where), "%s:%d: ", file, t[i].line);

		bpf_object__for_each_map(m, obj) {
			const char *sec = tunables_datasec(bpf_map__name(m));
			int id;

			if (!btf || !bpf_map__is_internal(m) || !sec)
				continue;
			id = btf__find_by_name_kind(btf, sec, BTF_KIND_DATASEC);
			s.data = bpf_map__initial_value(m, &s.data_size);
			if (id < 0 || !s.data)
				continue;
			for_each_var(btf, (__u32)id, set_one, &s);
			if (s.found)
				break;
		}
		if (s.found && s.ret)
			return s.ret;
		if (!s.found) {
			err("%spolicy %s has no tunable '%s' (%s%s)", where, bpf_object__name(obj), t[i].name,
			    s.names[0] ? "has: " : "it has none", s.names);
			return -ENOENT;
		}
		info("set %s = %llu", t[i].name, (unsigned long long)t[i].value);
	}
	return 0;
}

/* ---- the attached policy's tunables, through its pinned maps ---- */

struct reader {
	struct policy_pin *pin;
	const void *data;
};

static int read_one(const char *name, __u32 off, __u32 size, bool is_signed, void *arg)
{
	struct reader *r = arg;
	struct tunable_value *tv;

	if (r->pin->nr_tunables == ARRAY_SIZE(r->pin->tunables))
		return 1;
	tv = &r->pin->tunables[r->pin->nr_tunables++];
	snprintf(tv->name, sizeof(tv->name), "%s", name);
	tv->value = fetch((const char *)r->data + off, size, is_signed);
	return 0;
}

void tunables_read_pinned(int fd, const struct bpf_map_info *mi, struct policy_pin *pin)
{
	struct btf *btf;
	void *val;
	__u32 zero = 0;

	if (!tunables_datasec(mi->name) || !mi->btf_id || !mi->btf_value_type_id ||
	    mi->max_entries != 1)
		return;
	btf = btf__load_from_kernel_by_id(mi->btf_id);
	val = calloc(1, mi->value_size);
	if (btf && val && !bpf_map_lookup_elem(fd, &zero, val)) {
		struct reader r = { .pin = pin, .data = val };

		for_each_var(btf, mi->btf_value_type_id, read_one, &r);
	}
	free(val);
	btf__free(btf);
}

struct live_setter {
	const struct tunable *t;
	int fd;
	void *val;
	__u32 size;
	bool found;
	int ret;
};

static int live_one(const char *name, __u32 off, __u32 size, bool is_signed, void *arg)
{
	struct live_setter *s = arg;

	if (strcmp(name, s->t->name))
		return 0;
	s->found = true;
	if (!fits(s->t->value, size, is_signed)) {
		err("tunable %s is %u bytes: %llu does not fit", name, size,
		    (unsigned long long)s->t->value);
		s->ret = -ERANGE;
		return 1;
	}
	store((char *)s->val + off, s->t->value, size);
	return 1;
}

int tunables_set_live(const struct tunable *t, unsigned int n)
{
	unsigned int i;

	if (access(PIN_LINK, F_OK)) {
		err("no policy is pinned at %s: load one with 'p2ppolicy load'", PIN_LINK);
		return -ENOENT;
	}
	for (i = 0; i < n; i++) {
		struct live_setter s = { .t = &t[i] };
		struct dirent *de;
		DIR *d = opendir(PIN_MAPS);

		while (d && (de = readdir(d)) && !s.found) {
			struct bpf_map_info mi;
			__u32 len = sizeof(mi), zero = 0;
			struct btf *btf;
			char path[512];

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), PIN_MAPS "/%s", de->d_name);
			s.fd = bpf_obj_get(path);
			if (s.fd < 0)
				continue;
			memset(&mi, 0, sizeof(mi));
			btf = NULL;
			/* .rodata is frozen once loaded: only .data and .bss can change. */
			if (!bpf_map_get_info_by_fd(s.fd, &mi, &len) && tunables_datasec(mi.name) &&
			    !strstr(mi.name, ".rodata") && mi.btf_id && mi.max_entries == 1 &&
			    (btf = btf__load_from_kernel_by_id(mi.btf_id)) &&
			    (s.val = calloc(1, mi.value_size)) &&
			    !bpf_map_lookup_elem(s.fd, &zero, s.val)) {
				for_each_var(btf, mi.btf_value_type_id, live_one, &s);
				if (s.found && !s.ret && bpf_map_update_elem(s.fd, &zero, s.val, BPF_ANY))
					s.ret = -errno;
			}
			free(s.val);
			s.val = NULL;
			btf__free(btf);
			close(s.fd);
		}
		if (d)
			closedir(d);
		if (!s.found) {
			err("the attached policy has no writable tunable '%s' (p2ppolicy status lists them)",
			    t[i].name);
			return -ENOENT;
		}
		if (s.ret) {
			err_errno(s.ret, "cannot set %s", t[i].name);
			return s.ret;
		}
	}
	return 0;
}
