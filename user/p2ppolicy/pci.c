// SPDX-License-Identifier: GPL-2.0-only
/* Naming PCI devices (address, vendor:device, any) and finding them in sysfs. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pci.h"
#include "util.h"

const char *pci_sysfs_dir = "/sys/bus/pci/devices";

/* Exactly @min..@max hex digits from *@s, advancing it. */
static int hex_field(const char **s, int min, int max, unsigned long *out)
{
	const char *p = *s;
	unsigned long v = 0;
	int n = 0;

	while (isxdigit((unsigned char)*p) && n <= max) {
		v = v * 16 + (unsigned long)(isdigit((unsigned char)*p) ? *p - '0' :
					     tolower((unsigned char)*p) - 'a' + 10);
		p++;
		n++;
	}
	if (n < min || n > max)
		return -EINVAL;
	*s = p;
	*out = v;
	return 0;
}

static int why_fail(char *why, size_t len, const char *s, const char *reason)
{
	snprintf(why, len, "'%s' is not a device: %s", s, reason);
	return -EINVAL;
}

int pci_spec_parse(const char *s, bool allow_any, struct pci_spec *out, char *why, size_t len)
{
	static const char *const forms = "use a PCI address (0000:03:00.0 or 03:00.0) or vendor:device (1b36:0010)";
	unsigned long f[4];
	const char *p = s;
	int n = 0;

	memset(out, 0, sizeof(*out));
	if (!strcmp(s, "any")) {
		if (!allow_any)
			return why_fail(why, len, s, "'any' names no single device here");
		out->kind = SPEC_ANY;
		return 0;
	}
	/* Up to three colon-separated hex fields, then an optional ".F". */
	for (;;) {
		if (hex_field(&p, 1, 8, &f[n]))
			return why_fail(why, len, s, forms);
		n++;
		if (*p != ':' || n == 3)
			break;
		p++;
	}
	if (*p == '\0' && n == 2) {
		/* vendor:device: exactly four digits each, as lspci -n prints them. */
		if (strlen(s) != 9)
			return why_fail(why, len, s, "vendor:device takes four hex digits each (1b36:0010)");
		out->kind = SPEC_ID;
		out->vendor = (uint16_t)f[0];
		out->device = (uint16_t)f[1];
		return 0;
	}
	if (*p != '.' || n < 2)
		return why_fail(why, len, s, forms);
	p++;
	if (hex_field(&p, 1, 1, &f[n]) || *p)
		return why_fail(why, len, s, "the function number is one digit 0-7");
	if (n == 2) {		/* BB:DD.F */
		f[3] = f[2];
		f[2] = f[1];
		f[1] = f[0];
		f[0] = 0;
	}
	if (f[0] > UINT32_MAX)
		return why_fail(why, len, s, "the domain is at most ffffffff");
	if (f[1] > 0xff)
		return why_fail(why, len, s, "the bus is at most ff");
	if (f[2] > 0x1f)
		return why_fail(why, len, s, "the device is at most 1f");
	if (f[3] > 7)
		return why_fail(why, len, s, "the function is at most 7");
	out->kind = SPEC_ADDR;
	out->addr.domain = (uint32_t)f[0];
	out->addr.bus = (uint8_t)f[1];
	out->addr.devfn = (uint8_t)(f[2] << 3 | f[3]);
	return 0;
}

char *pci_addr_str(const struct p2pmap_pci_addr *a, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%x", a->domain, a->bus, a->devfn >> 3, a->devfn & 7);
	return buf;
}

char *pci_spec_str(const struct pci_spec *s, char *buf, size_t len)
{
	switch (s->kind) {
	case SPEC_ADDR:
		return pci_addr_str(&s->addr, buf, len);
	case SPEC_ID:
		snprintf(buf, len, "%04x:%04x", s->vendor, s->device);
		return buf;
	default:
		snprintf(buf, len, "any");
		return buf;
	}
}

bool pci_addr_eq(const struct p2pmap_pci_addr *a, const struct p2pmap_pci_addr *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->devfn == b->devfn;
}

int pci_addr_cmp(const struct p2pmap_pci_addr *a, const struct p2pmap_pci_addr *b)
{
	if (a->domain != b->domain)
		return a->domain < b->domain ? -1 : 1;
	if (a->bus != b->bus)
		return a->bus < b->bus ? -1 : 1;
	if (a->devfn != b->devfn)
		return a->devfn < b->devfn ? -1 : 1;
	return 0;
}

static int attr_u64(const char *dev, const char *attr, uint64_t *v)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/%s", pci_sysfs_dir, dev, attr);
	return read_u64(path, v);
}

static int pci_info_read(const char *name, struct pci_info *pi)
{
	char path[PATH_MAX], link[PATH_MAX], why[128];
	struct pci_spec spec;
	struct stat st;
	uint64_t v;
	ssize_t n;

	memset(pi, 0, sizeof(*pi));
	if (pci_spec_parse(name, false, &spec, why, sizeof(why)) || spec.kind != SPEC_ADDR)
		return -EINVAL;
	pi->addr = spec.addr;
	snprintf(pi->name, sizeof(pi->name), "%s", name);
	if (!attr_u64(name, "vendor", &v))
		pi->vendor = (uint16_t)v;
	if (!attr_u64(name, "device", &v))
		pi->device = (uint16_t)v;
	if (!attr_u64(name, "class", &v))
		pi->class = (uint32_t)v;
	pi->bridge = (pi->class >> 16) == 0x06;
	pi->numa_node = -1;
	if (!attr_u64(name, "numa_node", &v))
		pi->numa_node = (int)(int64_t)v;
	snprintf(path, sizeof(path), "%s/%s/driver", pci_sysfs_dir, name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		snprintf(pi->driver, sizeof(pi->driver), "%s", strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	}
	snprintf(path, sizeof(path), "%s/%s/p2pmem", pci_sysfs_dir, name);
	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		pi->p2pmem = true;
		attr_u64(name, "p2pmem/size", &pi->p2pmem_size);
		attr_u64(name, "p2pmem/available", &pi->p2pmem_available);
		if (!attr_u64(name, "p2pmem/published", &v))
			pi->p2pmem_published = v != 0;
	}
	return 0;
}

static int info_cmp(const void *a, const void *b)
{
	return pci_addr_cmp(&((const struct pci_info *)a)->addr, &((const struct pci_info *)b)->addr);
}

int pci_list(struct pci_info **out, size_t *nr)
{
	struct pci_info *v = NULL, *t;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir(pci_sysfs_dir);

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			t = realloc(v, cap * sizeof(*v));
			if (!t) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = t;
		}
		if (!pci_info_read(de->d_name, &v[n]))
			n++;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), info_cmp);
	*out = v;
	*nr = n;
	return 0;
}

int pci_resolve(const struct pci_spec *spec, struct pci_info *out, char *why, size_t len)
{
	struct pci_info *v;
	char s[32], names[128] = "";
	size_t n, i, hits = 0;
	int ret = pci_list(&v, &n);

	pci_spec_str(spec, s, sizeof(s));
	if (ret) {
		snprintf(why, len, "cannot list PCI devices in %s: %s", pci_sysfs_dir, strerror(-ret));
		return ret;
	}
	if (spec->kind == SPEC_ANY) {
		free(v);
		snprintf(why, len, "'any' names no single device here");
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		bool match = spec->kind == SPEC_ADDR ? pci_addr_eq(&v[i].addr, &spec->addr) :
			     v[i].vendor == spec->vendor && v[i].device == spec->device;

		if (!match)
			continue;
		if (hits++ == 0)
			*out = v[i];
		if (strlen(names) + strlen(v[i].name) + 3 < sizeof(names))
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 hits > 1 ? ", " : "", v[i].name);
	}
	free(v);
	if (hits == 1)
		return 0;
	if (hits == 0) {
		snprintf(why, len, "no PCI device %s on this machine", s);
		return -ENODEV;
	}
	snprintf(why, len, "%s matches %zu devices (%s): name one by its address", s, hits, names);
	return -ENOTUNIQ;
}
