// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2ppolicy top: a live view of the pairs, their rates per second sorted by bytes, the
 * policy and shadow on top. On a terminal it redraws with ncurses until 'q'; when stdin or
 * stdout is not a terminal it prints one screen, the rates over one interval, and exits.
 */
#include <curses.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "fmt.h"
#include "metrics.h"
#include "pci.h"
#include "util.h"

#define TOP_LINE	160
#define TOP_HEADER	4	/* lines above the pairs */

/* A pair's rates between two snapshots. */
struct pair_rate {
	const struct p2pmap_pair_stat *p;
	double maps, p2p, bounce, errors;	/* per second */
};

struct screen {
	char (*line)[TOP_LINE];
	int nr, cap;
};

static __attribute__((format(printf, 2, 3))) void put(struct screen *s, const char *fmt, ...)
{
	va_list ap;

	if (s->nr == s->cap)
		return;
	va_start(ap, fmt);
	vsnprintf(s->line[s->nr++], TOP_LINE, fmt, ap);
	va_end(ap);
}

/* "1.5 MiB/s": a byte rate for people, as fmt_size() writes sizes. */
static const char *rate_str(double v, char *buf, size_t len)
{
	size_t n;

	fmt_size((uint64_t)v, buf, len - 2);
	n = strlen(buf);
	snprintf(buf + n, len - n, "/s");
	return buf;
}

/* @key's pair in @m (both sorted by pair_stat_cmp(), as metrics_collect() leaves them). */
static const struct p2pmap_pair_stat *pair_in(const struct metrics_snapshot *m,
						const struct p2pmap_pair_stat *key)
{
	return m->nr ? bsearch(key, m->pairs, m->nr, sizeof(*m->pairs), pair_stat_cmp) : NULL;
}

static int by_bytes(const void *a, const void *b)
{
	const struct pair_rate *x = a, *y = b;
	double bx = x->p2p + x->bounce, by = y->p2p + y->bounce;

	if (bx != by)
		return bx < by ? 1 : -1;
	if (x->maps != y->maps)
		return x->maps < y->maps ? 1 : -1;
	return pair_stat_cmp(x->p, y->p);
}

/* A counter's rate; a reset in between (the counter went down) counts from zero. */
static double rate(uint64_t now, uint64_t then, double dt)
{
	return (now >= then ? now - then : now) / dt;
}

/* The screen for the interval from @old to @cur, @dt seconds. */
static void render(struct screen *s, const struct metrics_snapshot *old,
		   const struct metrics_snapshot *cur, double dt, double interval)
{
	const uint64_t *c = cur->st.counter, *o = old->st.counter;
	char a[32], b[32], x[32], y[32], z[32];
	struct pair_rate *r;
	size_t i, n = 0;

	s->nr = 0;
	if (s->cap < (int)cur->nr + TOP_HEADER + 1) {
		void *l = realloc(s->line, (cur->nr + TOP_HEADER + 1) * sizeof(*s->line));

		if (!l)
			return;
		s->line = l;
		s->cap = cur->nr + TOP_HEADER + 1;
	}
	if (!cur->loaded) {
		put(s, "p2pmap is not loaded (no " P2PMAP_SYSFS "); waiting for it  [q: quit]");
		return;
	}
	put(s, "p2pmap %s  policy: %s  shadow: %s  every %.1f s  [q: quit]", cur->st.version,
	    strcmp(cur->st.policy, "none") ? cur->st.policy_state : "none (built-in rule)",
	    cur->shadow, interval);
	put(s, "mappings %.1f/s  failed %.1f/s  RAM %s  P2P %s  bounced %s",
	    rate(c[KC_MAPS], o[KC_MAPS], dt), rate(c[KC_MAP_ERRORS], o[KC_MAP_ERRORS], dt),
	    rate_str(rate(c[KC_BYTES_RAM], o[KC_BYTES_RAM], dt), x, sizeof(x)),
	    rate_str(rate(c[KC_BYTES_P2P], o[KC_BYTES_P2P], dt), y, sizeof(y)),
	    rate_str(rate(c[KC_BYTES_BOUNCE], o[KC_BYTES_BOUNCE], dt), z, sizeof(z)));
	put(s, "active %" PRId64 " mappings, %" PRId64 " pages pinned; bounce pool %" PRIu64
	    " of %" PRIu64 " pages in use; policy errors %.1f/s",
	    (int64_t)c[KC_MAPPINGS_ACTIVE], (int64_t)c[KC_PINNED_PAGES], c[KC_BOUNCE_IN_USE],
	    cur->bounce_max_pages,
	    rate(c[KC_POLICY_ERRORS], o[KC_POLICY_ERRORS], dt));
	put(s, "%-12s  %-12s  %9s  %12s  %12s  %8s  %s", "PROVIDER", "CLIENT", "MAPS/s",
	    "P2P", "BOUNCED", "ERRORS/s", "LAST");
	r = calloc(cur->nr ?: 1, sizeof(*r));
	if (!r)
		return;
	for (i = 0; i < cur->nr; i++) {
		const struct p2pmap_pair_stat *p = &cur->pairs[i], *q = pair_in(old, p);
		struct p2pmap_pair_stat zero = { 0 };

		if (pair_idle(p))
			continue;
		if (!q)
			q = &zero;
		r[n] = (struct pair_rate){
			.p = p,
			.maps = rate(p->decisions_p2p + p->decisions_bounce + p->decisions_reject,
				     q->decisions_p2p + q->decisions_bounce + q->decisions_reject, dt),
			.p2p = rate(p->bytes_p2p, q->bytes_p2p, dt),
			.bounce = rate(p->bytes_bounce, q->bytes_bounce, dt),
			.errors = rate(p->errors, q->errors, dt),
		};
		n++;
	}
	qsort(r, n, sizeof(*r), by_bytes);
	for (i = 0; i < n; i++)
		put(s, "%-12s  %-12s  %9.1f  %12s  %12s  %8.1f  %s %s",
		    pci_addr_str(&r[i].p->provider, a, sizeof(a)),
		    pci_addr_str(&r[i].p->client, b, sizeof(b)), r[i].maps,
		    rate_str(r[i].p2p, x, sizeof(x)), rate_str(r[i].bounce, y, sizeof(y)),
		    r[i].errors, verdict_str(r[i].p->last_verdict),
		    r[i].p->last_verdict ? reason_str(r[i].p->last_reason) : "");
	if (!n)
		put(s, "(no pair has made a decision yet)");
	free(r);
}

enum top_key { TOP_NONE, TOP_QUIT, TOP_REDRAW };

/* Wait up to @secs for 'q' (quit) or a resize of the terminal (redraw). */
static enum top_key wait_key(double secs)
{
	double end = mono_seconds() + secs;
	int ch;

	do {
		timeout((int)fmax(1, (end - mono_seconds()) * 1000));
		ch = getch();
		if (ch == 'q' || ch == 'Q')
			return TOP_QUIT;
		if (ch == KEY_RESIZE)
			return TOP_REDRAW;
	} while (mono_seconds() < end);
	return TOP_NONE;
}

static void draw(const struct screen *s)
{
	int i;

	erase();
	for (i = 0; i < s->nr && i < LINES; i++)
		mvaddnstr(i, 0, s->line[i], COLS);
	refresh();
}

static int live(struct screen *s, double interval)
{
	struct metrics_snapshot old, cur;
	double t0, t1, left;
	enum top_key k = TOP_NONE;
	SCREEN *scr;
	int ret;

	/* Before curses, so that an error (no module, no permission) is a plain message. */
	ret = metrics_collect(&old);
	if (ret || !old.loaded) {
		if (ret)
			err_errno(-ret, "cannot read p2pmap's counters");
		else
			err("the p2pmap module is not loaded (no " P2PMAP_SYSFS ")");
		metrics_free(&old);
		return EXIT_ERR;
	}
	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		err("cannot drive this terminal (TERM=%s)", getenv("TERM") ?: "");
		metrics_free(&old);
		return EXIT_ERR;
	}
	cbreak();
	noecho();
	curs_set(0);
	keypad(stdscr, TRUE);
	t0 = mono_seconds();
	render(s, &old, &old, 1, interval);	/* the first screen: no rates yet */
	draw(s);
	while (k != TOP_QUIT) {
		left = t0 + interval - mono_seconds();
		k = wait_key(left > 0 ? left : 0);
		if (k == TOP_REDRAW) {
			draw(s);
			continue;
		}
		if (k == TOP_QUIT)
			break;
		ret = metrics_collect(&cur);
		t1 = mono_seconds();
		if (ret) {
			s->nr = 0;
			put(s, "cannot read p2pmap's counters: %s  [q: quit]", strerror(-ret));
			metrics_free(&cur);
		} else {
			render(s, &old, &cur, t1 - t0, interval);
			metrics_free(&old);
			old = cur;
		}
		t0 = t1;
		draw(s);
	}
	endwin();
	delscreen(scr);
	metrics_free(&old);
	return EXIT_OK;
}

static int once(struct screen *s, double interval)
{
	struct metrics_snapshot old, cur;
	double t0, t1;
	int i, ret = metrics_collect(&old);

	if (ret) {
		err_errno(-ret, "cannot read p2pmap's counters");
		return EXIT_ERR;
	}
	t0 = mono_seconds();
	usleep((useconds_t)(interval * 1e6));
	ret = metrics_collect(&cur);
	t1 = mono_seconds();
	if (!ret && !cur.loaded) {
		err("the p2pmap module is not loaded (no " P2PMAP_SYSFS ")");
		ret = -ENOENT;
	} else if (!ret) {
		render(s, &old, &cur, t1 - t0, interval);
		for (i = 0; i < s->nr; i++)
			printf("%s\n", s->line[i]);
	} else if (ret != -ENOENT) {
		err_errno(-ret, "cannot read p2pmap's counters");
	}
	metrics_free(&old);
	metrics_free(&cur);
	return ret ? EXIT_ERR : EXIT_OK;
}

int cmd_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' }, { "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct screen s = { 0 };
	double interval = 1;
	char *end;
	int o, ret;

	while ((o = getopt_long(argc, argv, "hi:", opts, NULL)) != -1) {
		switch (o) {
		case 'h':
			return cmd_usage("top", false);
		case 'i':
			errno = 0;
			interval = strtod(optarg, &end);
			if (errno || *end || !(interval >= 0.1 && interval <= 3600)) {
				err("--interval: '%s' is not 0.1 to 3600 seconds", optarg);
				return EXIT_USAGE;
			}
			break;
		default:
			return USAGE_ERROR("top");
		}
	}
	if (optind < argc)
		return USAGE_ERROR("top");
	ret = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) ? live(&s, interval) :
							       once(&s, interval);
	free(s.line);
	return ret;
}
