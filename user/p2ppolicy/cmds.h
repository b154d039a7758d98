/* SPDX-License-Identifier: GPL-2.0-only */
/* The subcommands of p2ppolicy: each takes argc/argv from its name on, returns an exit code. */
#ifndef P2PPOLICY_CMDS_H
#define P2PPOLICY_CMDS_H

#include <stdbool.h>

/*
 * A subcommand ("rules add ..."), bpftool's cmds[] style: its synopsis and help sit beside it
 * in its command's table. @fn gets the arguments after the subcommand's name, @min_args to
 * @max_args of them (-1: no limit), and the command's --json.
 */
struct subcmd {
	const char *name;
	int (*fn)(char **args, int n, bool json);
	int min_args, max_args;
	const char *args;	/* synopsis after the name */
	const char *summary;	/* one line */
};

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;	/* synopsis after the name (commands with subcommands: none) */
	const char *summary;	/* one line */
	const char *help;	/* the rest of --help */
	const struct subcmd *subcmds;	/* NULL-terminated, or NULL */
};

extern const struct cmd commands[];

/*
 * Run the subcommand of @cmd that argv[optind] names. @opts parses @cmd's options, first
 * before the subcommand (@in_order: stop at its name), then anywhere after it; it returns an
 * exit code, or -1 to go on. @check (or NULL) says whether the options fit the subcommand
 * chosen, the same way. The subcommand gets the arguments after its name, counted against its
 * entry, and *@json. Errors name the subcommands of @table.
 */
int run_subcmd(const char *cmd, const struct subcmd *table, int argc, char **argv,
	       int (*opts)(int argc, char **argv, bool in_order),
	       int (*check)(const struct subcmd *s), const bool *json);
extern const struct subcmd rules_subcmds[];
extern const struct subcmd shadow_subcmds[];
extern const struct subcmd override_subcmds[];

int cmd_status(int argc, char **argv);
int cmd_devices(int argc, char **argv);
int cmd_pairs(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_shadow(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_override(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_daemon(int argc, char **argv);

/* Print the command's --help to stdout (exit 0) or its usage to stderr (exit 2). */
int cmd_usage(const char *name, bool error);

struct tunable;
/* "KEY=VALUE" (a --set) -> @t; prints why on error. 0 or -EINVAL. */
int parse_assignment(const char *s, struct tunable *t);

/* getopt_long over a command's options; "?" handling is shared. */
#define USAGE_ERROR(name) cmd_usage(name, true)

#endif
