// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2ppolicy daemon: keep the configured policy, tunables and rules in place. Reload on
 * SIGHUP (atomically, a bad configuration changes nothing), rewrite the rules when PCI
 * devices come and go (udev), exit on SIGTERM keeping or detaching the policy. One instance
 * (flock on the pid file), readiness for systemd (sd_notify), log lines on stderr.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libudev.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "cmds.h"
#include "config.h"
#include "fmt_override.h"
#include "kmod.h"
#include "metrics.h"
#include "pci.h"
#include "policy.h"
#include "rules_map.h"
#include "tunables.h"
#include "util.h"

#define DEFAULT_PIDFILE		"/run/p2ppolicy.pid"
#define STATE_POLL_MS		2000

struct daemon {
	const char *config_path;
	const char *pidfile;
	struct config cfg;		/* what is applied */
	int lock_fd, sig_fd;
	struct udev *udev;
	struct udev_monitor *mon;
	bool journal;			/* stderr goes to the journal: use <N> level prefixes */
	bool attached;			/* our policy is attached, as far as we know */
	int64_t metrics_due;		/* CLOCK_MONOTONIC ms of the next metrics file */
	int metrics_err;		/* the latest write's -errno (logged once), or 0 */
};

static struct daemon *dm;

static void logv(int level, const char *fmt, va_list ap)
{
	if (dm && dm->journal)
		fprintf(stderr, "<%d>", level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logv(6, fmt, ap);
	va_end(ap);
}

static void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logv(4, fmt, ap);
	va_end(ap);
}

static int take_lock(struct daemon *d)
{
	char buf[32] = "";
	ssize_t n;

	d->lock_fd = open(d->pidfile, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (d->lock_fd < 0) {
		err_errno(errno, "cannot open the pid file %s", d->pidfile);
		return -1;
	}
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB)) {
		int e = errno;

		if (e == EWOULDBLOCK) {
			n = pread(d->lock_fd, buf, sizeof(buf) - 1, 0);
			buf[n > 0 ? n : 0] = '\0';
			err("another p2ppolicy daemon is running (pid %s, lock %s)", *strtrim(buf) ? strtrim(buf) : "?",
			    d->pidfile);
		} else {
			err_errno(e, "cannot lock %s", d->pidfile);
		}
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", getpid());
	if (ftruncate(d->lock_fd, 0) || pwrite(d->lock_fd, buf, (size_t)n, 0) != n) {
		err_errno(errno, "cannot write %s", d->pidfile);
		return -1;
	}
	return 0;
}

/*
 * The shadow policy of @cfg, if it names one: loaded, tuned and attached beside the policy
 * (a shadow p2ppolicy pinned before is replaced through its link). Without one, a shadow an
 * operator loaded stays: the daemon keeps what it is told to, and leaves experiments alone.
 */
static int apply_shadow(const struct config *cfg)
{
	struct bpf_object *obj;
	int ret;

	obj = policy_open(cfg->shadow);
	if (!obj) {
		err("%s:%d: cannot open shadow policy '%s'", cfg->path, cfg->shadow_line, cfg->shadow);
		return -EINVAL;
	}
	ret = tunables_set(obj, cfg->shadow_tunables, cfg->nr_shadow_tunables, cfg->path);
	if (!ret)
		ret = policy_shadow_load_attach(obj, true);
	bpf_object__close(obj);
	if (!ret)
		log_info("shadow policy %s attached beside it: %u tunable%s", cfg->shadow,
			 cfg->nr_shadow_tunables, cfg->nr_shadow_tunables == 1 ? "" : "s");
	return ret;
}

/*
 * Load, tune, fill and attach the policy of @cfg, then its shadow policy if it has one; the
 * attached ones are replaced atomically. A shadow that fails is logged, not an error.
 */
static int apply(const struct config *cfg)
{
	struct rule_def *rules = NULL;
	struct bpf_object *obj;
	size_t i;
	int ret;

	obj = policy_open(cfg->policy);
	if (!obj) {
		err("%s:%d: cannot open policy '%s'", cfg->path, cfg->policy_line, cfg->policy);
		return -EINVAL;
	}
	ret = tunables_set(obj, cfg->tunables, cfg->nr_tunables, cfg->path);
	if (!ret && cfg->nr_rules) {
		rules = calloc(cfg->nr_rules, sizeof(*rules));
		if (!rules)
			ret = -ENOMEM;
		for (i = 0; rules && i < cfg->nr_rules; i++)
			rules[i] = cfg->rules[i].def;
	}
	if (!ret)
		ret = policy_load_attach(obj, rules, cfg->nr_rules, true);
	free(rules);
	bpf_object__close(obj);
	/* A shadow is an experiment: if it fails, the policy still is what the file says. */
	if (!ret && cfg->shadow[0] && apply_shadow(cfg))
		log_warn("%s:%d: shadow policy %s not attached (see above); policy %s is",
			 cfg->path, cfg->shadow_line, cfg->shadow, cfg->policy);
	return ret;
}

/* Whether the pair's override is on now (STATS). */
static bool override_on(int fd, const struct pci_info *prov, const struct pci_info *cli)
{
	struct p2pmap_pair_stat *v;
	bool on = false;
	size_t n, i;

	if (kmod_stats(fd, false, &v, &n))
		return false;
	for (i = 0; i < n; i++)
		if (pci_addr_eq(&v[i].provider, &prov->addr) && pci_addr_eq(&v[i].client, &cli->addr))
			on = v[i].override & P2PMAP_OVERRIDE_ENABLED;
	free(v);
	return on;
}

/*
 * The [override] pairs: each one present and not overridden now is probed, and enabled if
 * the probe passes. At start, after a reload, and when a PCI device gets a driver (a
 * re-plugged or rebound device lost its verification). A probe takes seconds of DMA.
 */
static void apply_overrides(const struct config *cfg)
{
	struct pci_info prov, cli;
	struct p2pmap_verify v;
	char why[192];
	unsigned int i;
	int fd, ret;

	if (!cfg->nr_overrides)
		return;
	fd = kmod_open();
	if (fd < 0)
		return;
	for (i = 0; i < cfg->nr_overrides; i++) {
		const struct config_override *o = &cfg->overrides[i];

		if (pci_resolve(&o->provider, &prov, why, sizeof(why)) ||
		    pci_resolve(&o->client, &cli, why, sizeof(why))) {
			log_info("%s:%d: override pair not here (yet): %s", cfg->path, o->line, why);
			continue;
		}
		if (override_on(fd, &prov, &cli))
			continue;
		ret = kmod_verify(fd, &prov.addr, &cli.addr, P2PMAP_VERIFY_ENABLE, &v);
		if (ret)
			log_warn("%s:%d: cannot verify %s -> %s: %s", cfg->path, o->line, prov.name,
				 cli.name, strerror(-ret));
		else if (v.result != P2PMAP_PROBE_PASS)
			log_warn("%s:%d: probe of %s -> %s failed (%s): the pair stays refused",
				 cfg->path, o->line, prov.name, cli.name, probe_result_str(v.result));
		else
			log_info("override %s -> %s verified (%u transfers, %llu bytes) and enabled",
				 prov.name, cli.name, v.nr_cases, (unsigned long long)v.bytes);
	}
	close(fd);
}

static void notify_ready(struct daemon *d)
{
	sd_notifyf(0, "READY=1\nSTATUS=policy %s, %zu rules, from %s\nMAINPID=%d", d->cfg.policy,
		   d->cfg.nr_rules, d->config_path, getpid());
}

static void reload(struct daemon *d)
{
	struct config cfg;
	char why[512];

	sd_notify(0, "RELOADING=1");
	log_info("SIGHUP: reloading %s", d->config_path);
	if (config_parse_file(d->config_path, &cfg, why, sizeof(why))) {
		log_warn("reload refused: %s; policy %s stays as it was", why, d->cfg.policy);
		config_free(&cfg);
	} else if (apply(&cfg)) {
		log_warn("reload failed (see above); policy %s stays as it was", d->cfg.policy);
		config_free(&cfg);
	} else {
		log_info("reloaded: policy %s with %u tunable%s and %zu rule%s (replaced in one step)%s%s",
			 cfg.policy, cfg.nr_tunables, cfg.nr_tunables == 1 ? "" : "s", cfg.nr_rules,
			 cfg.nr_rules == 1 ? "" : "s", cfg.shadow[0] ? "; shadow policy " : "",
			 cfg.shadow);
		if (strcmp(cfg.metrics_dir, d->cfg.metrics_dir)) {
			if (d->cfg.metrics_dir[0])
				metrics_remove_textfile(d->cfg.metrics_dir);
			if (cfg.metrics_dir[0])
				log_info("metrics: %s/%s every %u s", cfg.metrics_dir,
					 METRICS_TEXTFILE, cfg.metrics_interval);
			d->metrics_err = 0;
		}
		config_free(&d->cfg);
		d->cfg = cfg;
		d->attached = true;
		d->metrics_due = 0;
		apply_overrides(&d->cfg);
	}
	notify_ready(d);
}

static void setup_udev(struct daemon *d)
{
	/* Without udevd (a minimal system, the lab) listen to the kernel's own uevents. */
	const char *source = access("/run/udev/control", F_OK) ? "kernel" : "udev";

	d->udev = udev_new();
	if (d->udev)
		d->mon = udev_monitor_new_from_netlink(d->udev, source);
	if (!d->mon || udev_monitor_filter_add_match_subsystem_devtype(d->mon, "pci", NULL) ||
	    udev_monitor_enable_receiving(d->mon)) {
		log_warn("cannot watch PCI devices through %s events: rules are not rewritten on hotplug",
			 source);
		udev_monitor_unref(d->mon);
		d->mon = NULL;
		return;
	}
	log_info("watching PCI devices (%s events)", source);
}

static void device_event(struct daemon *d)
{
	struct udev_device *dev = udev_monitor_receive_device(d->mon);
	const char *action, *name;
	unsigned int changed;
	char why[128], s[32];
	struct pci_spec spec;
	size_t i;

	if (!dev)
		return;
	action = udev_device_get_action(dev);
	name = udev_device_get_sysname(dev);
	if (!action || !name || (strcmp(action, "add") && strcmp(action, "remove") &&
				 strcmp(action, "bind") && strcmp(action, "unbind"))) {
		udev_device_unref(dev);
		return;
	}
	log_info("PCI device %s: %s", name, action);
	if (!pci_spec_parse(name, false, &spec, why, sizeof(why))) {
		for (i = 0; i < d->cfg.nr_rules; i++) {
			const struct rule_def *r = &d->cfg.rules[i].def;

			if ((r->provider.kind == SPEC_ADDR && pci_addr_eq(&r->provider.addr, &spec.addr)) ||
			    (r->client.kind == SPEC_ADDR && pci_addr_eq(&r->client.addr, &spec.addr)))
				log_info("  rule \"%s\" names %s", d->cfg.rules[i].name,
					 pci_spec_str(&spec, s, sizeof(s)));
		}
	}
	if (!strcmp(action, "bind"))
		apply_overrides(&d->cfg);
	if (d->cfg.nr_rules || !strcmp(d->cfg.policy, "rules")) {
		struct rule_def *rules = calloc(d->cfg.nr_rules + 1, sizeof(*rules));

		for (i = 0; rules && i < d->cfg.nr_rules; i++)
			rules[i] = d->cfg.rules[i].def;
		if (rules && !rules_sync(rules, d->cfg.nr_rules, &changed))
			log_info("rules re-applied from %s: %zu rule%s, %u changed", d->config_path,
				 d->cfg.nr_rules, d->cfg.nr_rules == 1 ? "" : "s", changed);
		else
			log_warn("cannot re-apply the rules (see above)");
		free(rules);
	}
	udev_device_unref(dev);
}

/* The module can auto-detach a policy that errs; say so once. */
static void check_state(struct daemon *d)
{
	char pol[64], state[256];

	if (!d->attached || read_line(P2PMAP_SYSFS "/policy", pol, sizeof(pol)))
		return;
	if (!strcmp(pol, "none")) {
		read_line(P2PMAP_SYSFS "/policy_state", state, sizeof(state));
		log_warn("policy %s is no longer attached (%s); the built-in rule decides; SIGHUP reloads it",
			 d->cfg.policy, state);
		d->attached = false;
	}
}

static int64_t now_ms(void)
{
	return (int64_t)(mono_seconds() * 1000);
}

/*
 * Rewrite the metrics file when it is due. A failure (no such directory: node_exporter is
 * not installed) is logged when it starts and when it ends, not at every interval. The write
 * is one STATS snapshot and a small file in the poll loop: signals wait for it.
 */
static void write_metrics(struct daemon *d)
{
	const struct config *c = &d->cfg;
	int ret;

	if (!c->metrics_dir[0] || now_ms() < d->metrics_due)
		return;
	d->metrics_due = now_ms() + (int64_t)c->metrics_interval * 1000;
	ret = metrics_write_textfile(c->metrics_dir);
	if (ret && ret != d->metrics_err)
		log_warn("metrics: cannot write %s/%s: %s; trying again every %u s", c->metrics_dir,
			 METRICS_TEXTFILE, strerror(-ret), c->metrics_interval);
	else if (!ret && d->metrics_err)
		log_info("metrics: writing %s/%s again", c->metrics_dir, METRICS_TEXTFILE);
	d->metrics_err = ret;
}

/* poll()'s timeout: the state check's period, or less when the metrics file is due. */
static int poll_ms(const struct daemon *d)
{
	int64_t left = d->metrics_due - now_ms();

	if (!d->cfg.metrics_dir[0] || left >= STATE_POLL_MS)
		return STATE_POLL_MS;
	return left > 0 ? (int)left : 0;
}

static int run(struct daemon *d)
{
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	int n;

	for (;;) {
		write_metrics(d);
		pfd[0] = (struct pollfd){ .fd = d->sig_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = d->mon ? udev_monitor_get_fd(d->mon) : -1, .events = POLLIN };
		n = poll(pfd, 2, poll_ms(d));
		if (n < 0 && errno != EINTR) {
			err_errno(errno, "poll");
			return EXIT_ERR;
		}
		if (n > 0 && (pfd[0].revents & POLLIN) &&
		    read(d->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				reload(d);
			} else {
				sd_notify(0, "STOPPING=1");
				log_info("%s: exiting", strsignal((int)si.ssi_signo));
				if (d->cfg.metrics_dir[0])
					metrics_remove_textfile(d->cfg.metrics_dir);
				if (d->cfg.detach_on_exit) {
					if (policy_detach(true))
						return EXIT_ERR;
					log_info("policy %s detached (on_exit = detach)", d->cfg.policy);
				} else {
					log_info("policy %s stays attached (on_exit = keep)", d->cfg.policy);
				}
				return EXIT_OK;
			}
		}
		if (n > 0 && (pfd[1].revents & POLLIN))
			device_event(d);
		check_state(d);
	}
}

int cmd_daemon(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "pidfile", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' }, { 0 },
	};
	struct daemon d = { .config_path = CONFIG_DEFAULT_PATH, .pidfile = DEFAULT_PIDFILE,
			    .lock_fd = -1, .sig_fd = -1 };
	char why[512];
	sigset_t mask;
	int o, ret = EXIT_ERR;

	while ((o = getopt_long(argc, argv, "hc:p:", opts, NULL)) != -1) {
		switch (o) {
		case 'h':
			return cmd_usage("daemon", false);
		case 'c':
			d.config_path = optarg;
			break;
		case 'p':
			d.pidfile = optarg;
			break;
		default:
			return USAGE_ERROR("daemon");
		}
	}
	if (optind < argc)
		return USAGE_ERROR("daemon");
	if (require_admin("daemon"))
		return EXIT_ERR;
	dm = &d;
	d.journal = getenv("JOURNAL_STREAM") != NULL;
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (take_lock(&d))
		goto out;
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) || (d.sig_fd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		err_errno(errno, "cannot set up signals");
		goto out;
	}
	if (config_parse_file(d.config_path, &d.cfg, why, sizeof(why))) {
		err("%s", why);
		goto out;
	}
	if (apply(&d.cfg))
		goto out;
	d.attached = true;
	log_info("policy %s attached from %s: %u tunable%s, %zu rule%s; on SIGTERM: %s",
		 d.cfg.policy, d.config_path, d.cfg.nr_tunables, d.cfg.nr_tunables == 1 ? "" : "s",
		 d.cfg.nr_rules, d.cfg.nr_rules == 1 ? "" : "s",
		 d.cfg.detach_on_exit ? "detach" : "keep it attached");
	if (d.cfg.metrics_dir[0])
		log_info("metrics: %s/%s every %u s", d.cfg.metrics_dir, METRICS_TEXTFILE,
			 d.cfg.metrics_interval);
	apply_overrides(&d.cfg);
	setup_udev(&d);
	notify_ready(&d);
	ret = run(&d);
out:
	config_free(&d.cfg);
	udev_monitor_unref(d.mon);
	udev_unref(d.udev);
	if (d.sig_fd >= 0)
		close(d.sig_fd);
	if (d.lock_fd >= 0) {
		if (ret == EXIT_OK)
			unlink(d.pidfile);
		close(d.lock_fd);
	}
	dm = NULL;
	return ret;
}
