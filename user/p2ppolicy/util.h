/* SPDX-License-Identifier: GPL-2.0-only */
/* Small helpers shared by every part of p2ppolicy: errors, sizes, sysfs files. */
#ifndef P2PPOLICY_UTIL_H
#define P2PPOLICY_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit codes: 0 success, 1 an error, 2 bad usage. */
enum { EXIT_OK = 0, EXIT_ERR = 1, EXIT_USAGE = 2 };

extern const char *prog;	/* "p2ppolicy" */
extern int verbose;

/* One line on stderr, "p2ppolicy: <message>". */
void err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like err(), ending with ": strerror(errnum)". */
void err_errno(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Only with -v. */
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Parse a byte count: decimal or 0x hex, with an optional binary suffix K, M, G, T (KiB ...;
 * "KiB" and "k" accepted too). Return 0, or -EINVAL (not a number) / -ERANGE (overflow).
 */
int parse_size(const char *s, uint64_t *out);
/* "64 KiB", "1.5 MiB", "17 B": for people. Returns @buf. */
char *fmt_size(uint64_t n, char *buf, size_t len);
/* CLOCK_MONOTONIC in seconds. */
double mono_seconds(void);

/* Read a sysfs attribute: a trimmed line, or a number. 0 or -errno. */
int read_line(const char *path, char *buf, size_t len);
int read_u64(const char *path, uint64_t *out);

/*
 * Commands that attach policies or write their maps need CAP_BPF and CAP_SYS_ADMIN (struct_ops
 * and pinned maps under /sys/fs/bpf). Return 0 when this process has both; otherwise say so
 * in one line naming @what and return -EPERM.
 */
int require_admin(const char *what);

/* Trim spaces at both ends, in place. */
char *strtrim(char *s);

#endif
