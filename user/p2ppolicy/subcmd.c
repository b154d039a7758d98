// SPDX-License-Identifier: GPL-2.0-only
/* The one dispatcher of the commands that have subcommands (bpftool's cmd_select()). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "util.h"

/* "a, b, c": the names of @table, for an error message. */
static const char *names_of(const struct subcmd *table, char *buf, size_t len)
{
	const struct subcmd *s;
	size_t used = 0;

	buf[0] = '\0';
	for (s = table; s->name && used < len; s++)
		used += snprintf(buf + used, len - used, "%s%s", s == table ? "" : ", ", s->name);
	return buf;
}

int run_subcmd(const char *cmd, const struct subcmd *table, int argc, char **argv,
	       int (*opts)(int argc, char **argv, bool in_order),
	       int (*check)(const struct subcmd *s), const bool *json)
{
	const struct subcmd *s;
	char names[256];
	int o, n;

	o = opts(argc, argv, true);
	if (o >= 0)
		return o;
	if (optind >= argc)
		return USAGE_ERROR(cmd);
	for (s = table; s->name && strcmp(s->name, argv[optind]); s++)
		;
	if (!s->name) {
		err("unknown %s command '%s' (%s)", cmd, argv[optind],
		    names_of(table, names, sizeof(names)));
		return EXIT_USAGE;
	}
	/* The subcommand's own options, anywhere after its name (getopt restarts at 1). */
	argc -= optind;
	argv += optind;
	optind = 0;
	o = opts(argc, argv, false);
	if (o >= 0)
		return o;
	if (check) {
		o = check(s);
		if (o >= 0)
			return o;
	}
	n = argc - optind;
	if (n < s->min_args || (s->max_args >= 0 && n > s->max_args))
		return USAGE_ERROR(cmd);
	return s->fn(argv + optind, n, *json);
}
