/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/spawn.h"
#include "crash-module-source.h"
#include "crash-module.h"
#include "debian.h"
#include "kconfig.h"

/* Bumped when what a build produces changes without its inputs changing (part of the key). */
#define BUILDER_VERSION "kdumplab-crash-module 4"
#define RESULT_INFO	"result.info"
/* In an extracted headers tree: complete, and fixed up the way this version does it. */
#define HEADERS_DONE ".kdumplab-headers-2"
#define KO_FILE	     KL_CRASH_MODULE_NAME ".ko"
#define MIRROR	     "http://deb.debian.org/debian"

/* Deadlines (seconds): apt and dpkg-deb are bounded by the network, make by two slow cores. */
#define TOOL_TIMEOUT	  600.0
#define KBUILD_TIMEOUT	  600.0
#define BUILDROOT_TIMEOUT 1200.0
#define KEEP_OUTPUT	  4096
#define ERROR_LINES	  3

/* Generated from scenarios/crash-module/ at build time. */
const struct kl_source_file kl_crash_module_source[] = { KL_CRASH_MODULE_FILES{ 0 } };

/* ---- pure parts ---- */

int kl_cc_major(const char *text)
{
	/* The first word is the compiler's name: "gcc-12", "gcc", "x86_64-linux-gnu-gcc-14". */
	size_t first = text ? strcspn(text, " ") : 0;
	if (!text || !memmem(text, first, "gcc", 3))
		return -EINVAL;
	/* The version is the last word of the form N.N...: "gcc-12 (Debian 12.2.0-14) 12.2.0",
	 * "gcc (GCC) 13.1.1 20230614". */
	long major = -1;
	for (const char *w = text; *w; w += strcspn(w, " "), w += strspn(w, " ")) {
		char *end;
		long v = strtol(w, &end, 10);
		if (end != w && *end == '.' && w[0] >= '0' && w[0] <= '9')
			major = v;
	}
	if (major <= 0 || major > 1000)
		return -EINVAL;
	return (int)major;
}

int kl_depends_names(const char *depends, char ***ret)
{
	_cleanup_strv_free_ char **v = calloc(1, sizeof(char *));
	size_t n = 0;
	if (!v)
		return -ENOMEM;
	for (const char *p = depends; p && *p;) {
		p += strspn(p, " ,\t\n");
		size_t len = strcspn(p, " ,|(:\t\n");
		if (len > 0) {
			char **nv = reallocarray(v, n + 2, sizeof(char *));
			if (!nv)
				return -ENOMEM;
			v = nv;
			if (!(v[n] = strndup(p, len)))
				return -ENOMEM;
			v[++n] = NULL;
		}
		p = strchr(p, ','); /* the next dependency: alternatives after '|' are skipped */
	}
	*ret = TAKE_PTR(v);
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);
	return ls >= lx && streq(s + ls - lx, suffix);
}

int kl_headers_depends(const char *depends, char **ret_common, char **ret_kbuild)
{
	_cleanup_strv_free_ char **names = NULL;
	int r = kl_depends_names(depends, &names);
	if (r < 0)
		return r;
	const char *common = NULL, *kbuild = NULL;
	for (char **n = names; *n; n++) {
		if (!common && startswith(*n, "linux-headers-") && ends_with(*n, "-common"))
			common = *n;
		else if (!kbuild && startswith(*n, "linux-kbuild-"))
			kbuild = *n;
	}
	if (!common || !kbuild)
		return -ENOENT;
	_cleanup_free_ char *c = strdup(common), *k = strdup(kbuild);
	if (!c || !k)
		return -ENOMEM;
	*ret_common = TAKE_PTR(c);
	*ret_kbuild = TAKE_PTR(k);
	return 0;
}

char *kl_relative_target(const char *link, const char *target)
{
	while (*target == '/')
		target++;
	/* One "../" per directory the link sits in. */
	size_t depth = 0;
	for (const char *p = link; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			depth++;
	while (*link == '/')
		link++;
	char *s = malloc(depth * 3 + strlen(target) + 2);
	if (!s)
		return NULL;
	char *q = s;
	for (size_t i = 0; i < depth; i++)
		q = stpcpy(q, "../");
	if (!*target && depth > 0)
		q[-1] = '\0'; /* the root itself */
	else
		strcpy(q, *target ? target : ".");
	return s;
}

char **kl_kbuild_argv(const char *chroot_root, const char *kdir, const char *mdir)
{
	_cleanup_strv_free_ char **v = calloc(14, sizeof(char *));
	size_t n = 0;
	if (!v)
		return NULL;
	/* A build root gets its own /proc (7.x's objtool reads its stack limit there), in a
	 * mount and PID namespace of its own: nothing stays mounted when make ends. */
	if (chroot_root && (!(v[n++] = strdup("unshare")) || !(v[n++] = strdup("--fork")) ||
			    !(v[n++] = strdup("--pid")) ||
			    asprintf(&v[n++], "--mount-proc=%s/proc", chroot_root) < 0 ||
			    !(v[n++] = strdup("chroot")) || !(v[n++] = strdup(chroot_root)))) {
		v[n - 1] = NULL;
		return NULL;
	}
	/* No BTF for the module: 6.12's kbuild runs pahole for it, which a build root or host
	 * need not have, and nothing of ours reads module BTF. */
	if (!(v[n++] = strdup("make")) || !(v[n++] = strdup("-C")) || !(v[n++] = strdup(kdir)) ||
	    asprintf(&v[n++], "M=%s", mdir) < 0 ||
	    !(v[n++] = strdup("CONFIG_DEBUG_INFO_BTF_MODULES=")) || !(v[n++] = strdup("modules"))) {
		v[n - 1] = NULL;
		return NULL;
	}
	return TAKE_PTR(v);
}

void kl_crash_module_key(const struct kl_source_file *files, const char *kernel_identity,
			 const char *compiler, char out[KL_SHA256_HEX_LEN + 1])
{
	struct kl_sha256 s;
	kl_sha256_init(&s);
	kl_sha256_update(&s, BUILDER_VERSION, strlen(BUILDER_VERSION) + 1);
	for (const struct kl_source_file *f = files; f->name; f++) {
		char len[32];
		snprintf(len, sizeof(len), "%zu", f->len);
		kl_sha256_update(&s, f->name, strlen(f->name) + 1);
		kl_sha256_update(&s, len, strlen(len) + 1);
		kl_sha256_update(&s, f->data, f->len);
	}
	kl_sha256_update(&s, kernel_identity, strlen(kernel_identity) + 1);
	kl_sha256_update(&s, compiler, strlen(compiler) + 1);
	kl_sha256_final_hex(&s, out);
}

/* ---- fix-ups of an extracted tree ---- */

static int fixup_symlink(const char *root, const char *rel, struct kl_error **err)
{
	_cleanup_free_ char *path = kl_path_join(root, rel);
	char target[4096];
	if (!path)
		return kl_error_set(err, ENOMEM, "cannot fix up '%s'", rel);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return kl_error_set(err, errno, "cannot read the link '%s'", path);
	target[n] = '\0';
	if (target[0] != '/')
		return 0;
	_cleanup_free_ char *rt = kl_relative_target(rel, target);
	if (!rt)
		return kl_error_set(err, ENOMEM, "cannot fix up '%s'", path);
	if (unlink(path) < 0 || symlink(rt, path) < 0)
		return kl_error_set(err, errno, "cannot rewrite the link '%s' as '%s'", path, rt);
	return 0;
}

/*
 * In usr/src/<dir>/Makefile, every absolute /usr/src/ path (at a line's start or after ' ', '\t'
 * or '=') is prefixed with seen_as: "include /usr/src/X/Makefile" (6.1, 6.12) and
 * "KBUILD_OUTPUT=/usr/src/X" (7.x) then name the tree where it lies.
 */
static int fixup_makefile(const char *root, const char *dir, const char *seen_as,
			  struct kl_error **err)
{
	_cleanup_free_ char *path = NULL, *text = NULL, *out = NULL;
	if (asprintf(&path, "%s/usr/src/%s/Makefile", root, dir) < 0)
		return kl_error_set(err, ENOMEM, "cannot fix up '%s'", dir);
	struct stat st;
	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	size_t len = 0;
	int r = kl_read_file(path, &text, &len, err);
	if (r < 0)
		return r;
	size_t olen = 0;
	FILE *f = open_memstream(&out, &olen);
	if (!f)
		return kl_error_set(err, ENOMEM, "cannot fix up '%s'", path);
	bool changed = false;
	for (const char *p = text; *p; p++) {
		if (startswith(p, "/usr/src/") &&
		    (p == text || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '=' || p[-1] == '\n')) {
			fputs(seen_as, f);
			changed = true;
		}
		fputc(*p, f);
	}
	if (fclose(f) != 0)
		return kl_error_set(err, ENOMEM, "cannot fix up '%s'", path);
	if (!changed)
		return 0;
	return kl_write_file_atomic(path, out, olen, 0644, err);
}

static int walk_links(const char *root, const char *rel, unsigned depth, struct kl_error **err)
{
	_cleanup_free_ char *path = *rel ? kl_path_join(root, rel) : strdup(root);
	if (!path)
		return kl_error_set(err, ENOMEM, "cannot fix up '%s'", root);
	if (depth > 64)
		return kl_error_set(err, ELOOP, "'%s' is nested too deeply", path);
	_cleanup_closedir_ DIR *d = opendir(path);
	if (!d)
		return kl_error_set(err, errno, "cannot read '%s'", path);
	for (struct dirent *de; (de = readdir(d));) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		_cleanup_free_ char *sub = NULL;
		if (asprintf(&sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name) < 0)
			return kl_error_set(err, ENOMEM, "cannot fix up '%s'", root);
		_cleanup_free_ char *full = kl_path_join(root, sub);
		struct stat st;
		if (!full || lstat(full, &st) < 0)
			return kl_error_set(err, full ? errno : ENOMEM, "cannot stat '%s'", sub);
		int r = 0;
		if (S_ISLNK(st.st_mode))
			r = fixup_symlink(root, sub, err);
		else if (S_ISDIR(st.st_mode))
			r = walk_links(root, sub, depth + 1, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int kl_tree_fixup(const char *root, const char *seen_as, struct kl_error **err)
{
	int r = walk_links(root, "", 0, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *src = kl_path_join(root, "usr/src");
	if (!src)
		return kl_error_set(err, ENOMEM, "cannot fix up '%s'", root);
	_cleanup_closedir_ DIR *d = opendir(src);
	if (!d)
		return errno == ENOENT ? 0 : kl_error_set(err, errno, "cannot read '%s'", src);
	for (struct dirent *de; (de = readdir(d));)
		if (startswith(de->d_name, "linux-headers-") &&
		    (r = fixup_makefile(root, de->d_name, seen_as, err)) < 0)
			return r;
	return 0;
}

/* ---- running tools ---- */

/* The first lines of output naming an error (else its first lines), on one line. */
static char *first_errors(const char *out)
{
	char *s = NULL;
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&s, &len);
	if (!f)
		return NULL;
	for (int pass = 0; pass < 2 && n == 0; pass++) {
		for (const char *l = out; l && *l && n < ERROR_LINES;) {
			size_t ll = strcspn(l, "\n");
			bool err = memmem(l, ll, "error", 5) || memmem(l, ll, "Error", 5);
			if (ll > 0 && (pass == 1 || err)) {
				fprintf(f, "%s%.*s", n ? " | " : "", (int)(ll > 300 ? 300 : ll), l);
				n++;
			}
			l += ll + (l[ll] == '\n');
		}
	}
	if (fclose(f) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

/*
 * Run argv with a deadline, stdout and stderr merged. 0 when it ran and exited 0; else -1
 * with *ret_failure saying how it failed (its first error lines).
 */
static int run_tool(const char *const *argv, const char *what, double timeout, char **ret_out,
		    char **ret_failure)
{
	static const char *const env[] = { "LC_ALL=C", NULL };
	const struct kl_spawn_options o = {
		.what = what,
		.env = env,
		.merge_stderr = true,
		.own_group = true,
		.out = { .head = KEEP_OUTPUT * 4, .tail = KEEP_OUTPUT },
		.timeout_s = timeout,
	};
	struct kl_spawn_result res = { 0 };
	_cleanup_error_ struct kl_error *e = NULL;
	int r = kl_spawn_run(argv, &o, &res, &e);
	if (r < 0)
		return asprintf(ret_failure, "%s", e->msg) < 0 ? -ENOMEM : -1;
	_cleanup_free_ char *out = res.out, *errs = first_errors(res.out ? res.out : "");
	free(res.err);
	if (res.timed_out)
		return asprintf(ret_failure, "'%s' did not finish in %.0f s", what, timeout) < 0
			       ? -ENOMEM
			       : -1;
	if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0)
		return asprintf(ret_failure, "'%s' failed: %s", what,
				errs && *errs ? errs : "(no output)") < 0
			       ? -ENOMEM
			       : -1;
	if (ret_out)
		*ret_out = TAKE_PTR(out);
	return 0;
}

/* The first line of "PROGRAM --version", or NULL when it cannot run. */
static char *tool_version(const char *program)
{
	const char *argv[] = { program, "--version", NULL };
	_cleanup_free_ char *out = NULL, *failure = NULL;
	if (run_tool(argv, program, 30.0, &out, &failure) < 0 || !out)
		return NULL;
	out[strcspn(out, "\n")] = '\0';
	return strdup(out);
}

static int host_gcc_major(void)
{
	const char *argv[] = { "gcc", "-dumpversion", NULL };
	_cleanup_free_ char *out = NULL, *failure = NULL;
	if (run_tool(argv, "gcc -dumpversion", 30.0, &out, &failure) < 0 || !out)
		return -ENOENT;
	long v = strtol(out, NULL, 10);
	return v > 0 && v < 1000 ? (int)v : -EINVAL;
}

/* ---- one build ---- */

struct build {
	const char *cache_dir;
	const struct kl_kernel_spec *spec;
	const struct kl_kernel *k;
	const struct kl_progress *p;
	int cc_major;
	char *compiler;	 /* what the key records about the compiler */
	char *buildroot; /* chroot directory, or NULL for a host build */
	char *kdir;	 /* the kernel tree kbuild runs in (as seen by make) */
	char *unavailable;
	bool cacheable; /* the outcome does not depend on the network: cache a failure too */
};

static void build_clear(struct build *b)
{
	free(b->compiler);
	free(b->buildroot);
	free(b->kdir);
	free(b->unavailable);
}

_printf_(3, 4) static int unavailable(struct build *b, bool cacheable, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(b->unavailable);
	if (vasprintf(&b->unavailable, fmt, ap) < 0)
		b->unavailable = NULL;
	va_end(ap);
	b->cacheable = cacheable;
	return b->unavailable ? -1 : -ENOMEM;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A Debian suite's base: the suite a -backports suite is built against. */
static char *base_suite(const char *suite)
{
	const char *bp = strstr(suite, "-backports");
	return bp ? strndup(suite, (size_t)(bp - suite)) : strdup(suite);
}

/* Download package (name resolved by kl_debian_show) into a fresh directory under dl. */
static int fetch_deb(struct build *b, const struct kl_debian_package *pkg, const char *dl,
		     char **ret_deb)
{
	_cleanup_free_ char *dir = kl_path_join(dl, pkg->name);
	_cleanup_error_ struct kl_error *e = NULL;
	if (!dir)
		return -ENOMEM;
	int r = kl_mkdir_p(dir, 0755, &e);
	if (r >= 0)
		r = kl_debian_download(b->cache_dir, b->spec->suite, pkg, dir, ret_deb, &e);
	if (r < 0)
		return unavailable(b, false, "%s", e->msg);
	return 0;
}

static int show(struct build *b, const char *name, struct kl_debian_package *ret,
		char **ret_depends)
{
	_cleanup_error_ struct kl_error *e = NULL;
	int r = kl_debian_show(b->cache_dir, b->spec->suite, name, b->p, ret, ret_depends, &e);
	if (r >= 0)
		return 0;
	if (e->exit_code == 2)
		return unavailable(b, true, "headers package %s not found in suite %s", name,
				   b->spec->suite);
	return unavailable(b, false, "%s", e->msg);
}

/*
 * The headers of release extracted under dest (renamed into place when complete): the
 * linux-headers package, its -common and its linux-kbuild.
 */
static int extract_headers(struct build *b, struct kl_debian_package pkgs[3], const char *dest,
			   const char *seen_as, const char *key)
{
	_cleanup_close_ int lock = -1;
	_cleanup_error_ struct kl_error *e = NULL;
	_cleanup_free_ char *done = kl_path_join(dest, HEADERS_DONE);
	if (!done)
		return -ENOMEM;
	if (kl_exists(done))
		return 0;
	int r = kl_cache_lock(b->cache_dir, key, &lock, &e);
	if (r < 0)
		return unavailable(b, false, "%s", e->msg);
	if (kl_exists(done))
		return 0;
	if (kl_exists(dest))
		kl_rm_rf(dest); /* incomplete, or fixed up by an older version */
	_cleanup_free_ char *tmp = NULL;
	if (kl_cache_tmpdir(b->cache_dir, key, &tmp, &e) < 0)
		return unavailable(b, false, "%s", e->msg);
	_cleanup_free_ char *dl = kl_path_join(tmp, "download"), *root = kl_path_join(tmp, "root");
	if (!dl || !root)
		return -ENOMEM;
	if (kl_mkdir_p(root, 0755, &e) < 0) {
		kl_rm_rf(tmp);
		return unavailable(b, false, "%s", e->msg);
	}
	for (int i = 0; i < 3 && r >= 0; i++) {
		_cleanup_free_ char *deb = NULL, *failure = NULL;
		kl_progress(b->p, "downloading %s %s", pkgs[i].name, pkgs[i].version);
		r = fetch_deb(b, &pkgs[i], dl, &deb);
		if (r < 0)
			break;
		const char *argv[] = { "dpkg-deb", "-x", deb, root, NULL };
		r = run_tool(argv, "dpkg-deb -x", TOOL_TIMEOUT, NULL, &failure);
		if (r == -1)
			r = unavailable(b, false, "cannot extract %s: %s", pkgs[i].name, failure);
	}
	if (r >= 0 && kl_tree_fixup(root, seen_as, &e) < 0)
		r = unavailable(b, false, "%s", e->msg);
	if (r >= 0) {
		_cleanup_free_ char *marker = kl_path_join(root, HEADERS_DONE);
		_cleanup_free_ char *parent = strdup(dest);
		char *slash = parent ? strrchr(parent, '/') : NULL;
		if (slash)
			*slash = '\0';
		if (!marker || !parent || kl_write_file_atomic(marker, "", 0, 0644, &e) < 0 ||
		    kl_mkdir_p(parent, 0755, &e) < 0 || kl_cache_commit_dir(root, dest, &e) < 0)
			r = unavailable(b, false, "%s", e ? e->msg : "out of memory");
	}
	kl_rm_rf(tmp);
	return r;
}

/* A Debian suite's build root with packages (comma-separated), made once by mmdebstrap. */
static int ensure_buildroot(struct build *b, const char *suite, const char *packages)
{
	char hash[KL_SHA256_HEX_LEN + 1];
	struct kl_sha256 s;
	kl_sha256_init(&s);
	kl_sha256_update(&s, suite, strlen(suite) + 1);
	kl_sha256_update(&s, packages, strlen(packages) + 1);
	kl_sha256_final_hex(&s, hash);
	_cleanup_free_ char *key = NULL, *dir = NULL, *done = NULL;
	if (asprintf(&key, "buildroot-%s-%.16s", suite, hash) < 0 ||
	    asprintf(&dir, "%s/buildroots/%s-%.16s", b->cache_dir, suite, hash) < 0 ||
	    !(done = kl_path_join(dir, ".kdumplab-complete")))
		return -ENOMEM;
	b->buildroot = TAKE_PTR(dir);
	if (kl_exists(done))
		return 0;
	_cleanup_close_ int lock = -1;
	_cleanup_error_ struct kl_error *e = NULL;
	if (kl_cache_lock(b->cache_dir, key, &lock, &e) < 0)
		return unavailable(b, false, "%s", e->msg);
	if (kl_exists(done))
		return 0;
	if (kl_exists(b->buildroot))
		kl_rm_rf(b->buildroot); /* no marker: not ours to trust */
	_cleanup_free_ char *tmp = NULL, *include = NULL, *failure = NULL;
	if (kl_cache_tmpdir(b->cache_dir, key, &tmp, &e) < 0)
		return unavailable(b, false, "%s", e->msg);
	_cleanup_free_ char *root = kl_path_join(tmp, "root"), *marker = NULL;
	if (!root || asprintf(&include, "--include=%s", packages) < 0 ||
	    !(marker = kl_path_join(root, ".kdumplab-complete")))
		return -ENOMEM;
	kl_progress(b->p, "creating a %s build root (mmdebstrap: %s)", suite, packages);
	const char *argv[] = {
		"mmdebstrap", "--variant=minbase", "--quiet", include, suite, root, MIRROR, NULL
	};
	int r = run_tool(argv, "mmdebstrap", BUILDROOT_TIMEOUT, NULL, &failure);
	if (r == -1)
		r = unavailable(b, false, "cannot create the %s build root: %s", suite, failure);
	if (r >= 0) {
		_cleanup_free_ char *parent = kl_path_join(b->cache_dir, "buildroots");
		if (!parent ||
		    kl_write_file_atomic(marker, packages, strlen(packages), 0644, &e) < 0 ||
		    kl_mkdir_p(parent, 0755, &e) < 0 ||
		    kl_cache_commit_dir(root, b->buildroot, &e) < 0)
			r = unavailable(b, false, "%s", e ? e->msg : "out of memory");
	}
	kl_rm_rf(tmp);
	return r;
}

/* Resolve and extract Debian's headers for k; sets b->kdir (and the build root if needed). */
static int debian_headers(struct build *b)
{
	_cleanup_free_ char *hname = NULL, *deps = NULL, *common = NULL, *kbuild = NULL;
	struct kl_debian_package pkgs[3] = { 0 };
	if (asprintf(&hname, "linux-headers-%s", b->k->release) < 0)
		return -ENOMEM;
	int r = show(b, hname, &pkgs[0], &deps);
	if (r >= 0 && kl_headers_depends(deps, &common, &kbuild) < 0)
		r = unavailable(b, true, "%s %s names no -common or linux-kbuild package", hname,
				pkgs[0].version);
	_cleanup_free_ char *d1 = NULL, *kbuild_deps = NULL;
	if (r >= 0)
		r = show(b, common, &pkgs[1], &d1);
	if (r >= 0)
		r = show(b, kbuild, &pkgs[2], &kbuild_deps);
	/* The image's package and the headers come from one source upload; when the suite has
	 * moved on, the newest headers of the same ABI (release) are used: Debian changes the
	 * ABI name whenever modules built against the old one would stop loading. */
	const char *kver = b->k->package ? strchr(b->k->package, ' ') : NULL;
	if (r >= 0 && kver && !streq(kver + 1, pkgs[0].version))
		kl_progress(b->p, "headers %s %s for kernel package %s (same ABI)", hname,
			    pkgs[0].version, b->k->package);
	_cleanup_free_ char *dest = NULL, *key = NULL;
	if (r >= 0 && b->cc_major > 0 && !b->compiler) {
		/* A build root: gcc-N, make, libc6-dev and what the kbuild binaries need. */
		_cleanup_strv_free_ char **names = NULL;
		_cleanup_free_ char *suite = base_suite(b->spec->suite), *set = NULL;
		if (!suite || kl_depends_names(kbuild_deps, &names) < 0 ||
		    asprintf(&set, "gcc-%d,make,libc6-dev", b->cc_major) < 0)
			r = -ENOMEM;
		/* Sorted: the same packages make the same build root, whatever their order. */
		size_t count = 0;
		while (names && names[count])
			count++;
		if (count > 1)
			qsort(names, count, sizeof(char *), cmp_str);
		for (char **n = names; r >= 0 && n && *n; n++) {
			if (n > names && streq(n[-1], *n))
				continue;
			char *ns;
			if (asprintf(&ns, "%s,%s", set, *n) < 0)
				r = -ENOMEM;
			else
				free(set), set = ns;
		}
		if (r >= 0)
			r = ensure_buildroot(b, suite, set);
		if (r >= 0 && asprintf(&b->compiler, "buildroot %s: %s", suite, set) < 0)
			r = -ENOMEM;
	}
	if (r >= 0 &&
	    (asprintf(&dest, "%s/headers/%s_%s", b->buildroot ? b->buildroot : b->cache_dir, hname,
		      pkgs[0].version) < 0 ||
	     asprintf(&key, "headers-%s_%s", hname, pkgs[0].version) < 0))
		r = -ENOMEM;
	if (r >= 0)
		r = extract_headers(b, pkgs, dest,
				    b->buildroot ? dest + strlen(b->buildroot) : dest, key);
	if (r >= 0) {
		const char *inside = b->buildroot ? dest + strlen(b->buildroot) : dest;
		if (asprintf(&b->kdir, "%s/usr/src/%s", inside, hname) < 0)
			r = -ENOMEM;
	}
	for (int i = 0; i < 3; i++)
		kl_debian_package_clear(&pkgs[i]);
	return r;
}

/* What compiles the module for k, before anything is downloaded (it is part of the key). */
static int choose_compiler(struct build *b)
{
	_cleanup_(kl_kconfig_freep) struct kl_kconfig *c = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	if (kl_kconfig_load(b->k->config, &c, &e) < 0)
		return unavailable(b, true, "%s", e->msg);
	const char *text = kl_kconfig_get(c, "CONFIG_CC_VERSION_TEXT");
	_cleanup_free_ char *unq = text ? strdup(text + (text[0] == '"')) : NULL;
	if (unq && *unq && unq[strlen(unq) - 1] == '"')
		unq[strlen(unq) - 1] = '\0';
	int major = kl_cc_major(unq);
	if (major < 0)
		return unavailable(b, true,
				   "kernel %s was not built with gcc (CONFIG_CC_VERSION_TEXT=%s)",
				   b->k->release, text ? text : "(none)");
	b->cc_major = major;
	int host = host_gcc_major();
	if (major == host) {
		char gcc[32];
		snprintf(gcc, sizeof(gcc), "gcc-%d", major);
		_cleanup_free_ char *v = tool_version(gcc);
		if (!v)
			v = tool_version("gcc");
		if (!v)
			return unavailable(b, false, "cannot run %s on this host", gcc);
		return asprintf(&b->compiler, "host %s", v) < 0 ? -ENOMEM : 0;
	}
	if (b->spec->source != KL_KERNEL_DEBIAN)
		return unavailable(
			b, true,
			"kernel %s was built with gcc %d, the host has gcc %d: build the module yourself and pass it with --module",
			b->k->release, major, host);
	if (geteuid() != 0)
		return unavailable(
			b, true,
			"kernel %s was built with gcc %d (host: gcc %d): its build root needs root privileges (chroot)",
			b->k->release, major, host);
	return 0; /* a build root: b->compiler is set once its package set is known */
}

/* A local kernel's build tree: <modules_dir>/build with a .config and kbuild's Makefile. */
static int local_tree(struct build *b)
{
	if (!b->k->modules_dir)
		return unavailable(b, true,
				   "local kernel %s has no modules directory, so no build tree",
				   b->k->release);
	_cleanup_free_ char *tree = kl_path_join(b->k->modules_dir, "build");
	_cleanup_free_ char *mk = kl_path_join(tree, "Makefile"),
			    *cfg = kl_path_join(tree, ".config"),
			    *symvers = kl_path_join(tree, "Module.symvers");
	if (!tree || !mk || !cfg || !symvers)
		return -ENOMEM;
	if (!kl_exists(mk) || !kl_exists(cfg) || !kl_exists(symvers))
		return unavailable(
			b, true,
			"'%s' is not a kernel build tree (needs Makefile, .config and Module.symvers)",
			tree);
	char buf[PATH_MAX];
	if (!realpath(tree, buf))
		return unavailable(b, true, "cannot resolve '%s'", tree);
	b->kdir = strdup(buf);
	return b->kdir ? 0 : -ENOMEM;
}

static int write_result(const char *dir, const char *status, const char *reason,
			struct kl_error **err)
{
	_cleanup_free_ char *info = kl_path_join(dir, RESULT_INFO);
	if (!info)
		return kl_error_set(err, ENOMEM, "cannot write a build result");
	const char *pairs[] = { "status", status, "reason", reason ? reason : "", NULL };
	return kl_kv_write(info, pairs, err);
}

/* Copy the sources into mdir, run kbuild, and copy the .ko into out_dir. */
static int compile(struct build *b, const char *mdir, const char *out_dir)
{
	_cleanup_error_ struct kl_error *e = NULL;
	if (kl_mkdir_p(mdir, 0755, &e) < 0)
		return unavailable(b, false, "%s", e->msg);
	for (const struct kl_source_file *f = kl_crash_module_source; f->name; f++) {
		_cleanup_free_ char *path = kl_path_join(mdir, f->name);
		if (!path || kl_write_file_atomic(path, f->data, f->len, 0644, &e) < 0)
			return unavailable(b, false, "%s", e ? e->msg : "out of memory");
	}
	const char *m_inside = b->buildroot ? mdir + strlen(b->buildroot) : mdir;
	_cleanup_strv_free_ char **argv = kl_kbuild_argv(b->buildroot, b->kdir, m_inside);
	_cleanup_free_ char *failure = NULL;
	if (!argv)
		return -ENOMEM;
	kl_progress(b->p, "building the crash module for %s%s%s", b->k->release,
		    b->buildroot ? " in " : "", b->buildroot ? b->buildroot : "");
	int r = run_tool((const char *const *)argv, "kbuild", KBUILD_TIMEOUT, NULL, &failure);
	if (r == -1)
		return unavailable(b, true, "%s", failure);
	if (r < 0)
		return r;
	_cleanup_free_ char *ko = kl_path_join(mdir, KO_FILE),
			    *dst = kl_path_join(out_dir, KO_FILE);
	if (!ko || !dst || kl_copy_file_atomic(ko, dst, 0644, &e) < 0)
		return unavailable(b, false, "%s", e ? e->msg : "out of memory");
	return 0;
}

/* Build into the cache directory dir (under key's lock); b->unavailable says why not. */
static int build(struct build *b, const char *key, const char *dir)
{
	_cleanup_error_ struct kl_error *e = NULL;
	_cleanup_free_ char *tmp = NULL;
	if (kl_cache_tmpdir(b->cache_dir, key, &tmp, &e) < 0)
		return unavailable(b, false, "%s", e->msg);
	_cleanup_free_ char *out = kl_path_join(tmp, "out"), *mdir = NULL;
	int r = out ? kl_mkdir_p(out, 0755, &e) : -ENOMEM;
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		r = unavailable(b, false, "%s", e->msg);
	if (r >= 0 && b->spec->source == KL_KERNEL_DEBIAN)
		r = debian_headers(b);
	if (r >= 0) {
		/* Inside the build root when there is one: make runs in the chroot. */
		if (b->buildroot)
			r = asprintf(&mdir, "%s/build/%s", b->buildroot, key) < 0 ? -ENOMEM : 0;
		else
			mdir = kl_path_join(tmp, "build"), r = mdir ? 0 : -ENOMEM;
	}
	if (r >= 0 && b->buildroot)
		kl_rm_rf(mdir);
	if (r >= 0)
		r = compile(b, mdir, out);
	if (b->buildroot && mdir)
		kl_rm_rf(mdir);
	if (r == -ENOMEM) {
		kl_rm_rf(tmp);
		return r;
	}
	if (r < 0 && !b->cacheable) {
		kl_rm_rf(tmp);
		return r;
	}
	if (write_result(out, r >= 0 ? "ok" : "unavailable", b->unavailable, &e) < 0 ||
	    kl_mkdir_p(b->cache_dir, 0755, &e) < 0 || kl_cache_commit_dir(out, dir, &e) < 0) {
		kl_rm_rf(tmp);
		return r < 0 ? r : unavailable(b, false, "%s", e->msg);
	}
	kl_rm_rf(tmp);
	return r;
}

/* A cached outcome: 1 with *ret_ko or b->unavailable set, 0 when there is none. */
static int cached(struct build *b, const char *dir, char **ret_ko)
{
	_cleanup_free_ char *info = kl_path_join(dir, RESULT_INFO);
	_cleanup_strv_free_ char **kv = NULL;
	if (!info)
		return -ENOMEM;
	if (!kl_exists(info) || kl_kv_read(info, &kv, NULL) < 0)
		return 0;
	const char *status = kl_kv_get(kv, "status"), *reason = kl_kv_get(kv, "reason");
	if (status && streq(status, "ok")) {
		*ret_ko = kl_path_join(dir, KO_FILE);
		return *ret_ko ? 1 : -ENOMEM;
	}
	int r = unavailable(b, true, "%s", reason && *reason ? reason : "an earlier build failed");
	return r == -1 ? 1 : r;
}

int kl_crash_module_prepare(const char *cache_dir, const struct kl_kernel_spec *spec,
			    const struct kl_kernel *k, const struct kl_progress *p, char **ret_ko,
			    char **ret_unavailable)
{
	struct build b = { .cache_dir = cache_dir, .spec = spec, .k = k, .p = p };
	_cleanup_free_ char *ko = NULL, *ident = NULL, *dir = NULL, *key = NULL;
	int r = choose_compiler(&b);
	if (r >= 0 && spec->source != KL_KERNEL_DEBIAN)
		r = local_tree(&b);
	/* A build root's exact package set is known only after resolving the headers; the
	 * suite and the gcc major decide it for a given kernel, so they stand for it here. */
	if (r >= 0 && !b.compiler) {
		_cleanup_free_ char *suite = base_suite(spec->suite);
		if (!suite || asprintf(&ident, "buildroot %s gcc-%d", suite, b.cc_major) < 0)
			r = -ENOMEM;
	}
	char hash[KL_SHA256_HEX_LEN + 1];
	if (r >= 0) {
		/* A local build tree can change under the same kernel: its config and symbols
		 * are hashed into the compiler string. */
		_cleanup_free_ char *tree = NULL;
		if (b.kdir) {
			struct kl_sha256 s;
			char th[KL_SHA256_HEX_LEN + 1];
			kl_sha256_init(&s);
			_cleanup_free_ char *cfg = kl_path_join(b.kdir, ".config"),
					    *sym = kl_path_join(b.kdir, "Module.symvers");
			if (!cfg || !sym || kl_sha256_update_file(&s, cfg, NULL) < 0 ||
			    kl_sha256_update_file(&s, sym, NULL) < 0)
				r = unavailable(&b, false, "cannot read the build tree '%s'",
						b.kdir);
			kl_sha256_final_hex(&s, th);
			if (r >= 0 && asprintf(&tree, " tree %s", th) < 0)
				r = -ENOMEM;
		}
		_cleanup_free_ char *comp = NULL;
		if (r >= 0 &&
		    asprintf(&comp, "%s%s", ident ? ident : b.compiler, tree ? tree : "") < 0)
			r = -ENOMEM;
		if (r >= 0)
			kl_crash_module_key(kl_crash_module_source, k->identity, comp, hash);
	}
	if (r >= 0 && (asprintf(&key, "crash-module-%.32s", hash) < 0 ||
		       asprintf(&dir, "%s/crash-modules/%s", cache_dir, hash) < 0))
		r = -ENOMEM;
	if (r >= 0)
		r = cached(&b, dir, &ko);
	if (r == 0) {
		_cleanup_close_ int lock = -1;
		_cleanup_error_ struct kl_error *e = NULL;
		_cleanup_free_ char *parent = kl_path_join(cache_dir, "crash-modules");
		if (!parent)
			r = -ENOMEM;
		else if (kl_mkdir_p(parent, 0755, &e) < 0 ||
			 kl_cache_lock(cache_dir, key, &lock, &e) < 0)
			r = unavailable(&b, false, "%s", e->msg);
		else if ((r = cached(&b, dir, &ko)) == 0)
			r = build(&b, key, dir);
		if (r >= 0 && !ko && !b.unavailable && !(ko = kl_path_join(dir, KO_FILE)))
			r = -ENOMEM;
	}
	if (r == -ENOMEM) {
		build_clear(&b);
		return r;
	}
	if (ko && !b.unavailable) {
		*ret_ko = TAKE_PTR(ko);
		build_clear(&b);
		return 0;
	}
	*ret_unavailable = TAKE_PTR(b.unavailable);
	build_clear(&b);
	return *ret_unavailable ? 0 : -ENOMEM;
}
