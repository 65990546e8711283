/* SPDX-License-Identifier: MIT */
/* debian:SUITE[:PACKAGE] -> $cache/kernels/<package>_<version>/ (extracted, depmod'ed). */
#include <string.h>

#include "base/fs.h"
#include "base/spawn.h"
#include "deb.h"
#include "debian.h"
#include "kernel-source.h"

#define KERNEL_INFO "kernel.info"

static const char *depmod_binary(void)
{
	/* /sbin is not in every user's PATH. */
	if (kl_exists("/usr/sbin/depmod"))
		return "/usr/sbin/depmod";
	if (kl_exists("/sbin/depmod"))
		return "/sbin/depmod";
	return "depmod";
}

static int load_kernel(const char *dir, struct kl_kernel **ret, struct kl_error **err)
{
	_cleanup_free_ char *info = kl_path_join(dir, KERNEL_INFO);
	_cleanup_strv_free_ char **kv = NULL;
	if (!info)
		return kl_error_set(err, ENOMEM, "cannot read '%s'", dir);
	int r = kl_kv_read(info, &kv, err);
	if (r < 0)
		return r;
	const char *rel = kl_kv_get(kv, "release"), *pkg = kl_kv_get(kv, "package"),
		   *ver = kl_kv_get(kv, "version"), *sha = kl_kv_get(kv, "sha256");
	if (!rel || !pkg || !ver || !sha || strchr(rel, '/'))
		return kl_error_set(err, EINVAL, "'%s' is incomplete", info);
	_cleanup_(kl_kernel_freep) struct kl_kernel *k = calloc(1, sizeof(*k));
	if (!k || !(k->release = strdup(rel)) || asprintf(&k->package, "%s %s", pkg, ver) < 0 ||
	    asprintf(&k->identity, "deb-sha256:%s", sha) < 0 ||
	    asprintf(&k->vmlinuz, "%s/boot/vmlinuz-%s", dir, rel) < 0 ||
	    asprintf(&k->config, "%s/boot/config-%s", dir, rel) < 0 ||
	    asprintf(&k->modules_dir, "%s/lib/modules/%s", dir, rel) < 0)
		return kl_error_set(err, ENOMEM, "cannot read '%s'", dir);
	*ret = TAKE_PTR(k);
	return 0;
}

/* Download, extract, depmod into tmp, then rename tmp/root to dir. */
static int build_kernel(const char *cache_dir, const char *suite,
			const struct kl_debian_package *pkg, const char *key, const char *dir,
			const struct kl_progress *p, struct kl_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	int r = kl_cache_tmpdir(cache_dir, key, &tmp, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *dl = kl_path_join(tmp, "download"), *root = kl_path_join(tmp, "root");
	_cleanup_free_ char *deb = NULL, *release = NULL, *info = NULL;
	if (!dl || !root || !(info = kl_path_join(root, KERNEL_INFO)))
		r = kl_error_set(err, ENOMEM, "cannot prepare '%s'", pkg->name);
	if (r >= 0)
		r = kl_mkdir_p(dl, 0755, err);
	if (r >= 0)
		r = kl_mkdir_p(root, 0755, err);
	if (r >= 0) {
		kl_progress(p, "downloading %s %s", pkg->name, pkg->version);
		r = kl_debian_download(cache_dir, suite, pkg, dl, &deb, err);
	}
	if (r >= 0) {
		kl_progress(p, "extracting %s", pkg->name);
		r = kl_deb_extract_kernel(deb, root, &release, err);
	}
	if (r >= 0) {
		const char *argv[] = { depmod_binary(), "-b", root, release, NULL };
		r = kl_spawn(argv, NULL, NULL, NULL, err);
	}
	if (r >= 0) {
		const char *pairs[] = { "package",   pkg->name, "version", pkg->version, "sha256",
					pkg->sha256, "release", release,   NULL };
		r = kl_kv_write(info, pairs, err);
	}
	if (r >= 0)
		r = kl_cache_commit_dir(root, dir, err);
	kl_rm_rf(tmp);
	return r;
}

static int debian_prepare(const struct kl_kernel_spec *spec, const char *cache_dir,
			  const struct kl_progress *p, struct kl_kernel **ret,
			  struct kl_error **err)
{
	struct kl_debian_package pkg = { 0 };
	int r = kl_debian_resolve(cache_dir, spec->suite, spec->package, p, &pkg, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *key = NULL, *dir = NULL, *info = NULL;
	if (asprintf(&key, "kernel-%s_%s", pkg.name, pkg.version) < 0 ||
	    asprintf(&dir, "%s/kernels/%s_%s", cache_dir, pkg.name, pkg.version) < 0 ||
	    !(info = kl_path_join(dir, KERNEL_INFO))) {
		kl_debian_package_clear(&pkg);
		return kl_error_set(err, ENOMEM, "cannot prepare '%s'", spec->normalised);
	}
	if (!kl_exists(info)) {
		_cleanup_close_ int lock = -1;
		r = kl_cache_lock(cache_dir, key, &lock, err);
		/* Someone else may have built it while we waited for the lock. */
		if (r >= 0 && !kl_exists(info)) {
			if (kl_exists(dir))
				kl_rm_rf(dir); /* no kernel.info: not ours to trust */
			r = build_kernel(cache_dir, spec->suite, &pkg, key, dir, p, err);
		}
	}
	kl_debian_package_clear(&pkg);
	if (r < 0)
		return r;
	return load_kernel(dir, ret, err);
}

const struct kl_kernel_source kl_kernel_source_debian = {
	.source = KL_KERNEL_DEBIAN,
	.name = "debian",
	.prepare = debian_prepare,
};
