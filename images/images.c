/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "base/fs.h"
#include "cache.h"
#include "hash.h"
#include "images.h"
#include "initramfs.h"
#include "kconfig.h"
#include "kernel-spec.h"
#include "kernel.h"
#include "modules.h"

#define IMAGE_INFO  "image.info"
#define SYSTEM_IMG  "system.img"
#define CAPTURE_IMG "capture.img"

/* What the capture kernel needs to reach the dump disk, and the option that builds it in. */
static const struct {
	const char *module;
	const char *option;
} capture_needs[] = {
	{ "virtio_pci", "CONFIG_VIRTIO_PCI" },
	{ "virtio_blk", "CONFIG_VIRTIO_BLK" },
	{ "ext4", "CONFIG_EXT4_FS" },
};

void kl_images_free(struct kl_images *im)
{
	if (!im)
		return;
	free(im->id);
	free(im->spec);
	free(im->release);
	free(im->package);
	free(im->vmlinuz);
	free(im->system_initrd);
	free(im->capture_initrd);
	free(im->modules_dir);
	free(im->config);
	strv_free(im->capture_modules);
	free(im);
}

static int check_config(const char *config, struct kl_error **err)
{
	_cleanup_strv_free_ char **missing = NULL;
	int r = kl_kconfig_check(config, &missing, err);
	if (r < 0)
		return r;
	if (!missing[0])
		return 0;
	_cleanup_free_ char *list = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&list, &len);
	if (!f)
		return kl_error_set(err, ENOMEM, "cannot check '%s'", config);
	for (size_t i = 0; missing[i]; i++)
		fprintf(f, "%s%s", i ? ", " : "", missing[i]);
	fclose(f);
	return kl_error_usage(err, ENOTSUP, "kernel config '%s' lacks what kdump needs: %s", config,
			      list);
}

/* Modules the capture initramfs carries, names and paths in load order. */
static int capture_modules(const struct kl_kernel *k, char ***ret_names, char ***ret_paths,
			   struct kl_error **err)
{
	_cleanup_(kl_kconfig_freep) struct kl_kconfig *c = NULL;
	int r = kl_kconfig_load(k->config, &c, err);
	if (r < 0)
		return r;
	const char *wanted[ELEMENTSOF(capture_needs) + 1] = { 0 };
	size_t n = 0;
	for (size_t i = 0; i < ELEMENTSOF(capture_needs); i++) {
		const char *v = kl_kconfig_get(c, capture_needs[i].option);
		if (!v || !streq(v, "y"))
			wanted[n++] = capture_needs[i].module;
	}
	if (n > 0 && !k->modules_dir)
		return kl_error_usage(
			err, ENOENT,
			"kernel %s builds %s as a module, but no modules directory was given (use local:VMLINUZ,MODULES_DIR)",
			k->release, wanted[0]);
	if (n == 0) {
		*ret_names = calloc(1, sizeof(char *));
		*ret_paths = calloc(1, sizeof(char *));
		return *ret_names && *ret_paths ? 0
						: kl_error_set(err, ENOMEM, "cannot list modules");
	}
	_cleanup_(kl_modules_freep) struct kl_modules *m = NULL;
	r = kl_modules_load(k->modules_dir, &m, err);
	if (r < 0)
		return r;
	return kl_modules_closure(m, wanted, ret_names, ret_paths, err);
}

/*
 * The image id: everything that goes into the two initramfs images and the kernel they are
 * for. A Debian kernel's tree is immutable (keyed by package and version), so its package hash
 * stands for its modules; a local kernel's modules are hashed by content.
 */
static int image_id(const struct kl_images_options *o, const struct kl_kernel *k,
		    char *const *paths, char id[KL_SHA256_HEX_LEN + 1], struct kl_error **err)
{
	struct kl_sha256 s;
	char layout[32];
	kl_sha256_init(&s);
	snprintf(layout, sizeof(layout), "kdumplab-images %d\n", KL_INITRAMFS_LAYOUT);
	kl_sha256_update(&s, layout, strlen(layout));
	kl_sha256_update(&s, k->identity, strlen(k->identity) + 1);
	for (char *const *p = paths; *p; p++) {
		kl_sha256_update(&s, *p, strlen(*p) + 1);
		if (startswith(k->identity, "local-")) {
			_cleanup_free_ char *full = kl_path_join(k->modules_dir, *p);
			int r = full ? kl_sha256_update_file(&s, full, err) : -ENOMEM;
			if (r < 0)
				return r;
		}
	}
	int r = kl_sha256_update_file(&s, o->loader_path, err);
	if (r < 0)
		return kl_error_wrap(err, "loader");
	kl_sha256_update(&s, "\n", 1);
	r = kl_sha256_update_file(&s, o->saver_path, err);
	if (r < 0)
		return kl_error_wrap(err, "saver");
	kl_sha256_final_hex(&s, id);
	return 0;
}

static int build_images(const struct kl_images_options *o, const struct kl_kernel *k,
			const char *spec, char *const *names, char *const *paths, const char *id,
			const char *dir, const struct kl_progress *p, struct kl_error **err)
{
	_cleanup_free_ char *key = NULL, *tmp = NULL;
	if (asprintf(&key, "image-%s", id) < 0)
		return kl_error_set(err, ENOMEM, "cannot build images");
	int r = kl_cache_tmpdir(o->cache_dir, key, &tmp, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *cap = kl_path_join(tmp, CAPTURE_IMG),
			    *sys = kl_path_join(tmp, SYSTEM_IMG),
			    *info = kl_path_join(tmp, IMAGE_INFO), *mods = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mods, &len);
	for (char *const *n = names; f && *n; n++)
		fprintf(f, "%s%s", n == names ? "" : ",", *n);
	if (f)
		fclose(f);
	if (!cap || !sys || !info || !mods)
		r = kl_error_set(err, ENOMEM, "cannot build images");
	if (r >= 0) {
		kl_progress(p, "building initramfs images for %s", k->release);
		r = kl_initramfs_write_capture(cap, o->saver_path, k->release, k->modules_dir,
					       (const char *const *)paths, err);
	}
	if (r >= 0)
		r = kl_initramfs_write_system(sys, o->loader_path, k->vmlinuz, cap, err);
	if (r >= 0) {
		const char *pairs[] = { "spec",	  spec,	       "release",	  k->release,
					"kernel", k->identity, "capture_modules", mods,
					NULL };
		r = kl_kv_write(info, pairs, err);
	}
	if (r >= 0)
		r = kl_cache_commit_dir(tmp, dir, err);
	if (r < 0)
		kl_rm_rf(tmp);
	return r;
}

/* An images/<id>/ dir exists only complete (renamed into place), so its presence is enough. */
static int ensure_images(const struct kl_images_options *o, const struct kl_kernel *k,
			 const char *spec, char *const *names, char *const *paths, const char *id,
			 const char *dir, const struct kl_progress *p, struct kl_error **err)
{
	_cleanup_free_ char *info = kl_path_join(dir, IMAGE_INFO);
	if (!info)
		return kl_error_set(err, ENOMEM, "cannot build images");
	if (kl_exists(info))
		return 0;
	_cleanup_free_ char *key = NULL;
	_cleanup_close_ int lock = -1;
	if (asprintf(&key, "image-%s", id) < 0)
		return kl_error_set(err, ENOMEM, "cannot build images");
	int r = kl_cache_lock(o->cache_dir, key, &lock, err);
	if (r < 0 || kl_exists(info))
		return r;
	return build_images(o, k, spec, names, paths, id, dir, p, err);
}

static int fill(struct kl_images *im, const struct kl_kernel *k, const char *spec, const char *id,
		const char *dir, char **names)
{
	if (!(im->id = strdup(id)) || !(im->spec = strdup(spec)) ||
	    !(im->release = strdup(k->release)) ||
	    (k->package && !(im->package = strdup(k->package))) ||
	    !(im->vmlinuz = strdup(k->vmlinuz)) || !(im->config = strdup(k->config)) ||
	    (k->modules_dir && !(im->modules_dir = strdup(k->modules_dir))) ||
	    !(im->system_initrd = kl_path_join(dir, SYSTEM_IMG)) ||
	    !(im->capture_initrd = kl_path_join(dir, CAPTURE_IMG)))
		return -ENOMEM;
	im->capture_modules = names;
	return 0;
}

int kl_images_prepare(const struct kl_images_options *o, struct kl_images **ret,
		      struct kl_error **err)
{
	const struct kl_progress p = { .fn = o->progress, .userdata = o->userdata };
	if (!o->cache_dir || !o->loader_path || !o->saver_path)
		return kl_error_set(err, EINVAL,
				    "images: cache directory, loader and saver paths are required");
	_cleanup_(kl_kernel_spec_freep) struct kl_kernel_spec *spec = NULL;
	int r = kl_kernel_spec_parse(o->kernel_spec, &spec, err);
	if (r < 0)
		return r;
	_cleanup_(kl_kernel_freep) struct kl_kernel *k = NULL;
	r = kl_kernel_prepare(spec, o->cache_dir, &p, &k, err);
	if (r < 0)
		return kl_error_wrap(err, "kernel '%s'", spec->normalised);
	r = check_config(k->config, err);
	if (r < 0)
		return kl_error_wrap(err, "kernel '%s'", spec->normalised);
	_cleanup_strv_free_ char **names = NULL, **paths = NULL;
	r = capture_modules(k, &names, &paths, err);
	if (r < 0)
		return kl_error_wrap(err, "kernel '%s'", spec->normalised);
	char id[KL_SHA256_HEX_LEN + 1];
	r = image_id(o, k, paths, id, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *dir = NULL;
	if (asprintf(&dir, "%s/images/%s", o->cache_dir, id) < 0)
		return kl_error_set(err, ENOMEM, "cannot prepare images");
	r = ensure_images(o, k, spec->normalised, names, paths, id, dir, &p, err);
	if (r < 0)
		return kl_error_wrap(err, "kernel '%s'", spec->normalised);
	_cleanup_(kl_images_freep) struct kl_images *im = calloc(1, sizeof(*im));
	if (!im || fill(im, k, spec->normalised, id, dir, names) < 0)
		return kl_error_set(err, ENOMEM, "cannot prepare images");
	names = NULL;
	*ret = TAKE_PTR(im);
	return 0;
}
