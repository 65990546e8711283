/* SPDX-License-Identifier: MIT */
/* local:VMLINUZ[,MODULES_DIR]: a kernel already on disk; nothing is copied. */
#include <libgen.h>
#include <string.h>

#include "base/fs.h"
#include "bzimage.h"
#include "hash.h"
#include "kernel-source.h"

/* Where a config for this kernel may be, in order. */
static int find_config(const char *vmlinuz, const char *modules_dir, const char *release,
		       char **ret, struct kl_error **err)
{
	_cleanup_free_ char *copy = strdup(vmlinuz);
	if (!copy)
		return kl_error_set(err, ENOMEM, "cannot look for a kernel config");
	const char *dir = dirname(copy);
	char *cand[5] = { 0 };
	size_t n = 0;
	if (asprintf(&cand[n], "%s/config-%s", dir, release) >= 0)
		n++;
	if (modules_dir && asprintf(&cand[n], "%s/build/.config", modules_dir) >= 0)
		n++;
	if (modules_dir && asprintf(&cand[n], "%s/config", modules_dir) >= 0)
		n++;
	/* A build tree: arch/x86/boot/bzImage next to .config three levels up. */
	if (asprintf(&cand[n], "%s/../../../.config", dir) >= 0)
		n++;
	int found = -1;
	for (size_t i = 0; i < n && found < 0; i++)
		if (access(cand[i], R_OK) == 0)
			found = (int)i;
	if (found >= 0) {
		*ret = realpath(cand[found], NULL);
		for (size_t i = 0; i < n; i++)
			free(cand[i]);
		return *ret ? 0 : kl_error_set(err, errno, "cannot resolve kernel config path");
	}
	char *list = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&list, &len);
	for (size_t i = 0; f && i < n; i++)
		fprintf(f, "%s'%s'", i ? ", " : "", cand[i]);
	if (f)
		fclose(f);
	int r = kl_error_set(err, ENOENT, "no kernel config for '%s' (release %s): looked for %s",
			     vmlinuz, release, list ? list : "?");
	free(list);
	for (size_t i = 0; i < n; i++)
		free(cand[i]);
	return r;
}

static int local_prepare_checked(const struct kl_kernel_spec *spec, struct kl_kernel **ret,
				 struct kl_error **err)
{
	_cleanup_(kl_kernel_freep) struct kl_kernel *k = calloc(1, sizeof(*k));
	if (!k || !(k->vmlinuz = strdup(spec->vmlinuz)))
		return kl_error_set(err, ENOMEM, "cannot prepare '%s'", spec->normalised);
	if (access(k->vmlinuz, R_OK) < 0)
		return kl_error_set(err, errno, "cannot read kernel '%s'", k->vmlinuz);
	int r = kl_bzimage_release(k->vmlinuz, &k->release, err);
	if (r < 0)
		return r;
	if (spec->modules_dir) {
		_cleanup_free_ char *dep = kl_path_join(spec->modules_dir, "modules.dep");
		if (!dep)
			return kl_error_set(err, ENOMEM, "cannot prepare '%s'", spec->normalised);
		if (access(dep, R_OK) < 0)
			return kl_error_set(err, errno,
					    "cannot read '%s' (run depmod for release %s first)",
					    dep, k->release);
		k->modules_dir = strdup(spec->modules_dir);
	} else {
		/* The host's tree for the same release is the same kernel's modules. */
		_cleanup_free_ char *d = NULL, *dep = NULL;
		if (asprintf(&d, "/lib/modules/%s", k->release) < 0)
			return kl_error_set(err, ENOMEM, "cannot prepare '%s'", spec->normalised);
		dep = kl_path_join(d, "modules.dep");
		if (dep && access(dep, R_OK) == 0)
			k->modules_dir = TAKE_PTR(d);
	}
	r = find_config(k->vmlinuz, k->modules_dir, k->release, &k->config, err);
	if (r < 0)
		return r;
	struct kl_sha256 s;
	char hex[KL_SHA256_HEX_LEN + 1];
	kl_sha256_init(&s);
	r = kl_sha256_update_file(&s, k->vmlinuz, err);
	if (r >= 0)
		r = kl_sha256_update_file(&s, k->config, err);
	if (r < 0)
		return r;
	kl_sha256_final_hex(&s, hex);
	if (asprintf(&k->identity, "local-sha256:%s", hex) < 0)
		return kl_error_set(err, ENOMEM, "cannot prepare '%s'", spec->normalised);
	*ret = TAKE_PTR(k);
	return 0;
}

/* Everything here is about files the user named: failures are bad input (exit status 2). */
static int local_prepare(const struct kl_kernel_spec *spec, const char *cache_dir,
			 const struct kl_progress *p, struct kl_kernel **ret, struct kl_error **err)
{
	int r = local_prepare_checked(spec, ret, err);
	if (r < 0 && r != -ENOMEM && err && *err)
		(*err)->exit_code = 2;
	return r;
}

const struct kl_kernel_source kl_kernel_source_local = {
	.source = KL_KERNEL_LOCAL,
	.name = "local",
	.prepare = local_prepare,
};
