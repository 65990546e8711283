/* SPDX-License-Identifier: MIT */
/* The crash module builder's pure parts: compiler versions, Depends fields, the fix-up of an
 * extracted headers tree, the kbuild command line, the cache key and the order list. */
#include <sys/stat.h>

#include "crash-module.h"
#include "helpers.h"
#include "initramfs.h"

START_TEST(cc_major)
{
	ck_assert_int_eq(kl_cc_major("gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0"), 12);
	ck_assert_int_eq(kl_cc_major("x86_64-linux-gnu-gcc-14 (Debian 14.2.0-19) 14.2.0"), 14);
	ck_assert_int_eq(kl_cc_major("gcc (GCC) 13.1.1 20230614"), 13);
	ck_assert_int_eq(kl_cc_major("gcc (GCC)"), -EINVAL);
	ck_assert_int_eq(kl_cc_major("Debian clang version 16.0.6 (15)"), -EINVAL);
	ck_assert_int_eq(kl_cc_major(""), -EINVAL);
	ck_assert_int_eq(kl_cc_major(NULL), -EINVAL);
	ck_assert_int_eq(kl_cc_major("gcc 99999999999999999999.1"), -EINVAL);
}
END_TEST

START_TEST(headers_depends)
{
	char *common = NULL, *kbuild = NULL;
	ck_assert_int_eq(
		kl_headers_depends(
			"linux-base (>= 4.12~), linux-headers-6.12.118+deb13-common (= 6.12.118-1), linux-image-6.12.118+deb13-cloud-amd64 (= 6.12.118-1) | linux-image-6.12.118+deb13-cloud-amd64-unsigned (= 6.12.118-1), linux-kbuild-6.12.118+deb13, gcc-14",
			&common, &kbuild),
		0);
	ck_assert_str_eq(common, "linux-headers-6.12.118+deb13-common");
	ck_assert_str_eq(kbuild, "linux-kbuild-6.12.118+deb13");
	free(common);
	free(kbuild);
	ck_assert_int_eq(
		kl_headers_depends("linux-headers-6.1.0-57-common (= 6.1.192-3)", &common, &kbuild),
		-ENOENT);
	ck_assert_int_eq(kl_headers_depends("", &common, &kbuild), -ENOENT);
}
END_TEST

START_TEST(depends_names)
{
	char **v = NULL;
	ck_assert_int_eq(kl_depends_names("libc6 (>= 2.38), a | b, c:any,  d", &v), 0);
	ck_assert_str_eq(v[0], "libc6");
	ck_assert_str_eq(v[1], "a");
	ck_assert_str_eq(v[2], "c");
	ck_assert_str_eq(v[3], "d");
	ck_assert_ptr_null(v[4]);
	strv_free(v);
	ck_assert_int_eq(kl_depends_names("", &v), 0);
	ck_assert_ptr_null(v[0]);
	strv_free(v);
}
END_TEST

START_TEST(relative_target)
{
	char *s = kl_relative_target("lib/modules/6.1.0-57-cloud-amd64/build",
				     "/usr/src/linux-headers-6.1.0-57-cloud-amd64");
	ck_assert_str_eq(s, "../../../usr/src/linux-headers-6.1.0-57-cloud-amd64");
	free(s);
	s = kl_relative_target("top", "/usr/x");
	ck_assert_str_eq(s, "usr/x");
	free(s);
	s = kl_relative_target("a/b", "/");
	ck_assert_str_eq(s, "..");
	free(s);
}
END_TEST

/* An extracted tree as Debian's packages lay it out: the fix-up makes it usable in place. */
START_TEST(tree_fixup)
{
	char *dir = t_tmpdir();
	free(t_write(dir, "usr/src/linux-headers-R-common/Makefile", "real\n"));
	free(t_write(dir, "usr/src/linux-headers-R/Makefile",
		     "include /usr/src/linux-headers-R-common/Makefile\nCC = gcc-12\n"));
	free(t_write(
		dir, "usr/src/linux-headers-S/Makefile",
		"KBUILD_OUTPUT=/usr/src/linux-headers-S\ninclude ../linux-headers-S-common/Makefile\nX = a/usr/src/b\n"));
	free(t_write(dir, "usr/lib/linux-kbuild-6.1/scripts/x", "x\n"));
	_cleanup_free_ char *cmd = NULL;
	ck_assert_int_ge(
		asprintf(
			&cmd,
			"cd %s && mkdir -p lib/modules/R && ln -s /usr/src/linux-headers-R lib/modules/R/build && ln -s ../../lib/linux-kbuild-6.1/scripts usr/src/linux-headers-R/scripts && ln -s /etc/passwd usr/outside",
			dir),
		0);
	free(t_sh(cmd));
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_msg(kl_tree_fixup(dir, "/final", &e) == 0, "%s", e ? e->msg : "");
	free(cmd);
	ck_assert_int_ge(
		asprintf(
			&cmd,
			"cd %s && readlink lib/modules/R/build usr/src/linux-headers-R/scripts usr/outside && cat lib/modules/R/build/Makefile usr/src/linux-headers-S/Makefile",
			dir),
		0);
	_cleanup_free_ char *out = t_sh(cmd);
	/* Absolute links now stay inside the tree; relative ones are untouched. */
	ck_assert_str_eq(out,
			 "../../../usr/src/linux-headers-R\n"
			 "../../lib/linux-kbuild-6.1/scripts\n"
			 "../etc/passwd\n"
			 "include /final/usr/src/linux-headers-R-common/Makefile\nCC = gcc-12\n"
			 "KBUILD_OUTPUT=/final/usr/src/linux-headers-S\n"
			 "include ../linux-headers-S-common/Makefile\nX = a/usr/src/b\n");
	kl_rm_rf(dir);
	free(dir);
}
END_TEST

START_TEST(kbuild_argv)
{
	char **v = kl_kbuild_argv(NULL, "/c/headers/usr/src/linux-headers-R", "/c/tmp/b");
	const char *host[] = { "make",
			       "-C",
			       "/c/headers/usr/src/linux-headers-R",
			       "M=/c/tmp/b",
			       "CONFIG_DEBUG_INFO_BTF_MODULES=",
			       "modules",
			       NULL };
	for (size_t i = 0; host[i]; i++)
		ck_assert_str_eq(v[i], host[i]);
	ck_assert_ptr_null(v[6]);
	strv_free(v);
	v = kl_kbuild_argv("/c/buildroots/trixie-x", "/headers/h/usr/src/linux-headers-R",
			   "/build/k");
	const char *chroot[] = { "unshare",
				 "--fork",
				 "--pid",
				 "--mount-proc=/c/buildroots/trixie-x/proc",
				 "chroot",
				 "/c/buildroots/trixie-x",
				 "make",
				 "-C",
				 "/headers/h/usr/src/linux-headers-R",
				 "M=/build/k",
				 "CONFIG_DEBUG_INFO_BTF_MODULES=",
				 "modules",
				 NULL };
	for (size_t i = 0; chroot[i]; i++)
		ck_assert_str_eq(v[i], chroot[i]);
	ck_assert_ptr_null(v[12]);
	strv_free(v);
}
END_TEST

START_TEST(key)
{
	static const unsigned char a[] = "obj-m := x.o\n", b[] = "obj-m := y.o\n";
	const struct kl_source_file fa[] = { { "Kbuild", a, sizeof(a) }, { 0 } };
	const struct kl_source_file fb[] = { { "Kbuild", b, sizeof(b) }, { 0 } };
	char k1[KL_SHA256_HEX_LEN + 1], k2[KL_SHA256_HEX_LEN + 1];
	kl_crash_module_key(fa, "deb-sha256:1", "host gcc-12 (Debian 12.2.0-14) 12.2.0", k1);
	kl_crash_module_key(fa, "deb-sha256:1", "host gcc-12 (Debian 12.2.0-14) 12.2.0", k2);
	ck_assert_str_eq(k1, k2);
	kl_crash_module_key(fb, "deb-sha256:1", "host gcc-12 (Debian 12.2.0-14) 12.2.0", k2);
	ck_assert_str_ne(k1, k2); /* the source */
	kl_crash_module_key(fa, "deb-sha256:2", "host gcc-12 (Debian 12.2.0-14) 12.2.0", k2);
	ck_assert_str_ne(k1, k2); /* the kernel */
	kl_crash_module_key(fa, "deb-sha256:1", "host gcc-12 (Debian 12.2.0-15) 12.2.0", k2);
	ck_assert_str_ne(k1, k2); /* the compiler */
	/* The embedded source is the module's: its Kbuild names kdumplab_crash.o. */
	ck_assert_str_eq(kl_crash_module_source[0].name, "Kbuild");
	ck_assert_ptr_nonnull(memmem(kl_crash_module_source[0].data, kl_crash_module_source[0].len,
				     "kdumplab_crash.o", 16));
	ck_assert_str_eq(kl_crash_module_source[1].name, "kdumplab_crash.c");
	ck_assert_ptr_null(kl_crash_module_source[2].name);
}
END_TEST

START_TEST(order_line)
{
	char *closure[] = { "virtio_ring", "virtio", "virtio_blk", NULL };
	char *s = kl_initramfs_order_line("virtio_blk", closure);
	ck_assert_str_eq(s, "virtio_blk virtio_ring virtio\n");
	free(s);
	char *alone[] = { "softdog", NULL };
	s = kl_initramfs_order_line("softdog", alone);
	ck_assert_str_eq(s, "softdog\n");
	free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crash-module");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, cc_major);
	tcase_add_test(tc, headers_depends);
	tcase_add_test(tc, depends_names);
	tcase_add_test(tc, relative_target);
	tcase_add_test(tc, tree_fixup);
	tcase_add_test(tc, kbuild_argv);
	tcase_add_test(tc, key);
	tcase_add_test(tc, order_line);
	suite_add_tcase(s, tc);
	return kl_check_run(s);
}
