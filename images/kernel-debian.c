/* SPDX-License-Identifier: MIT */
/*
 * debian:SUITE[:PACKAGE] -> $cache/kernels/<package>_<version>/: the kernel's packages (one up to
 * 6.x, three from 7.x: see debian.h) unpacked into the lab's layout (kernel-tree.h), depmod'ed.
 */
#include <string.h>

#include "base/fs.h"
#include "base/spawn.h"
#include "deb.h"
#include "debian.h"
#include "hash.h"
#include "kernel-source.h"
#include "kernel-tree.h"

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
		   *ver = kl_kv_get(kv, "version"), *sha = kl_kv_get(kv, "sha256"),
		   *id = kl_kv_get(kv, "identity");
	if (!rel || !pkg || !ver || (!sha && !id) || strchr(rel, '/'))
		return kl_error_set(err, EINVAL, "'%s' is incomplete", info);
	_cleanup_(kl_kernel_freep) struct kl_kernel *k = calloc(1, sizeof(*k));
	if (!k || !(k->release = strdup(rel)) || asprintf(&k->package, "%s %s", pkg, ver) < 0 ||
	    (id ? !(k->identity = strdup(id)) : asprintf(&k->identity, "deb-sha256:%s", sha) < 0) ||
	    asprintf(&k->vmlinuz, "%s/boot/vmlinuz-%s", dir, rel) < 0 ||
	    asprintf(&k->config, "%s/boot/config-%s", dir, rel) < 0 ||
	    asprintf(&k->modules_dir, "%s/lib/modules/%s", dir, rel) < 0)
		return kl_error_set(err, ENOMEM, "cannot read '%s'", dir);
	*ret = TAKE_PTR(k);
	return 0;
}

/*
 * What keys the image cache: the .deb's SHA-256 for a one-package kernel (as before 7.x), a
 * SHA-256 over every part's name and SHA-256 for a split one.
 */
static char *kernel_identity(const struct kl_debian_kernel *k)
{
	char *id;
	if (k->n_parts == 1)
		return asprintf(&id, "deb-sha256:%s", k->parts[0].sha256) < 0 ? NULL : id;
	struct kl_sha256 s;
	char hex[KL_SHA256_HEX_LEN + 1];
	kl_sha256_init(&s);
	for (size_t i = 0; i < k->n_parts; i++) {
		kl_sha256_update(&s, k->parts[i].name, strlen(k->parts[i].name) + 1);
		kl_sha256_update(&s, k->parts[i].sha256, strlen(k->parts[i].sha256) + 1);
	}
	kl_sha256_final_hex(&s, hex);
	return asprintf(&id, "debs-sha256:%s", hex) < 0 ? NULL : id;
}

/* Download and unpack one part into root, through its own download directory. */
static int unpack_part(const char *cache_dir, const char *suite, const char *tmp, size_t i,
		       const struct kl_debian_package *pkg, const char *root,
		       const struct kl_progress *p, struct kl_error **err)
{
	_cleanup_free_ char *dl = NULL, *deb = NULL;
	if (asprintf(&dl, "%s/download%zu", tmp, i) < 0)
		return kl_error_set(err, ENOMEM, "cannot prepare '%s'", pkg->name);
	int r = kl_mkdir_p(dl, 0755, err);
	if (r < 0)
		return r;
	kl_progress(p, "downloading %s %s", pkg->name, pkg->version);
	r = kl_debian_download(cache_dir, suite, pkg, dl, &deb, err);
	if (r < 0)
		return r;
	kl_progress(p, "extracting %s", pkg->name);
	r = kl_deb_extract(deb, root, err);
	kl_rm_rf(dl);
	return r;
}

/* Download, extract, lay out and depmod into tmp, then rename tmp/root to dir. */
static int build_kernel(const char *cache_dir, const char *suite, const struct kl_debian_kernel *k,
			const char *key, const char *dir, const struct kl_progress *p,
			struct kl_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	int r = kl_cache_tmpdir(cache_dir, key, &tmp, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *root = kl_path_join(tmp, "root"), *identity = kernel_identity(k);
	_cleanup_free_ char *release = NULL, *info = NULL;
	if (!root || !identity || !(info = kl_path_join(root, KERNEL_INFO)))
		r = kl_error_set(err, ENOMEM, "cannot prepare '%s'", k->name);
	if (r >= 0)
		r = kl_mkdir_p(root, 0755, err);
	for (size_t i = 0; r >= 0 && i < k->n_parts; i++)
		r = unpack_part(cache_dir, suite, tmp, i, &k->parts[i], root, p, err);
	if (r >= 0 && (r = kl_kernel_tree_normalise(root, &release, err)) < 0)
		kl_error_wrap(err, "'%s' %s", k->name, k->version);
	if (r >= 0) {
		const char *argv[] = { depmod_binary(), "-b", root, release, NULL };
		r = kl_spawn(argv, NULL, NULL, NULL, err);
	}
	if (r >= 0) {
		const char *pairs[] = {
			"package",	    k->name,	"version",
			k->version,	    "identity", identity,
			"release",	    release,	k->n_parts == 1 ? "sha256" : NULL,
			k->parts[0].sha256, NULL
		};
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
	struct kl_debian_kernel kern = { 0 };
	int r = kl_debian_resolve(cache_dir, spec->suite, spec->package, p, &kern, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *key = NULL, *dir = NULL, *info = NULL;
	if (asprintf(&key, "kernel-%s_%s", kern.name, kern.version) < 0 ||
	    asprintf(&dir, "%s/kernels/%s_%s", cache_dir, kern.name, kern.version) < 0 ||
	    !(info = kl_path_join(dir, KERNEL_INFO))) {
		kl_debian_kernel_clear(&kern);
		return kl_error_set(err, ENOMEM, "cannot prepare '%s'", spec->normalised);
	}
	if (!kl_exists(info)) {
		_cleanup_close_ int lock = -1;
		r = kl_cache_lock(cache_dir, key, &lock, err);
		/* Someone else may have built it while we waited for the lock. */
		if (r >= 0 && !kl_exists(info)) {
			if (kl_exists(dir))
				kl_rm_rf(dir); /* no kernel.info: not ours to trust */
			r = build_kernel(cache_dir, spec->suite, &kern, key, dir, p, err);
		}
	}
	kl_debian_kernel_clear(&kern);
	if (r < 0)
		return r;
	return load_kernel(dir, ret, err);
}

const struct kl_kernel_source kl_kernel_source_debian = {
	.source = KL_KERNEL_DEBIAN,
	.name = "debian",
	.prepare = debian_prepare,
};
