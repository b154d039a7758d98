// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2ppolicy - run p2pmap: see what it decides and why, attach and tune BPF policies, edit
 * rules, and keep a configured policy in place as a daemon.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "util.h"

#ifndef P2PPOLICY_VERSION
#define P2PPOLICY_VERSION "0.0.0"
#endif

const struct cmd commands[] = {
	{ "status", cmd_status, "[--json]",
	  "the module, the attached policy and its state, the global counters",
	  "Reads /sys/kernel/p2pmap and what p2ppolicy pinned under /sys/fs/bpf/p2pmap (link,\n"
	  "tunables, rules).",
	  NULL },
	{ "devices", cmd_devices, "[--json]",
	  "P2P providers, DMA clients, and the kernel's verdict for every pair",
	  "Providers are PCI functions that publish P2P memory (p2pmem); clients are the other\n"
	  "PCI functions with a driver bound, bridges excepted. Each cell is the kernel's verdict\n"
	  "(pci_p2pdma_distance()) for the pair: bus-address or host-bridge with the distance, or\n"
	  "refused. Asking adds each pair to the module's pair table as an idle pair.",
	  NULL },
	{ "pairs", cmd_pairs, "[--all] [--reset] [--json]",
	  "per-pair statistics: decisions, bytes per path, errors, last verdict",
	  "  --all     list idle pairs too (pairs only EXPLAIN or 'devices' has seen)\n"
	  "  --reset   zero the counters after this snapshot (root)",
	  NULL },
	{ "explain", cmd_explain,
	  "PROVIDER CLIENT [--size N] [--dir to|from|bidi] [--shadow] [--json]",
	  "what a mapping of PROVIDER's memory by CLIENT would get, and why",
	  "Devices are PCI addresses (0000:03:00.0, or 03:00.0) or vendor:device IDs that name\n"
	  "exactly one device. Nothing is mapped; the attached policy is asked as for a mapping.\n"
	  "  --size N  request length in bytes, K/M/G suffixes (default 4K)\n"
	  "  --dir D   to (the device reads), from (the device writes) or bidi (default)\n"
	  "  --shadow  ask the shadow policy too, and say whether it agrees (nothing counted)",
	  NULL },
	{ "load", cmd_load, "NAME|FILE.bpf.o [--set KEY=VALUE]...",
	  "attach a shipped policy or any policy object, replacing the attached one atomically",
	  "NAME is a shipped policy ('load --list' lists and describes them). A policy loaded\n"
	  "before through p2ppolicy is replaced in one step\n"
	  "through its pinned link: no mapping sees no policy in between. The link is pinned at\n"
	  "/sys/fs/bpf/p2pmap/link and the policy's maps under /sys/fs/bpf/p2pmap/maps/.\n"
	  "  --set KEY=VALUE  set a global variable of the policy before it loads (K/M/G suffixes,\n"
	  "                   true/false); repeat for several\n"
	  "  --list           list the shipped policies",
	  NULL },
	{ "unload", cmd_unload, "",
	  "detach the policy: the built-in rule decides again",
	  "Removes the pins under /sys/fs/bpf/p2pmap (also a link bpftool pinned there) and waits\n"
	  "until the module has let go of the policy. A shadow policy stays ('shadow unload').",
	  NULL },
	{ "set", cmd_set, "KEY=VALUE...",
	  "change tunables of the attached policy while it runs",
	  "Writes the policy's .data/.bss variables through their pinned maps; 'status' lists\n"
	  "them. Example: p2ppolicy set min_p2p_bytes=1M",
	  NULL },
	{ "rules", cmd_rules, NULL,
	  "edit the rules of the attached rules policy, live",
	  "PROVIDER and CLIENT are a PCI address, a vendor:device ID, or 'any'. VERDICT items are\n"
	  "[MIN-[MAX]:]p2p|bounce|reject|builtin, at most four, with non-overlapping half-open\n"
	  "byte ranges [MIN, MAX); p2p means P2P where the kernel allows it, else bounce.\n"
	  "  p2ppolicy rules add 0000:03:00.0 1234:11e8 0-64K:bounce 64K-:p2p\n"
	  "  p2ppolicy rules add any any builtin\n"
	  "The daemon rewrites the rules from its configuration on SIGHUP and when PCI devices\n"
	  "come or go.",
	  rules_subcmds },
	{ "shadow", cmd_shadow, NULL,
	  "try a candidate policy beside the active one, see where they disagree, promote it",
	  "A shadow policy is any policy object (shipped or a .bpf.o), unchanged. Its decide()\n"
	  "runs for every real mapping after the active policy's, with the same context; its\n"
	  "verdict never changes the mapping. p2pmap counts per pair how often the two agree,\n"
	  "where they differ (active -> shadow verdict), and what would have moved between P2P\n"
	  "and bounce, by request size. Its errors and auto-detach are its own: the active\n"
	  "policy is not touched. EXPLAIN does not ask it ('explain --shadow' does).\n"
	  "  p2ppolicy shadow load size_threshold --set min_p2p_bytes=64K\n"
	  "  p2ppolicy shadow report            # per pair, read in seconds; --json for programs\n"
	  "  p2ppolicy shadow promote           # one atomic step through the active link\n"
	  "Pins: /sys/fs/bpf/p2pmap/shadow/link and shadow/maps/. 'report --reset' resets every\n"
	  "pair statistic, as 'pairs --reset' (one snapshot). The daemon's configuration can name\n"
	  "a shadow policy ([shadow] name = ...).\n"
	  "  --set KEY=VALUE  (load) a global variable of the policy, before it loads\n"
	  "  --all            (report) list pairs with no comparison too\n"
	  "  --reset          (report) zero the statistics after this snapshot (root)",
	  shadow_subcmds },
	{ "verify", cmd_verify, "PROVIDER CLIENT [--enable] [--json]",
	  "test the pair's P2P path with real DMA by the client; --enable: then allow P2P (root)",
	  "p2pmap allocates 16 KiB of PROVIDER's P2P memory and of RAM, and has CLIENT's driver\n"
	  "move data with the device's own DMA engine: PROVIDER's memory into RAM (read) and RAM\n"
	  "into PROVIDER's memory (write), at several sizes and offsets, every read before the\n"
	  "first write. Every byte is compared; a failure is named by its signature: all-ones,\n"
	  "zeros, not-written, corrupt, dma-error, or aer-error (the data arrived but a device on\n"
	  "the path reported a new PCIe error). Refused under kernel lockdown. Only a\n"
	  "client whose driver offers the test (p2pmap_edu does) can be verified. A pass marks the\n"
	  "pair verified until either device is removed, re-plugged or unbound; a failure clears\n"
	  "its verification and override. Exit status 0 only if the probe passed. A probe shows\n"
	  "that this path works now, not that it works under every traffic pattern.\n"
	  "  --enable  allow P2P for the pair at once if the probe passes ('override add')\n"
	  "  --json    the report as JSON",
	  NULL },
	{ "override", cmd_override, NULL,
	  "allow P2P for a pair the kernel refuses, where a probe passed on this boot (root)",
	  "The kernel allows P2P through a host bridge only for a short whitelist. A verified\n"
	  "override lets p2pmap map such a pair P2P (reason verified-override) after 'verify'\n"
	  "passed for these exact devices on this boot; a device's removal, re-plug or unbind\n"
	  "drops it. Policies see it in their context and still decide. 'pairs' and 'explain'\n"
	  "show it. The daemon re-verifies and re-enables the [override] pairs of its\n"
	  "configuration at start and when devices come back.\n"
	  "  p2ppolicy override add 0000:05:00.0 0000:04:00.0\n"
	  "  p2ppolicy override list",
	  override_subcmds },
	{ "metrics", cmd_metrics, "[--textfile DIR]",
	  "every counter in the Prometheus text format, for node_exporter",
	  "Global counters, the policy and shadow slots, the bounce pool and, for every pair that\n"
	  "made a decision, decisions by verdict and by reason, bytes per path, errors, probes and\n"
	  "the shadow's agreement; from one STATS snapshot, nothing reset. The daemon writes the\n"
	  "same into node_exporter's textfile collector directory ([metrics] in p2ppolicy.conf).\n"
	  "  --textfile DIR  write DIR/" "p2pmap.prom atomically instead (e.g. from cron)",
	  NULL },
	{ "top", cmd_top, "[--interval SECONDS]",
	  "a live view of the pairs: rates per second, sorted by bytes; q quits",
	  "The policy and shadow on top, the global rates, then each pair that made a decision:\n"
	  "mappings, bytes P2P and bounced, and errors per second, and its latest verdict. On a\n"
	  "terminal it redraws every interval until 'q'; when stdin or stdout is not a terminal\n"
	  "it prints one screen, the rates over one interval, and exits.\n"
	  "  --interval SECONDS  between screens (default 1; 0.1 to 3600)",
	  NULL },
	{ "check-config", cmd_check_config, "[FILE]",
	  "check a configuration file (default /etc/p2ppolicy.conf) without changing anything",
	  "Parses the file, opens its policy and checks its tunables against the policy's\n"
	  "variables; notes rules that name devices this machine does not have.",
	  NULL },
	{ "daemon", cmd_daemon, "[--config FILE] [--pidfile FILE]",
	  "keep the configured policy and rules in place (for systemd)",
	  "Loads the policy of the configuration (default /etc/p2ppolicy.conf), its tunables and\n"
	  "rules, replacing any policy p2ppolicy attached before; then:\n"
	  "  SIGHUP   re-read the configuration and replace policy and rules in one step; a bad\n"
	  "           configuration is reported (FILE:LINE: reason) and the running policy stays\n"
	  "  udev     when a PCI device is added or removed, or gains or loses its driver, the\n"
	  "           rules map is rewritten from the configuration\n"
	  "  SIGTERM  exit; the policy stays attached (on_exit = keep) or is detached (detach)\n"
	  "One daemon at a time (a lock on the pid file, default /run/p2ppolicy.pid). Tells\n"
	  "systemd when it is ready (Type=notify). Logs to stderr, for the journal.\n"
	  "  --config FILE   the configuration file\n"
	  "  --pidfile FILE  the lock and pid file",
	  NULL },
	{ NULL },
};

static void usage(FILE *f)
{
	const struct cmd *c;

	fprintf(f, "Usage: %s [-v] COMMAND [ARGS]\n\n"
		"Run p2pmap: see its decisions and why, attach and tune BPF policies, edit rules.\n\n"
		"Commands:\n", prog);
	for (c = commands; c->name; c++)
		fprintf(f, "  %-13s %s\n", c->name, c->summary);
	fprintf(f, "\nOptions:\n"
		"  -v, --verbose  say more (twice: libbpf's debug log)\n"
		"  -h, --help     this help; '%s COMMAND --help' for a command\n"
		"  -V, --version  the version\n\n"
		"Exit status: 0 success, 1 error, 2 bad usage. See p2ppolicy(8).\n", prog);
}

static const struct cmd *find(const char *name)
{
	const struct cmd *c;

	for (c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* "Usage: p2ppolicy CMD ARGS", one line per subcommand for a command that has them. */
static void synopsis(FILE *f, const struct cmd *c)
{
	const struct subcmd *s;

	if (!c->subcmds) {
		fprintf(f, "Usage: %s %s %s\n", prog, c->name, c->args);
		return;
	}
	for (s = c->subcmds; s->name; s++)
		fprintf(f, "%s %s %s %s%s%s\n", s == c->subcmds ? "Usage:" : "      ", prog,
			c->name, s->name, *s->args ? " " : "", s->args);
}

int cmd_usage(const char *name, bool error)
{
	const struct cmd *c = find(name);
	FILE *f = error ? stderr : stdout;
	const struct subcmd *s;

	synopsis(f, c);
	if (error) {
		fprintf(f, "Try '%s %s --help'.\n", prog, c->name);
		return EXIT_USAGE;
	}
	fprintf(f, "\n%c%s.\n", toupper((unsigned char)c->summary[0]), c->summary + 1);
	if (c->subcmds) {
		fprintf(f, "\n");
		for (s = c->subcmds; s->name; s++)
			fprintf(f, "  %-8s %s\n", s->name, s->summary);
	}
	fprintf(f, "\n%s\n", c->help);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static char self[64];
	const struct cmd *c;
	int o;

	/* Global options stop at the command; the command parses its own. */
	while ((o = getopt_long(argc, argv, "+vhV", opts, NULL)) != -1) {
		switch (o) {
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("p2ppolicy %s\n", P2PPOLICY_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "help")) {
		if (optind + 1 < argc && find(argv[optind + 1]))
			return cmd_usage(argv[optind + 1], false);
		usage(stdout);
		return EXIT_OK;
	}
	c = find(argv[optind]);
	if (!c) {
		err("unknown command '%s' (see '%s --help')", argv[optind], prog);
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	/* getopt's own messages then read "p2ppolicy rules: unrecognized option ...". */
	snprintf(self, sizeof(self), "%s %s", prog, c->name);
	argv[0] = self;
	optind = 0;	/* restart getopt for the command */
	return c->fn(argc, argv);
}
