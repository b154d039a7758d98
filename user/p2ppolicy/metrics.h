/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * p2pmap's counters in the Prometheus text format: 'p2ppolicy metrics', and the file the
 * daemon keeps in node_exporter's textfile collector directory.
 */
#ifndef P2PPOLICY_METRICS_H
#define P2PPOLICY_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kmod.h"

/* The name of the daemon's file in the textfile directory. */
#define METRICS_TEXTFILE	"p2pmap.prom"

/* What one exposition shows: the module's state and one STATS snapshot of every pair. */
struct metrics_snapshot {
	bool loaded;			/* the module is loaded; nothing else is set if not */
	struct kmod_status st;
	char shadow[64];		/* "none" or the shadow policy's name */
	char shadow_exit[32];
	uint64_t bounce_max_pages;
	struct p2pmap_pair_stat *pairs;	/* malloc'd, by provider then client */
	size_t nr;
};

/*
 * Read the module's state; nothing is printed unless the module goes away meanwhile.
 * 0 (also when it is not loaded: @m->loaded false) or -errno; metrics_free() after.
 */
int metrics_collect(struct metrics_snapshot *m);
void metrics_free(struct metrics_snapshot *m);

/* Print @m as Prometheus text: every family with # HELP and # TYPE. */
void metrics_format(FILE *f, const struct metrics_snapshot *m);

/*
 * Collect and write DIR/p2pmap.prom atomically (a temporary file in DIR, synced and renamed
 * over it): node_exporter never reads half a file. A module that cannot be read is written
 * as p2pmap_up 0. 0 or -errno (the file is then as it was).
 */
int metrics_write_textfile(const char *dir);
/* Remove DIR/p2pmap.prom: node_exporter stops serving series nobody updates. */
void metrics_remove_textfile(const char *dir);

#endif
