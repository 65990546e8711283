/* SPDX-License-Identifier: MIT */
#include <archive.h>
#include <archive_entry.h>
#include <string.h>

#include "../common/protocol.h"
#include "base/fs.h"
#include "cpio.h"
#include "initramfs.h"

static void archive_freep(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);
	return ls >= lx && streq(s + ls - lx, suffix);
}

/* Modules are shipped compressed since trixie; the saver loads them with finit_module() as-is,
 * so we store them plain and need no decompressor in the guest. */
int kl_module_read(const char *path, void **ret_data, size_t *ret_len, struct kl_error **err)
{
	_cleanup_(archive_freep) struct archive *a = archive_read_new();
	if (!a)
		return kl_error_set(err, ENOMEM, "cannot read module '%s'", path);
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	struct archive_entry *e;
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK)
		return kl_error_set(err, archive_errno(a) > 0 ? archive_errno(a) : 0,
				    "cannot read module '%s': %s", path, archive_error_string(a));
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 1 << 18;
			char *n = realloc(buf, cap);
			if (!n)
				return kl_error_set(err, ENOMEM, "cannot read module '%s'", path);
			buf = n;
		}
		la_ssize_t n = archive_read_data(a, buf + len, cap - len);
		if (n < 0)
			return kl_error_set(err, 0, "cannot decompress module '%s': %s", path,
					    archive_error_string(a));
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len < 4 || memcmp(buf, "\177ELF", 4) != 0)
		return kl_error_set(err, ENOEXEC,
				    "module '%s' is not an ELF file after decompression", path);
	*ret_data = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static int add_common(struct kl_cpio *c, const char *init, struct kl_error **err)
{
	static const char *const dirs[] = { "/proc", "/sys", "/dev", "/mnt", "/etc/kdumplab" };
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		int r = kl_cpio_add_dir(c, dirs[i], 0755, err);
		if (r < 0)
			return r;
	}
	/* The kernel opens /dev/console for /init's stdio before devtmpfs is mounted. */
	int r = kl_cpio_add_chardev(c, "/dev/console", 0600, 5, 1, err);
	if (r < 0)
		return r;
	if (!kl_exists(init))
		return kl_error_set(err, errno, "cannot use '%s' as /init", init);
	return kl_cpio_add_file(c, "/init", 0755, init, err);
}

/* "kernel/fs/x.ko.zst" -> "/lib/modules/<release>/kernel/fs/x.ko" */
static char *module_dest(const char *release, const char *rel)
{
	char *d;
	if (asprintf(&d, "/lib/modules/%s/%s", release, rel) < 0)
		return NULL;
	char *ko = strstr(d, ".ko");
	if (ko && ends_with(d, ko))
		ko[3] = '\0';
	return d;
}

static int add_module(struct kl_cpio *c, const char *modules_dir, const char *dest, const char *rel,
		      struct kl_error **err)
{
	_cleanup_free_ char *src = kl_path_join(modules_dir, rel);
	if (!src)
		return kl_error_set(err, ENOMEM, "cannot add module '%s'", rel);
	if (ends_with(src, ".ko"))
		return kl_cpio_add_file(c, dest, 0644, src, err);
	void *data;
	size_t len;
	int r = kl_module_read(src, &data, &len, err);
	if (r < 0)
		return r;
	return kl_cpio_add_data_owned(c, dest, 0644, data, len, err);
}

int kl_initramfs_write_capture(const char *path, const char *saver, const char *release,
			       const char *modules_dir, const char *const *module_paths,
			       struct kl_error **err)
{
	_cleanup_(kl_cpio_freep) struct kl_cpio *c = NULL;
	int r = kl_cpio_new(&c, err);
	if (r < 0)
		return r;
	r = add_common(c, saver, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *list = strdup("");
	for (const char *const *p = module_paths; p && *p; p++) {
		_cleanup_free_ char *dest = module_dest(release, *p);
		char *nl;
		if (!dest || !list || asprintf(&nl, "%s%s\n", list, dest) < 0)
			return kl_error_set(err, ENOMEM, "cannot build the capture initramfs");
		free(list);
		list = nl;
		r = add_module(c, modules_dir, dest, *p, err);
		if (r < 0)
			return r;
	}
	if (!list)
		return kl_error_set(err, ENOMEM, "cannot build the capture initramfs");
	r = kl_cpio_add_data(c, KL_MODULES_LIST, 0644, list, strlen(list), err);
	if (r < 0)
		return r;
	return kl_cpio_write(c, path, err);
}

char *kl_initramfs_order_line(const char *name, char *const *closure)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	if (!f)
		return NULL;
	fputs(name, f);
	for (char *const *c = closure; c && *c; c++)
		if (!streq(*c, name))
			fprintf(f, " %s", *c);
	fputc('\n', f);
	if (fclose(f) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

static int add_scenario_modules(struct kl_cpio *c, const struct kl_initramfs_module *mods,
				const char *order, struct kl_error **err)
{
	int r = kl_cpio_add_dir(c, KL_SCENARIO_MODULES_DIR, 0755, err);
	for (const struct kl_initramfs_module *m = mods; r >= 0 && m && m->name; m++) {
		_cleanup_free_ char *dest = NULL;
		if (strchr(m->name, '/') ||
		    asprintf(&dest, "%s/%s.ko", KL_SCENARIO_MODULES_DIR, m->name) < 0)
			return kl_error_set(err, EINVAL, "bad scenario module name '%s'", m->name);
		void *data;
		size_t len;
		r = kl_module_read(m->path, &data, &len, err);
		if (r >= 0)
			r = kl_cpio_add_data_owned(c, dest, 0644, data, len, err);
	}
	if (r >= 0 && order)
		r = kl_cpio_add_data(c, KL_SCENARIO_MODULES_DIR "/" KL_SCENARIO_MODULES_ORDER, 0644,
				     order, strlen(order), err);
	return r;
}

int kl_initramfs_write_system(const char *path, const char *loader, const char *capture_kernel,
			      const char *capture_initrd, const struct kl_initramfs_module *mods,
			      const char *order, struct kl_error **err)
{
	_cleanup_(kl_cpio_freep) struct kl_cpio *c = NULL;
	int r = kl_cpio_new(&c, err);
	if (r < 0)
		return r;
	r = add_common(c, loader, err);
	if (r < 0)
		return r;
	r = kl_cpio_add_file(c, KL_CAPTURE_KERNEL, 0644, capture_kernel, err);
	if (r < 0)
		return r;
	r = kl_cpio_add_file(c, KL_CAPTURE_INITRD, 0644, capture_initrd, err);
	if (r < 0)
		return r;
	r = kl_cpio_add_data(c, KL_MODULES_LIST, 0644, "", 0, err);
	if (r < 0)
		return r;
	r = add_scenario_modules(c, mods, order, err);
	if (r < 0)
		return r;
	return kl_cpio_write(c, path, err);
}
