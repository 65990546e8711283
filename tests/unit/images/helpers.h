/* SPDX-License-Identifier: MIT */
/* Small helpers for the images unit tests: temporary trees and files. */
#pragma once

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>

#include "base/fs.h"
#include "base/spawn.h"
#include "kl-check.h"

static inline char *t_tmpdir(void)
{
	char *d = strdup("/tmp/kl-images-test.XXXXXX");
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static inline char *t_write(const char *dir, const char *rel, const char *content)
{
	char *p = kl_path_join(dir, rel);
	ck_assert_ptr_nonnull(p);
	char *parent = strdup(p);
	*strrchr(parent, '/') = '\0';
	ck_assert_int_eq(kl_mkdir_p(parent, 0755, NULL), 0);
	free(parent);
	FILE *f = fopen(p, "we");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	ck_assert_int_eq(fclose(f), 0);
	return p;
}

/* Run a shell command, return its stdout (malloc'ed). */
static inline char *t_sh(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	char *out = kl_check_read_all(f, NULL);
	ck_assert_int_eq(pclose(f), 0);
	return out;
}

/* data (len bytes) to path, through a libarchive filter (ARCHIVE_FILTER_XZ, _ZSTD, ...). */
static inline void t_write_filtered(const char *path, int filter, const void *data, size_t len)
{
	struct archive *a = archive_write_new();
	ck_assert_int_eq(archive_write_set_format_raw(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_add_filter(a, filter), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)len);
	ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_data(a, data, len), (la_ssize_t)len);
	archive_entry_free(e);
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

/*
 * A module for t_depmod_tree(): path under lib/modules/<release>/ (.ko, .ko.xz or .ko.zst),
 * the modules whose symbol it uses (names, space-separated: depmod derives modules.dep from
 * symbols), and its .modinfo entries ("softdep=pre: a b", "alias=x"; '\n'-separated).
 */
struct t_module {
	const char *path;
	const char *uses;
	const char *modinfo;
};

static inline void t_run(const char *const *argv)
{
	struct kl_error *e = NULL;
	int r = kl_spawn(argv, NULL, NULL, NULL, &e);
	ck_assert_msg(r == 0, "%s", e ? e->msg : "?");
}

/* Each module exports kl_sym_<name> and calls the symbols of the modules it uses. */
static inline void t_module_source(const struct t_module *m, const char *src)
{
	_cleanup_free_ char *name = strdup(strrchr(m->path, '/') + 1), *text = NULL;
	*strstr(name, ".ko") = '\0';
	for (char *p = name; *p; p++)
		if (*p == '-')
			*p = '_';
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	fprintf(f,
		"__attribute__((section(\"__ksymtab_strings\"), used)) static const char "
		"ks[] = \"kl_sym_%s\";\n",
		name);
	if (m->modinfo) {
		fprintf(f,
			"__attribute__((section(\".modinfo\"), used)) static const char mi[] = \"");
		for (const char *p = m->modinfo; *p; p++)
			fputs(*p == '\n' ? "\\0" : (char[]){ *p, 0 }, f);
		fprintf(f, "\";\n");
	}
	_cleanup_free_ char *uses = strdup(m->uses ? m->uses : "");
	_cleanup_free_ char *body = strdup("0");
	for (char *save = NULL, *u = strtok_r(uses, " ", &save); u;
	     u = strtok_r(NULL, " ", &save)) {
		char *nb;
		fprintf(f, "extern int kl_sym_%s(void);\n", u);
		ck_assert_int_ge(asprintf(&nb, "%s + kl_sym_%s()", body, u), 0);
		free(body);
		body = nb;
	}
	fprintf(f, "int kl_sym_%s(void) { return %s; }\n", name, body);
	fclose(f);
	ck_assert_int_eq(kl_write_file_atomic(src, text, len, 0644, NULL), 0);
}

/*
 * root/lib/modules/<release>/ made of real (tiny) module objects, compressed as their names
 * say, with modules.builtin (text, may be NULL), indexed by depmod -b root: the tree libkmod
 * reads. Returns the modules directory (malloc'ed).
 */
static inline char *t_depmod_tree(const char *root, const char *release,
				  const struct t_module *mods, size_t n, const char *builtin)
{
	char *dir = NULL;
	ck_assert_int_ge(asprintf(&dir, "%s/lib/modules/%s", root, release), 0);
	_cleanup_free_ char *src = kl_path_join(root, "src");
	ck_assert_int_eq(kl_mkdir_p(src, 0755, NULL), 0);
	/* One compiler run for all: "cc -c 0.c 1.c ..." leaves 0.o 1.o ... in src. */
	const char *argv[64] = { "cc", "-c", "-O0" };
	size_t k = 3;
	char names[32][16];
	ck_assert_uint_le(n, 32);
	for (size_t i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "%zu.c", i);
		_cleanup_free_ char *c = kl_path_join(src, names[i]);
		t_module_source(&mods[i], c);
		argv[k++] = names[i];
	}
	argv[k] = NULL;
	struct kl_error *e = NULL;
	ck_assert_msg(kl_spawn(argv, NULL, src, NULL, &e) == 0, "%s", e ? e->msg : "?");
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *path = kl_path_join(dir, mods[i].path), *obj = NULL;
		ck_assert_int_ge(asprintf(&obj, "%s/%zu.o", src, i), 0);
		free(t_write(dir, mods[i].path, ""));
		_cleanup_free_ char *data = NULL;
		size_t len = 0;
		ck_assert_int_eq(kl_read_file(obj, &data, &len, NULL), 0);
		size_t pl = strlen(path);
		int filter = pl > 3 && streq(path + pl - 3, ".xz")    ? ARCHIVE_FILTER_XZ
			     : pl > 4 && streq(path + pl - 4, ".zst") ? ARCHIVE_FILTER_ZSTD
								      : ARCHIVE_FILTER_NONE;
		unlink(path);
		t_write_filtered(path, filter, data, len);
	}
	kl_rm_rf(src);
	if (builtin)
		free(t_write(dir, "modules.builtin", builtin));
	const char *depmod = access("/usr/sbin/depmod", X_OK) == 0 ? "/usr/sbin/depmod"
			     : access("/sbin/depmod", X_OK) == 0   ? "/sbin/depmod"
								   : "depmod";
	const char *dargv[] = { depmod, "-b", root, release, NULL };
	t_run(dargv);
	return dir;
}
