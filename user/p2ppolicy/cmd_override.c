// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2ppolicy verify and override: test a (provider, client) pair with real DMA by the client,
 * and allow P2P for a pair the kernel refuses once that test passed on this boot.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "fmt.h"
#include "fmt_override.h"
#include "kmod.h"
#include "pci.h"
#include "util.h"

static struct {
	bool json, enable;
} opt;

/* -1, or an exit code to return. @in_order: stop at the first argument (a subcommand). */
static int parse_opts(const char *name, int argc, char **argv, bool in_order)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "enable", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' }, { 0 },
	};
	int o;

	while ((o = getopt_long(argc, argv, in_order ? "+h" : "h", opts, NULL)) != -1) {
		switch (o) {
		case 'h':
			return cmd_usage(name, false);
		case 'j':
			opt.json = true;
			break;
		case 'e':
			opt.enable = true;
			break;
		default:
			return USAGE_ERROR(name);
		}
	}
	return -1;
}

/* PROVIDER and CLIENT: a provider and any PCI function. EXIT_OK or an exit code. */
static int resolve_pair(char **args, struct pci_info *prov, struct pci_info *cli)
{
	struct pci_spec ps, cs;
	char why[256];

	if (pci_spec_parse(args[0], false, &ps, why, sizeof(why)) ||
	    pci_spec_parse(args[1], false, &cs, why, sizeof(why))) {
		err("%s", why);
		return EXIT_USAGE;
	}
	if (pci_resolve(&ps, prov, why, sizeof(why)) || pci_resolve(&cs, cli, why, sizeof(why))) {
		err("%s", why);
		return EXIT_ERR;
	}
	return EXIT_OK;
}

/* Is the kernel locked down (its lockdown file shows a level other than [none])? */
static bool locked_down(void)
{
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");
	char buf[128];
	bool on;

	if (!f)
		return false;
	on = fgets(buf, sizeof(buf), f) && !strstr(buf, "[none]");
	fclose(f);
	return on;
}

static void verify_error(int ret, const struct pci_info *prov, const struct pci_info *cli)
{
	switch (ret) {
	case -EPERM:
		if (locked_down())
			err("verify is refused under kernel lockdown: a probe steers a device's DMA");
		else
			err("verify needs CAP_SYS_ADMIN (root)");
		break;
	case -EXDEV:
		err("%s -> %s cannot be verified: no IOMMU translates %s's DMA, and %s's PCI bus addresses are not its CPU addresses",
		    prov->name, cli->name, cli->name, prov->name);
		break;
	case -EOPNOTSUPP:
		err("%s cannot be verified: its driver offers p2pmap no DMA test (p2pmap_client_ops.dma_copy)",
		    cli->name);
		break;
	case -EACCES:
		err("%s cannot be verified: no driver registered it with p2pmap", cli->name);
		break;
	case -ENODEV:
		err("%s has no P2P memory, or a device is going away", prov->name);
		break;
	default:
		err_errno(ret, "verify %s -> %s", prov->name, cli->name);
	}
}

/* Probe, print the report; EXIT_OK if it passed, EXIT_ERR if not or it could not run. */
static int run_verify(int fd, const struct pci_info *prov, const struct pci_info *cli,
		      uint32_t flags)
{
	struct p2pmap_verify v;
	int ret = kmod_verify(fd, &prov->addr, &cli->addr, flags, &v);

	if (ret) {
		verify_error(ret, prov, cli);
		return EXIT_ERR;
	}
	if (opt.json)
		json_print(stdout, fmt_verify_json(&v));
	else
		fmt_verify(stdout, &v);
	return v.result == P2PMAP_PROBE_PASS ? EXIT_OK : EXIT_ERR;
}

int cmd_verify(int argc, char **argv)
{
	struct pci_info prov, cli;
	int fd, ret;

	memset(&opt, 0, sizeof(opt));
	ret = parse_opts("verify", argc, argv, false);
	if (ret >= 0)
		return ret;
	if (argc - optind != 2)
		return USAGE_ERROR("verify");
	ret = resolve_pair(argv + optind, &prov, &cli);
	if (ret)
		return ret;
	fd = kmod_open();
	if (fd < 0)
		return EXIT_ERR;
	ret = run_verify(fd, &prov, &cli, opt.enable ? P2PMAP_VERIFY_ENABLE : 0);
	close(fd);
	return ret;
}

static int override_do_addel(char **args, bool add)
{
	struct pci_info prov, cli;
	struct p2pmap_override o;
	char s[160];
	int fd, ret = resolve_pair(args, &prov, &cli);

	if (ret)
		return ret;
	fd = kmod_open();
	if (fd < 0)
		return EXIT_ERR;
	ret = kmod_override(fd, &prov.addr, &cli.addr,
			    add ? P2PMAP_OVERRIDE_ADD : P2PMAP_OVERRIDE_DEL, &o);
	if (ret == -ENOKEY) {
		/* Not verified on this boot for these devices: probe now, enable if it passes. */
		printf("%s -> %s is not verified on this boot: probing it first\n", prov.name,
		       cli.name);
		ret = run_verify(fd, &prov, &cli, P2PMAP_VERIFY_ENABLE);
		close(fd);
		if (ret)
			err("override not enabled: the probe did not pass");
		return ret;
	}
	close(fd);
	if (ret == -EPERM) {
		if (add && locked_down())
			err("override add is refused under kernel lockdown (override del is not)");
		else
			err("override needs CAP_SYS_ADMIN (root)");
		return EXIT_ERR;
	}
	if (ret) {
		err_errno(ret, "override %s %s -> %s", add ? "add" : "del", prov.name, cli.name);
		return EXIT_ERR;
	}
	printf("%s -> %s: override %s\n", prov.name, cli.name,
	       fmt_override_state(o.override, 0, o.verified_at, s, sizeof(s)));
	return EXIT_OK;
}

static int override_do_add(char **args, int n, bool json)
{
	(void)n;
	(void)json;
	return override_do_addel(args, true);
}

static int override_do_del(char **args, int n, bool json)
{
	(void)n;
	(void)json;
	return override_do_addel(args, false);
}

static int override_do_list(char **args, int n, bool json)
{
	struct p2pmap_pair_stat *v;
	size_t nr;
	int fd, ret;

	(void)args;
	(void)n;
	fd = kmod_open();
	if (fd < 0)
		return EXIT_ERR;
	ret = kmod_stats(fd, false, &v, &nr);
	close(fd);
	if (ret) {
		err_errno(ret, "cannot read the pairs");
		return EXIT_ERR;
	}
	qsort(v, nr, sizeof(*v), pair_stat_cmp);
	if (json)
		ret = json_print(stdout, fmt_overrides_json(v, nr)) ? EXIT_ERR : EXIT_OK;
	else
		fmt_overrides(stdout, v, nr);
	free(v);
	return ret;
}

const struct subcmd override_subcmds[] = {
	{ "add", override_do_add, 2, 2, "PROVIDER CLIENT",
	  "allow P2P for the pair; probes it first unless a probe passed on this boot" },
	{ "del", override_do_del, 2, 2, "PROVIDER CLIENT",
	  "stop allowing it: new mappings bounce again (the verification stays)" },
	{ "list", override_do_list, 0, 0, "[--json]",
	  "the pairs verified or probed on this boot, and whether their override is on" },
	{ NULL },
};

static int override_opts(int argc, char **argv, bool in_order)
{
	return parse_opts("override", argc, argv, in_order);
}

static int override_check(const struct subcmd *s)
{
	(void)s;
	if (opt.enable) {
		err("--enable is for 'verify'");
		return EXIT_USAGE;
	}
	return -1;
}

int cmd_override(int argc, char **argv)
{
	memset(&opt, 0, sizeof(opt));
	return run_subcmd("override", override_subcmds, argc, argv, override_opts,
			  override_check, &opt.json);
}
