// SPDX-License-Identifier: GPL-2.0-only
/*
 * Policies with libbpf: open, tune, load, attach or replace atomically, pin, detach; the
 * attached policy's maps (tunables, rules) through their pins.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "kmod.h"
#include "policy.h"
#include "util.h"

/* ---- libbpf's messages: kept, shown with -v, the verifier's verdict quoted on failure ---- */

static char bpf_log[64 * 1024];
static size_t bpf_log_len;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (level == LIBBPF_DEBUG && verbose < 2)
		return 0;
	if (verbose) {
		va_copy(aq, ap);
		vfprintf(stderr, fmt, aq);
		va_end(aq);
	}
	if (bpf_log_len < sizeof(bpf_log) - 1) {
		n = vsnprintf(bpf_log + bpf_log_len, sizeof(bpf_log) - bpf_log_len, fmt, ap);
		if (n > 0)
			bpf_log_len += (size_t)n;
		if (bpf_log_len > sizeof(bpf_log) - 1)
			bpf_log_len = sizeof(bpf_log) - 1;
	}
	return 0;
}

static void log_reset(void)
{
	static bool set;

	if (!set) {
		libbpf_set_print(libbpf_print);
		set = true;
	}
	bpf_log_len = 0;
	bpf_log[0] = '\0';
}

/* The verifier's last word: the line before "processed N insns", if the log has one. */
static const char *verifier_says(char *buf, size_t len)
{
	char *p = strstr(bpf_log, "\nprocessed "), *start;

	if (!p)
		return NULL;
	start = p;
	while (start > bpf_log && start[-1] != '\n')
		start--;
	if (start == bpf_log || p - start <= 0)
		return NULL;
	snprintf(buf, len, "%.*s", (int)(p - start), start);
	return buf;
}

static void load_failed(const char *name, int ret)
{
	char v[256];
	const char *why = verifier_says(v, sizeof(v));

	if (why)
		err("cannot load policy %s: %s; the verifier says: %s%s", name, strerror(-ret), why,
		    verbose ? "" : " (-v shows the whole log)");
	else
		err("cannot load policy %s: %s%s", name, strerror(-ret),
		    verbose ? "" : " (-v shows libbpf's log)");
}

/* ---- open ---- */

static bool is_file(const char *what)
{
	size_t n = strlen(what);

	return strchr(what, '/') || (n > 2 && !strcmp(what + n - 2, ".o"));
}

struct bpf_object *policy_open(const char *what)
{
	struct bpf_object *obj;
	size_t i, sz;

	log_reset();
	if (is_file(what)) {
		if (access(what, R_OK)) {
			err_errno(errno, "cannot read policy %s", what);
			return NULL;
		}
		obj = bpf_object__open_file(what, NULL);
		if (!obj)
			err_errno(errno, "%s is not a BPF object libbpf can open", what);
		return obj;
	}
	for (i = 0; i < nr_shipped_policies; i++) {
		if (strcmp(what, shipped_policies[i].name))
			continue;
		LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = shipped_policies[i].name);
		const void *elf = shipped_policies[i].elf_bytes(&sz);

		obj = bpf_object__open_mem(elf, sz, &opts);
		if (!obj)
			err_errno(errno, "cannot open the shipped policy %s", what);
		return obj;
	}
	{
		char names[256] = "";

		for (i = 0; i < nr_shipped_policies; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 i ? ", " : "", shipped_policies[i].name);
		err("no shipped policy '%s' (have: %s; or give a path to a .bpf.o)", what, names);
	}
	return NULL;
}

static struct bpf_map *struct_ops_map(struct bpf_object *obj)
{
	struct bpf_map *m, *found = NULL;
	int n = 0;

	bpf_object__for_each_map(m, obj) {
		if (bpf_map__type(m) == BPF_MAP_TYPE_STRUCT_OPS) {
			found = m;
			n++;
		}
	}
	if (n != 1) {
		err("policy %s has %d struct_ops maps; a p2pmap policy has exactly one (P2PMAP_POLICY)",
		    bpf_object__name(obj), n);
		return NULL;
	}
	return found;
}

/* ---- tunables: the policy's global variables, found through BTF ---- */

/* ".data", ".bss", ".rodata" from "size_thr.data"; NULL for maps that hold no globals. */
static const char *datasec_of(const char *map_name)
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

int policy_set_tunables(struct bpf_object *obj, const struct tunable *t, unsigned int n,
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
			const char *sec = datasec_of(bpf_map__name(m));
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

/* ---- pins ---- */

static int check_bpffs(void)
{
	struct statfs sfs;

	if (statfs("/sys/fs/bpf", &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		err("no BPF filesystem at /sys/fs/bpf: mount it with 'mount -t bpf bpf /sys/fs/bpf'");
		return -ENOENT;
	}
	if ((mkdir(PIN_DIR, 0700) && errno != EEXIST) || (mkdir(PIN_MAPS, 0700) && errno != EEXIST)) {
		int e = -errno;

		err_errno(e, "cannot create %s", PIN_MAPS);
		return e;
	}
	return 0;
}

static void unpin_maps(void)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(PIN_MAPS);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), PIN_MAPS "/%s", de->d_name);
		if (unlink(path))
			err_errno(errno, "cannot remove %s", path);
	}
	closedir(d);
}

/* bpffs refuses names with a dot: "size_thr.data" is pinned as "size_thr_data". */
static void pin_path(const char *map_name, char *buf, size_t len)
{
	char *p;

	snprintf(buf, len, PIN_MAPS "/%s", map_name);
	for (p = buf + strlen(PIN_MAPS) + 1; *p; p++)
		if (*p == '.')
			*p = '_';
}

static int pin_maps(struct bpf_object *obj)
{
	char path[512];
	struct bpf_map *m;
	int ret;

	bpf_object__for_each_map(m, obj) {
		if (bpf_map__type(m) == BPF_MAP_TYPE_STRUCT_OPS)
			continue;
		pin_path(bpf_map__name(m), path, sizeof(path));
		ret = bpf_map__pin(m, path);
		if (ret) {
			err_errno(ret, "cannot pin map %s at %s", bpf_map__name(m), path);
			return ret;
		}
	}
	return 0;
}

static bool policy_none(void)
{
	char buf[64];

	return !read_line(P2PMAP_SYSFS "/policy", buf, sizeof(buf)) && !strcmp(buf, "none");
}

static void current_policy(char *buf, size_t len)
{
	if (read_line(P2PMAP_SYSFS "/policy", buf, len))
		snprintf(buf, len, "?");
}

/* ---- rules map ---- */

static struct bpf_map *rules_map(struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj)
		if (!strcmp(bpf_map__name(m), P2PMAP_RULES_MAP))
			return m;
	return NULL;
}

static int fill_rules(int fd, const struct rule_def *rules, size_t n)
{
	struct p2pmap_rule_key key;
	struct p2pmap_rule val;
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&key, 0, sizeof(key));
		rule_key(&rules[i], &key);
		val = rules[i].val;
		val.hits = 0;
		if (bpf_map_update_elem(fd, &key, &val, BPF_ANY)) {
			int e = -errno;

			err_errno(e, "cannot write rule %zu into the rules map", i + 1);
			return e;
		}
	}
	return 0;
}

/* ---- attach / detach ---- */

int policy_attach(struct bpf_object *obj, const struct rule_def *rules, size_t nr_rules,
		  bool quiet)
{
	const char *name = bpf_object__name(obj);
	struct bpf_link *link = NULL;
	struct bpf_map *ops, *rmap;
	char old[64], now[64];
	bool replace;
	int ret;

	if (access(P2PMAP_SYSFS, F_OK)) {
		err("the p2pmap module is not loaded (no " P2PMAP_SYSFS "): load it with 'modprobe p2pmap'");
		return -ENOENT;
	}
	ret = check_bpffs();
	if (ret)
		return ret;
	ops = struct_ops_map(obj);
	if (!ops)
		return -EINVAL;
	rmap = rules_map(obj);
	if (nr_rules && !rmap) {
		err("policy %s has no '%s' map, so it cannot take rules (use the rules policy)", name,
		    P2PMAP_RULES_MAP);
		return -EINVAL;
	}
	log_reset();
	ret = bpf_object__load(obj);
	if (ret) {
		load_failed(name, ret);
		return ret;
	}
	if (rmap) {
		ret = fill_rules(bpf_map__fd(rmap), rules, nr_rules);
		if (ret)
			return ret;
	}

	current_policy(old, sizeof(old));
	replace = !access(PIN_LINK, F_OK);
	if (replace) {
		link = bpf_link__open(PIN_LINK);
		if (!link) {
			ret = -errno;
			err_errno(ret, "cannot open the pinned link %s", PIN_LINK);
			return ret;
		}
		ret = bpf_link__update_map(link, ops);
		if (ret) {
			err_errno(ret, "cannot replace policy %s with %s through %s", old, name, PIN_LINK);
			bpf_link__destroy(link);
			return ret;
		}
	} else {
		link = bpf_map__attach_struct_ops(ops);
		if (!link) {
			ret = -errno;
			if (ret == -EBUSY)
				err("cannot attach policy %s: policy %s is attached by another program (no link pinned at %s); detach it first",
				    name, old, PIN_LINK);
			else
				err_errno(ret, "cannot attach policy %s (dmesg may say more)", name);
			return ret;
		}
		ret = bpf_link__pin(link, PIN_LINK);
		if (ret) {
			err_errno(ret, "cannot pin the policy's link at %s", PIN_LINK);
			bpf_link__destroy(link);
			return ret;
		}
	}
	/* The link pin holds the policy from here on. */
	bpf_link__destroy(link);
	unpin_maps();
	ret = pin_maps(obj);
	current_policy(now, sizeof(now));
	if (!quiet) {
		if (replace && strcmp(old, "none"))
			printf("policy %s replaces %s (atomically, through %s)\n", now, old, PIN_LINK);
		else
			printf("policy %s attached, pinned at %s\n", now, PIN_LINK);
		if (rmap)
			printf("%zu rule%s loaded\n", nr_rules, nr_rules == 1 ? "" : "s");
	}
	return ret;
}

static int unpin_links(void)
{
	char path[512];
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(PIN_DIR);

	if (!d)
		return 0;
	/* PIN_DIR/link, and links others pinned here (bpftool struct_ops register). */
	while ((de = readdir(d))) {
		struct bpf_link_info li;
		__u32 len = sizeof(li);
		int fd;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, "maps"))
			continue;
		snprintf(path, sizeof(path), PIN_DIR "/%s", de->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		memset(&li, 0, sizeof(li));
		if (!bpf_link_get_info_by_fd(fd, &li, &len) && li.type == BPF_LINK_TYPE_STRUCT_OPS) {
			if (unlink(path))
				err_errno(errno, "cannot remove %s", path);
			else
				n++;
		}
		close(fd);
	}
	closedir(d);
	return n;
}

int policy_detach(bool quiet)
{
	char old[64];
	int i, n;

	if (access(P2PMAP_SYSFS, F_OK)) {
		err("the p2pmap module is not loaded (no " P2PMAP_SYSFS ")");
		return -ENOENT;
	}
	current_policy(old, sizeof(old));
	unpin_maps();
	n = unpin_links();
	/* The module lets go of the policy when the kernel releases the link (a workqueue). */
	for (i = 0; i < 500 && !policy_none(); i++)
		usleep(10000);
	if (!policy_none()) {
		if (n)
			err("policy %s is still attached 5 s after its pin was removed: another program holds its link",
			    old);
		else
			err("policy %s is attached by another program (nothing pinned under %s); that program must detach it",
			    old, PIN_DIR);
		return -EBUSY;
	}
	if (!quiet) {
		if (strcmp(old, "none"))
			printf("policy %s detached; the built-in rule decides\n", old);
		else
			printf("no policy was attached\n");
	}
	return 0;
}

/* ---- what is pinned ---- */

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

/* A pinned data map: its BTF from the kernel, its value, each variable. */
static void read_datasec(int fd, const struct bpf_map_info *mi, struct policy_pin *pin)
{
	struct btf *btf;
	void *val;
	__u32 zero = 0;

	if (!mi->btf_id || !mi->btf_value_type_id || mi->max_entries != 1)
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

void policy_pin_info(struct policy_pin *pin)
{
	struct bpf_link_info li;
	__u32 len = sizeof(li);
	struct dirent *de;
	int fd;
	DIR *d;

	memset(pin, 0, sizeof(*pin));
	pin->nr_rules = -1;
	fd = bpf_obj_get(PIN_LINK);
	if (fd < 0)
		return;
	memset(&li, 0, sizeof(li));
	if (!bpf_link_get_info_by_fd(fd, &li, &len)) {
		pin->pinned = true;
		snprintf(pin->link_path, sizeof(pin->link_path), "%s", PIN_LINK);
		pin->link_id = li.id;
		pin->map_id = li.struct_ops.map_id;
	}
	close(fd);
	d = opendir(PIN_MAPS);
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct bpf_map_info mi;
		char path[512];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), PIN_MAPS "/%s", de->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		len = sizeof(mi);
		memset(&mi, 0, sizeof(mi));
		if (!bpf_map_get_info_by_fd(fd, &mi, &len)) {
			if (!strcmp(mi.name, P2PMAP_RULES_MAP)) {
				struct p2pmap_rule_key k, next;
				void *prev = NULL;

				pin->nr_rules = 0;
				while (!bpf_map_get_next_key(fd, prev, &next)) {
					k = next;
					prev = &k;
					pin->nr_rules++;
				}
			} else if (datasec_of(mi.name)) {
				read_datasec(fd, &mi, pin);
			}
		}
		close(fd);
	}
	closedir(d);
}

/* ---- live edits ---- */

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

int policy_set_live(const struct tunable *t, unsigned int n)
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
			if (!bpf_map_get_info_by_fd(s.fd, &mi, &len) && datasec_of(mi.name) &&
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

static int rules_fd(void)
{
	int fd = bpf_obj_get(PIN_MAPS "/" P2PMAP_RULES_MAP);
	char cur[64];

	if (fd >= 0)
		return fd;
	current_policy(cur, sizeof(cur));
	if (!strcmp(cur, "none") || access(PIN_LINK, F_OK))
		err("no rules policy is loaded: load it with 'p2ppolicy load rules'");
	else
		err("the attached policy (%s) has no rules map: load the rules policy with 'p2ppolicy load rules'",
		    cur);
	return -ENOENT;
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
	int fd = rules_fd(), ret = 0;

	if (fd < 0)
		return fd;
	rule_key(r, &key);
	*replaced = !bpf_map_lookup_elem(fd, &key, &val);
	val = r->val;
	val.hits = 0;
	if (bpf_map_update_elem(fd, &key, &val, BPF_ANY)) {
		ret = -errno;
		if (ret == -E2BIG)
			err("the rules map is full (%d rules)", P2PMAP_RULES_MAX);
		else
			err_errno(ret, "cannot write the rule");
	}
	close(fd);
	return ret;
}

int rules_del(const struct rule_def *r)
{
	struct p2pmap_rule_key key = { 0 };
	int fd = rules_fd(), ret = 0;

	if (fd < 0)
		return fd;
	rule_key(r, &key);
	if (bpf_map_delete_elem(fd, &key)) {
		char a[32], b[32];

		ret = -errno;
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
	int fd = rules_fd(), ret = 0;

	*changed = 0;
	if (fd < 0)
		return fd;
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
		if (bpf_map_update_elem(fd, &key, &want, BPF_ANY)) {
			ret = -errno;
			goto out;
		}
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
		if (!bpf_map_delete_elem(fd, &stale[i]))
			(*changed)++;
out:
	free(stale);
	close(fd);
	return ret;
}
