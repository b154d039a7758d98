// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2ppolicy shadow: a candidate policy beside the active one. It decides every real mapping
 * without affecting it; the module counts per pair where it would have decided otherwise
 * (STATS); promote makes it the active policy in one step.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "config.h"
#include "fmt.h"
#include "fmt_shadow.h"
#include "kmod.h"
#include "policy.h"
#include "tunables.h"
#include "util.h"

/* The options of "shadow", before or after its subcommand. */
static struct {
	bool json, all, reset;
	struct tunable set[CONFIG_MAX_TUNABLES];
	unsigned int nr_set;
} opt;


/* -1, or an exit code to return. @in_order: stop at the first argument (the subcommand). */
static int shadow_opts(int argc, char **argv, bool in_order)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "all", no_argument, NULL, 'a' },
		{ "reset", no_argument, NULL, 'r' }, { "set", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' }, { 0 },
	};
	int o;

	while ((o = getopt_long(argc, argv, in_order ? "+hs:" : "hs:", opts, NULL)) != -1) {
		switch (o) {
		case 'h':
			return cmd_usage("shadow", false);
		case 'j':
			opt.json = true;
			break;
		case 'a':
			opt.all = true;
			break;
		case 'r':
			opt.reset = true;
			break;
		case 's':
			if (opt.nr_set == CONFIG_MAX_TUNABLES) {
				err("at most %d --set", CONFIG_MAX_TUNABLES);
				return EXIT_USAGE;
			}
			if (parse_assignment(optarg, &opt.set[opt.nr_set++]))
				return EXIT_USAGE;
			break;
		default:
			return USAGE_ERROR("shadow");
		}
	}
	return -1;
}

static int shadow_do_load(char **args, int n, bool json)
{
	struct bpf_object *obj;
	int ret;

	(void)n;
	(void)json;
	if (require_admin("shadow load"))
		return EXIT_ERR;
	obj = policy_open(args[0]);
	if (!obj)
		return EXIT_ERR;
	ret = tunables_set(obj, opt.set, opt.nr_set, NULL);
	if (!ret)
		ret = policy_shadow_load_attach(obj, false);
	bpf_object__close(obj);
	return ret ? EXIT_ERR : EXIT_OK;
}

static int shadow_do_unload(char **args, int n, bool json)
{
	(void)args;
	(void)n;
	(void)json;
	if (require_admin("shadow unload"))
		return EXIT_ERR;
	return policy_shadow_detach(false) ? EXIT_ERR : EXIT_OK;
}

static int shadow_do_promote(char **args, int n, bool json)
{
	(void)args;
	(void)n;
	(void)json;
	if (require_admin("shadow promote"))
		return EXIT_ERR;
	return policy_promote(false) ? EXIT_ERR : EXIT_OK;
}

static int read_state(char *name, size_t nlen, char *state, size_t slen)
{
	if (access(P2PMAP_SYSFS, F_OK)) {
		err("the p2pmap module is not loaded (no " P2PMAP_SYSFS "): load it with 'modprobe p2pmap'");
		return -ENOENT;
	}
	policy_shadow_current(name, nlen);
	if (read_line(P2PMAP_SYSFS "/shadow_state", state, slen))
		snprintf(state, slen, "?");
	return 0;
}

static int shadow_do_status(char **args, int n, bool json)
{
	char name[64], state[256], path[64] = "-", exit_kind[32];
	struct policy_pin pin;
	json_object *o, *t;
	unsigned int i;

	(void)args;
	(void)n;
	if (read_state(name, sizeof(name), state, sizeof(state)))
		return EXIT_ERR;
	if (read_line(P2PMAP_SYSFS "/shadow_exit", exit_kind, sizeof(exit_kind)))
		snprintf(exit_kind, sizeof(exit_kind), "none");
	policy_pin_info_slot(&pins_shadow, &pin);
	if (pin.pinned)
		snprintf(path, sizeof(path), "%s", pin.link_path);
	if (json) {
		o = json_object_new_object();
		json_object_object_add(o, "shadow", json_object_new_string(name));
		json_object_object_add(o, "state", json_object_new_string(state));
		json_object_object_add(o, "exit", json_object_new_string(exit_kind));
		json_object_object_add(o, "pinned", pin.pinned ? json_object_new_string(path) : NULL);
		json_object_object_add(o, "link_id", json_object_new_int64(pin.link_id));
		json_object_object_add(o, "map_id", json_object_new_int64(pin.map_id));
		t = json_object_new_object();
		for (i = 0; i < pin.nr_tunables; i++)
			json_object_object_add(t, pin.tunables[i].name,
					       json_object_new_uint64(pin.tunables[i].value));
		json_object_object_add(o, "tunables", t);
		return json_print(stdout, o) ? EXIT_ERR : EXIT_OK;
	}
	printf("shadow:     %s\nstate:      %s\n", name, state);
	if (pin.pinned)
		printf("pinned:     %s (link %u, struct_ops map %u)\n", path, pin.link_id, pin.map_id);
	for (i = 0; i < pin.nr_tunables; i++)
		printf("tunable:    %s = %llu\n", pin.tunables[i].name,
		       (unsigned long long)pin.tunables[i].value);
	return EXIT_OK;
}

static int shadow_do_report(char **args, int n, bool json)
{
	char name[64], state[256], policy[64];
	struct p2pmap_pair_stat *pairs = NULL;
	struct shadow_report r;
	size_t nr = 0;
	int fd, ret;

	(void)args;
	(void)n;
	if (read_state(name, sizeof(name), state, sizeof(state)))
		return EXIT_ERR;
	if (opt.reset && require_admin("shadow report --reset"))
		return EXIT_ERR;
	policy_current(policy, sizeof(policy));
	fd = kmod_open();
	if (fd < 0)
		return EXIT_ERR;
	ret = kmod_stats(fd, opt.reset, &pairs, &nr);
	close(fd);
	if (ret) {
		err_errno(ret, "cannot read the statistics (STATS on " P2PMAP_DEV ")");
		return EXIT_ERR;
	}
	qsort(pairs, nr, sizeof(*pairs), pair_stat_cmp);
	r = (struct shadow_report){
		.shadow = name, .shadow_state = state, .policy = policy,
		.pairs = pairs, .nr = nr, .all = opt.all,
	};
	if (json)
		ret = json_print(stdout, fmt_shadow_report_json(&r)) ? EXIT_ERR : EXIT_OK;
	else
		fmt_shadow_report(stdout, &r);
	free(pairs);
	return ret ? EXIT_ERR : EXIT_OK;
}

const struct subcmd shadow_subcmds[] = {
	{ "load", shadow_do_load, 1, 1, "NAME|FILE.bpf.o [--set KEY=VALUE]...",
	  "attach a policy as the shadow (any policy object, unchanged); replaces the shadow" },
	{ "status", shadow_do_status, 0, 0, "[--json]",
	  "the shadow policy, its state (decisions, errors, auto-detach) and its pins" },
	{ "report", shadow_do_report, 0, 0, "[--all] [--reset] [--json]",
	  "per pair: decisions compared, agreed, disagreements, what would have moved path" },
	{ "unload", shadow_do_unload, 0, 0, "",
	  "detach the shadow policy; the active policy is not touched" },
	{ "promote", shadow_do_promote, 0, 0, "",
	  "make the shadow the active policy in one step; the shadow slot is empty after it" },
	{ NULL },
};

/* --set is load's, --all and --reset report's. */
static int shadow_check(const struct subcmd *s)
{
	if ((opt.nr_set && s->fn != shadow_do_load) ||
	    ((opt.all || opt.reset) && s->fn != shadow_do_report)) {
		err("--set is for 'shadow load', --all and --reset for 'shadow report'");
		return EXIT_USAGE;
	}
	return -1;
}

int cmd_shadow(int argc, char **argv)
{
	memset(&opt, 0, sizeof(opt));
	return run_subcmd("shadow", shadow_subcmds, argc, argv, shadow_opts, shadow_check,
			  &opt.json);
}
