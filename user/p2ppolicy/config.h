/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /etc/p2ppolicy.conf: which policy the daemon runs, its tunables and its rules.
 *
 *	[policy]
 *	name = rules			; a shipped policy or a path to a .bpf.o
 *	on_exit = keep			; SIGTERM: keep the policy attached, or detach it
 *
 *	[tunables]			; global variables of the policy, like load --set
 *	min_p2p_bytes = 64K
 *
 *	[shadow]			; optional: a shadow policy beside it
 *	name = size_threshold		; a shipped policy or a path to a .bpf.o
 *	min_p2p_bytes = 64K		; its tunables, like shadow load --set
 *
 *	[override]			; optional: verified overrides (p2ppolicy override)
 *	pair = 0000:05:00.0 0000:04:00.0	; PROVIDER CLIENT; one line per pair
 *
 *	[metrics]			; optional: the daemon's Prometheus textfile
 *	textfile_dir = /var/lib/prometheus/node-exporter	; "" for none
 *	interval = 15			; seconds between writes
 *
 *	[rule "nvme A to the switch's edu"]
 *	provider = 0000:03:00.0		; address, vendor:device or any
 *	client = 1234:11e8
 *	verdict = 0-64K:bounce 64K-:p2p	; see rule.h
 *
 * Parsing checks everything that can be checked without the kernel and reports the first
 * problem as "FILE:LINE: reason".
 */
#ifndef P2PPOLICY_CONFIG_H
#define P2PPOLICY_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rule.h"

#define CONFIG_DEFAULT_PATH	"/etc/p2ppolicy.conf"
#define CONFIG_MAX_TUNABLES	32
#define CONFIG_NAME_LEN		64
#define CONFIG_MAX_OVERRIDES	32
/* node_exporter's textfile collector directory in Debian's prometheus-node-exporter. */
#define CONFIG_METRICS_DIR	"/var/lib/prometheus/node-exporter"
#define CONFIG_METRICS_INTERVAL	15

struct tunable {
	char name[CONFIG_NAME_LEN];
	uint64_t value;
	int line;
};

struct config_rule {
	char name[CONFIG_NAME_LEN];
	int line;			/* of its [rule] header */
	struct rule_def def;
	bool has_provider, has_client, has_verdict;
};

/* A pair of [override]: verified and enabled by the daemon at start and on hot-plug. */
struct config_override {
	struct pci_spec provider, client;	/* addresses or vendor:device, never "any" */
	int line;
};

struct config {
	char path[PATH_MAX];
	char policy[PATH_MAX];		/* "rules", or a path to a .bpf.o */
	int policy_line;
	bool detach_on_exit;
	struct tunable tunables[CONFIG_MAX_TUNABLES];
	unsigned int nr_tunables;
	struct config_rule *rules;
	size_t nr_rules;
	char shadow[PATH_MAX];		/* "", or the shadow policy: a shipped one or a .bpf.o */
	int shadow_line;
	struct tunable shadow_tunables[CONFIG_MAX_TUNABLES];
	unsigned int nr_shadow_tunables;
	struct config_override overrides[CONFIG_MAX_OVERRIDES];
	unsigned int nr_overrides;
	char metrics_dir[PATH_MAX];	/* where the daemon writes p2pmap.prom; "" for nowhere */
	unsigned int metrics_interval;	/* seconds */
};

/*
 * Parse @text (named @path in messages) into @cfg. 0, or -EINVAL with "PATH:LINE: reason"
 * in @why (-ENOMEM on allocation failure). @cfg needs config_free() either way.
 */
int config_parse_string(const char *text, const char *path, struct config *cfg,
			char *why, size_t len);
/* The same for a file; -errno with the reason in @why when it cannot be read. */
int config_parse_file(const char *path, struct config *cfg, char *why, size_t len);
void config_free(struct config *cfg);

/* Parse a tunable's value: a size/number (64K, 0x10) or true/false. */
int tunable_value_parse(const char *s, uint64_t *out);

#endif
