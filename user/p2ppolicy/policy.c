// SPDX-License-Identifier: GPL-2.0-only
/*
 * Policies with libbpf, attach and pins: open, load, attach or replace atomically, pin,
 * detach, and what is pinned. Tunables are in tunables.c, the rules map in rules_map.c.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "kmod.h"
#include "policy.h"
#include "rules_map.h"
#include "tunables.h"
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

/* The module's reason for its latest refusal, as "; p2pmap says: ...", or "". */
static const char *module_says(char *buf, size_t len)
{
	char why[192];

	if (!kmod_last_error(why, sizeof(why)))
		return "";
	snprintf(buf, len, "; p2pmap says: %s", why);
	return buf;
}

static void load_failed(const char *name, int ret)
{
	char v[256], m[256];
	const char *why = verifier_says(v, sizeof(v));
	const char *mod = module_says(m, sizeof(m));

	if (why)
		err("cannot load policy %s: %s; the verifier says: %s%s%s", name, strerror(-ret), why,
		    mod, verbose ? "" : " (-v shows the whole log)");
	else
		err("cannot load policy %s: %s%s%s", name, strerror(-ret), mod,
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

void policy_current(char *buf, size_t len)
{
	if (read_line(P2PMAP_SYSFS "/policy", buf, len))
		snprintf(buf, len, "?");
}

/* ---- attach / detach ---- */

static int check_module(void)
{
	if (!access(P2PMAP_SYSFS, F_OK))
		return 0;
	err("the p2pmap module is not loaded (no " P2PMAP_SYSFS "): load it with 'modprobe p2pmap'");
	return -ENOENT;
}

/* Replace the attached policy by @ops through the pinned link's update. 0 or -errno. */
static int link_update(struct bpf_map *ops, const char *name, const char *old)
{
	struct bpf_link *link = bpf_link__open(PIN_LINK);
	char m[256];
	int ret;

	if (!link) {
		ret = -errno;
		err_errno(ret, "cannot open the pinned link %s", PIN_LINK);
		return ret;
	}
	ret = bpf_link__update_map(link, ops);
	if (ret)
		err("cannot replace policy %s with %s through %s: %s%s", old, name, PIN_LINK,
		    strerror(-ret), module_says(m, sizeof(m)));
	/* Closes our descriptor; the pin keeps the link. */
	bpf_link__destroy(link);
	return ret;
}

/* Attach @ops as a new link and pin it at PIN_LINK. 0 or -errno. */
static int link_create_pinned(struct bpf_map *ops, const char *name, const char *old)
{
	struct bpf_link *link = bpf_map__attach_struct_ops(ops);
	char m[256];
	int ret;

	if (!link) {
		ret = -errno;
		if (ret == -EBUSY)
			err("cannot attach policy %s: policy %s is attached by another program (no link pinned at %s); detach it first",
			    name, old, PIN_LINK);
		else
			err("cannot attach policy %s: %s%s", name, strerror(-ret),
			    module_says(m, sizeof(m)));
		return ret;
	}
	ret = bpf_link__pin(link, PIN_LINK);
	if (ret)
		err_errno(ret, "cannot pin the policy's link at %s", PIN_LINK);
	/* The pin holds the policy from here on; without one, this detaches it. */
	bpf_link__destroy(link);
	return ret;
}

int policy_load_attach(struct bpf_object *obj, const struct rule_def *rules, size_t nr_rules,
		       bool quiet)
{
	const char *name = bpf_object__name(obj);
	struct bpf_map *ops, *rmap;
	char old[64], now[64];
	bool replace;
	int ret;

	ret = check_module();
	if (!ret)
		ret = check_bpffs();
	if (ret)
		goto out;
	ops = struct_ops_map(obj);
	if (!ops) {
		ret = -EINVAL;
		goto out;
	}
	rmap = rules_map_of(obj);
	if (nr_rules && !rmap) {
		err("policy %s has no '%s' map, so it cannot take rules (use the rules policy)", name,
		    P2PMAP_RULES_MAP);
		ret = -EINVAL;
		goto out;
	}

	/* Load: the verifier, and the module's check_member, speak here. */
	log_reset();
	kmod_clear_last_error();
	ret = bpf_object__load(obj);
	if (ret) {
		load_failed(name, ret);
		goto out;
	}
	if (rmap) {
		ret = rules_fill(bpf_map__fd(rmap), rules, nr_rules);
		if (ret)
			goto out;
	}

	/* Attach: the module's init_member, validate and the policy's init() speak here. */
	policy_current(old, sizeof(old));
	replace = !access(PIN_LINK, F_OK);
	ret = replace ? link_update(ops, name, old) : link_create_pinned(ops, name, old);
	if (ret)
		goto out;
	unpin_maps();
	ret = pin_maps(obj);
	policy_current(now, sizeof(now));
	if (!quiet) {
		if (replace && strcmp(old, "none"))
			printf("policy %s replaces %s (atomically, through %s)\n", now, old, PIN_LINK);
		else
			printf("policy %s attached, pinned at %s\n", now, PIN_LINK);
		if (rmap)
			printf("%zu rule%s loaded\n", nr_rules, nr_rules == 1 ? "" : "s");
	}
out:
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
	policy_current(old, sizeof(old));
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
			if (!strcmp(mi.name, P2PMAP_RULES_MAP))
				pin->nr_rules = rules_count(fd);
			else
				tunables_read_pinned(fd, &mi, pin);
		}
		close(fd);
	}
	closedir(d);
}
