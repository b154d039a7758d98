// SPDX-License-Identifier: GPL-2.0-only
/* The running module: /sys/kernel/p2pmap and the ioctls of /dev/p2pmap. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kmod.h"
#include "pci.h"
#include "util.h"

const char *const kmod_counter_names[KC_NR] = {
	[KC_DECISIONS_P2P] = "decisions_p2p",
	[KC_DECISIONS_BOUNCE] = "decisions_bounce",
	[KC_DECISIONS_REJECT] = "decisions_reject",
	[KC_BYTES_RAM] = "bytes_ram",
	[KC_BYTES_P2P] = "bytes_p2p",
	[KC_BYTES_BOUNCE] = "bytes_bounce",
	[KC_MAPS] = "maps",
	[KC_MAP_ERRORS] = "map_errors",
	[KC_MAPPINGS_ACTIVE] = "mappings_active",
	[KC_PINNED_PAGES] = "pinned_pages",
	[KC_BOUNCE_IN_USE] = "bounce_in_use",
	[KC_BOUNCE_HWM] = "bounce_hwm",
	[KC_BOUNCE_CACHED] = "bounce_cached",
	[KC_POLICY_ERRORS] = "policy_errors",
	[KC_BYTES_DEVMEM_READ] = "bytes_devmem_read",
	[KC_BYTES_DEVMEM_WRITTEN] = "bytes_devmem_written",
};

static void not_loaded(void)
{
	err("the p2pmap module is not loaded (no " P2PMAP_SYSFS "): load it with 'modprobe p2pmap'");
}

int kmod_status(struct kmod_status *st)
{
	char path[128];
	int i, ret;

	memset(st, 0, sizeof(*st));
	ret = read_line(P2PMAP_SYSFS "/version", st->version, sizeof(st->version));
	if (ret) {
		if (ret == -ENOENT)
			not_loaded();
		else
			err_errno(ret, "cannot read " P2PMAP_SYSFS "/version");
		return ret;
	}
	read_line(P2PMAP_SYSFS "/policy", st->policy, sizeof(st->policy));
	read_line(P2PMAP_SYSFS "/policy_state", st->policy_state, sizeof(st->policy_state));
	if (read_line(P2PMAP_SYSFS "/policy_exit", st->policy_exit, sizeof(st->policy_exit)))
		snprintf(st->policy_exit, sizeof(st->policy_exit), "none");
	for (i = 0; i < KC_NR; i++) {
		snprintf(path, sizeof(path), P2PMAP_SYSFS "/%s", kmod_counter_names[i]);
		read_u64(path, &st->counter[i]);
	}
	return 0;
}

int kmod_open(void)
{
	int fd = open(P2PMAP_DEV, O_RDWR | O_CLOEXEC), e;

	if (fd >= 0)
		return fd;
	e = errno;
	if (e == ENOENT && access(P2PMAP_SYSFS, F_OK))
		not_loaded();
	else if (e == EACCES || e == EPERM)
		err("cannot open " P2PMAP_DEV ": permission denied (the node is mode 0600: run as root)");
	else
		err_errno(e, "cannot open " P2PMAP_DEV);
	return -e;
}

int kmod_explain(int fd, const struct p2pmap_pci_addr *prov, const struct p2pmap_pci_addr *client,
		 uint32_t dir, uint64_t len, struct p2pmap_explain *out)
{
	return kmod_explain_flags(fd, prov, client, dir, len, 0, out);
}

int kmod_explain_flags(int fd, const struct p2pmap_pci_addr *prov,
		       const struct p2pmap_pci_addr *client, uint32_t dir, uint64_t len,
		       uint32_t flags, struct p2pmap_explain *out)
{
	memset(out, 0, sizeof(*out));
	out->argsz = sizeof(*out);
	out->flags = flags;
	out->provider = *prov;
	out->client = *client;
	out->dir = dir;
	out->len = len;
	return ioctl(fd, P2PMAP_IOC_EXPLAIN, out) ? -errno : 0;
}

int kmod_verify(int fd, const struct p2pmap_pci_addr *prov, const struct p2pmap_pci_addr *client,
		uint32_t flags, struct p2pmap_verify *out)
{
	memset(out, 0, sizeof(*out));
	out->argsz = sizeof(*out);
	out->flags = flags;
	out->provider = *prov;
	out->client = *client;
	return ioctl(fd, P2PMAP_IOC_VERIFY, out) ? -errno : 0;
}

int kmod_override(int fd, const struct p2pmap_pci_addr *prov,
		  const struct p2pmap_pci_addr *client, uint32_t flags, struct p2pmap_override *out)
{
	memset(out, 0, sizeof(*out));
	out->argsz = sizeof(*out);
	out->flags = flags;
	out->provider = *prov;
	out->client = *client;
	return ioctl(fd, P2PMAP_IOC_OVERRIDE, out) ? -errno : 0;
}

int kmod_stats(int fd, bool reset, struct p2pmap_pair_stat **out, size_t *nr)
{
	struct p2pmap_stats s = {
		.argsz = sizeof(s),
		.entry_size = sizeof(struct p2pmap_pair_stat),
	};
	struct p2pmap_pair_stat *v = NULL, *t;
	uint32_t cap = 0;

	/* The table can grow between two calls: retry until the snapshot fits. */
	for (;;) {
		s.pairs = (uintptr_t)v;
		s.nr = cap;
		s.flags = reset && v ? P2PMAP_STATS_RESET : 0;
		if (ioctl(fd, P2PMAP_IOC_STATS, &s)) {
			int e = -errno;

			free(v);
			return e;
		}
		if (s.nr <= cap && (v || !reset))
			break;
		cap = s.nr + 16;
		t = realloc(v, cap * sizeof(*v));
		if (!t) {
			free(v);
			return -ENOMEM;
		}
		v = t;
	}
	*out = v;
	*nr = s.nr;
	return 0;
}

void kmod_clear_last_error(void)
{
	FILE *f = fopen(P2PMAP_SYSFS "/last_error", "w");

	if (f) {
		fputs("\n", f);
		fclose(f);
	}
}

bool kmod_last_error(char *buf, size_t len)
{
	return !read_line(P2PMAP_SYSFS "/last_error", buf, len) && buf[0] && strcmp(buf, "none");
}

int pair_stat_cmp(const void *a, const void *b)
{
	const struct p2pmap_pair_stat *x = a, *y = b;
	int c = pci_addr_cmp(&x->provider, &y->provider);

	return c ? c : pci_addr_cmp(&x->client, &y->client);
}
