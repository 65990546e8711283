/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/fs.h"
#include "base/spawn.h"
#include "debian.h"
#include "debversion.h"
#include "hash.h"

#define KEYRING	      "/usr/share/keyrings/debian-archive-keyring.gpg"
#define LISTS_MAX_AGE (24 * 60 * 60)
/* After a failed refresh, older lists are used without retrying for this long. */
#define RETRY_AFTER (60 * 60)
#define METAPACKAGE "linux-image-cloud-amd64"

/*
 * Kernel updates reach a stable suite through its point releases (SUITE) and through
 * SUITE-security, so both are searched; backports carries its own kernels.
 */
static const struct kl_debian_suite suites[] = {
	{ .name = "bookworm",
	  .sources = { "http://deb.debian.org/debian bookworm main",
		       "http://deb.debian.org/debian-security bookworm-security main" } },
	{ .name = "bookworm-backports",
	  .sources = { "http://deb.debian.org/debian bookworm-backports main" } },
	{ .name = "trixie",
	  .sources = { "http://deb.debian.org/debian trixie main",
		       "http://deb.debian.org/debian-security trixie-security main" } },
	{ .name = "trixie-backports",
	  .sources = { "http://deb.debian.org/debian trixie-backports main" } },
};

static bool endswith(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && streq(s + n - m, suffix);
}

const struct kl_debian_suite *kl_debian_suite_find(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(suites); i++)
		if (streq(suites[i].name, name))
			return &suites[i];
	return NULL;
}

void kl_debian_package_clear(struct kl_debian_package *p)
{
	free(p->name);
	free(p->version);
	free(p->sha256);
	*p = (struct kl_debian_package){ 0 };
}

void kl_debian_kernel_clear(struct kl_debian_kernel *k)
{
	free(k->name);
	free(k->version);
	for (size_t i = 0; i < k->n_parts; i++)
		kl_debian_package_clear(&k->parts[i]);
	*k = (struct kl_debian_kernel){ 0 };
}

char *kl_debian_depends_find(const char *depends, const char *prefix)
{
	/* "a (>= 1) | b, c (= 2)": names end at a space, '(', ':' (arch) or the separators. */
	for (const char *p = depends; p && *p;) {
		p += strspn(p, " \t,|");
		size_t len = strcspn(p, " \t,|(:");
		if (len > strlen(prefix) && strncmp(p, prefix, strlen(prefix)) == 0)
			return strndup(p, len);
		p += len;
		p += strcspn(p, ",|");
	}
	return NULL;
}

/* The private apt tree of one suite and the -o options that select it. */
struct apt {
	char *dir;
	char *sources; /* sources.list text */
	char *opts[24];
	size_t nopts;
};

static void apt_clear(struct apt *a)
{
	free(a->dir);
	free(a->sources);
	for (size_t i = 0; i < a->nopts; i++)
		free(a->opts[i]);
}

static int apt_opt_raw(struct apt *a, const char *key, const char *value)
{
	char *o;
	if (a->nopts + 2 > ELEMENTSOF(a->opts) || asprintf(&o, "%s=%s", key, value) < 0)
		return -ENOMEM;
	a->opts[a->nopts++] = strdup("-o");
	a->opts[a->nopts++] = o;
	return a->opts[a->nopts - 2] ? 0 : -ENOMEM;
}

/* key=<our apt dir>/sub */
static int apt_opt(struct apt *a, const char *key, const char *sub)
{
	_cleanup_free_ char *path = kl_path_join(a->dir, sub);
	return path ? apt_opt_raw(a, key, path) : -ENOMEM;
}

static int apt_setup(const char *cache_dir, const struct kl_debian_suite *s, struct apt *a,
		     struct kl_error **err)
{
	if (asprintf(&a->dir, "%s/apt/%s", cache_dir, s->name) < 0)
		return kl_error_set(err, ENOMEM, "cannot set up apt for '%s'", s->name);
	static const char *const dirs[] = { "sources.list.d", "preferences.d",
					    "state/lists/partial", "cache/archives/partial" };
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		_cleanup_free_ char *d = kl_path_join(a->dir, dirs[i]);
		int r = d ? kl_mkdir_p(d, 0755, err) : -ENOMEM;
		if (r < 0)
			return r;
	}
	char *text = strdup("");
	for (size_t i = 0; text && s->sources[i]; i++) {
		char *n;
		if (asprintf(&n, "%sdeb [signed-by=%s] %s\n", text, KEYRING, s->sources[i]) < 0)
			n = NULL;
		free(text);
		text = n;
	}
	if (!(a->sources = text))
		return kl_error_set(err, ENOMEM, "cannot set up apt for '%s'", s->name);
	_cleanup_free_ char *list = kl_path_join(a->dir, "sources.list");
	_cleanup_free_ char *status = kl_path_join(a->dir, "state/status");
	if (!list || !status)
		return kl_error_set(err, ENOMEM, "cannot set up apt for '%s'", s->name);
	int r = kl_write_file_atomic(list, text, strlen(text), 0644, err);
	if (r < 0)
		return r;
	/* An empty dpkg status: the host's installed packages must not influence the choice. */
	if (!kl_exists(status) && (r = kl_write_file_atomic(status, "", 0, 0644, err)) < 0)
		return r;
	if (apt_opt(a, "Dir::Etc::sourcelist", "sources.list") < 0 ||
	    apt_opt(a, "Dir::Etc::sourceparts", "sources.list.d") < 0 ||
	    apt_opt(a, "Dir::Etc::preferences", "preferences") < 0 ||
	    apt_opt(a, "Dir::Etc::preferencesparts", "preferences.d") < 0 ||
	    apt_opt(a, "Dir::State", "state") < 0 ||
	    apt_opt(a, "Dir::State::status", "state/status") < 0 ||
	    apt_opt(a, "Dir::Cache", "cache") < 0 ||
	    apt_opt(a, "Dir::Cache::pkgcache", "cache/pkgcache.bin") < 0 ||
	    apt_opt(a, "Dir::Cache::srcpkgcache", "cache/srcpkgcache.bin") < 0)
		return kl_error_set(err, ENOMEM, "cannot set up apt for '%s'", s->name);
	/* As root apt drops to _apt for downloads, which cannot write into a private cache. */
	if (geteuid() == 0 && apt_opt_raw(a, "APT::Sandbox::User", "root") < 0)
		return kl_error_set(err, ENOMEM, "cannot set up apt for '%s'", s->name);
	return 0;
}

/* The suite's private apt tree, set up and locked (one apt run per suite at a time). */
static int apt_open(const char *cache_dir, const char *suite, int *ret_lock, struct apt *a,
		    struct kl_error **err)
{
	const struct kl_debian_suite *s = kl_debian_suite_find(suite);
	if (!s)
		return kl_error_usage(err, EINVAL, "unknown Debian suite '%s' (known suites: %s)",
				      suite, KL_DEBIAN_SUITES);
	_cleanup_free_ char *key = NULL;
	if (asprintf(&key, "apt-%s", suite) < 0)
		return kl_error_set(err, ENOMEM, "cannot set up apt for '%s'", suite);
	int r = kl_cache_lock(cache_dir, key, ret_lock, err);
	if (r < 0)
		return r;
	return apt_setup(cache_dir, s, a, err);
}

/* argv = tool, our options, then args (NULL-terminated). */
static int apt_run(struct apt *a, const char *tool, const char *const *args, const char *cwd,
		   char **ret_out, struct kl_error **err)
{
	const char *argv[48];
	size_t n = 0;
	argv[n++] = tool;
	argv[n++] = "-q";
	for (size_t i = 0; i < a->nopts; i++)
		argv[n++] = a->opts[i];
	for (size_t i = 0; args[i] && n < ELEMENTSOF(argv) - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	/* The -o options are long and always the same: name the private tree instead. */
	_cleanup_free_ char *what = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&what, &len);
	if (f) {
		fprintf(f, "%s (apt tree %s)", tool, a->dir);
		for (size_t i = 0; args[i]; i++)
			fprintf(f, " %s", args[i]);
		fclose(f);
	}
	return kl_spawn(argv, what, cwd, ret_out, err);
}

static char *stamp_path(struct apt *a)
{
	return kl_path_join(a->dir, "updated");
}

/* Lists are fresh when updated today from the same sources.list. */
static int lists_fresh(struct apt *a, time_t *ret_mtime)
{
	_cleanup_free_ char *stamp = stamp_path(a);
	_cleanup_free_ char *text = NULL;
	struct stat st;
	if (!stamp || stat(stamp, &st) < 0 || kl_read_file(stamp, &text, NULL, NULL) < 0)
		return 0;
	*ret_mtime = st.st_mtime;
	time_t now = time(NULL);
	return streq(text, a->sources) && st.st_mtime <= now && now - st.st_mtime < LISTS_MAX_AGE;
}

/* Lists from the same sources.list exist, of any age. */
static int lists_fresh_enough(struct apt *a)
{
	_cleanup_free_ char *stamp = stamp_path(a);
	_cleanup_free_ char *text = NULL;
	return stamp && kl_read_file(stamp, &text, NULL, NULL) == 0 && streq(text, a->sources);
}

static int failed_recently(struct apt *a)
{
	_cleanup_free_ char *path = kl_path_join(a->dir, "update-failed");
	struct stat st;
	time_t now = time(NULL);
	return path && stat(path, &st) == 0 && st.st_mtime <= now &&
	       now - st.st_mtime < RETRY_AFTER;
}

static int apt_update(struct apt *a, const char *suite, const struct kl_progress *p,
		      struct kl_error **err)
{
	time_t mtime;
	_cleanup_free_ char *failed = kl_path_join(a->dir, "update-failed");
	if (!failed)
		return kl_error_set(err, ENOMEM, "cannot update apt lists");
	if (lists_fresh(a, &mtime) || (failed_recently(a) && lists_fresh_enough(a)))
		return 0;
	kl_progress(p, "apt-get update for %s", suite);
	_cleanup_error_ struct kl_error *e = NULL;
	/* Without Error-Mode=any a list that failed to download is only a warning (exit 0). */
	static const char *const args[] = { "-o", "APT::Update::Error-Mode=any", "update", NULL };
	int r = apt_run(a, "apt-get", args, NULL, NULL, &e);
	_cleanup_free_ char *stamp = stamp_path(a);
	if (!stamp)
		return kl_error_set(err, ENOMEM, "cannot update apt lists");
	if (r < 0) {
		/* Offline with lists from an earlier day: use them, and say so. */
		if (kl_exists(stamp)) {
			kl_progress(p, "apt-get update for %s failed, using older lists: %s", suite,
				    e->msg);
			return kl_write_file_atomic(failed, "", 0, 0644, err);
		}
		*err = TAKE_PTR(e);
		return kl_error_wrap(err, "cannot fetch the package lists of Debian suite '%s'",
				     suite);
	}
	unlink(failed);
	return kl_write_file_atomic(stamp, a->sources, strlen(a->sources), 0644, err);
}

/*
 * Parse "apt-cache show" stanzas of package and keep the one with the highest Version, or the
 * one whose Version is exact when exact is given.
 */
static int newest_stanza(char *text, const char *package, const char *exact, char **ret_version,
			 char **ret_depends, char **ret_sha256)
{
	_cleanup_free_ char *best = NULL, *best_dep = NULL, *best_sha = NULL;
	char *save = NULL;
	char *pkg = NULL, *ver = NULL, *dep = NULL, *sha = NULL;
	for (char *line = strtok_r(text, "\n", &save);; line = strtok_r(NULL, "\n", &save)) {
		if (line && startswith(line, "Package: "))
			pkg = line + 9;
		else if (line && startswith(line, "Version: "))
			ver = line + 9;
		else if (line && startswith(line, "Depends: "))
			dep = line + 9;
		else if (line && startswith(line, "SHA256: "))
			sha = line + 8;
		/* strtok_r skips blank lines, so a stanza ends at the next Package: or the end */
		char *next = line ? save : NULL;
		while (next && *next == '\n')
			next++;
		int end = !line || (next && startswith(next, "Package: "));
		if (!end)
			continue;
		if (pkg && ver && streq(pkg, package) && (!exact || streq(ver, exact)) &&
		    (!best || kl_debversion_compare(ver, best) > 0)) {
			free(best);
			free(best_dep);
			free(best_sha);
			best = strdup(ver);
			best_dep = dep ? strdup(dep) : NULL;
			best_sha = sha ? strdup(sha) : NULL;
			if (!best)
				return -ENOMEM;
		}
		pkg = ver = dep = sha = NULL;
		if (!line)
			break;
	}
	if (!best)
		return -ENOENT;
	*ret_version = TAKE_PTR(best);
	*ret_depends = TAKE_PTR(best_dep);
	*ret_sha256 = TAKE_PTR(best_sha);
	return 0;
}

/* The package's stanza (newest, or version exact); -ENOENT without an error when apt has none. */
static int show_stanza(struct apt *a, const char *package, const char *exact, char **ret_version,
		       char **ret_depends, char **ret_sha256, struct kl_error **err)
{
	_cleanup_free_ char *out = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	const char *args[] = { "show", package, NULL };
	int r = apt_run(a, "apt-cache", args, NULL, &out, &e);
	if (r < 0 && e && strstr(e->msg, "No packages found"))
		return -ENOENT;
	if (r < 0) {
		*err = TAKE_PTR(e);
		return r;
	}
	r = newest_stanza(out, package, exact, ret_version, ret_depends, ret_sha256);
	if (r == -ENOENT)
		return r;
	if (r < 0)
		return kl_error_set(err, -r, "cannot read apt's record of '%s'", package);
	return 0;
}

static int show_newest(struct apt *a, const char *suite, const char *package, char **ret_version,
		       char **ret_depends, char **ret_sha256, struct kl_error **err)
{
	int r = show_stanza(a, package, NULL, ret_version, ret_depends, ret_sha256, err);
	if (r == -ENOENT)
		return kl_error_usage(err, 0, "Debian package '%s' does not exist in suite '%s'",
				      package, suite);
	return r;
}

/* One package of the kernel at exactly version, with the SHA-256 the archive's index gives. */
static int resolve_part(struct apt *a, const char *suite, const char *name, const char *version,
			struct kl_debian_package *ret, struct kl_error **err)
{
	_cleanup_free_ char *v = NULL, *dep = NULL, *sha = NULL;
	int r = show_stanza(a, name, version, &v, &dep, &sha, err);
	if (r == -ENOENT)
		return kl_error_set(err, 0,
				    "Debian package '%s' version '%s' does not exist in suite '%s'",
				    name, version, suite);
	if (r < 0)
		return r;
	if (!sha || strlen(sha) != KL_SHA256_HEX_LEN)
		return kl_error_set(err, 0, "apt has no SHA256 for '%s' %s", name, v);
	if (!(ret->name = strdup(name))) {
		kl_debian_package_clear(ret);
		return kl_error_set(err, ENOMEM, "cannot resolve '%s'", name);
	}
	ret->version = TAKE_PTR(v);
	ret->sha256 = TAKE_PTR(sha);
	return 0;
}

/*
 * From 7.x linux-image-REL (depends) is a meta package: the kernel is linux-binary-REL, whose
 * linux-binary-unsigned-REL twin we prefer as with linux-image-REL-unsigned before,
 * linux-modules-REL and linux-base-REL, all at the meta package's version.
 */
static int resolve_split(struct apt *a, const char *suite, const char *depends,
			 struct kl_debian_kernel *k, struct kl_error **err)
{
	_cleanup_free_ char *binary = kl_debian_depends_find(depends, "linux-binary-");
	_cleanup_free_ char *modules = kl_debian_depends_find(depends, "linux-modules-");
	_cleanup_free_ char *base = kl_debian_depends_find(depends, "linux-base-");
	if (!binary || !modules || !base)
		return kl_error_set(
			err, 0,
			"'%s' %s depends on '%s' but not on linux-modules-* and linux-base-*",
			k->name, k->version, binary);
	_cleanup_free_ char *unsigned_binary = NULL;
	if (asprintf(&unsigned_binary, "linux-binary-unsigned-%s",
		     binary + strlen("linux-binary-")) < 0)
		return kl_error_set(err, ENOMEM, "cannot resolve '%s'", k->name);
	_cleanup_error_ struct kl_error *e = NULL;
	int r = resolve_part(a, suite, unsigned_binary, k->version, &k->parts[0], &e);
	if (r < 0 && r != -ENOMEM)
		r = resolve_part(a, suite, binary, k->version, &k->parts[0], err);
	k->n_parts = r >= 0;
	if (r >= 0 && (r = resolve_part(a, suite, modules, k->version, &k->parts[1], err)) >= 0)
		k->n_parts++;
	if (r >= 0 && (r = resolve_part(a, suite, base, k->version, &k->parts[2], err)) >= 0)
		k->n_parts++;
	return r;
}

/*
 * The kernel package to use: package, else the -unsigned twin of the linux-image-* package the
 * suite's metapackage depends on. A linux-image-REL-unsigned that does not exist (7.x has none)
 * falls back to linux-image-REL.
 */
static int resolve_now(struct apt *a, const char *suite, const char *package,
		       struct kl_debian_kernel *ret, struct kl_error **err)
{
	_cleanup_free_ char *image = NULL, *want = NULL;
	if (package) {
		want = strdup(package);
		if (endswith(package, "-unsigned"))
			image = strndup(package, strlen(package) - strlen("-unsigned"));
	} else {
		_cleanup_free_ char *v = NULL, *dep = NULL, *sha = NULL;
		int r = show_newest(a, suite, METAPACKAGE, &v, &dep, &sha, err);
		if (r < 0)
			return r;
		if (!dep || !(image = kl_debian_depends_find(dep, "linux-image-")))
			return kl_error_set(err, 0,
					    "'%s' %s in suite '%s' has no linux-image-* dependency",
					    METAPACKAGE, v, suite);
		if (asprintf(&want, "%s-unsigned", image) < 0)
			want = NULL;
	}
	if (!want || (endswith(want, "-unsigned") && !image))
		return kl_error_set(err, ENOMEM, "cannot resolve a kernel in '%s'", suite);
	_cleanup_free_ char *v = NULL, *dep = NULL, *sha = NULL;
	int r = show_stanza(a, want, NULL, &v, &dep, &sha, err);
	if (r == -ENOENT && image) {
		free(want);
		want = TAKE_PTR(image);
		r = show_stanza(a, want, NULL, &v, &dep, &sha, err);
	}
	if (r == -ENOENT)
		return kl_error_usage(err, 0, "Debian package '%s' does not exist in suite '%s'",
				      package ? package : want, suite);
	if (r < 0)
		return r;
	struct kl_debian_kernel k = { .name = TAKE_PTR(want), .version = TAKE_PTR(v) };
	_cleanup_free_ char *binary = dep ? kl_debian_depends_find(dep, "linux-binary-") : NULL;
	if (binary)
		r = resolve_split(a, suite, dep, &k, err);
	else if (!sha || strlen(sha) != KL_SHA256_HEX_LEN)
		r = kl_error_set(err, 0, "apt has no SHA256 for '%s' %s", k.name, k.version);
	else if (!(k.parts[0].name = strdup(k.name)) || !(k.parts[0].version = strdup(k.version)))
		r = kl_error_set(err, ENOMEM, "cannot resolve a kernel in '%s'", suite);
	else {
		k.parts[0].sha256 = TAKE_PTR(sha);
		k.n_parts = 1;
	}
	if (r < 0) {
		k.n_parts = ELEMENTSOF(k.parts); /* clear whatever was filled */
		kl_debian_kernel_clear(&k);
		return r;
	}
	*ret = k;
	return 0;
}

/*
 * The resolution memo: package, version and sha256 for one package (the format from before
 * 7.x); package, version and partN=NAME SHA256 (N from 1) for a split kernel.
 */
static int memo_write(const char *path, const struct kl_debian_kernel *k, struct kl_error **err)
{
	const char *pairs[2 * (3 + KL_DEBIAN_PARTS_MAX) + 1] = { "package", k->name, "version",
								 k->version };
	size_t n = 4;
	char *vals[KL_DEBIAN_PARTS_MAX] = { 0 };
	int r = 0;
	static const char *const keys[] = { "part1", "part2", "part3" };
	_Static_assert(ELEMENTSOF(keys) == KL_DEBIAN_PARTS_MAX, "one key per part");
	if (k->n_parts == 1 && streq(k->parts[0].name, k->name)) {
		pairs[n++] = "sha256";
		pairs[n++] = k->parts[0].sha256;
	} else
		for (size_t i = 0; i < k->n_parts && r >= 0; i++) {
			if (asprintf(&vals[i], "%s %s", k->parts[i].name, k->parts[i].sha256) < 0) {
				vals[i] = NULL;
				r = kl_error_set(err, ENOMEM, "cannot write '%s'", path);
			}
			pairs[n++] = keys[i];
			pairs[n++] = vals[i];
		}
	pairs[n] = NULL;
	if (r >= 0)
		r = kl_kv_write(path, pairs, err);
	for (size_t i = 0; i < KL_DEBIAN_PARTS_MAX; i++)
		free(vals[i]);
	return r;
}

/* 0 with *ret filled, -ENOENT when the memo is incomplete or malformed (resolve again). */
static int memo_read(char *const *kv, struct kl_debian_kernel *ret)
{
	const char *name = kl_kv_get(kv, "package"), *version = kl_kv_get(kv, "version");
	if (!name || !version)
		return -ENOENT;
	struct kl_debian_kernel k = { .name = strdup(name), .version = strdup(version) };
	const char *sha = kl_kv_get(kv, "sha256");
	static const char *const keys[] = { "part1", "part2", "part3" };
	int r = k.name && k.version ? 0 : -ENOMEM;
	if (r >= 0 && sha) {
		k.parts[0] =
			(struct kl_debian_package){ strdup(name), strdup(version), strdup(sha) };
		k.n_parts = 1;
	}
	for (size_t i = 0; r >= 0 && !sha && i < KL_DEBIAN_PARTS_MAX && kl_kv_get(kv, keys[i]);
	     i++) {
		const char *v = kl_kv_get(kv, keys[i]), *sp = strchr(v, ' ');
		if (!sp || strlen(sp + 1) != KL_SHA256_HEX_LEN) {
			r = -ENOENT;
			break;
		}
		k.parts[i] = (struct kl_debian_package){ strndup(v, (size_t)(sp - v)),
							 strdup(version), strdup(sp + 1) };
		k.n_parts++;
	}
	for (size_t i = 0; r >= 0 && i < k.n_parts; i++)
		if (!k.parts[i].name || !k.parts[i].version || !k.parts[i].sha256)
			r = -ENOMEM;
	if (r >= 0 && k.n_parts == 0)
		r = -ENOENT;
	if (r < 0) {
		kl_debian_kernel_clear(&k);
		return r;
	}
	*ret = k;
	return 0;
}

int kl_debian_resolve(const char *cache_dir, const char *suite, const char *package,
		      const struct kl_progress *progress, struct kl_debian_kernel *ret,
		      struct kl_error **err)
{
	_cleanup_close_ int lock = -1;
	struct apt a = { 0 };
	int r = apt_open(cache_dir, suite, &lock, &a, err);
	if (r >= 0)
		r = apt_update(&a, suite, progress, err);
	/* A resolution made after the last update is still the answer: no apt-cache run. */
	_cleanup_free_ char *memo = NULL;
	if (r >= 0 && asprintf(&memo, "%s/resolved-%s", a.dir, package ? package : "default") < 0)
		r = kl_error_set(err, ENOMEM, "cannot resolve a kernel in '%s'", suite);
	_cleanup_free_ char *stamp = r >= 0 ? stamp_path(&a) : NULL;
	struct stat sm, ss;
	_cleanup_strv_free_ char **kv = NULL;
	if (r >= 0 && stamp && stat(memo, &sm) == 0 && stat(stamp, &ss) == 0 &&
	    sm.st_mtime >= ss.st_mtime && kl_kv_read(memo, &kv, NULL) == 0) {
		int m = memo_read(kv, ret);
		if (m == 0 || m == -ENOMEM) {
			apt_clear(&a);
			return m == 0 ? 0
				      : kl_error_set(err, ENOMEM, "cannot resolve a kernel in '%s'",
						     suite);
		}
	}
	struct kl_debian_kernel k = { 0 };
	if (r >= 0)
		r = resolve_now(&a, suite, package, &k, err);
	if (r >= 0)
		r = memo_write(memo, &k, err);
	apt_clear(&a);
	if (r < 0) {
		kl_debian_kernel_clear(&k);
		return r;
	}
	*ret = k;
	return 0;
}

int kl_debian_show(const char *cache_dir, const char *suite, const char *package,
		   const struct kl_progress *progress, struct kl_debian_package *ret,
		   char **ret_depends, struct kl_error **err)
{
	_cleanup_close_ int lock = -1;
	struct apt a = { 0 };
	_cleanup_free_ char *v = NULL, *dep = NULL, *sha = NULL;
	int r = apt_open(cache_dir, suite, &lock, &a, err);
	if (r >= 0)
		r = apt_update(&a, suite, progress, err);
	if (r >= 0)
		r = show_newest(&a, suite, package, &v, &dep, &sha, err);
	apt_clear(&a);
	if (r < 0)
		return r;
	if (!sha || strlen(sha) != KL_SHA256_HEX_LEN)
		return kl_error_set(err, 0, "apt has no SHA256 for '%s' %s", package, v);
	if (!(ret->name = strdup(package)) || !(*ret_depends = strdup(dep ? dep : ""))) {
		kl_debian_package_clear(ret);
		return kl_error_set(err, ENOMEM, "cannot resolve '%s'", package);
	}
	ret->version = TAKE_PTR(v);
	ret->sha256 = TAKE_PTR(sha);
	return 0;
}

static int find_deb(const char *dir, char **ret, struct kl_error **err)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return kl_error_set(err, errno, "cannot read '%s'", dir);
	for (struct dirent *de; (de = readdir(d));) {
		size_t l = strlen(de->d_name);
		if (l > 4 && streq(de->d_name + l - 4, ".deb")) {
			*ret = kl_path_join(dir, de->d_name);
			return *ret ? 0 : kl_error_set(err, ENOMEM, "cannot read '%s'", dir);
		}
	}
	return kl_error_set(err, ENOENT, "apt-get download left no .deb in '%s'", dir);
}

int kl_debian_download(const char *cache_dir, const char *suite,
		       const struct kl_debian_package *pkg, const char *dest_dir, char **ret_deb,
		       struct kl_error **err)
{
	_cleanup_close_ int lock = -1;
	_cleanup_free_ char *what = NULL, *deb = NULL;
	if (asprintf(&what, "%s=%s", pkg->name, pkg->version) < 0)
		return kl_error_set(err, ENOMEM, "cannot download '%s'", pkg->name);
	struct apt a = { 0 };
	int r = apt_open(cache_dir, suite, &lock, &a, err);
	const char *args[] = { "download", what, NULL };
	if (r >= 0)
		r = apt_run(&a, "apt-get", args, dest_dir, NULL, err);
	apt_clear(&a);
	if (r < 0)
		return kl_error_wrap(
			err, "cannot download Debian package '%s' version '%s' from suite '%s'",
			pkg->name, pkg->version, suite);
	r = find_deb(dest_dir, &deb, err);
	if (r < 0)
		return r;
	char sum[KL_SHA256_HEX_LEN + 1];
	r = kl_sha256_file(deb, sum, err);
	if (r < 0)
		return r;
	if (!streq(sum, pkg->sha256))
		return kl_error_set(err, 0, "'%s' has SHA-256 %s, but the archive index says %s",
				    deb, sum, pkg->sha256);
	*ret_deb = TAKE_PTR(deb);
	return 0;
}
