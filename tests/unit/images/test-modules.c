/* SPDX-License-Identifier: MIT */
/* Module closure on a synthetic modules.dep tree, and reading compressed modules. */
#include <archive.h>
#include <archive_entry.h>

#include "helpers.h"
#include "initramfs.h"
#include "modules.h"

#define REL "9.9.9-kltest"

/*
 * virtio_blk -> virtio_ring, virtio (virtio built in); virtio_pci -> virtio_pci_modern_dev,
 * virtio-ring; ext4 -> jbd2, mbcache with softdep pre: crc32c (an alias of crc32c-intel),
 * a module that does not exist and crc32c-generic (compressed .ko.xz); jbd2 softdep pre:
 * ext4 (a cycle); unrelated -> missing, whose file is removed after depmod.
 */
static const struct t_module mods[] = {
	{ "kernel/drivers/block/virtio_blk.ko", "virtio_ring virtio" },
	{ "kernel/drivers/virtio/virtio_ring.ko" },
	{ "kernel/drivers/virtio/virtio_pci.ko", "virtio_pci_modern_dev virtio_ring" },
	{ "kernel/drivers/virtio/virtio_pci_modern_dev.ko" },
	{ "kernel/fs/ext4/ext4.ko.zst", "jbd2 mbcache",
	  "softdep=pre: crc32c nonexistent crc32c-generic post: foo" },
	{ "kernel/fs/jbd2/jbd2.ko.zst", NULL, "softdep=pre: ext4" },
	{ "kernel/fs/mbcache.ko.zst" },
	{ "kernel/crypto/crc32c_generic.ko.xz" },
	{ "kernel/arch/x86/crypto/crc32c-intel.ko", NULL, "alias=crc32c\nalias=crypto-crc32c" },
	{ "kernel/drivers/other/unrelated.ko", "missing" },
	{ "kernel/drivers/other/missing.ko" },
};
static const char builtin[] = "kernel/drivers/virtio/virtio.ko\nkernel/lib/crc-t10dif.ko\n";

/* The root of the tree; the modules directory in *ret_mods. */
static char *tree(char **ret_mods)
{
	char *dir = t_tmpdir();
	char *m = t_depmod_tree(dir, REL, mods, ELEMENTSOF(mods), builtin);
	_cleanup_free_ char *missing = kl_path_join(m, "kernel/drivers/other/missing.ko");
	ck_assert_int_eq(unlink(missing), 0);
	*ret_mods = m;
	return dir;
}

static void expect(char **got, const char *const *want)
{
	size_t i = 0;
	for (; want[i]; i++) {
		ck_assert_ptr_nonnull(got[i]);
		ck_assert_str_eq(got[i], want[i]);
	}
	ck_assert_ptr_null(got[i]);
}

START_TEST(closure_in_load_order)
{
	_cleanup_free_ char *mdir = NULL, *dir = tree(&mdir);
	struct kl_modules *m = NULL;
	ck_assert_int_eq(kl_modules_load(mdir, &m, NULL), 0);
	/* '-' and '_' are the same character in module names. */
	const char *wanted[] = { "virtio-pci", "virtio_blk", "ext4", NULL };
	char **names = NULL, **paths = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_msg(kl_modules_closure(m, wanted, &names, &paths, &e) == 0, "%s",
		      e ? e->msg : "");
	/* ext4's softdep names crc32c, an alias: resolved as modprobe does, to crc32c-intel */
	const char *const want_names[] = {
		"virtio_pci_modern_dev", "virtio_ring", "virtio_pci", "virtio_blk", "crc32c_intel",
		"crc32c_generic",	 "mbcache",	"jbd2",	      "ext4",	    NULL
	};
	expect(names, want_names);
	const char *const want_paths[] = { "kernel/drivers/virtio/virtio_pci_modern_dev.ko",
					   "kernel/drivers/virtio/virtio_ring.ko",
					   "kernel/drivers/virtio/virtio_pci.ko",
					   "kernel/drivers/block/virtio_blk.ko",
					   "kernel/arch/x86/crypto/crc32c-intel.ko",
					   "kernel/crypto/crc32c_generic.ko.xz",
					   "kernel/fs/mbcache.ko.zst",
					   "kernel/fs/jbd2/jbd2.ko.zst",
					   "kernel/fs/ext4/ext4.ko.zst",
					   NULL };
	expect(paths, want_paths);
	strv_free(names);
	strv_free(paths);
	kl_modules_free(m);
	kl_rm_rf(dir);
}
END_TEST

START_TEST(builtin_needs_no_file)
{
	_cleanup_free_ char *mdir = NULL, *dir = tree(&mdir);
	struct kl_modules *m = NULL;
	ck_assert_int_eq(kl_modules_load(mdir, &m, NULL), 0);
	ck_assert(kl_modules_is_builtin(m, "virtio"));
	ck_assert(kl_modules_is_builtin(m, "crc_t10dif"));
	ck_assert(!kl_modules_is_builtin(m, "ext4"));
	const char *wanted[] = { "virtio", "crc-t10dif", NULL };
	char **names = NULL, **paths = NULL;
	ck_assert_int_eq(kl_modules_closure(m, wanted, &names, &paths, NULL), 0);
	ck_assert_ptr_null(names[0]);
	ck_assert_ptr_null(paths[0]);
	strv_free(names);
	strv_free(paths);
	kl_modules_free(m);
	kl_rm_rf(dir);
}
END_TEST

START_TEST(missing_module_is_named)
{
	_cleanup_free_ char *mdir = NULL, *dir = tree(&mdir);
	struct kl_modules *m = NULL;
	ck_assert_int_eq(kl_modules_load(mdir, &m, NULL), 0);
	const char *wanted[] = { "virtio_blk", "nvme", NULL };
	char **names = NULL, **paths = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_modules_closure(m, wanted, &names, &paths, &e), -EINVAL);
	ck_assert_ptr_nonnull(strstr(e->msg, "'nvme'"));
	ck_assert_ptr_null(names);
	kl_error_free(e);
	e = NULL;
	const char *wanted2[] = { "unrelated", NULL };
	ck_assert_int_eq(kl_modules_closure(m, wanted2, &names, &paths, &e), -ENOENT);
	/* in modules.dep, but its file is gone: named, not silently left out */
	ck_assert_ptr_nonnull(strstr(e->msg, "dependencies of 'unrelated'"));
	ck_assert_ptr_nonnull(strstr(e->msg, "/missing.ko"));
	kl_error_free(e);
	kl_modules_free(m);
	kl_rm_rf(dir);
}
END_TEST

START_TEST(names_from_paths)
{
	static const char *const cases[][2] = {
		{ "kernel/fs/ext4/ext4.ko", "ext4" },
		{ "kernel/drivers/block/virtio_blk.ko.xz", "virtio_blk" },
		{ "kernel/lib/crc-t10dif.ko.zst", "crc_t10dif" },
		{ "crc32c-generic", "crc32c_generic" },
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *n = kl_module_name(cases[i][0]);
		ck_assert_str_eq(n, cases[i][1]);
	}
}
END_TEST

START_TEST(no_modules_dep)
{
	_cleanup_free_ char *dir = t_tmpdir();
	struct kl_modules *m = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_modules_load(dir, &m, &e), -ENOENT);
	ck_assert_ptr_nonnull(strstr(e->msg, "modules.dep.bin'"));
	kl_error_free(e);
	kl_rm_rf(dir);
}
END_TEST

START_TEST(compressed_modules_are_decompressed)
{
	_cleanup_free_ char *dir = t_tmpdir();
	char ko[100000];
	memcpy(ko, "\177ELF", 4);
	for (size_t i = 4; i < sizeof(ko); i++)
		ko[i] = (char)(i * 7 % 251);
	static const struct {
		const char *name;
		int filter;
	} forms[] = { { "a.ko.xz", ARCHIVE_FILTER_XZ },
		      { "a.ko.zst", ARCHIVE_FILTER_ZSTD },
		      { "a.ko.gz", ARCHIVE_FILTER_GZIP },
		      { "a.ko", ARCHIVE_FILTER_NONE } };
	for (size_t i = 0; i < ELEMENTSOF(forms); i++) {
		_cleanup_free_ char *p = kl_path_join(dir, forms[i].name);
		t_write_filtered(p, forms[i].filter, ko, sizeof(ko));
		void *data = NULL;
		size_t len = 0;
		_cleanup_error_ struct kl_error *e = NULL;
		ck_assert_msg(kl_module_read(p, &data, &len, &e) == 0, "%s: %s", forms[i].name,
			      e ? e->msg : "");
		ck_assert_uint_eq(len, sizeof(ko));
		ck_assert(memcmp(data, ko, len) == 0);
		free(data);
	}
	_cleanup_free_ char *bad = t_write(dir, "bad.ko.xz", "not xz, not ELF");
	struct kl_error *e = NULL;
	void *data;
	size_t len;
	ck_assert_int_lt(kl_module_read(bad, &data, &len, &e), 0);
	ck_assert_ptr_nonnull(strstr(e->msg, "bad.ko.xz"));
	kl_error_free(e);
	kl_rm_rf(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("modules");
	TCase *tc = tcase_create("core");
	/* cc and depmod build each fixture tree: generous on a loaded machine */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, closure_in_load_order);
	tcase_add_test(tc, builtin_needs_no_file);
	tcase_add_test(tc, missing_module_is_named);
	tcase_add_test(tc, names_from_paths);
	tcase_add_test(tc, no_modules_dep);
	tcase_add_test(tc, compressed_modules_are_decompressed);
	suite_add_tcase(s, tc);
	return kl_check_run(s);
}
