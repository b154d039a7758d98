/* SPDX-License-Identifier: GPL-2.0-only */
/* The subcommands of p2ppolicy: each takes argc/argv from its name on, returns an exit code. */
#ifndef P2PPOLICY_CMDS_H
#define P2PPOLICY_CMDS_H

#include <stdbool.h>

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;	/* synopsis after the name */
	const char *summary;	/* one line */
	const char *help;	/* the rest of --help */
};

extern const struct cmd commands[];

int cmd_status(int argc, char **argv);
int cmd_devices(int argc, char **argv);
int cmd_pairs(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_daemon(int argc, char **argv);

/* Print the command's --help to stdout (exit 0) or its usage to stderr (exit 2). */
int cmd_usage(const char *name, bool error);

/* getopt_long over a command's options; "?" handling is shared. */
#define USAGE_ERROR(name) cmd_usage(name, true)

#endif
