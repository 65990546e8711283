/* SPDX-License-Identifier: MIT */
#include <libkmod.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "base/fs.h"
#include "modules.h"

/* libkmod's last error message: some failures (a dependency's file missing) are only said
 * there, while the call itself returns an empty list. */
struct kmod_log {
	char *last;
};

struct kl_modules {
	struct kmod_ctx *ctx;
	char *dir; /* the modules directory as libkmod spells it, with a trailing '/' */
	struct kmod_log *log;
};

static void kmod_unrefp(struct kmod_ctx **c)
{
	if (*c)
		kmod_unref(*c);
}

static void module_unrefp(struct kmod_module **m)
{
	if (*m)
		kmod_module_unref(*m);
}

static void list_unrefp(struct kmod_list **l)
{
	if (*l)
		kmod_module_unref_list(*l);
}

/* Library code never prints: libkmod's errors are kept for our message instead. */
static void keep_error(void *data, int priority, const char *file, int line, const char *fn,
		       const char *format, va_list args)
{
	struct kmod_log *log = data;
	char *msg = NULL;
	if (priority > LOG_ERR || vasprintf(&msg, format, args) < 0)
		return;
	size_t len = strlen(msg);
	while (len > 0 && msg[len - 1] == '\n')
		msg[--len] = '\0';
	free(log->last);
	log->last = msg;
}

static void log_clear(struct kmod_log *log)
{
	free(log->last);
	log->last = NULL;
}

void kl_modules_free(struct kl_modules *m)
{
	if (!m)
		return;
	kmod_unrefp(&m->ctx);
	if (m->log)
		log_clear(m->log);
	free(m->log);
	free(m->dir);
	free(m);
}

static void normalise(char *name)
{
	for (char *p = name; *p; p++)
		if (*p == '-')
			*p = '_';
}

char *kl_module_name(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const char *ko = strstr(base, ".ko");
	char *name = ko ? strndup(base, (size_t)(ko - base)) : strdup(base);
	if (name)
		normalise(name);
	return name;
}

int kl_modules_load(const char *modules_dir, struct kl_modules **ret, struct kl_error **err)
{
	_cleanup_free_ char *index = kl_path_join(modules_dir, "modules.dep.bin");
	if (!index)
		return kl_error_set(err, ENOMEM, "cannot read modules of '%s'", modules_dir);
	if (!kl_exists(index))
		return kl_error_set(err, ENOENT, "cannot read '%s' (run depmod for this tree)",
				    index);
	/* No configuration: the host's modprobe.d must not change what a guest loads.
	 * libkmod still reads the tree's own modules.softdep. */
	static const char *const no_config[] = { NULL };
	_cleanup_(kl_modules_freep) struct kl_modules *m = calloc(1, sizeof(*m));
	if (!m || !(m->log = calloc(1, sizeof(*m->log))) ||
	    !(m->ctx = kmod_new(modules_dir, no_config)))
		return kl_error_set(err, ENOMEM, "cannot read modules of '%s'", modules_dir);
	kmod_set_log_fn(m->ctx, keep_error, m->log);
	kmod_set_log_priority(m->ctx, LOG_ERR);
	if (asprintf(&m->dir, "%s/", kmod_get_dirname(m->ctx)) < 0) {
		m->dir = NULL;
		return kl_error_set(err, ENOMEM, "cannot read modules of '%s'", modules_dir);
	}
	*ret = TAKE_PTR(m);
	return 0;
}

/* The module file of mod, or NULL when it has none (built in, or not in modules.dep). */
static const char *module_path(struct kmod_module *mod)
{
	return kmod_module_get_path(mod);
}

static bool builtin(struct kmod_module *mod)
{
	/* Asked only of a module without a file: libkmod answers from modules.builtin.bin
	 * then, never from the running host's /sys/module. */
	return !module_path(mod) && kmod_module_get_initstate(mod) == KMOD_MODULE_BUILTIN;
}

/* By name only, as modules.dep and modules.builtin spell it ('-' and '_' alike). */
static int lookup(const struct kl_modules *m, const char *name, struct kmod_module **ret)
{
	_cleanup_free_ char *n = strdup(name);
	if (!n)
		return -ENOMEM;
	normalise(n);
	*ret = NULL;
	int r = kmod_module_new_from_name_lookup(m->ctx, n, ret);
	return r < 0 ? r : 0;
}

int kl_modules_is_builtin(const struct kl_modules *m, const char *name)
{
	_cleanup_(module_unrefp) struct kmod_module *mod = NULL;
	if (lookup(m, name, &mod) < 0 || !mod)
		return 0;
	return builtin(mod);
}

struct walk {
	const struct kl_modules *m;
	char **seen; /* names visited (in progress or done) */
	size_t nseen;
	char **names, **paths;
	size_t n, np;
};

static int strv_push(char ***v, size_t *n, char *s)
{
	if (!s)
		return -ENOMEM;
	char **nv = reallocarray(*v, *n + 2, sizeof(char *));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

static bool seen(const struct walk *w, const char *name)
{
	for (size_t i = 0; i < w->nseen; i++)
		if (streq(w->seen[i], name))
			return true;
	return false;
}

static int visit(struct walk *w, struct kmod_module *mod, struct kl_error **err);

/*
 * Each module of list; soft ones (softdep pre:) may be missing. libkmod builds a module's
 * dependency list by prepending, so reversed walks it in modules.dep's own order.
 */
static int visit_list(struct walk *w, struct kmod_list *list, bool reversed, const char *of,
		      struct kl_error **err)
{
	for (struct kmod_list *l = reversed ? kmod_list_last(list) : list; l;
	     l = reversed ? kmod_list_prev(list, l) : kmod_list_next(list, l)) {
		_cleanup_(module_unrefp) struct kmod_module *dep = kmod_module_get_module(l);
		int r = visit(w, dep, err);
		if (r < 0)
			return of ? kl_error_wrap(err, "dependency of '%s'", of) : r;
	}
	return 0;
}

/* Depth-first, post-order: everything a module needs is emitted before it. */
static int visit(struct walk *w, struct kmod_module *mod, struct kl_error **err)
{
	const char *name = kmod_module_get_name(mod), *path = module_path(mod);
	if (seen(w, name))
		return 0; /* done, or a softdep cycle: break it here */
	if (!path)
		return 0; /* built in: needs no file (missing ones never get here) */
	if (strv_push(&w->seen, &w->nseen, strdup(name)) < 0)
		return kl_error_set(err, ENOMEM, "cannot resolve module '%s'", name);
	if (access(path, R_OK) < 0)
		return kl_error_set(err, errno, "module '%s': cannot read '%s'", name, path);
	_cleanup_(list_unrefp) struct kmod_list *pre = NULL, *post = NULL;
	int r = kmod_module_get_softdeps(mod, &pre, &post);
	if (r < 0)
		return kl_error_set(err, -r, "cannot read the soft dependencies of '%s'", name);
	if ((r = visit_list(w, pre, false, NULL, err)) < 0)
		return r;
	log_clear(w->m->log);
	_cleanup_(list_unrefp) struct kmod_list *deps = kmod_module_get_dependencies(mod);
	if (w->m->log->last) {
		/* e.g. "ctx=0x... path=/x/missing.ko error=No such file or directory" */
		const char *said = strstr(w->m->log->last, "path=");
		return kl_error_set(err, ENOENT, "cannot resolve the dependencies of '%s': %s",
				    name, said ? said : w->m->log->last);
	}
	if ((r = visit_list(w, deps, true, name, err)) < 0)
		return r;
	const char *rel = startswith(path, w->m->dir) ? path + strlen(w->m->dir) : path;
	if (strv_push(&w->names, &w->n, strdup(name)) < 0 ||
	    strv_push(&w->paths, &w->np, strdup(rel)) < 0)
		return kl_error_set(err, ENOMEM, "cannot resolve module '%s'", name);
	return 0;
}

static int visit_wanted(struct walk *w, const char *name, struct kl_error **err)
{
	_cleanup_(module_unrefp) struct kmod_module *mod = NULL;
	int r = lookup(w->m, name, &mod);
	if (r < 0)
		return kl_error_set(err, -r, "cannot look up module '%s'", name);
	if (!mod || (!module_path(mod) && !builtin(mod)))
		return kl_error_set(
			err, 0,
			"module '%s' is neither built into the kernel nor listed in '%smodules.dep'",
			name, w->m->dir);
	return visit(w, mod, err);
}

int kl_modules_closure(const struct kl_modules *m, const char *const *wanted, char ***ret_names,
		       char ***ret_paths, struct kl_error **err)
{
	struct walk w = { .m = m };
	int r = 0;
	for (const char *const *p = wanted; *p && r >= 0; p++)
		r = visit_wanted(&w, *p, err);
	strv_free(w.seen);
	if (r >= 0 && (!w.names || !w.paths)) {
		/* Everything built in: two empty lists. */
		w.names = w.names ? w.names : calloc(1, sizeof(char *));
		w.paths = w.paths ? w.paths : calloc(1, sizeof(char *));
		if (!w.names || !w.paths)
			r = kl_error_set(err, ENOMEM, "cannot resolve modules");
	}
	if (r < 0) {
		strv_free(w.names);
		strv_free(w.paths);
		return r;
	}
	*ret_names = w.names;
	*ret_paths = w.paths;
	return 0;
}
