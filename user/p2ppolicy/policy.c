// SPDX-License-Identifier: GPL-2.0-only
/*
 * Policies with libbpf, attach and pins: open, load, attach or replace atomically, pin,
 * detach, and what is pinned. Tunables are in tunables.c, the rules map in rules_map.c.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
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
#include "policy_ops.h"
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

const struct pin_slot pins_active = {
	.dir = PIN_DIR, .link = PIN_LINK, .maps = PIN_MAPS, .what = "policy",
	.sysfs_name = "policy",
};
const struct pin_slot pins_shadow = {
	.dir = PIN_SHADOW, .link = PIN_SHADOW_LINK, .maps = PIN_SHADOW_MAPS,
	.what = "shadow policy", .sysfs_name = "shadow", .shadow = true,
};

static int check_bpffs(const struct pin_slot *slot)
{
	struct statfs sfs;

	if (statfs("/sys/fs/bpf", &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		err("no BPF filesystem at /sys/fs/bpf: mount it with 'mount -t bpf bpf /sys/fs/bpf'");
		return -ENOENT;
	}
	if ((mkdir(PIN_DIR, 0700) && errno != EEXIST) ||
	    (mkdir(slot->dir, 0700) && errno != EEXIST) ||
	    (mkdir(slot->maps, 0700) && errno != EEXIST)) {
		int e = -errno;

		err_errno(e, "cannot create %s", slot->maps);
		return e;
	}
	return 0;
}

static void unpin_maps(const struct pin_slot *slot)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(slot->maps);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", slot->maps, de->d_name);
		if (unlink(path))
			err_errno(errno, "cannot remove %s", path);
	}
	closedir(d);
}

/* bpffs refuses names with a dot: "size_thr.data" is pinned as "size_thr_data". */
static void pin_path(const struct pin_slot *slot, const char *map_name, char *buf, size_t len)
{
	char *p;

	snprintf(buf, len, "%s/%s", slot->maps, map_name);
	for (p = buf + strlen(slot->maps) + 1; *p; p++)
		if (*p == '.')
			*p = '_';
}

/* The maps, and the syscall programs that write them (the rules writer), by name. */
static int pin_maps(const struct pin_slot *slot, struct bpf_object *obj)
{
	struct bpf_program *p;
	char path[512];
	struct bpf_map *m;
	int ret;

	bpf_object__for_each_map(m, obj) {
		if (bpf_map__type(m) == BPF_MAP_TYPE_STRUCT_OPS)
			continue;
		pin_path(slot, bpf_map__name(m), path, sizeof(path));
		ret = bpf_map__pin(m, path);
		if (ret) {
			err_errno(ret, "cannot pin map %s at %s", bpf_map__name(m), path);
			return ret;
		}
	}
	bpf_object__for_each_program(p, obj) {
		if (bpf_program__type(p) != BPF_PROG_TYPE_SYSCALL)
			continue;
		pin_path(slot, bpf_program__name(p), path, sizeof(path));
		ret = bpf_program__pin(p, path);
		if (ret) {
			err_errno(ret, "cannot pin program %s at %s", bpf_program__name(p), path);
			return ret;
		}
	}
	return 0;
}

static void slot_current(const struct pin_slot *slot, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), P2PMAP_SYSFS "/%s", slot->sysfs_name);
	if (read_line(path, buf, len))
		snprintf(buf, len, "?");
}

static bool slot_none(const struct pin_slot *slot)
{
	char buf[64];

	slot_current(slot, buf, sizeof(buf));
	return !strcmp(buf, "none");
}

static bool policy_none(void)
{
	return slot_none(&pins_active);
}

void policy_current(char *buf, size_t len)
{
	slot_current(&pins_active, buf, len);
}

void policy_shadow_current(char *buf, size_t len)
{
	slot_current(&pins_shadow, buf, len);
}

/* ---- attach / detach ---- */

static int check_module(void)
{
	if (!access(P2PMAP_SYSFS, F_OK))
		return 0;
	err("the p2pmap module is not loaded (no " P2PMAP_SYSFS "): load it with 'modprobe p2pmap'");
	return -ENOENT;
}

/* Replace the slot's policy by @ops through its pinned link's update. 0 or -errno. */
static int link_update(const struct pin_slot *slot, struct bpf_map *ops, const char *name,
		       const char *old)
{
	struct bpf_link *link = bpf_link__open(slot->link);
	char m[256];
	int ret;

	if (!link) {
		ret = -errno;
		err_errno(ret, "cannot open the pinned link %s", slot->link);
		return ret;
	}
	ret = bpf_link__update_map(link, ops);
	if (ret)
		err("cannot replace %s %s with %s through %s: %s%s", slot->what, old, name,
		    slot->link, strerror(-ret), module_says(m, sizeof(m)));
	/* Closes our descriptor; the pin keeps the link. */
	bpf_link__destroy(link);
	return ret;
}

/* Attach @ops as a new link and pin it at the slot's link pin. 0 or -errno. */
static int link_create_pinned(const struct pin_slot *slot, struct bpf_map *ops, const char *name,
			      const char *old)
{
	struct bpf_link *link = bpf_map__attach_struct_ops(ops);
	char m[256];
	int ret;

	if (!link) {
		ret = -errno;
		if (ret == -EBUSY && strcmp(old, "none"))
			err("cannot attach %s %s: %s %s is attached by another program (no link pinned at %s); detach it first",
			    slot->what, name, slot->what, old, slot->link);
		else
			err("cannot attach %s %s: %s%s", slot->what, name, strerror(-ret),
			    module_says(m, sizeof(m)));
		return ret;
	}
	ret = bpf_link__pin(link, slot->link);
	if (ret)
		err_errno(ret, "cannot pin the %s's link at %s", slot->what, slot->link);
	/* The pin holds the policy from here on; without one, this detaches it. */
	bpf_link__destroy(link);
	return ret;
}

/* Set P2PMAP_POLICY_SHADOW in @ops's struct_ops data before load. 0 or -errno, said. */
static int set_shadow_flag(struct bpf_object *obj, struct bpf_map *ops)
{
	int ret = policy_ops_add_flags(obj, ops, P2PMAP_POLICY_SHADOW);

	if (ret == -ENOENT)
		err("policy %s: cannot find its struct p2pmap_policy_ops", bpf_object__name(obj));
	else if (ret)
		err("policy %s: its struct p2pmap_policy_ops has no flags", bpf_object__name(obj));
	return ret;
}

static int slot_load_attach(const struct pin_slot *slot, struct bpf_object *obj,
			    const struct rule_def *rules, size_t nr_rules, bool quiet)
{
	const char *name = bpf_object__name(obj);
	struct bpf_map *ops, *rmap;
	char old[64], now[64];
	bool replace;
	int ret;

	ret = check_module();
	if (!ret)
		ret = check_bpffs(slot);
	if (ret)
		goto out;
	ops = struct_ops_map(obj);
	if (!ops) {
		ret = -EINVAL;
		goto out;
	}
	if (slot->shadow) {
		ret = set_shadow_flag(obj, ops);
		if (ret)
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
		struct bpf_program *writer = rules_writer_of(obj);

		if (!writer) {
			err("policy %s has a '%s' map but no '%s' program to write it", name,
			    P2PMAP_RULES_MAP, P2PMAP_RULES_WRITER);
			ret = -EINVAL;
			goto out;
		}
		ret = rules_fill(bpf_program__fd(writer), rules, nr_rules);
		if (ret)
			goto out;
		/* For good: from here on only the writer changes the rules (bpf/rules.h). */
		if (bpf_map_freeze(bpf_map__fd(rmap))) {
			ret = -errno;
			err_errno(ret, "cannot freeze the rules map");
			goto out;
		}
	}

	/* Attach: the module's init_member, validate and the policy's init() speak here. */
	slot_current(slot, old, sizeof(old));
	replace = !access(slot->link, F_OK);
	ret = replace ? link_update(slot, ops, name, old) :
			link_create_pinned(slot, ops, name, old);
	if (ret)
		goto out;
	unpin_maps(slot);
	ret = pin_maps(slot, obj);
	slot_current(slot, now, sizeof(now));
	if (!quiet) {
		if (replace && strcmp(old, "none"))
			printf("%s %s replaces %s (atomically, through %s)\n", slot->what, now, old,
			       slot->link);
		else
			printf("%s %s attached, pinned at %s\n", slot->what, now, slot->link);
		if (rmap)
			printf("%zu rule%s loaded\n", nr_rules, nr_rules == 1 ? "" : "s");
	}
out:
	return ret;
}

int policy_load_attach(struct bpf_object *obj, const struct rule_def *rules, size_t nr_rules,
		       bool quiet)
{
	return slot_load_attach(&pins_active, obj, rules, nr_rules, quiet);
}

int policy_shadow_load_attach(struct bpf_object *obj, bool quiet)
{
	return slot_load_attach(&pins_shadow, obj, NULL, 0, quiet);
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
	unpin_maps(&pins_active);
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
	policy_pin_info_slot(&pins_active, pin);
}

void policy_pin_info_slot(const struct pin_slot *slot, struct policy_pin *pin)
{
	struct bpf_link_info li;
	__u32 len = sizeof(li);
	struct dirent *de;
	int fd;
	DIR *d;

	memset(pin, 0, sizeof(*pin));
	pin->nr_rules = -1;
	fd = bpf_obj_get(slot->link);
	if (fd < 0)
		return;
	memset(&li, 0, sizeof(li));
	if (!bpf_link_get_info_by_fd(fd, &li, &len)) {
		pin->pinned = true;
		snprintf(pin->link_path, sizeof(pin->link_path), "%s", slot->link);
		pin->link_id = li.id;
		pin->map_id = li.struct_ops.map_id;
	}
	close(fd);
	d = opendir(slot->maps);
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct bpf_map_info mi;
		char path[512];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", slot->maps, de->d_name);
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

/* ---- the shadow: detach, promote ---- */

int policy_shadow_detach(bool quiet)
{
	char old[64];
	int i;

	if (check_module())
		return -ENOENT;
	policy_shadow_current(old, sizeof(old));
	unpin_maps(&pins_shadow);
	if (!access(PIN_SHADOW_LINK, F_OK) && unlink(PIN_SHADOW_LINK)) {
		err_errno(errno, "cannot remove %s", PIN_SHADOW_LINK);
		return -errno;
	}
	for (i = 0; i < 500 && !slot_none(&pins_shadow); i++)
		usleep(10000);
	if (!slot_none(&pins_shadow)) {
		err("shadow policy %s is still attached 5 s after %s was removed: another program holds its link",
		    old, PIN_SHADOW_LINK);
		return -EBUSY;
	}
	if (!quiet) {
		if (strcmp(old, "none"))
			printf("shadow policy %s detached\n", old);
		else
			printf("no shadow policy was attached\n");
	}
	return 0;
}

/* Move the shadow's map pins to the active policy's directory (bpffs renames). */
static int move_shadow_maps(void)
{
	char from[512], to[512];
	struct dirent *de;
	DIR *d = opendir(PIN_SHADOW_MAPS);
	int ret = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(from, sizeof(from), PIN_SHADOW_MAPS "/%s", de->d_name);
		snprintf(to, sizeof(to), PIN_MAPS "/%s", de->d_name);
		if (rename(from, to)) {
			ret = -errno;
			err_errno(ret, "cannot move %s to %s", from, to);
		}
	}
	closedir(d);
	return ret;
}

/* The active link: the pinned one updated with @map_fd, or a new one pinned. 0 or -errno. */
static int promote_through_link(int map_fd, const char *name, const char *old)
{
	char m[256];
	int fd, ret;

	fd = bpf_obj_get(PIN_LINK);
	if (fd >= 0) {
		ret = bpf_link_update(fd, map_fd, NULL) ? -errno : 0;
		close(fd);
		if (ret)
			err("cannot promote shadow policy %s in place of %s through %s: %s%s", name,
			    old, PIN_LINK, strerror(-ret), module_says(m, sizeof(m)));
		return ret;
	}
	if (strcmp(old, "none")) {
		err("cannot promote shadow policy %s: policy %s is attached by another program (no link pinned at %s); detach it first",
		    name, old, PIN_LINK);
		return -EBUSY;
	}
	fd = bpf_link_create(map_fd, 0, BPF_STRUCT_OPS, NULL);
	if (fd < 0) {
		ret = -errno;
		err("cannot promote shadow policy %s: %s%s", name, strerror(-ret),
		    module_says(m, sizeof(m)));
		return ret;
	}
	ret = bpf_obj_pin(fd, PIN_LINK) ? -errno : 0;
	if (ret)
		err_errno(ret, "cannot pin the policy's link at %s", PIN_LINK);
	close(fd);
	return ret;
}

int policy_promote(bool quiet)
{
	char name[64], old[64], now[64];
	struct bpf_link_info li;
	__u32 len = sizeof(li);
	int fd, map_fd, ret;

	if (check_module() || check_bpffs(&pins_active))
		return -ENOENT;
	policy_shadow_current(name, sizeof(name));
	policy_current(old, sizeof(old));
	fd = bpf_obj_get(PIN_SHADOW_LINK);
	if (fd < 0) {
		err("no shadow policy is pinned at %s (shadow: %s): load one with 'p2ppolicy shadow load'",
		    PIN_SHADOW_LINK, name);
		return -ENOENT;
	}
	memset(&li, 0, sizeof(li));
	ret = bpf_link_get_info_by_fd(fd, &li, &len) ? -errno : 0;
	close(fd);
	if (ret) {
		err_errno(ret, "cannot read the link pinned at %s", PIN_SHADOW_LINK);
		return ret;
	}
	map_fd = bpf_map_get_fd_by_id(li.struct_ops.map_id);
	if (map_fd < 0) {
		ret = -errno;
		err_errno(ret, "cannot open the shadow's struct_ops map (id %u)", li.struct_ops.map_id);
		return ret;
	}
	kmod_clear_last_error();
	ret = promote_through_link(map_fd, name, old);
	close(map_fd);
	if (ret)
		return ret;
	/* The shadow's link still holds the map, but the module no longer counts it as its own. */
	unpin_maps(&pins_active);
	ret = move_shadow_maps();
	if (unlink(PIN_SHADOW_LINK))
		err_errno(errno, "cannot remove %s", PIN_SHADOW_LINK);
	policy_current(now, sizeof(now));
	if (!quiet) {
		if (strcmp(old, "none"))
			printf("shadow policy %s promoted: it replaces %s (atomically, through %s); no shadow policy now\n",
			       now, old, PIN_LINK);
		else
			printf("shadow policy %s promoted: attached, pinned at %s; no shadow policy now\n",
			       now, PIN_LINK);
	}
	return ret;
}
