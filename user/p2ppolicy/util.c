// SPDX-License-Identifier: GPL-2.0-only
/* Small helpers shared by every part of p2ppolicy: errors, sizes, sysfs files. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>


#include "util.h"

const char *prog = "p2ppolicy";
int verbose;

static void vmsg(int errnum, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	if (errnum)
		fprintf(stderr, ": %s", strerror(errnum));
	fputc('\n', stderr);
}

void err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(0, fmt, ap);
	va_end(ap);
}

void err_errno(int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(errnum < 0 ? -errnum : errnum, fmt, ap);
	va_end(ap);
}

void info(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vmsg(0, fmt, ap);
	va_end(ap);
}

int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno == ERANGE)
		return -ERANGE;
	if (end == s)
		return -EINVAL;
	while (*end == ' ')
		end++;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	case 'b': case 'B': if (end[1] == '\0') end++; break;
	default: return -EINVAL;
	}
	if (shift && (!strcmp(end, "iB") || !strcmp(end, "B")))
		end += strlen(end);
	while (*end == ' ')
		end++;
	if (*end)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

char *fmt_size(uint64_t n, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned int u = 0;
	double v = (double)n;

	while (v >= 1024 && u < ARRAY_SIZE(unit) - 1) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)n);
	else if (v == (double)(uint64_t)v)
		snprintf(buf, len, "%llu %s", (unsigned long long)v, unit[u]);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
	return buf;
}

char *strtrim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	char *t;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f)) {
		int e = ferror(f) ? -EIO : -ENODATA;

		fclose(f);
		return e;
	}
	fclose(f);
	t = strtrim(buf);
	memmove(buf, t, strlen(t) + 1);
	return 0;
}

int read_u64(const char *path, uint64_t *out)
{
	char buf[64], *end;
	int ret = read_line(path, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*out = strtoull(buf, &end, 0);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

int require_admin(const char *what)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };
	static const int need[] = { CAP_SYS_ADMIN, 39 /* CAP_BPF, Linux 5.8 */ };
	unsigned int i;

	if (syscall(SYS_capget, &h, d))
		return 0;	/* cannot tell: let the kernel decide */
	for (i = 0; i < ARRAY_SIZE(need); i++)
		if (!(d[need[i] / 32].effective & (1U << (need[i] % 32)))) {
			err("%s needs root: CAP_BPF and CAP_SYS_ADMIN (it attaches BPF policies and writes their pinned maps)",
			    what);
			return -EPERM;
		}
	return 0;
}

double mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
