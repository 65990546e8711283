/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/size.h"
#include "catalogue.h"
#include "outcome.h"
#include "plan.h"

#define PLAN_MAX_BYTES (1 << 20)
#define PLAN_MAX_CELLS 4096
#define MAX_VALUES     64

static const char *const plan_keys[] = { "kernel",   "memory", "vcpus",		"crashkernel",
					 "scenario", "expect", "capture_append" };
#define N_KEYS	  ELEMENTSOF(plan_keys)
#define KEYS_HELP "kernel, memory, vcpus, crashkernel, scenario, expect, capture_append"

/* One section's raw values: for each key, a list of strings (a list only in a matrix). */
struct section {
	char *values[N_KEYS][MAX_VALUES];
	size_t n[N_KEYS];
};

static void section_clear(struct section *s)
{
	for (size_t k = 0; k < N_KEYS; k++)
		for (size_t i = 0; i < s->n[k]; i++)
			free(s->values[k][i]);
	memset(s, 0, sizeof(*s));
}

void kl_cell_spec_clear(struct kl_cell_spec *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->kernel);
	free(c->scenario);
	free(c->expect);
	free(c->capture_append);
	memset(c, 0, sizeof(*c));
}

int kl_cell_spec_copy(struct kl_cell_spec *dst, const struct kl_cell_spec *src)
{
	*dst = *src;
	dst->id = src->id ? strdup(src->id) : NULL;
	dst->kernel = strdup(src->kernel ? src->kernel : KL_DEFAULT_KERNEL);
	dst->scenario = strdup(src->scenario ? src->scenario : KL_DEFAULT_SCENARIO);
	dst->expect = strdup(src->expect ? src->expect : "pass");
	dst->capture_append = src->capture_append ? strdup(src->capture_append) : NULL;
	if ((src->id && !dst->id) || !dst->kernel || !dst->scenario || !dst->expect ||
	    (src->capture_append && !dst->capture_append)) {
		kl_cell_spec_clear(dst);
		return -ENOMEM;
	}
	return 0;
}

struct kl_plan *kl_plan_new(const char *source)
{
	struct kl_plan *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->source = strdup(source ? source : "command line");
	if (!p->source) {
		free(p);
		return NULL;
	}
	return p;
}

void kl_plan_free(struct kl_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_cells; i++)
		kl_cell_spec_clear(&p->cells[i]);
	free(p->cells);
	free(p->source);
	free(p);
}

/* Where an earlier attempt of a cell is kept (run.c): no cell id may look like one. */
#define ATTEMPT_INFIX ".attempt-"

int kl_cell_id_check(const char *id, struct kl_error **err)
{
	size_t n = strlen(id);
	if (n == 0 || n > KL_CELL_ID_MAX)
		return kl_error_usage(
			err, 0,
			"cell id \"%.*s%s\" is %zu bytes; expected 1 to %d (it names files)", 64,
			id, n > 64 ? "..." : "", n, KL_CELL_ID_MAX);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && (i == 0 || !strchr("-_.", id[i])))
			return kl_error_usage(
				err, 0,
				"cell id \"%s\" has \"%c\" at %zu; expected A-Z a-z 0-9 and, after the first character, - _ .",
				id, isprint((unsigned char)id[i]) ? id[i] : '?', i);
	if (strstr(id, ATTEMPT_INFIX))
		return kl_error_usage(err, 0,
				      "cell id \"%s\" contains \"" ATTEMPT_INFIX
				      "\"; expected a name without it (cells/ID" ATTEMPT_INFIX
				      "N keeps an earlier attempt)",
				      id);
	return 0;
}

static const char *scenario_names(char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < kl_scenarios_count && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "",
				      kl_scenarios[i].name);
	return buf;
}

int kl_cell_spec_check(const struct kl_cell_spec *c, struct kl_error **err)
{
	char a[32], b[32], names[256];
	if (c->scenario && !kl_scenario_find(c->scenario))
		return kl_error_usage(err, 0,
				      "cell \"%s\": unknown scenario \"%s\"; expected one of %s",
				      c->id, c->scenario, scenario_names(names, sizeof(names)));
	int r = kl_cell_id_check(c->id ? c->id : "", err);
	if (r < 0)
		return r;
	if (c->memory % 4096 != 0)
		return kl_error_usage(err, 0,
				      "cell \"%s\": memory %" PRIu64
				      " bytes is not a whole number of 4 KiB pages",
				      c->id, c->memory);
	if (c->memory < ((uint64_t)128 << 20)) {
		kl_size_format(c->memory, a, sizeof(a));
		return kl_error_usage(
			err, 0, "cell \"%s\": memory \"%s\" is too small; expected at least 128M",
			c->id, a);
	}
	if (c->memory > ((uint64_t)1 << 40)) {
		kl_size_format(c->memory, a, sizeof(a));
		return kl_error_usage(
			err, 0, "cell \"%s\": memory \"%s\" is too large; expected at most 1T",
			c->id, a);
	}
	if (c->crashkernel >= c->memory) {
		kl_size_format(c->crashkernel, a, sizeof(a));
		kl_size_format(c->memory, b, sizeof(b));
		return kl_error_usage(
			err, 0,
			"cell \"%s\": crashkernel \"%s\" is not smaller than memory \"%s\"; the kernel rejects such a reservation",
			c->id, a, b);
	}
	if (c->crashkernel % ((uint64_t)1 << 20) != 0) {
		kl_size_format(c->crashkernel, a, sizeof(a));
		return kl_error_usage(
			err, 0, "cell \"%s\": crashkernel \"%s\" is not a whole number of MiB",
			c->id, a);
	}
	if (c->vcpus < 1 || c->vcpus > 64)
		return kl_error_usage(err, 0,
				      "cell \"%s\": vcpus \"%u\" out of range; expected 1 to 64",
				      c->id, c->vcpus);
	if (c->capture_append) {
		size_t n = strlen(c->capture_append);
		for (size_t i = 0; i < n; i++)
			if (c->capture_append[i] < 0x20 || c->capture_append[i] > 0x7e)
				return kl_error_usage(
					err, 0,
					"cell \"%s\": capture_append has byte 0x%02x at %zu; expected printable ASCII",
					c->id, (unsigned char)c->capture_append[i], i);
		if (n == 0 || n > KL_CAPTURE_APPEND_MAX)
			return kl_error_usage(
				err, 0,
				"cell \"%s\": capture_append is %zu bytes; expected 1 to %d", c->id,
				n, KL_CAPTURE_APPEND_MAX);
	}
	/* expect is one outcome of result.h's lists: a verdict and a known cause. */
	struct kl_outcome expect;
	if (c->expect && kl_outcome_parse(c->expect, &expect, NULL) < 0)
		return kl_error_usage(
			err, 0,
			"cell \"%s\": expect \"%s\"; expected \"pass\", \"fail/<cause>\" or \"error/<cause>\", a cause one of %s",
			c->id, c->expect, kl_causes_help());
	return 0;
}

int kl_plan_add(struct kl_plan *p, const struct kl_cell_spec *c, struct kl_error **err)
{
	if (p->n_cells >= PLAN_MAX_CELLS)
		return kl_error_usage(err, 0, "%s: more than %d cells", p->source, PLAN_MAX_CELLS);
	for (size_t i = 0; i < p->n_cells; i++)
		if (streq(p->cells[i].id, c->id))
			return kl_error_usage(err, 0, "%s: duplicate cell id \"%s\"", p->source,
					      c->id);
	/* Double when full (only this function grows cells, so its capacity is the next power of
	 * two): growing by one copied the array once per cell, quadratic in a 4096-cell matrix. */
	if ((p->n_cells & (p->n_cells - 1)) == 0) {
		struct kl_cell_spec *n =
			reallocarray(p->cells, p->n_cells ? 2 * p->n_cells : 1, sizeof(*n));
		if (!n)
			return kl_error_set(err, ENOMEM, "plan");
		p->cells = n;
	}
	if (kl_cell_spec_copy(&p->cells[p->n_cells], c) < 0)
		return kl_error_set(err, ENOMEM, "plan");
	p->n_cells++;
	return 0;
}

static char *strip(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int key_index(const char *k)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (streq(plan_keys[i], k))
			return (int)i;
	return -1;
}

static int valid_name(const char *s)
{
	if (!*s || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			return 0;
	return 1;
}

struct parser {
	struct kl_plan *plan;
	const char *source;
	struct section defaults, cur;
	int kind; /* 0 none, 1 defaults, 2 cell, 3 matrix */
	char name[80];
	unsigned section_line;
};

/* Resolve one value-combination into a cell spec and add it. */
static int add_cell(struct parser *ps, const size_t *pick, const char *id, struct kl_error **err)
{
	struct kl_cell_spec c = { .vcpus = 2 };
	const char *v[N_KEYS] = { 0 };
	int r;

	for (size_t k = 0; k < N_KEYS; k++) {
		if (ps->cur.n[k])
			v[k] = ps->cur.values[k][pick[k]];
		else if (ps->defaults.n[k])
			v[k] = ps->defaults.values[k][0];
	}
	c.id = (char *)id;
	c.kernel = (char *)(v[0] ? v[0] : KL_DEFAULT_KERNEL);
	c.scenario = (char *)(v[4] ? v[4] : KL_DEFAULT_SCENARIO);
	c.expect = (char *)(v[5] ? v[5] : "pass");
	c.capture_append = (char *)v[6];
	if (!v[1])
		return kl_error_usage(
			err, 0,
			"%s:%u: cell \"%s\" has no memory; expected a \"memory = SIZE\" line in it or in [defaults]",
			ps->source, ps->section_line, id);
	r = kl_size_parse(v[1], "memory", &c.memory, err);
	if (r >= 0 && v[3])
		r = kl_size_parse(v[3], "crashkernel", &c.crashkernel, err);
	if (r >= 0 && v[2]) {
		char *end;
		unsigned long n = strtoul(v[2], &end, 10);
		if (*end || end == v[2] || n > 1024)
			r = kl_error_usage(err, 0, "vcpus \"%s\": expected a number from 1 to 64",
					   v[2]);
		c.vcpus = (unsigned)n;
	}
	if (r >= 0)
		r = kl_cell_spec_check(&c, err);
	if (r >= 0)
		r = kl_plan_add(ps->plan, &c, err);
	if (r < 0)
		return kl_error_wrap(err, "%s:%u", ps->source, ps->section_line);
	return 0;
}

/* Make the cell id for a matrix point: name plus the varying values. */
static int matrix_id(struct parser *ps, const size_t *pick, char *buf, size_t len)
{
	size_t o = (size_t)snprintf(buf, len, "%s", ps->name);
	for (size_t k = 0; k < N_KEYS && o < len; k++) {
		if (ps->cur.n[k] < 2)
			continue;
		char part[64];
		snprintf(part, sizeof(part), "%s", ps->cur.values[k][pick[k]]);
		for (char *q = part; *q; q++)
			if (!isalnum((unsigned char)*q) && !strchr("-_.", *q))
				*q = '_';
		o += (size_t)snprintf(buf + o, len - o, "-%s", part);
	}
	return o < len ? 0 : -ENAMETOOLONG;
}

static int finish_section(struct parser *ps, struct kl_error **err)
{
	size_t pick[N_KEYS] = { 0 };
	int r = 0;

	if (ps->kind == 2)
		r = add_cell(ps, pick, ps->name, err);
	else if (ps->kind == 3) {
		for (;;) {
			char id[512];
			if (matrix_id(ps, pick, id, sizeof(id)) < 0)
				return kl_error_usage(err, 0,
						      "%s:%u: matrix \"%s\": cell id too long",
						      ps->source, ps->section_line, ps->name);
			r = add_cell(ps, pick, id, err);
			if (r < 0)
				break;
			size_t k = 0;
			for (; k < N_KEYS; k++) {
				if (ps->cur.n[k] > 1 && ++pick[k] < ps->cur.n[k])
					break;
				pick[k] = 0;
			}
			if (k == N_KEYS)
				break;
		}
	}
	if (ps->kind != 1)
		section_clear(&ps->cur);
	ps->kind = 0;
	return r;
}

static int parse_header(struct parser *ps, char *line, unsigned lineno, struct kl_error **err)
{
	char *end = strchr(line, ']');
	if (!end || strip(end + 1)[0])
		return kl_error_usage(err, 0,
				      "%s:%u: \"%s\": expected a section header like [cell NAME]",
				      ps->source, lineno, line);
	*end = '\0';
	char *h = strip(line + 1), *name = h + strcspn(h, " \t");
	if (*name)
		*name++ = '\0';
	name = strip(name);
	ps->section_line = lineno;
	if (streq(h, "defaults") && !*name) {
		ps->kind = 1;
		return 0;
	}
	if (!streq(h, "cell") && !streq(h, "matrix"))
		return kl_error_usage(
			err, 0,
			"%s:%u: unknown section \"[%s]\"; expected [defaults], [cell NAME] or [matrix NAME]",
			ps->source, lineno, h);
	if (!valid_name(name) || kl_cell_id_check(name, NULL) < 0)
		return kl_error_usage(
			err, 0,
			"%s:%u: [%s] name \"%s\" invalid; expected 1-64 characters of A-Z a-z 0-9 - _ . starting with a letter or digit, without \"" ATTEMPT_INFIX
			"\"",
			ps->source, lineno, h, name);
	ps->kind = streq(h, "cell") ? 2 : 3;
	snprintf(ps->name, sizeof(ps->name), "%s", name);
	return 0;
}

static int parse_assignment(struct parser *ps, char *line, unsigned lineno, struct kl_error **err)
{
	char *eq = strchr(line, '=');
	if (!eq)
		return kl_error_usage(err, 0, "%s:%u: \"%s\": expected \"key = value\"", ps->source,
				      lineno, line);
	*eq = '\0';
	char *key = strip(line), *val = strip(eq + 1);
	int k = key_index(key);
	if (k < 0)
		return kl_error_usage(err, 0,
				      "%s:%u: unknown key \"%s\"; expected one of " KEYS_HELP,
				      ps->source, lineno, key);
	if (ps->kind == 0)
		return kl_error_usage(
			err, 0,
			"%s:%u: \"%s\" outside a section; expected it under [defaults], [cell NAME] or [matrix NAME]",
			ps->source, lineno, key);
	struct section *s = ps->kind == 1 ? &ps->defaults : &ps->cur;
	if (s->n[k])
		return kl_error_usage(err, 0, "%s:%u: key \"%s\" given twice in one section",
				      ps->source, lineno, key);
	for (char *save = NULL, *tok = strtok_r(val, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		tok = strip(tok);
		if (!*tok)
			continue;
		if (s->n[k] >= MAX_VALUES)
			return kl_error_usage(err, 0, "%s:%u: more than %d values for \"%s\"",
					      ps->source, lineno, MAX_VALUES, key);
		if (!(s->values[k][s->n[k]] = strdup(tok)))
			return kl_error_set(err, ENOMEM, "plan");
		s->n[k]++;
	}
	if (!s->n[k])
		return kl_error_usage(err, 0, "%s:%u: key \"%s\" has no value", ps->source, lineno,
				      key);
	if (s->n[k] > 1 && ps->kind != 3)
		return kl_error_usage(
			err, 0,
			"%s:%u: \"%s\" has a list of values; lists are allowed only in [matrix NAME]",
			ps->source, lineno, key);
	return 0;
}

int kl_plan_parse_string(const char *text, const char *source, struct kl_plan **ret,
			 struct kl_error **err)
{
	struct parser ps = { .source = source };
	_cleanup_free_ char *copy = strdup(text);
	int r = 0;
	unsigned lineno = 0;

	if (!copy)
		return kl_error_set(err, ENOMEM, "plan");
	ps.plan = kl_plan_new(source);
	if (!ps.plan)
		return kl_error_set(err, ENOMEM, "plan");
	for (char *line = copy, *next; line && r >= 0; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *l = strip(line);
		if (!*l)
			continue;
		if (*l == '[') {
			r = finish_section(&ps, err);
			if (r >= 0)
				r = parse_header(&ps, l, lineno, err);
		} else
			r = parse_assignment(&ps, l, lineno, err);
	}
	if (r >= 0)
		r = finish_section(&ps, err);
	if (r >= 0 && ps.plan->n_cells == 0)
		r = kl_error_usage(
			err, 0,
			"%s: no cells; expected at least one [cell NAME] or [matrix NAME] section",
			source);
	section_clear(&ps.defaults);
	section_clear(&ps.cur);
	if (r < 0) {
		kl_plan_free(ps.plan);
		return r;
	}
	*ret = ps.plan;
	return 0;
}

int kl_plan_parse_file(const char *path, struct kl_plan **ret, struct kl_error **err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return kl_error_usage(err, errno, "plan \"%s\"", path);
	_cleanup_free_ char *buf = malloc(PLAN_MAX_BYTES + 1);
	if (!buf)
		return kl_error_set(err, ENOMEM, "plan");
	size_t n = fread(buf, 1, PLAN_MAX_BYTES + 1, f);
	if (ferror(f))
		return kl_error_usage(err, EIO, "plan \"%s\"", path);
	if (n > PLAN_MAX_BYTES)
		return kl_error_usage(err, 0, "plan \"%s\" is larger than 1 MiB", path);
	if (memchr(buf, '\0', n))
		return kl_error_usage(
			err, 0, "plan \"%s\" contains a NUL byte; expected a text file", path);
	buf[n] = '\0';
	return kl_plan_parse_string(buf, path, ret, err);
}
