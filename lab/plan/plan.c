/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "plan.h"
#include "scenario.h"

#define PLAN_MAX_BYTES (1 << 20)
#define PLAN_MAX_CELLS 4096
#define MAX_VALUES     64

/* One section's raw values: for each key, a list of strings (a list only in a matrix). */
struct section {
	char *values[KL_CELL_KEYS_MAX][MAX_VALUES];
	size_t n[KL_CELL_KEYS_MAX];
};

static void section_clear(struct section *s)
{
	for (size_t k = 0; k < KL_CELL_KEYS_MAX; k++)
		for (size_t i = 0; i < s->n[k]; i++)
			free(s->values[k][i]);
	memset(s, 0, sizeof(*s));
}

static char **string_field(struct kl_cell_spec *c, const struct kl_cell_key *k)
{
	return k->type == KL_KEY_STRING ? (char **)((char *)c + k->offset) : NULL;
}

void kl_cell_spec_clear(struct kl_cell_spec *c)
{
	if (!c)
		return;
	free(c->id);
	for (size_t i = 0; i < kl_cell_keys_count; i++) {
		char **f = string_field(c, &kl_cell_keys[i]);
		if (f)
			free(*f);
	}
	memset(c, 0, sizeof(*c));
}

/* Strings are copied, unset ones with a default get it (so every copied cell names its
 * kernel, scenario and expectation). */
int kl_cell_spec_copy(struct kl_cell_spec *dst, const struct kl_cell_spec *src)
{
	*dst = *src;
	dst->id = NULL;
	for (size_t i = 0; i < kl_cell_keys_count; i++) {
		char **f = string_field(dst, &kl_cell_keys[i]);
		if (f)
			*f = NULL;
	}
	bool failed = src->id && !(dst->id = strdup(src->id));
	for (size_t i = 0; i < kl_cell_keys_count && !failed; i++) {
		const struct kl_cell_key *k = &kl_cell_keys[i];
		char **f = string_field(dst, k);
		const char *v = kl_cell_key_string(k, src);
		if (!v)
			v = k->dflt;
		failed = f && v && !(*f = strdup(v));
	}
	if (failed) {
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

/* Where an earlier attempt of a cell is kept (run/scheduler.c): no cell id may look like one. */
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

/* Each set key's bounds, in table order, then the id (a scenario that is too long for an id
 * is named as an unknown scenario first). */
int kl_cell_spec_check(const struct kl_cell_spec *c, struct kl_error **err)
{
	for (size_t i = 0; i < kl_cell_keys_count; i++) {
		const struct kl_cell_key *k = &kl_cell_keys[i];
		if (!k->check || (k->type == KL_KEY_STRING && !kl_cell_key_string(k, c)))
			continue;
		int r = k->check(k, c, err);
		if (r < 0)
			return r;
	}
	return kl_cell_id_check(c->id ? c->id : "", err);
}

static int plan_add_one(struct kl_plan *p, const struct kl_cell_spec *c, struct kl_error **err);

/* "cpu=each" in a scenario is one cell per vCPU, ids suffixed -cpuN. */
int kl_plan_add(struct kl_plan *p, const struct kl_cell_spec *c, struct kl_error **err)
{
	char text[KL_VARIANT_TEXT_MAX + 16], id[KL_CELL_ID_MAX + 16];
	if (!c->scenario || kl_scenario_expand_each(c->scenario, "cpu", 0, text, sizeof(text)) == 0)
		return plan_add_one(p, c, err);
	for (unsigned cpu = 0; cpu < c->vcpus; cpu++) {
		struct kl_cell_spec one = *c;
		if (kl_scenario_expand_each(c->scenario, "cpu", cpu, text, sizeof(text)) < 0)
			return kl_error_usage(err, 0, "cell \"%s\": scenario \"%s\" is too long",
					      c->id, c->scenario);
		snprintf(id, sizeof(id), "%s-cpu%u", c->id, cpu);
		one.id = id;
		one.scenario = text;
		int r = kl_cell_id_check(id, err);
		if (r >= 0)
			r = plan_add_one(p, &one, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int plan_add_one(struct kl_plan *p, const struct kl_cell_spec *c, struct kl_error **err)
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

/* The value of key k for a matrix point: the section's, else [defaults]'s, else the key's
 * default (NULL: unset). */
static const char *pick_value(const struct parser *ps, const size_t *pick, size_t k)
{
	if (ps->cur.n[k])
		return ps->cur.values[k][pick[k]];
	if (ps->defaults.n[k])
		return ps->defaults.values[k][0];
	return kl_cell_keys[k].dflt;
}

static int fill_cell(struct parser *ps, const size_t *pick, struct kl_cell_spec *c,
		     struct kl_error **err)
{
	for (size_t k = 0; k < kl_cell_keys_count; k++) {
		const struct kl_cell_key *key = &kl_cell_keys[k];
		const char *v = pick_value(ps, pick, k);
		if (!v && key->required)
			return kl_error_usage(
				err, 0,
				"%s:%u: cell \"%s\" has no %s; expected a \"%s = %s\" line in it or in [defaults]",
				ps->source, ps->section_line, c->id, key->name, key->name,
				key->metavar);
		if (!v)
			continue;
		int r = kl_cell_key_set(key, c, v, KL_KEY_FROM_PLAN, err);
		if (r < 0)
			return kl_error_wrap(err, "%s:%u", ps->source, ps->section_line);
	}
	int r = kl_cell_spec_check(c, err);
	if (r >= 0)
		r = kl_plan_add(ps->plan, c, err);
	if (r < 0)
		return kl_error_wrap(err, "%s:%u", ps->source, ps->section_line);
	return 0;
}

/* Resolve one value-combination into a cell spec and add it. */
static int add_cell(struct parser *ps, const size_t *pick, const char *id, struct kl_error **err)
{
	struct kl_cell_spec c = { .id = strdup(id) };
	if (!c.id)
		return kl_error_set(err, ENOMEM, "plan");
	int r = fill_cell(ps, pick, &c, err);
	kl_cell_spec_clear(&c);
	return r;
}

/* Make the cell id for a matrix point: name plus the varying values. */
static int matrix_id(struct parser *ps, const size_t *pick, char *buf, size_t len)
{
	size_t o = (size_t)snprintf(buf, len, "%s", ps->name);
	for (size_t k = 0; k < kl_cell_keys_count && o < len; k++) {
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
	size_t pick[KL_CELL_KEYS_MAX] = { 0 };
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
			for (; k < kl_cell_keys_count; k++) {
				if (ps->cur.n[k] > 1 && ++pick[k] < ps->cur.n[k])
					break;
				pick[k] = 0;
			}
			if (k == kl_cell_keys_count)
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
	const struct kl_cell_key *found = kl_cell_key_find(key);
	char names[512];
	if (!found)
		return kl_error_usage(err, 0, "%s:%u: unknown key \"%s\"; expected one of %s",
				      ps->source, lineno, key,
				      kl_cell_key_names(names, sizeof(names)));
	size_t k = (size_t)(found - kl_cell_keys);
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
