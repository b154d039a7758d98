// SPDX-License-Identifier: GPL-2.0-only
/* The read commands: status, devices, pairs, explain. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "fmt.h"
#include "fmt_shadow.h"
#include "kmod.h"
#include "pci.h"
#include "policy.h"
#include "util.h"

enum { OPT_JSON = 256, OPT_ALL, OPT_RESET, OPT_SIZE, OPT_DIR, OPT_SHADOW };

/* Options of the read commands; returns -1 after the options, or an exit code to return. */
struct show_opts {
	bool json, all, reset, shadow;
	uint64_t size;
	uint32_t dir;
};

static int parse_opts(const char *name, int argc, char **argv, const struct option *opts,
		      struct show_opts *so)
{
	int o;

	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'h':
			return cmd_usage(name, false);
		case OPT_JSON:
			so->json = true;
			break;
		case OPT_ALL:
			so->all = true;
			break;
		case OPT_RESET:
			so->reset = true;
			break;
		case OPT_SHADOW:
			so->shadow = true;
			break;
		case OPT_SIZE:
			if (parse_size(optarg, &so->size) || !so->size) {
				err("--size: '%s' is not a size above 0 (bytes, with K, M, G suffixes)", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_DIR:
			if (dir_parse(optarg, &so->dir)) {
				err("--dir must be %s, %s or %s, not '%s'",
				    dir_str(P2PMAP_DIR_TO_DEVICE), dir_str(P2PMAP_DIR_FROM_DEVICE),
				    dir_str(P2PMAP_DIR_BIDIRECTIONAL), optarg);
				return EXIT_USAGE;
			}
			break;
		default:
			return USAGE_ERROR(name);
		}
	}
	return -1;
}

static int print_json(json_object *o)
{
	return json_print(stdout, o) ? EXIT_ERR : EXIT_OK;
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON }, { "help", no_argument, NULL, 'h' }, { 0 },
	};
	struct show_opts so = { 0 };
	char shadow[64], shadow_state[256], shadow_exit[32];
	struct kmod_status st;
	struct policy_pin pin;
	json_object *o;
	int ret = parse_opts("status", argc, argv, opts, &so);

	if (ret >= 0)
		return ret;
	if (optind < argc)
		return USAGE_ERROR("status");
	if (kmod_status(&st))
		return EXIT_ERR;
	policy_pin_info(&pin);
	policy_shadow_current(shadow, sizeof(shadow));
	if (read_line(P2PMAP_SYSFS "/shadow_state", shadow_state, sizeof(shadow_state)))
		snprintf(shadow_state, sizeof(shadow_state), "?");
	if (read_line(P2PMAP_SYSFS "/shadow_exit", shadow_exit, sizeof(shadow_exit)))
		snprintf(shadow_exit, sizeof(shadow_exit), "none");
	if (so.json) {
		o = fmt_status_json(&st, &pin);
		json_object_object_add(o, "shadow", json_object_new_string(shadow));
		json_object_object_add(o, "shadow_state", json_object_new_string(shadow_state));
		json_object_object_add(o, "shadow_exit", json_object_new_string(shadow_exit));
		return print_json(o);
	}
	fmt_status(stdout, &st, &pin);
	printf("shadow:     %s\n", strcmp(shadow, "none") ? shadow_state : "none");
	return EXIT_OK;
}

int cmd_devices(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON }, { "help", no_argument, NULL, 'h' }, { 0 },
	};
	struct show_opts so = { 0 };
	struct pci_info *all, *prov, *cli;
	struct p2pmap_explain *cell;
	size_t n, i, np = 0, nc = 0, c, p;
	int *errs, fd, ret = parse_opts("devices", argc, argv, opts, &so);

	if (ret >= 0)
		return ret;
	if (optind < argc)
		return USAGE_ERROR("devices");
	fd = kmod_open();
	if (fd < 0)
		return EXIT_ERR;
	ret = pci_list(&all, &n);
	if (ret) {
		err_errno(ret, "cannot list PCI devices in %s", pci_sysfs_dir);
		close(fd);
		return EXIT_ERR;
	}
	prov = calloc(n + 1, sizeof(*prov));
	cli = calloc(n + 1, sizeof(*cli));
	cell = calloc(n * n + 1, sizeof(*cell));
	errs = calloc(n * n + 1, sizeof(*errs));
	if (!prov || !cli || !cell || !errs) {
		err("out of memory");
		ret = EXIT_ERR;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (all[i].p2pmem)
			prov[np++] = all[i];
		if (!all[i].bridge && all[i].driver[0])
			cli[nc++] = all[i];
	}
	for (c = 0; c < nc; c++)
		for (p = 0; p < np; p++)
			errs[c * np + p] = kmod_explain(fd, &prov[p].addr, &cli[c].addr,
							P2PMAP_DIR_BIDIRECTIONAL, 4096,
							&cell[c * np + p]);
	{
		struct device_matrix m = { prov, cli, np, nc, cell, errs };

		if (so.json) {
			ret = print_json(fmt_devices_json(&m));
		} else {
			fmt_devices(stdout, &m);
			ret = EXIT_OK;
		}
	}
out:
	free(all);
	free(prov);
	free(cli);
	free(cell);
	free(errs);
	close(fd);
	return ret;
}

int cmd_pairs(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON }, { "all", no_argument, NULL, OPT_ALL },
		{ "reset", no_argument, NULL, OPT_RESET }, { "help", no_argument, NULL, 'h' }, { 0 },
	};
	struct show_opts so = { 0 };
	struct p2pmap_pair_stat *v;
	size_t n;
	int fd, ret = parse_opts("pairs", argc, argv, opts, &so);

	if (ret >= 0)
		return ret;
	if (optind < argc)
		return USAGE_ERROR("pairs");
	fd = kmod_open();
	if (fd < 0)
		return EXIT_ERR;
	ret = kmod_stats(fd, so.reset, &v, &n);
	close(fd);
	if (ret) {
		if (ret == -EPERM)
			err("--reset needs CAP_SYS_ADMIN");
		else
			err_errno(ret, "cannot read the pair statistics");
		return EXIT_ERR;
	}
	qsort(v, n, sizeof(*v), pair_stat_cmp);
	if (so.json) {
		ret = print_json(fmt_pairs_json(v, n, so.all));
	} else {
		fmt_pairs(stdout, v, n, so.all);
		if (so.reset)
			printf("(counters reset)\n");
		ret = EXIT_OK;
	}
	free(v);
	return ret;
}

int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON }, { "size", required_argument, NULL, OPT_SIZE },
		{ "dir", required_argument, NULL, OPT_DIR }, { "shadow", no_argument, NULL, OPT_SHADOW },
		{ "help", no_argument, NULL, 'h' }, { 0 },
	};
	struct show_opts so = { .size = 4096, .dir = P2PMAP_DIR_BIDIRECTIONAL };
	char shadow[64] = "none";
	json_object *o;
	struct pci_info prov, cli;
	struct pci_spec ps, cs;
	struct p2pmap_explain e;
	struct explain_req req;
	char why[256], policy[64] = "none";
	int fd, ret = parse_opts("explain", argc, argv, opts, &so);

	if (ret >= 0)
		return ret;
	if (argc - optind != 2)
		return USAGE_ERROR("explain");
	if (pci_spec_parse(argv[optind], false, &ps, why, sizeof(why)) ||
	    pci_spec_parse(argv[optind + 1], false, &cs, why, sizeof(why))) {
		err("%s", why);
		return EXIT_USAGE;
	}
	if (pci_resolve(&ps, &prov, why, sizeof(why)) || pci_resolve(&cs, &cli, why, sizeof(why))) {
		err("%s", why);
		return EXIT_ERR;
	}
	if (!prov.p2pmem) {
		err("%s publishes no P2P memory, so it is not a provider ('p2ppolicy devices' lists them)",
		    prov.name);
		return EXIT_ERR;
	}
	fd = kmod_open();
	if (fd < 0)
		return EXIT_ERR;
	ret = kmod_explain_flags(fd, &prov.addr, &cli.addr, so.dir, so.size,
				 so.shadow ? P2PMAP_EXPLAIN_SHADOW : 0, &e);
	close(fd);
	if (ret) {
		err_errno(ret, "explain %s -> %s", prov.name, cli.name);
		return EXIT_ERR;
	}
	read_line(P2PMAP_SYSFS "/policy", policy, sizeof(policy));
	read_line(P2PMAP_SYSFS "/shadow", shadow, sizeof(shadow));
	req = (struct explain_req){ prov.addr, cli.addr, so.size, so.dir };
	if (so.json) {
		o = fmt_explain_json(&req, &e, policy);
		if (so.shadow)
			json_object_object_add(o, "shadow", fmt_explain_shadow_json(&e, shadow));
		return print_json(o);
	}
	fmt_explain(stdout, &req, &e, policy);
	if (so.shadow)
		fmt_explain_shadow(stdout, &e, shadow);
	return EXIT_OK;
}
