// SPDX-License-Identifier: GPL-2.0-only
/* p2ppolicy metrics: the Prometheus exposition on stdout, or into a textfile directory. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "metrics.h"
#include "util.h"

int cmd_metrics(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "textfile", required_argument, NULL, 't' }, { "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct metrics_snapshot m;
	const char *dir = NULL;
	int o, ret;

	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'h':
			return cmd_usage("metrics", false);
		case 't':
			dir = optarg;
			break;
		default:
			return USAGE_ERROR("metrics");
		}
	}
	if (optind < argc)
		return USAGE_ERROR("metrics");
	if (dir) {
		ret = metrics_write_textfile(dir);
		if (ret) {
			err_errno(-ret, "cannot write %s/%s", dir, METRICS_TEXTFILE);
			return EXIT_ERR;
		}
		return EXIT_OK;
	}
	ret = metrics_collect(&m);
	if (ret) {
		err_errno(-ret, "cannot read p2pmap's counters");
		metrics_free(&m);
		return EXIT_ERR;
	}
	metrics_format(stdout, &m);
	metrics_free(&m);
	return fflush(stdout) ? EXIT_ERR : EXIT_OK;
}
