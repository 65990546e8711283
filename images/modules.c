/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "base/fs.h"
#include "modules.h"

struct module {
	char *name;
	char *path;  /* relative, as in modules.dep */
	char **deps; /* names */
	char **pre;  /* softdep pre: names */
};

struct kl_modules {
	char *dir;
	struct module *mods;
	size_t n;
	char **builtin; /* names */
	size_t nbuiltin;
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

static size_t strv_len(char **v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

void kl_modules_free(struct kl_modules *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->mods[i].name);
		free(m->mods[i].path);
		strv_free(m->mods[i].deps);
		strv_free(m->mods[i].pre);
	}
	free(m->mods);
	strv_free(m->builtin);
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

static struct module *find(const struct kl_modules *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (streq(m->mods[i].name, name))
			return &m->mods[i];
	return NULL;
}

int kl_modules_is_builtin(const struct kl_modules *m, const char *name)
{
	_cleanup_free_ char *n = strdup(name);
	if (!n)
		return 0;
	normalise(n);
	for (size_t i = 0; i < m->nbuiltin; i++)
		if (streq(m->builtin[i], n))
			return 1;
	return 0;
}

/* modules.dep: "kernel/a/b.ko: kernel/c.ko kernel/d.ko" */
static int parse_dep(struct kl_modules *m, char *text)
{
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		struct module *nm = reallocarray(m->mods, m->n + 1, sizeof(*nm));
		if (!nm)
			return -ENOMEM;
		m->mods = nm;
		struct module *mod = &m->mods[m->n++];
		*mod = (struct module){ .name = kl_module_name(line), .path = strdup(line) };
		if (!mod->name || !mod->path)
			return -ENOMEM;
		size_t nd = 0;
		char *s2 = NULL;
		for (char *d = strtok_r(colon + 1, " \t", &s2); d; d = strtok_r(NULL, " \t", &s2))
			if (strv_push(&mod->deps, &nd, kl_module_name(d)) < 0)
				return -ENOMEM;
	}
	return 0;
}

static int parse_builtin(struct kl_modules *m, char *text)
{
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strv_push(&m->builtin, &m->nbuiltin, kl_module_name(line)) < 0)
			return -ENOMEM;
	return 0;
}

/* modules.softdep: "softdep MOD pre: A B post: C" (only pre: matters for load order). */
static int parse_softdep(struct kl_modules *m, char *text)
{
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *s2 = NULL;
		char *w = strtok_r(line, " \t", &s2);
		if (!w || !streq(w, "softdep"))
			continue;
		char *modname = strtok_r(NULL, " \t", &s2);
		if (!modname)
			continue;
		normalise(modname);
		struct module *mod = find(m, modname);
		if (!mod)
			continue;
		int in_pre = 0;
		size_t np = strv_len(mod->pre);
		while ((w = strtok_r(NULL, " \t", &s2))) {
			if (streq(w, "pre:"))
				in_pre = 1;
			else if (streq(w, "post:"))
				in_pre = 0;
			else if (in_pre && strv_push(&mod->pre, &np, kl_module_name(w)) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

static int load_index(struct kl_modules *m, const char *file, int required,
		      int (*parse)(struct kl_modules *, char *), struct kl_error **err)
{
	_cleanup_free_ char *path = kl_path_join(m->dir, file);
	_cleanup_free_ char *text = NULL;
	if (!path)
		return kl_error_set(err, ENOMEM, "cannot read %s", file);
	if (!required && !kl_exists(path))
		return 0;
	int r = kl_read_file(path, &text, NULL, err);
	if (r < 0)
		return r;
	if (parse(m, text) < 0)
		return kl_error_set(err, ENOMEM, "cannot parse '%s'", path);
	return 0;
}

int kl_modules_load(const char *modules_dir, struct kl_modules **ret, struct kl_error **err)
{
	_cleanup_(kl_modules_freep) struct kl_modules *m = calloc(1, sizeof(*m));
	if (!m || !(m->dir = strdup(modules_dir)))
		return kl_error_set(err, ENOMEM, "cannot read modules of '%s'", modules_dir);
	int r = load_index(m, "modules.dep", 1, parse_dep, err);
	if (r < 0)
		return r;
	r = load_index(m, "modules.builtin", 0, parse_builtin, err);
	if (r < 0)
		return r;
	r = load_index(m, "modules.softdep", 0, parse_softdep, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(m);
	return 0;
}

struct walk {
	const struct kl_modules *m;
	char *state; /* per module: 0 unvisited, 1 in progress, 2 done */
	char **names, **paths;
	size_t n, np;
};

/* Depth-first, post-order: everything a module needs is emitted before it. */
static int visit(struct walk *w, const char *name, int soft, struct kl_error **err)
{
	const struct module *mod = find(w->m, name);
	if (!mod) {
		if (soft || kl_modules_is_builtin(w->m, name))
			return 0;
		return kl_error_set(
			err, 0,
			"module '%s' is neither built into the kernel nor listed in '%s/modules.dep'",
			name, w->m->dir);
	}
	size_t i = (size_t)(mod - w->m->mods);
	if (w->state[i])
		return 0; /* done, or a softdep cycle: break it here */
	w->state[i] = 1;
	for (char **p = mod->pre; p && *p; p++) {
		int r = visit(w, *p, 1, err);
		if (r < 0)
			return r;
	}
	for (char **d = mod->deps; d && *d; d++) {
		int r = visit(w, *d, 0, err);
		if (r < 0)
			return kl_error_wrap(err, "dependency of '%s'", mod->name);
	}
	w->state[i] = 2;
	if (strv_push(&w->names, &w->n, strdup(mod->name)) < 0 ||
	    strv_push(&w->paths, &w->np, strdup(mod->path)) < 0)
		return kl_error_set(err, ENOMEM, "cannot resolve module '%s'", name);
	return 0;
}

int kl_modules_closure(const struct kl_modules *m, const char *const *wanted, char ***ret_names,
		       char ***ret_paths, struct kl_error **err)
{
	_cleanup_free_ char *state = calloc(m->n + 1, 1);
	struct walk w = { .m = m, .state = state };
	int r = 0;
	if (!state)
		return kl_error_set(err, ENOMEM, "cannot resolve modules");
	for (const char *const *p = wanted; *p && r >= 0; p++) {
		_cleanup_free_ char *name = strdup(*p);
		if (!name) {
			r = kl_error_set(err, ENOMEM, "cannot resolve modules");
			break;
		}
		normalise(name);
		r = visit(&w, name, 0, err);
	}
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
