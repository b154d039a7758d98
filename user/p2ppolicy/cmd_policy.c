// SPDX-License-Identifier: GPL-2.0-only
/* The commands that change things: load, unload, set, rules; and check-config. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "config.h"
#include "fmt.h"
#include "policy.h"
#include "rules_map.h"
#include "tunables.h"
#include "util.h"

/* "KEY=VALUE" -> @t; prints why on error. */
int parse_assignment(const char *s, struct tunable *t)
{
	const char *eq = strchr(s, '=');

	if (!eq || eq == s) {
		err("'%s' is not KEY=VALUE", s);
		return -EINVAL;
	}
	if ((size_t)(eq - s) >= sizeof(t->name)) {
		err("tunable name in '%s' is too long", s);
		return -EINVAL;
	}
	snprintf(t->name, sizeof(t->name), "%.*s", (int)(eq - s), s);
	if (tunable_value_parse(eq + 1, &t->value)) {
		err("bad value in '%s' (a number with an optional K, M, G, T suffix, or true/false)", s);
		return -EINVAL;
	}
	return 0;
}

int cmd_load(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "set", required_argument, NULL, 's' }, { "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' }, { 0 },
	};
	struct tunable t[CONFIG_MAX_TUNABLES];
	struct bpf_object *obj;
	unsigned int nt = 0;
	size_t i;
	int o, ret;

	while ((o = getopt_long(argc, argv, "hs:", opts, NULL)) != -1) {
		switch (o) {
		case 'h':
			return cmd_usage("load", false);
		case 'l':
			for (i = 0; i < nr_shipped_policies; i++)
				printf("%-15s %s\n", shipped_policies[i].name, shipped_policies[i].summary);
			return EXIT_OK;
		case 's':
			if (nt == CONFIG_MAX_TUNABLES) {
				err("at most %d --set", CONFIG_MAX_TUNABLES);
				return EXIT_USAGE;
			}
			if (parse_assignment(optarg, &t[nt++]))
				return EXIT_USAGE;
			break;
		default:
			return USAGE_ERROR("load");
		}
	}
	if (argc - optind != 1)
		return USAGE_ERROR("load");
	if (require_admin("load"))
		return EXIT_ERR;
	obj = policy_open(argv[optind]);
	if (!obj)
		return EXIT_ERR;
	ret = tunables_set(obj, t, nt, NULL);
	if (!ret)
		ret = policy_load_attach(obj, NULL, 0, false);
	bpf_object__close(obj);
	return ret ? EXIT_ERR : EXIT_OK;
}

static int no_args(const char *name, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	int o;

	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		return o == 'h' ? cmd_usage(name, false) : USAGE_ERROR(name);
	return optind < argc ? USAGE_ERROR(name) : -1;
}

int cmd_unload(int argc, char **argv)
{
	int ret = no_args("unload", argc, argv);

	if (ret >= 0)
		return ret;
	if (require_admin("unload"))
		return EXIT_ERR;
	return policy_detach(false) ? EXIT_ERR : EXIT_OK;
}

int cmd_set(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	struct tunable t[CONFIG_MAX_TUNABLES];
	unsigned int nt = 0;
	int o, i;

	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		return o == 'h' ? cmd_usage("set", false) : USAGE_ERROR("set");
	if (optind >= argc || argc - optind > CONFIG_MAX_TUNABLES)
		return USAGE_ERROR("set");
	for (i = optind; i < argc; i++)
		if (parse_assignment(argv[i], &t[nt++]))
			return EXIT_USAGE;
	if (require_admin("set") || tunables_set_live(t, nt))
		return EXIT_ERR;
	for (i = 0; i < (int)nt; i++)
		printf("%s = %llu\n", t[i].name, (unsigned long long)t[i].value);
	return EXIT_OK;
}

static int parse_pair(char **argv, struct rule_def *r)
{
	char why[192];

	if (pci_spec_parse(argv[0], true, &r->provider, why, sizeof(why)) ||
	    pci_spec_parse(argv[1], true, &r->client, why, sizeof(why))) {
		err("%s", why);
		return -EINVAL;
	}
	return 0;
}

/* Options of "rules", before or after its subcommand; -1, or an exit code to return. */
static bool rules_json;

static int rules_opts(int argc, char **argv, bool in_order)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' }, { 0 },
	};
	int o;

	while ((o = getopt_long(argc, argv, in_order ? "+h" : "h", opts, NULL)) != -1) {
		if (o == 'h')
			return cmd_usage("rules", false);
		if (o != 'j')
			return USAGE_ERROR("rules");
		rules_json = true;
	}
	return -1;
}

static int rules_do_list(char **args, int n, bool json)
{
	struct rule_def *rules;
	uint64_t *hits;
	size_t nr;
	int ret = EXIT_OK;

	(void)args;
	(void)n;
	if (rules_list(&rules, &hits, &nr))
		return EXIT_ERR;
	if (json)
		ret = json_print(stdout, fmt_rules_json(rules, nr, hits)) ? EXIT_ERR : EXIT_OK;
	else
		fmt_rules(stdout, rules, nr, hits);
	free(rules);
	free(hits);
	return ret;
}

static int rules_do_add(char **args, int n, bool json)
{
	char why[192], a[32], b[32], v[160], *joined;
	struct rule_def r = { 0 };
	size_t len = 0;
	bool replaced;
	int i, ret;

	(void)json;
	if (parse_pair(args, &r))
		return EXIT_USAGE;
	if (require_admin("rules add"))
		return EXIT_ERR;
	for (i = 2; i < n; i++)
		len += strlen(args[i]) + 1;
	joined = calloc(1, len + 1);
	if (!joined)
		return EXIT_ERR;
	for (i = 2; i < n; i++)
		strcat(strcat(joined, args[i]), " ");
	ret = rule_verdicts_parse(joined, &r.val, why, sizeof(why));
	free(joined);
	if (ret) {
		err("%s", why);
		return EXIT_USAGE;
	}
	if (rules_add(&r, &replaced))
		return EXIT_ERR;
	printf("%s rule: provider %s, client %s: %s\n", replaced ? "replaced" : "added",
	       pci_spec_str(&r.provider, a, sizeof(a)), pci_spec_str(&r.client, b, sizeof(b)),
	       rule_verdicts_str(&r.val, v, sizeof(v)));
	return EXIT_OK;
}

static int rules_do_del(char **args, int n, bool json)
{
	struct rule_def r = { 0 };
	char a[32], b[32];

	(void)n;
	(void)json;
	if (parse_pair(args, &r))
		return EXIT_USAGE;
	if (require_admin("rules del") || rules_del(&r))
		return EXIT_ERR;
	printf("deleted rule: provider %s, client %s\n", pci_spec_str(&r.provider, a, sizeof(a)),
	       pci_spec_str(&r.client, b, sizeof(b)));
	return EXIT_OK;
}

const struct subcmd rules_subcmds[] = {
	{ "list", rules_do_list, 0, 0, "[--json]",
	  "the rules of the attached rules policy, with how often each matched" },
	{ "add", rules_do_add, 3, -1, "PROVIDER CLIENT VERDICT...",
	  "add a rule; it replaces the rule with the same PROVIDER and CLIENT" },
	{ "del", rules_do_del, 2, 2, "PROVIDER CLIENT",
	  "delete the rule of PROVIDER and CLIENT" },
	{ NULL },
};

int cmd_rules(int argc, char **argv)
{
	rules_json = false;
	return run_subcmd("rules", rules_subcmds, argc, argv, rules_opts, NULL, &rules_json);
}

/* Rules that name an address no present device has: they wait for it (not an error). */
static void note_absent(const struct config *cfg)
{
	char why[192], s[32];
	struct pci_info pi;
	size_t i;

	for (i = 0; i < cfg->nr_rules; i++) {
		const struct pci_spec *sp[2] = { &cfg->rules[i].def.provider, &cfg->rules[i].def.client };
		int k;

		for (k = 0; k < 2; k++)
			if (sp[k]->kind == SPEC_ADDR && pci_resolve(sp[k], &pi, why, sizeof(why)) == -ENODEV)
				printf("note: %s:%d: rule \"%s\": no device %s here yet (the rule applies once it appears)\n",
				       cfg->path, cfg->rules[i].line, cfg->rules[i].name,
				       pci_spec_str(sp[k], s, sizeof(s)));
	}
}

int cmd_check_config(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	const char *path = CONFIG_DEFAULT_PATH;
	struct bpf_object *obj;
	struct config cfg;
	char why[512];
	int o, ret;

	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		return o == 'h' ? cmd_usage("check-config", false) : USAGE_ERROR("check-config");
	if (argc - optind > 1)
		return USAGE_ERROR("check-config");
	if (optind < argc)
		path = argv[optind];
	if (config_parse_file(path, &cfg, why, sizeof(why))) {
		err("%s", why);
		config_free(&cfg);
		return EXIT_ERR;
	}
	obj = policy_open(cfg.policy);
	if (!obj) {
		err("%s:%d: policy '%s' cannot be opened (see above)", path, cfg.policy_line, cfg.policy);
		config_free(&cfg);
		return EXIT_ERR;
	}
	ret = tunables_set(obj, cfg.tunables, cfg.nr_tunables, path);
	bpf_object__close(obj);
	if (!ret && cfg.shadow[0]) {
		obj = policy_open(cfg.shadow);
		if (!obj)
			err("%s:%d: shadow policy '%s' cannot be opened (see above)", path,
			    cfg.shadow_line, cfg.shadow);
		ret = obj ? tunables_set(obj, cfg.shadow_tunables, cfg.nr_shadow_tunables, path) :
			    -EINVAL;
		bpf_object__close(obj);
	}
	if (ret) {
		config_free(&cfg);
		return EXIT_ERR;
	}
	note_absent(&cfg);
	printf("%s: ok: policy %s, %u tunable%s, %zu rule%s, on_exit %s", path, cfg.policy,
	       cfg.nr_tunables, cfg.nr_tunables == 1 ? "" : "s", cfg.nr_rules,
	       cfg.nr_rules == 1 ? "" : "s", cfg.detach_on_exit ? "detach" : "keep");
	if (cfg.shadow[0])
		printf("; shadow %s, %u tunable%s", cfg.shadow, cfg.nr_shadow_tunables,
		       cfg.nr_shadow_tunables == 1 ? "" : "s");
	printf("\n");
	config_free(&cfg);
	return EXIT_OK;
}
