/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <math.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fs.h"
#include "base/macro.h"
#include "base/numparse.h"
#include "base/text.h"
#include "facts.h"

#define FACTS_JSON_MAX (4 << 20)

enum ftype { F_STR, F_I64, F_ADDR, F_DOUBLE, F_HASH };

/* One scalar fact: where it comes from on the console and where it goes in JSON. */
struct fdesc {
	const char *phase, *key, *json;
	enum ftype type;
	size_t off;
};

#define L(p, k, j, t, m)                                                                           \
	{                                                                                          \
		p, k, j, t, offsetof(struct kl_loader_facts, m)                                    \
	}
static const struct fdesc loader_fields[] = {
	L("start", "version", "version", F_STR, version),
	L("facts", "uname_r", "uname_r", F_STR, uname_r),
	L("facts", "uname_v", "uname_v", F_STR, uname_v),
	L("facts", "nodename", "nodename", F_STR, nodename),
	L("facts", "machine", "machine", F_STR, machine),
	L("facts", "cpus_online", "cpus_online", F_I64, cpus_online),
	L("facts", "cpus_list", "cpus_list", F_STR, cpus_list),
	L("facts", "page_size", "page_size", F_I64, page_size),
	L("facts", "kexec_crash_size", "kexec_crash_size", F_I64, kexec_crash_size),
	L("facts", "boot_id", "boot_id", F_STR, boot_id),
	L("kallsyms", "_text", "sym_text", F_ADDR, sym_text),
	L("kallsyms", "_stext", "sym_stext", F_ADDR, sym_stext),
	L("kallsyms", "_end", "sym_end", F_ADDR, sym_end),
	L("kallsyms", "init_uts_ns", "sym_init_uts_ns", F_ADDR, sym_init_uts_ns),
	L("kallsyms", "prb", "sym_prb", F_ADDR, sym_prb),
	L("reservation", "base", "reservation_base", F_ADDR, reservation_base),
	L("reservation", "size", "reservation_size", F_I64, reservation_size),
	L("loaded", "crash_loaded", "crash_loaded", F_I64, crash_loaded),
	L("loaded", "cmdline", "capture_cmdline", F_STR, capture_cmdline),
	L("trigger", "scenario", "trigger_scenario", F_STR, trigger_scenario),
	L("trigger", "nonce", "trigger_nonce", F_STR, trigger_nonce),
	L("trigger", "pid", "trigger_pid", F_I64, trigger_pid),
	L("trigger", "cpu", "trigger_cpu", F_I64, trigger_cpu),
	L("trigger", "time", "trigger_time", F_I64, trigger_time),
};
#undef L

#define S(p, k, j, t, m)                                                                           \
	{                                                                                          \
		p, k, j, t, offsetof(struct kl_saver_facts, m)                                     \
	}
static const struct fdesc saver_fields[] = {
	S("start", "version", "version", F_STR, version),
	S("start", "elfcorehdr", "elfcorehdr", F_ADDR, elfcorehdr),
	S("disk", "serial", "disk_serial", F_STR, disk_serial),
	S("disk", "dev", "disk_dev", F_STR, disk_dev),
	S("vmcore", "size", "vmcore_size", F_I64, vmcore_size),
	S("progress", "bytes", "progress_bytes", F_I64, progress_bytes),
	S("saved", "bytes", "saved_bytes", F_I64, saved_bytes),
	S("saved", "allocated", "allocated", F_I64, allocated),
	S("saved", "zero_pages", "zero_pages", F_I64, zero_pages),
	S("saved", "data_pages", "data_pages", F_I64, data_pages),
	S("saved", "hash", "hash", F_HASH, hash),
	S("saved", "seconds", "seconds", F_DOUBLE, seconds),
};
#undef S

static void loader_init(struct kl_loader_facts *l)
{
	l->cpus_online = l->page_size = l->kexec_crash_size = KL_FACT_UNSET;
	l->reservation_size = l->crash_loaded = KL_FACT_UNSET;
	l->trigger_pid = l->trigger_cpu = l->trigger_time = KL_FACT_UNSET;
}

static void saver_init(struct kl_saver_facts *s)
{
	s->vmcore_size = s->progress_bytes = s->saved_bytes = KL_FACT_UNSET;
	s->allocated = s->zero_pages = s->data_pages = KL_FACT_UNSET;
	s->seconds = -1;
}

struct kl_facts *kl_facts_new(void)
{
	struct kl_facts *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	loader_init(&f->loader);
	saver_init(&f->saver);
	return f;
}

static void free_strings(void *base, const struct fdesc *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].type == F_STR || t[i].type == F_HASH)
			free(*(char **)((char *)base + t[i].off));
}

static void free_modules(struct kl_fact_module *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].name);
		free(m[i].result);
	}
	free(m);
}

static void free_errors(struct kl_fact_error *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].step);
		free(e[i].errname);
		free(e[i].detail);
	}
	free(e);
}

void kl_facts_free(struct kl_facts *f)
{
	if (!f)
		return;
	free_strings(&f->loader, loader_fields, ELEMENTSOF(loader_fields));
	free(f->loader.ram);
	free(f->loader.crash);
	free_modules(f->loader.modules, f->loader.n_modules);
	free_errors(f->loader.errors, f->loader.n_errors);
	free_strings(&f->saver, saver_fields, ELEMENTSOF(saver_fields));
	free_modules(f->saver.modules, f->saver.n_modules);
	free_errors(f->saver.errors, f->saver.n_errors);
	free(f);
}

/* Decimal or 0x hex, no sign, no spaces; fits in int64. */
static int parse_i64(const char *s, int64_t *ret)
{
	uint64_t v;
	struct kl_field fld = { .key = "v", .value = s };
	struct kl_record r = { .fields = &fld, .n_fields = 1 };
	int k = kl_record_get_u64(&r, "v", &v);
	if (k < 0)
		return k;
	if (v > INT64_MAX)
		return -ERANGE;
	*ret = (int64_t)v;
	return 0;
}

static int parse_addr(const char *s, uint64_t *ret)
{
	struct kl_field fld = { .key = "v", .value = s };
	struct kl_record r = { .fields = &fld, .n_fields = 1 };
	return kl_record_get_u64(&r, "v", ret);
}

/*
 * Every string fact goes through here, from the console or from a facts.json: a guest wrote
 * it, and facts.json, results.json and the terminal show it (lab/base/text.h). The raw bytes stay
 * in console.log.
 */
static char *text_dup(const char *v)
{
	return kl_text_safe(v, strlen(v), KL_FACT_TEXT_MAX);
}

static bool is_hash(const char *s)
{
	return strlen(s) == 16 && strspn(s, "0123456789abcdefABCDEF") == 16;
}

/* Store one value; returns -EINVAL (value untouched) when it does not parse. */
static int store(void *base, const struct fdesc *d, const char *v)
{
	void *p = (char *)base + d->off;
	int r = 0;

	switch (d->type) {
	case F_HASH:
		if (!is_hash(v))
			return -EINVAL;
		__attribute__((fallthrough));
	case F_STR: {
		char *s = text_dup(v);
		if (!s)
			return -ENOMEM;
		if (d->type == F_HASH)
			for (char *c = s; *c; c++)
				*c = (char)(*c >= 'A' && *c <= 'F' ? *c - 'A' + 'a' : *c);
		free(*(char **)p);
		*(char **)p = s;
		return 0;
	}
	case F_I64:
		r = parse_i64(v, p);
		break;
	case F_ADDR:
		r = parse_addr(v, p);
		break;
	case F_DOUBLE:
		r = kl_parse_seconds(v, p);
		break;
	}
	return r < 0 ? -EINVAL : 0;
}

static int bad_value(struct kl_error **err, const struct kl_record *rec, const char *key,
		     const char *value, const char *expected)
{
	return kl_error_set(err, 0, "console line %lu: phase=%s %s=\"%s\" is not %s", rec->lineno,
			    rec->phase, key, value ? value : "", expected);
}

static const char *type_name(enum ftype t)
{
	switch (t) {
	case F_I64:
		return "a non-negative number";
	case F_ADDR:
		return "an address (0x... or decimal)";
	case F_DOUBLE:
		return "a decimal number of seconds";
	case F_HASH:
		return "16 hex digits";
	default:
		return "a string";
	}
}

static int apply_table(void *base, const struct fdesc *t, size_t n, const struct kl_record *rec,
		       struct kl_error **err)
{
	int ret = 0;
	for (size_t i = 0; i < n; i++) {
		if (!streq(t[i].phase, rec->phase))
			continue;
		const char *v = kl_record_get(rec, t[i].key);
		if (!v)
			continue;
		int r = store(base, &t[i], v);
		if (r == -ENOMEM)
			return kl_error_set(err, ENOMEM, "storing fact %s", t[i].key);
		if (r < 0 && ret == 0)
			ret = bad_value(err, rec, t[i].key, v, type_name(t[i].type));
	}
	return ret;
}

static int add_range(struct kl_range **v, size_t *n, uint64_t start, uint64_t end)
{
	if (*n >= KL_FACTS_MAX_RANGES)
		return -E2BIG;
	struct kl_range *nv = reallocarray(*v, *n + 1, sizeof(**v));
	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = (struct kl_range){ start, end };
	*v = nv;
	return 0;
}

static int apply_iomem(struct kl_loader_facts *l, const struct kl_record *rec,
		       struct kl_error **err)
{
	const char *type = kl_record_get(rec, "type");
	uint64_t start, end;

	if (!type || (!streq(type, "ram") && !streq(type, "crash")))
		return bad_value(err, rec, "type", type, "\"ram\" or \"crash\"");
	if (kl_record_get_u64(rec, "start", &start) < 0)
		return bad_value(err, rec, "start", kl_record_get(rec, "start"), "an address");
	if (kl_record_get_u64(rec, "end", &end) < 0 || end < start)
		return bad_value(err, rec, "end", kl_record_get(rec, "end"),
				 "an address at or after start");
	int r = streq(type, "ram") ? add_range(&l->ram, &l->n_ram, start, end)
				   : add_range(&l->crash, &l->n_crash, start, end);
	if (r == -E2BIG)
		return kl_error_set(err, E2BIG, "console line %lu: more than %d iomem ranges",
				    rec->lineno, KL_FACTS_MAX_RANGES);
	return r < 0 ? kl_error_set(err, -r, "storing an iomem range") : 0;
}

static int apply_module(struct kl_fact_module **v, size_t *n, const struct kl_record *rec,
			struct kl_error **err)
{
	const char *name = kl_record_get(rec, "name"), *result = kl_record_get(rec, "result");
	if (!name || !*name)
		return bad_value(err, rec, "name", name, "a module name");
	if (*n >= KL_FACTS_MAX_MODULES)
		return kl_error_set(err, E2BIG, "console line %lu: more than %d module records",
				    rec->lineno, KL_FACTS_MAX_MODULES);
	struct kl_fact_module *nv = reallocarray(*v, *n + 1, sizeof(**v));
	if (!nv)
		return kl_error_set(err, ENOMEM, "storing a module record");
	*v = nv;
	nv[*n] = (struct kl_fact_module){ text_dup(name), text_dup(result ? result : "") };
	if (!nv[*n].name || !nv[*n].result) {
		free(nv[*n].name);
		free(nv[*n].result);
		return kl_error_set(err, ENOMEM, "storing a module record");
	}
	(*n)++;
	return 0;
}

static int apply_error(struct kl_fact_error **v, size_t *n, const struct kl_record *rec,
		       struct kl_error **err)
{
	const char *step = kl_record_get(rec, "step"), *errname = kl_record_get(rec, "errname");
	const char *detail = kl_record_get(rec, "detail");
	int64_t e = KL_FACT_UNSET;

	if (kl_record_get(rec, "errno") && parse_i64(kl_record_get(rec, "errno"), &e) < 0)
		e = KL_FACT_UNSET; /* keep the error: its step and detail still matter */
	if (*n >= KL_FACTS_MAX_ERRORS)
		return kl_error_set(err, E2BIG, "console line %lu: more than %d error records",
				    rec->lineno, KL_FACTS_MAX_ERRORS);
	struct kl_fact_error *nv = reallocarray(*v, *n + 1, sizeof(**v));
	if (!nv)
		return kl_error_set(err, ENOMEM, "storing an error record");
	*v = nv;
	struct kl_fact_error *x = &nv[*n];
	*x = (struct kl_fact_error){
		.step = text_dup(step ? step : ""),
		.errno_value = e,
		.errname = text_dup(errname ? errname : ""),
		.detail = text_dup(detail ? detail : ""),
		.lineno = rec->lineno,
	};
	if (!x->step || !x->errname || !x->detail) {
		free(x->step);
		free(x->errname);
		free(x->detail);
		return kl_error_set(err, ENOMEM, "storing an error record");
	}
	(*n)++;
	return 0;
}

static bool record_from_saver(const struct kl_facts *f, const struct kl_record *rec)
{
	const char *prog = streq(rec->phase, "start") ? kl_record_get(rec, "prog") : NULL;
	if (prog)
		return streq(prog, "saver");
	if (rec->kernel == KL_KERNEL_CAPTURE)
		return true;
	if (rec->kernel == KL_KERNEL_SYSTEM)
		return false;
	/* No banner seen (a log without them) or a later reboot: follow the last start. */
	return f->in_saver;
}

static int apply_loader(struct kl_loader_facts *l, const struct kl_record *rec,
			struct kl_error **err)
{
	const char *ph = rec->phase;

	if (streq(ph, "start"))
		l->started = true;
	else if (streq(ph, "poweroff"))
		l->poweroff = true;
	else if (streq(ph, "iomem"))
		return apply_iomem(l, rec, err);
	else if (streq(ph, "module"))
		return apply_module(&l->modules, &l->n_modules, rec, err);
	else if (streq(ph, "error"))
		return apply_error(&l->errors, &l->n_errors, rec, err);
	return apply_table(l, loader_fields, ELEMENTSOF(loader_fields), rec, err);
}

static int apply_saver(struct kl_saver_facts *s, const struct kl_record *rec, struct kl_error **err)
{
	const char *ph = rec->phase;

	if (streq(ph, "start"))
		s->started = true;
	else if (streq(ph, "done"))
		s->done = true;
	else if (streq(ph, "poweroff"))
		s->poweroff = true;
	else if (streq(ph, "module"))
		return apply_module(&s->modules, &s->n_modules, rec, err);
	else if (streq(ph, "error"))
		return apply_error(&s->errors, &s->n_errors, rec, err);
	return apply_table(s, saver_fields, ELEMENTSOF(saver_fields), rec, err);
}

static bool known_phase(const char *ph)
{
	static const char *const extra[] = {
		"start", "iomem", "module", "error", "poweroff", "done"
	};
	for (size_t i = 0; i < ELEMENTSOF(extra); i++)
		if (streq(ph, extra[i]))
			return true;
	for (size_t i = 0; i < ELEMENTSOF(loader_fields); i++)
		if (streq(ph, loader_fields[i].phase))
			return true;
	for (size_t i = 0; i < ELEMENTSOF(saver_fields); i++)
		if (streq(ph, saver_fields[i].phase))
			return true;
	return false;
}

int kl_facts_apply(struct kl_facts *f, const struct kl_record *rec, struct kl_error **err)
{
	f->n_records++;
	if (!known_phase(rec->phase)) {
		f->n_unknown++;
		return 0;
	}
	const char *prog = streq(rec->phase, "start") ? kl_record_get(rec, "prog") : NULL;
	if (prog)
		f->in_saver = streq(prog, "saver");
	if (record_from_saver(f, rec))
		return apply_saver(&f->saver, rec, err);
	return apply_loader(&f->loader, rec, err);
}

/* ---- JSON ---- */

static int json_add(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static struct json_object *json_addr(uint64_t a)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "0x%" PRIx64, a);
	return json_object_new_string(buf);
}

static int table_to_json(struct json_object *o, const void *base, const struct fdesc *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const void *p = (const char *)base + t[i].off;
		struct json_object *v = NULL;
		switch (t[i].type) {
		case F_STR:
		case F_HASH:
			if (!*(char *const *)p)
				continue;
			v = json_object_new_string(*(char *const *)p);
			break;
		case F_I64:
			if (*(const int64_t *)p < 0)
				continue;
			v = json_object_new_int64(*(const int64_t *)p);
			break;
		case F_ADDR:
			if (!*(const uint64_t *)p)
				continue;
			v = json_addr(*(const uint64_t *)p);
			break;
		case F_DOUBLE:
			if (*(const double *)p < 0)
				continue;
			v = json_object_new_double(*(const double *)p);
			break;
		}
		if (json_add(o, t[i].json, v) < 0)
			return -ENOMEM;
	}
	return 0;
}

static struct json_object *ranges_to_json(const struct kl_range *r, size_t n)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; a && i < n; i++) {
		struct json_object *e = json_object_new_object();
		if (!e || json_object_array_add(a, e) < 0 ||
		    json_add(e, "start", json_addr(r[i].start)) ||
		    json_add(e, "end", json_addr(r[i].end))) {
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

static struct json_object *modules_to_json(const struct kl_fact_module *m, size_t n)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; a && i < n; i++) {
		struct json_object *e = json_object_new_object();
		if (!e || json_object_array_add(a, e) < 0 ||
		    json_add(e, "name", json_object_new_string(m[i].name)) ||
		    json_add(e, "result", json_object_new_string(m[i].result))) {
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

static struct json_object *errors_to_json(const struct kl_fact_error *x, size_t n)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; a && i < n; i++) {
		struct json_object *e = json_object_new_object();
		if (!e || json_object_array_add(a, e) < 0 ||
		    json_add(e, "step", json_object_new_string(x[i].step)) ||
		    json_add(e, "errno", json_object_new_int64(x[i].errno_value)) ||
		    json_add(e, "errname", json_object_new_string(x[i].errname)) ||
		    json_add(e, "detail", json_object_new_string(x[i].detail)) ||
		    json_add(e, "line", json_object_new_int64((int64_t)x[i].lineno))) {
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

struct json_object *kl_facts_to_json(const struct kl_facts *f)
{
	struct json_object *o = json_object_new_object(), *l = json_object_new_object(),
			   *s = json_object_new_object();
	const struct kl_loader_facts *lf = &f->loader;
	const struct kl_saver_facts *sf = &f->saver;

	if (!o || !l || !s || json_add(o, "loader", l) < 0) {
		json_object_put(o);
		json_object_put(l);
		json_object_put(s);
		return NULL;
	}
	if (json_add(o, "saver", s) < 0 ||
	    json_add(o, "records", json_object_new_int64((int64_t)f->n_records)) ||
	    json_add(o, "unknown_records", json_object_new_int64((int64_t)f->n_unknown)) ||
	    table_to_json(l, lf, loader_fields, ELEMENTSOF(loader_fields)) ||
	    json_add(l, "ram", ranges_to_json(lf->ram, lf->n_ram)) ||
	    json_add(l, "crash", ranges_to_json(lf->crash, lf->n_crash)) ||
	    json_add(l, "modules", modules_to_json(lf->modules, lf->n_modules)) ||
	    json_add(l, "errors", errors_to_json(lf->errors, lf->n_errors)) ||
	    json_add(l, "started", json_object_new_boolean(lf->started)) ||
	    json_add(l, "poweroff", json_object_new_boolean(lf->poweroff)) ||
	    table_to_json(s, sf, saver_fields, ELEMENTSOF(saver_fields)) ||
	    json_add(s, "modules", modules_to_json(sf->modules, sf->n_modules)) ||
	    json_add(s, "errors", errors_to_json(sf->errors, sf->n_errors)) ||
	    json_add(s, "started", json_object_new_boolean(sf->started)) ||
	    json_add(s, "done", json_object_new_boolean(sf->done)) ||
	    json_add(s, "poweroff", json_object_new_boolean(sf->poweroff))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int kl_facts_write_json(const struct kl_facts *f, const char *path, struct kl_error **err)
{
	struct json_object *o = kl_facts_to_json(f);
	if (!o)
		return kl_error_set(err, ENOMEM, "building facts JSON for \"%s\"", path);
	const char *text = json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	_cleanup_free_ char *line = NULL;
	if (!text || asprintf(&line, "%s\n", text) < 0) {
		json_object_put(o);
		return kl_error_set(err, ENOMEM, "building facts JSON for \"%s\"", path);
	}
	json_object_put(o);
	/* Atomic, synced, and the rename synced to its directory (lab/base/fs.c). */
	return kl_write_file_atomic(path, line, strlen(line), 0644, err);
}

/* ---- reading back ---- */

static int bad_json(struct kl_error **err, const char *where, const char *key, const char *what)
{
	return kl_error_set(err, EBADMSG, "facts JSON: %s.%s is not %s", where, key, what);
}

static int table_from_json(struct json_object *o, void *base, const struct fdesc *t, size_t n,
			   const char *where, struct kl_error **err)
{
	for (size_t i = 0; i < n; i++) {
		struct json_object *v;
		if (!json_object_object_get_ex(o, t[i].json, &v))
			continue;
		void *p = (char *)base + t[i].off;
		switch (t[i].type) {
		case F_STR:
		case F_HASH: {
			if (!json_object_is_type(v, json_type_string) ||
			    (t[i].type == F_HASH && !is_hash(json_object_get_string(v))))
				return bad_json(err, where, t[i].json, type_name(t[i].type));
			char *s = text_dup(json_object_get_string(v));
			if (!s)
				return kl_error_set(err, ENOMEM, "reading facts JSON");
			free(*(char **)p);
			*(char **)p = s;
			break;
		}
		case F_I64:
			if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
				return bad_json(err, where, t[i].json, type_name(t[i].type));
			*(int64_t *)p = json_object_get_int64(v);
			break;
		case F_ADDR:
			if (!json_object_is_type(v, json_type_string) ||
			    parse_addr(json_object_get_string(v), p) < 0)
				return bad_json(err, where, t[i].json, type_name(t[i].type));
			break;
		case F_DOUBLE:
			if (!json_object_is_type(v, json_type_double) &&
			    !json_object_is_type(v, json_type_int))
				return bad_json(err, where, t[i].json, type_name(t[i].type));
			*(double *)p = json_object_get_double(v);
			break;
		}
	}
	return 0;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int64_t jint(struct json_object *o, const char *key, int64_t dflt)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return dflt;
	return json_object_get_int64(v);
}

static bool jbool(struct json_object *o, const char *key)
{
	struct json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean) &&
	       json_object_get_boolean(v);
}

/* Arrays go through the same apply paths as console records, so bounds hold alike. */
static int ranges_from_json(struct json_object *o, const char *key, struct kl_range **v, size_t *n,
			    struct kl_error **err)
{
	struct json_object *a;
	if (!json_object_object_get_ex(o, key, &a))
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return bad_json(err, "loader", key, "an array");
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		const char *s = jstr(e, "start"), *x = jstr(e, "end");
		uint64_t start, end;
		if (!s || !x || parse_addr(s, &start) < 0 || parse_addr(x, &end) < 0 || end < start)
			return bad_json(err, "loader", key, "an array of {start, end} ranges");
		int r = add_range(v, n, start, end);
		if (r < 0)
			return kl_error_set(err, -r, "facts JSON: loader.%s", key);
	}
	return 0;
}

static int list_from_json(struct json_object *o, const char *where, struct kl_fact_module **mods,
			  size_t *n_mods, struct kl_fact_error **errs, size_t *n_errs,
			  struct kl_error **err)
{
	struct json_object *a;
	if (json_object_object_get_ex(o, "modules", &a)) {
		if (!json_object_is_type(a, json_type_array))
			return bad_json(err, where, "modules", "an array");
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			struct json_object *e = json_object_array_get_idx(a, i);
			struct kl_field fl[] = { { "phase", "module", 6 },
						 { "name", jstr(e, "name"), 0 },
						 { "result", jstr(e, "result"), 0 } };
			struct kl_record r = { .phase = "module", .fields = fl, .n_fields = 3 };
			if (!fl[1].value || !fl[2].value)
				return bad_json(err, where, "modules",
						"an array of {name, result}");
			int k = apply_module(mods, n_mods, &r, err);
			if (k < 0)
				return k;
		}
	}
	if (json_object_object_get_ex(o, "errors", &a)) {
		if (!json_object_is_type(a, json_type_array))
			return bad_json(err, where, "errors", "an array");
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			struct json_object *e = json_object_array_get_idx(a, i);
			struct kl_field fl[] = { { "phase", "error", 5 },
						 { "step", jstr(e, "step"), 0 },
						 { "errname", jstr(e, "errname"), 0 },
						 { "detail", jstr(e, "detail"), 0 } };
			int64_t line = jint(e, "line", 0);
			struct kl_record r = { .phase = "error",
					       .fields = fl,
					       .n_fields = 4,
					       .lineno = line > 0 ? (unsigned long)line : 0 };
			if (!fl[1].value || !fl[2].value || !fl[3].value)
				return bad_json(err, where, "errors",
						"an array of {step, errno, errname, detail}");
			int k = apply_error(errs, n_errs, &r, err);
			if (k < 0)
				return k;
			(*errs)[*n_errs - 1].errno_value = jint(e, "errno", KL_FACT_UNSET);
		}
	}
	return 0;
}

int kl_facts_from_json(struct json_object *o, struct kl_facts **ret, struct kl_error **err)
{
	_cleanup_(kl_facts_freep) struct kl_facts *f = kl_facts_new();
	struct json_object *l, *s;
	int r;

	if (!f)
		return kl_error_set(err, ENOMEM, "reading facts JSON");
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "loader", &l) ||
	    !json_object_object_get_ex(o, "saver", &s) ||
	    !json_object_is_type(l, json_type_object) || !json_object_is_type(s, json_type_object))
		return kl_error_set(
			err, EBADMSG,
			"facts JSON: expected an object with \"loader\" and \"saver\" objects");
	r = table_from_json(l, &f->loader, loader_fields, ELEMENTSOF(loader_fields), "loader", err);
	if (r < 0)
		return r;
	r = table_from_json(s, &f->saver, saver_fields, ELEMENTSOF(saver_fields), "saver", err);
	if (r < 0)
		return r;
	r = ranges_from_json(l, "ram", &f->loader.ram, &f->loader.n_ram, err);
	if (r < 0)
		return r;
	r = ranges_from_json(l, "crash", &f->loader.crash, &f->loader.n_crash, err);
	if (r < 0)
		return r;
	r = list_from_json(l, "loader", &f->loader.modules, &f->loader.n_modules, &f->loader.errors,
			   &f->loader.n_errors, err);
	if (r < 0)
		return r;
	r = list_from_json(s, "saver", &f->saver.modules, &f->saver.n_modules, &f->saver.errors,
			   &f->saver.n_errors, err);
	if (r < 0)
		return r;
	f->loader.started = jbool(l, "started");
	f->loader.poweroff = jbool(l, "poweroff");
	f->saver.started = jbool(s, "started");
	f->saver.done = jbool(s, "done");
	f->saver.poweroff = jbool(s, "poweroff");
	int64_t n = jint(o, "records", 0);
	f->n_records = n > 0 ? (unsigned long)n : 0;
	n = jint(o, "unknown_records", 0);
	f->n_unknown = n > 0 ? (unsigned long)n : 0;
	*ret = TAKE_PTR(f);
	return 0;
}

int kl_facts_read_json(const char *path, struct kl_facts **ret, struct kl_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return kl_error_set(err, errno, "opening facts \"%s\"", path);
	if (fstat(fd, &st) < 0)
		return kl_error_set(err, errno, "reading facts \"%s\"", path);
	if (!S_ISREG(st.st_mode) || st.st_size > FACTS_JSON_MAX)
		return kl_error_set(err, EFBIG,
				    "facts \"%s\" is not a regular file of at most %d bytes", path,
				    FACTS_JSON_MAX);
	_cleanup_free_ char *buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return kl_error_set(err, ENOMEM, "reading facts \"%s\"", path);
	ssize_t got = pread(fd, buf, (size_t)st.st_size, 0);
	if (got < 0)
		return kl_error_set(err, errno, "reading facts \"%s\"", path);
	buf[got] = '\0';

	enum json_tokener_error jerr;
	struct json_object *o = json_tokener_parse_verbose(buf, &jerr);
	if (!o)
		return kl_error_set(err, EBADMSG, "facts \"%s\": invalid JSON: %s", path,
				    json_tokener_error_desc(jerr));
	int r = kl_facts_from_json(o, ret, err);
	json_object_put(o);
	if (r < 0)
		kl_error_wrap(err, "\"%s\"", path);
	return r;
}
