/* SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <string.h>

#include "base/fs.h"
#include "cache.h"
#include "crash-module.h"
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
	free(im->crash_module);
	free(im->crash_module_unavailable);
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

/* The modules of the system image's KL_SCENARIO_MODULES_DIR and their order list. */
struct scenario_mods {
	char **names; /* stored as <name>.ko */
	char **paths; /* absolute */
	size_t n;
	char *order;
};

static void scenario_mods_clear(struct scenario_mods *s)
{
	strv_free(s->names);
	strv_free(s->paths);
	free(s->order);
}

static int push(struct scenario_mods *s, const char *name, char *path)
{
	char **nn = reallocarray(s->names, s->n + 2, sizeof(char *));
	if (nn)
		s->names = nn;
	char **np = nn ? reallocarray(s->paths, s->n + 2, sizeof(char *)) : NULL;
	if (np)
		s->paths = np;
	if (!nn || !np || !path || !(s->names[s->n] = strdup(name))) {
		free(path);
		return -ENOMEM;
	}
	s->paths[s->n++] = path;
	s->names[s->n] = s->paths[s->n] = NULL;
	return 0;
}

static bool has(const struct scenario_mods *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (streq(s->names[i], name))
			return true;
	return false;
}

static int append_order(struct scenario_mods *s, const char *name, char *const *closure)
{
	_cleanup_free_ char *line = kl_initramfs_order_line(name, closure);
	char *n;
	if (!line || asprintf(&n, "%s%s", s->order ? s->order : "", line) < 0)
		return -ENOMEM;
	free(s->order);
	s->order = n;
	return 0;
}

/*
 * Each wanted kernel module with its modules.dep closure. A module built into the kernel needs
 * no file; one the kernel lacks entirely is left out (the scenario that loads it then fails
 * with the missing path, naming it).
 */
static int kernel_scenario_mods(const struct kl_kernel *k, const char *const *wanted,
				struct scenario_mods *s, struct kl_error **err)
{
	if (!wanted || !wanted[0] || !k->modules_dir)
		return 0;
	_cleanup_(kl_modules_freep) struct kl_modules *m = NULL;
	int r = kl_modules_load(k->modules_dir, &m, err);
	if (r < 0)
		return r;
	for (const char *const *w = wanted; *w; w++) {
		_cleanup_strv_free_ char **names = NULL, **paths = NULL;
		const char *one[] = { *w, NULL };
		if (kl_modules_closure(m, one, &names, &paths, NULL) < 0 || !names[0])
			continue;
		for (size_t i = 0; names[i]; i++)
			if (!has(s, names[i]) &&
			    push(s, names[i], kl_path_join(k->modules_dir, paths[i])) < 0)
				return kl_error_set(err, ENOMEM, "cannot list scenario modules");
		_cleanup_free_ char *self = kl_module_name(*w);
		if (!self || append_order(s, self, names) < 0)
			return kl_error_set(err, ENOMEM, "cannot list scenario modules");
	}
	return 0;
}

static int scenario_mods(const struct kl_images_options *o, const struct kl_kernel *k,
			 const char *crash_ko, struct scenario_mods *s, struct kl_error **err)
{
	if (crash_ko && push(s, KL_CRASH_MODULE_NAME, strdup(crash_ko)) < 0)
		return kl_error_set(err, ENOMEM, "cannot list scenario modules");
	if (o->user_module) {
		if (!kl_exists(o->user_module))
			return kl_error_usage(err, errno, "cannot read module '%s'",
					      o->user_module);
		if (push(s, "user", strdup(o->user_module)) < 0)
			return kl_error_set(err, ENOMEM, "cannot list scenario modules");
	}
	int r = kernel_scenario_mods(k, o->scenario_kmods, s, err);
	if (r < 0)
		return r;
	if (!s->order && !(s->order = strdup("")))
		return kl_error_set(err, ENOMEM, "cannot list scenario modules");
	return 0;
}

/*
 * The image id: everything that goes into the two initramfs images and the kernel they are
 * for. A Debian kernel's tree is immutable (keyed by package and version), so its package hash
 * stands for its modules; a local kernel's modules are hashed by content.
 */
static int image_id(const struct kl_images_options *o, const struct kl_kernel *k,
		    char *const *paths, const struct scenario_mods *sm,
		    char id[KL_SHA256_HEX_LEN + 1], struct kl_error **err)
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
	/* The scenario modules by content: the crash module's and the user's .ko are files of
	 * their own, and a local kernel's modules can change under the same name. */
	for (size_t i = 0; i < sm->n; i++) {
		kl_sha256_update(&s, sm->names[i], strlen(sm->names[i]) + 1);
		int r = kl_sha256_update_file(&s, sm->paths[i], err);
		if (r < 0)
			return kl_error_wrap(err, "scenario module '%s'", sm->names[i]);
	}
	kl_sha256_update(&s, sm->order, strlen(sm->order) + 1);
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
			const char *spec, char *const *names, char *const *paths,
			const struct scenario_mods *sm, const char *id, const char *dir,
			const struct kl_progress *p, struct kl_error **err)
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
	_cleanup_free_ struct kl_initramfs_module *smods = calloc(sm->n + 1, sizeof(*smods));
	for (size_t i = 0; smods && i < sm->n; i++)
		smods[i] = (struct kl_initramfs_module){ sm->names[i], sm->paths[i] };
	if (r >= 0 && !smods)
		r = kl_error_set(err, ENOMEM, "cannot build images");
	if (r >= 0)
		r = kl_initramfs_write_system(sys, o->loader_path, k->vmlinuz, cap, smods,
					      sm->order, err);
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
			 const char *spec, char *const *names, char *const *paths,
			 const struct scenario_mods *sm, const char *id, const char *dir,
			 const struct kl_progress *p, struct kl_error **err)
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
	return build_images(o, k, spec, names, paths, sm, id, dir, p, err);
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
	/* Never fails prepare: the crash-module scenarios become unavailable with the reason. */
	_cleanup_free_ char *crash_ko = NULL, *crash_why = NULL;
	r = kl_crash_module_prepare(o->cache_dir, spec, k, &p, &crash_ko, &crash_why);
	if (r < 0)
		return kl_error_set(err, -r, "cannot build the crash module");
	_cleanup_(scenario_mods_clear) struct scenario_mods sm = { 0 };
	r = scenario_mods(o, k, crash_ko, &sm, err);
	if (r < 0)
		return kl_error_wrap(err, "kernel '%s'", spec->normalised);
	char id[KL_SHA256_HEX_LEN + 1];
	r = image_id(o, k, paths, &sm, id, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *dir = NULL;
	if (asprintf(&dir, "%s/images/%s", o->cache_dir, id) < 0)
		return kl_error_set(err, ENOMEM, "cannot prepare images");
	r = ensure_images(o, k, spec->normalised, names, paths, &sm, id, dir, &p, err);
	if (r < 0)
		return kl_error_wrap(err, "kernel '%s'", spec->normalised);
	_cleanup_(kl_images_freep) struct kl_images *im = calloc(1, sizeof(*im));
	if (!im || fill(im, k, spec->normalised, id, dir, names) < 0)
		return kl_error_set(err, ENOMEM, "cannot prepare images");
	names = NULL;
	im->crash_module = TAKE_PTR(crash_ko);
	im->crash_module_unavailable = TAKE_PTR(crash_why);
	*ret = TAKE_PTR(im);
	return 0;
}
