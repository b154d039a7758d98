// SPDX-License-Identifier: GPL-2.0-only
/* /etc/p2ppolicy.conf, parsed with inih; every problem reported as FILE:LINE: reason. */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

/* inih keeps 49 characters of a section or key name and drops the rest: refuse those. */
#define INIH_MAX_NAME	49

enum section {
	SEC_NONE, SEC_POLICY, SEC_TUNABLES, SEC_RULE, SEC_SHADOW, SEC_OVERRIDE, SEC_METRICS, SEC_BAD
};

struct parser {
	struct config *cfg;
	const char *text;		/* unread rest of the input */
	int line;			/* the line inih is parsing */
	int err_line;			/* first error, 0 if none */
	char err[256];
	enum section kind;
	bool seen_name, seen_on_exit, seen_shadow, seen_textfile_dir, seen_interval;
};

static int error(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int error(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (!p->err_line) {
		p->err_line = p->line;
		va_start(ap, fmt);
		vsnprintf(p->err, sizeof(p->err), fmt, ap);
		va_end(ap);
	}
	return 0;
}

static int new_section(struct parser *p, const char *section);

/*
 * inih calls the handler for keys only, so section headers are seen here, where the line
 * number is known: a section without keys is checked too, and a rule has its header's line.
 */
static void header(struct parser *p, const char *line)
{
	char name[INI_MAX_LINE];
	const char *end;

	while (*line == ' ' || *line == '\t')
		line++;
	end = strchr(line, ']');
	if (*line != '[' || !end || p->err_line)
		return;
	snprintf(name, sizeof(name), "%.*s", (int)(end - line - 1), line + 1);
	new_section(p, name);
}

/* inih's reader: one line per call from the text, counting lines, refusing long ones. */
static char *reader(char *str, int num, void *stream)
{
	struct parser *p = stream;
	const char *nl;
	size_t n;

	if (!*p->text)
		return NULL;
	nl = strchr(p->text, '\n');
	n = nl ? (size_t)(nl - p->text) + 1 : strlen(p->text);
	p->line++;
	if (n > (size_t)num - 1) {
		error(p, "line longer than %d characters", num - 2);
		n = (size_t)num - 1;
		/* Drop the rest of the line so it is not parsed as another one. */
		memcpy(str, "\n", 2);
		p->text = nl ? nl + 1 : p->text + strlen(p->text);
		return str;
	}
	memcpy(str, p->text, n);
	str[n] = '\0';
	p->text += n;
	header(p, str);
	return str;
}

/* "rule NAME" or "rule \"NAME\"" -> NAME; NULL if @section is not a rule. */
static const char *rule_name(const char *section, char *buf, size_t len)
{
	const char *s;
	size_t n;

	if (strncmp(section, "rule", 4) || (section[4] != ' ' && section[4] != '\t'))
		return NULL;
	s = section + 5;
	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
	}
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

static int new_section(struct parser *p, const char *section)
{
	struct config *cfg = p->cfg;
	char name[CONFIG_NAME_LEN];
	struct config_rule *r;
	size_t i;

	if (strlen(section) >= INIH_MAX_NAME) {
		p->kind = SEC_BAD;
		return error(p, "section name longer than %d characters (a rule name can have %d)",
			     INIH_MAX_NAME - 1, INIH_MAX_NAME - 1 - 7);
	}
	if (!strcmp(section, "policy")) {
		p->kind = SEC_POLICY;
	} else if (!strcmp(section, "tunables")) {
		p->kind = SEC_TUNABLES;
	} else if (!strcmp(section, "shadow")) {
		p->kind = SEC_SHADOW;
	} else if (!strcmp(section, "override")) {
		p->kind = SEC_OVERRIDE;
	} else if (!strcmp(section, "metrics")) {
		p->kind = SEC_METRICS;
	} else if (rule_name(section, name, sizeof(name))) {
		p->kind = SEC_RULE;
		if (!name[0])
			return error(p, "a rule needs a name: [rule \"NAME\"]");
		for (i = 0; i < cfg->nr_rules; i++)
			if (!strcmp(cfg->rules[i].name, name))
				return error(p, "rule \"%s\" is already defined at line %d", name,
					     cfg->rules[i].line);
		if (cfg->nr_rules == P2PMAP_RULES_MAX)
			return error(p, "more than %d rules", P2PMAP_RULES_MAX);
		r = realloc(cfg->rules, (cfg->nr_rules + 1) * sizeof(*r));
		if (!r)
			return error(p, "out of memory");
		cfg->rules = r;
		r = &cfg->rules[cfg->nr_rules++];
		memset(r, 0, sizeof(*r));
		snprintf(r->name, sizeof(r->name), "%s", name);
		r->line = p->line;
	} else {
		p->kind = SEC_BAD;
		return error(p, "unknown section [%s] (have: [policy], [tunables], [shadow], [override], [metrics], [rule \"NAME\"])",
			     section);
	}
	return 1;
}

int tunable_value_parse(const char *s, uint64_t *out)
{
	if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")) {
		*out = 1;
		return 0;
	}
	if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off")) {
		*out = 0;
		return 0;
	}
	return parse_size(s, out);
}

static int policy_key(struct parser *p, const char *key, const char *value)
{
	struct config *cfg = p->cfg;

	if (!strcmp(key, "name")) {
		if (p->seen_name)
			return error(p, "'name' given twice in [policy]");
		p->seen_name = true;
		if (!*value)
			return error(p, "'name' is empty: a shipped policy or a path to a .bpf.o");
		if (strlen(value) >= sizeof(cfg->policy))
			return error(p, "policy path too long");
		snprintf(cfg->policy, sizeof(cfg->policy), "%s", value);
		cfg->policy_line = p->line;
		return 1;
	}
	if (!strcmp(key, "on_exit")) {
		if (p->seen_on_exit)
			return error(p, "'on_exit' given twice in [policy]");
		p->seen_on_exit = true;
		if (!strcmp(value, "keep"))
			cfg->detach_on_exit = false;
		else if (!strcmp(value, "detach"))
			cfg->detach_on_exit = true;
		else
			return error(p, "on_exit must be keep or detach, not '%s'", value);
		return 1;
	}
	return error(p, "unknown key '%s' in [policy] (have: name, on_exit)", key);
}

/* A tunable of the policy ([tunables]) or of the shadow ([shadow]). */
static int tunable_key(struct parser *p, const char *key, const char *value)
{
	struct config *cfg = p->cfg;
	bool sh = p->kind == SEC_SHADOW;
	struct tunable *tv = sh ? cfg->shadow_tunables : cfg->tunables;
	unsigned int *nr = sh ? &cfg->nr_shadow_tunables : &cfg->nr_tunables;
	struct tunable *t;
	unsigned int i;

	for (i = 0; i < *nr; i++)
		if (!strcmp(tv[i].name, key))
			return error(p, "tunable '%s' given twice (first at line %d)", key, tv[i].line);
	if (*nr == CONFIG_MAX_TUNABLES)
		return error(p, "more than %d tunables", CONFIG_MAX_TUNABLES);
	if (strlen(key) >= CONFIG_NAME_LEN)
		return error(p, "tunable name '%s' too long", key);
	t = &tv[*nr];
	if (tunable_value_parse(value, &t->value))
		return error(p, "bad value '%s' for tunable '%s' (a number with an optional K, M, G, T suffix, or true/false)",
			     value, key);
	snprintf(t->name, sizeof(t->name), "%s", key);
	t->line = p->line;
	(*nr)++;
	return 1;
}

/* [shadow]: name = the shadow policy; every other key is one of its tunables. */
static int shadow_key(struct parser *p, const char *key, const char *value)
{
	struct config *cfg = p->cfg;

	if (strcmp(key, "name"))
		return tunable_key(p, key, value);
	if (p->seen_shadow)
		return error(p, "'name' given twice in [shadow]");
	p->seen_shadow = true;
	if (!*value)
		return error(p, "'name' is empty: a shipped policy or a path to a .bpf.o");
	if (strlen(value) >= sizeof(cfg->shadow))
		return error(p, "shadow policy path too long");
	snprintf(cfg->shadow, sizeof(cfg->shadow), "%s", value);
	cfg->shadow_line = p->line;
	return 1;
}

/* [override]: pair = PROVIDER CLIENT, one line per pair. */
static int override_key(struct parser *p, const char *key, const char *value)
{
	struct config *cfg = p->cfg;
	struct config_override *o;
	char a[64], b[64], extra[8], why[192];
	unsigned int i;

	if (strcmp(key, "pair"))
		return error(p, "unknown key '%s' in [override] (have: pair)", key);
	if (sscanf(value, "%63s %63s %7s", a, b, extra) != 2)
		return error(p, "pair: '%s' is not PROVIDER CLIENT", value);
	if (cfg->nr_overrides == CONFIG_MAX_OVERRIDES)
		return error(p, "more than %d override pairs", CONFIG_MAX_OVERRIDES);
	o = &cfg->overrides[cfg->nr_overrides];
	if (pci_spec_parse(a, false, &o->provider, why, sizeof(why)) ||
	    pci_spec_parse(b, false, &o->client, why, sizeof(why)))
		return error(p, "pair: %s", why);
	for (i = 0; i < cfg->nr_overrides; i++)
		if (!memcmp(&cfg->overrides[i].provider, &o->provider, sizeof(o->provider)) &&
		    !memcmp(&cfg->overrides[i].client, &o->client, sizeof(o->client)))
			return error(p, "pair '%s' given twice (first at line %d)", value,
				     cfg->overrides[i].line);
	o->line = p->line;
	cfg->nr_overrides++;
	return 1;
}

static int metrics_key(struct parser *p, const char *key, const char *value)
{
	struct config *cfg = p->cfg;
	unsigned long v;
	char *end;

	if (!strcmp(key, "textfile_dir")) {
		if (p->seen_textfile_dir)
			return error(p, "'textfile_dir' given twice in [metrics]");
		p->seen_textfile_dir = true;
		if (*value && *value != '/')
			return error(p, "textfile_dir must be an absolute path (or empty: no metrics file), not '%s'",
				     value);
		if (strlen(value) >= sizeof(cfg->metrics_dir))
			return error(p, "textfile_dir too long");
		snprintf(cfg->metrics_dir, sizeof(cfg->metrics_dir), "%s", value);
		return 1;
	}
	if (!strcmp(key, "interval")) {
		if (p->seen_interval)
			return error(p, "'interval' given twice in [metrics]");
		p->seen_interval = true;
		errno = 0;
		v = strtoul(value, &end, 10);
		if (errno || end == value || *end || v < 1 || v > 3600)
			return error(p, "interval must be 1 to 3600 seconds, not '%s'", value);
		cfg->metrics_interval = v;
		return 1;
	}
	return error(p, "unknown key '%s' in [metrics] (have: textfile_dir, interval)", key);
}

static int rule_key_value(struct parser *p, const char *key, const char *value)
{
	struct config_rule *r = &p->cfg->rules[p->cfg->nr_rules - 1];
	char why[192];
	bool *seen;

	if (!strcmp(key, "provider") || !strcmp(key, "client")) {
		bool prov = key[0] == 'p';

		seen = prov ? &r->has_provider : &r->has_client;
		if (*seen)
			return error(p, "'%s' given twice in rule \"%s\"", key, r->name);
		*seen = true;
		if (pci_spec_parse(value, true, prov ? &r->def.provider : &r->def.client, why, sizeof(why)))
			return error(p, "%s: %s", key, why);
		return 1;
	}
	if (!strcmp(key, "verdict")) {
		if (r->has_verdict)
			return error(p, "'verdict' given twice in rule \"%s\" (list several in one line: 0-64K:bounce 64K-:p2p)",
				     r->name);
		r->has_verdict = true;
		if (rule_verdicts_parse(value, &r->def.val, why, sizeof(why)))
			return error(p, "verdict: %s", why);
		return 1;
	}
	return error(p, "unknown key '%s' in rule \"%s\" (have: provider, client, verdict)", key, r->name);
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
	struct parser *p = user;

	if (p->err_line)
		return 1;	/* report the first problem only */
	if (strlen(key) >= INIH_MAX_NAME)
		return error(p, "key name longer than %d characters", INIH_MAX_NAME - 1);
	(void)section;	/* header() tracks sections, untruncated */
	switch (p->kind) {
	case SEC_POLICY:
		return policy_key(p, key, value);
	case SEC_TUNABLES:
		return tunable_key(p, key, value);
	case SEC_RULE:
		return rule_key_value(p, key, value);
	case SEC_SHADOW:
		return shadow_key(p, key, value);
	case SEC_OVERRIDE:
		return override_key(p, key, value);
	case SEC_METRICS:
		return metrics_key(p, key, value);
	case SEC_BAD:
		return 1;	/* already reported */
	case SEC_NONE:
		break;
	}
	return error(p, "'%s' is outside any section ([policy], [tunables], [rule \"NAME\"])", key);
}

/* Checks that need the whole file. */
static void check_whole(struct parser *p)
{
	struct config *cfg = p->cfg;
	size_t i, j;

	for (i = 0; i < cfg->nr_rules && !p->err_line; i++) {
		struct config_rule *r = &cfg->rules[i];
		const char *missing = !r->has_provider ? "provider" : !r->has_client ? "client" :
				      !r->has_verdict ? "verdict" : NULL;

		p->line = r->line;
		if (missing) {
			error(p, "rule \"%s\" has no '%s'", r->name, missing);
			break;
		}
		for (j = 0; j < i; j++) {
			struct p2pmap_rule_key a, b;

			rule_key(&cfg->rules[j].def, &a);
			rule_key(&r->def, &b);
			if (!memcmp(&a, &b, sizeof(a))) {
				error(p, "rule \"%s\" overlaps rule \"%s\" (line %d): same provider and client; merge their verdicts",
				      r->name, cfg->rules[j].name, cfg->rules[j].line);
				break;
			}
		}
	}
	if (p->err_line)
		return;
	p->line = 1;
	if (!cfg->policy[0]) {
		error(p, "no policy: set 'name' in [policy]");
	} else if (cfg->nr_shadow_tunables && !cfg->shadow[0]) {
		p->line = cfg->shadow_tunables[0].line;
		error(p, "[shadow] has tunables but no 'name'");
	} else if (cfg->nr_rules && strcmp(cfg->policy, "rules")) {
		p->line = cfg->rules[0].line;
		error(p, "rules need 'name = rules' in [policy] (the policy is '%s')", cfg->policy);
	}
}

int config_parse_string(const char *text, const char *path, struct config *cfg,
			char *why, size_t len)
{
	struct parser p = { .cfg = cfg, .text = text };
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	snprintf(cfg->metrics_dir, sizeof(cfg->metrics_dir), "%s", CONFIG_METRICS_DIR);
	cfg->metrics_interval = CONFIG_METRICS_INTERVAL;
	ret = ini_parse_stream(reader, &p, handler, &p);
	if (ret < 0) {
		snprintf(why, len, "%s: cannot parse: out of memory", path);
		return -ENOMEM;
	}
	if (ret > 0 && (!p.err_line || ret < p.err_line)) {
		/* inih's own complaint about a line comes before ours about a later one. */
		p.err_line = ret;
		snprintf(p.err, sizeof(p.err), "not a [section] or key = value line");
	}
	if (!p.err_line)
		check_whole(&p);
	if (p.err_line) {
		snprintf(why, len, "%s:%d: %s", path, p.err_line, p.err);
		return -EINVAL;
	}
	return 0;
}

int config_parse_file(const char *path, struct config *cfg, char *why, size_t len)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t size = 0;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	if (!f) {
		ret = -errno;
		snprintf(why, len, "%s: %s", path, strerror(-ret));
		return ret;
	}
	/* getdelim with NUL: the whole file (a config has no NUL bytes). */
	if (getdelim(&text, &size, '\0', f) < 0 && ferror(f)) {
		ret = -errno;
		snprintf(why, len, "%s: %s", path, strerror(-ret));
		fclose(f);
		free(text);
		return ret;
	}
	fclose(f);
	ret = config_parse_string(text ? text : "", path, cfg, why, len);
	free(text);
	return ret;
}

void config_free(struct config *cfg)
{
	free(cfg->rules);
	cfg->rules = NULL;
	cfg->nr_rules = 0;
}
