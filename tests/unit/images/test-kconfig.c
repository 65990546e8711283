/* SPDX-License-Identifier: MIT */
/* The kernel config check on synthetic configs. */
#include "helpers.h"
#include "images.h"
#include "kconfig.h"

static const char good[] =
	"# comment\n"
	"CONFIG_X86_64=y\nCONFIG_RELOCATABLE=y\nCONFIG_KEXEC_FILE=y\nCONFIG_CRASH_DUMP=y\n"
	"CONFIG_PROC_VMCORE=y\nCONFIG_PROC_FS=y\nCONFIG_SYSFS=y\nCONFIG_MAGIC_SYSRQ=y\n"
	"CONFIG_PRINTK=y\nCONFIG_BLK_DEV_INITRD=y\nCONFIG_BINFMT_ELF=y\nCONFIG_DEVTMPFS=y\n"
	"CONFIG_SERIAL_8250=y\nCONFIG_SERIAL_8250_CONSOLE=y\nCONFIG_VIRTIO_PCI=m\n"
	"CONFIG_VIRTIO_BLK=m\nCONFIG_EXT4_FS=y\nCONFIG_LOCALVERSION=\"-test\"\n";

static char **check(const char *text)
{
	_cleanup_free_ char *dir = t_tmpdir();
	_cleanup_free_ char *path = t_write(dir, "config", text);
	char **missing = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_msg(kl_kconfig_check(path, &missing, &e) == 0, "%s", e ? e->msg : "?");
	kl_rm_rf(dir);
	return missing;
}

START_TEST(complete_config_passes)
{
	char **missing = check(good);
	ck_assert_ptr_null(missing[0]);
	strv_free(missing);
}
END_TEST

START_TEST(all_missing_listed)
{
	/* Unset, "is not set", =m where =y is needed: each one reported, in one list. */
	char *text = strdup(good);
	char *p = strstr(text, "CONFIG_KEXEC_FILE=y\n");
	memcpy(p, "#", 1);
	p = strstr(text, "CONFIG_SERIAL_8250_CONSOLE=y");
	p[strlen("CONFIG_SERIAL_8250_CONSOLE=")] = 'm';
	char *t2 = NULL;
	ck_assert_int_ge(
		asprintf(&t2, "%s# CONFIG_MAGIC_SYSRQ is not set\nCONFIG_MAGIC_SYSRQ=n\n", text),
		0);
	char **missing = check(t2);
	ck_assert_ptr_nonnull(missing[0]);
	ck_assert_str_eq(missing[0], "CONFIG_KEXEC_FILE=y");
	ck_assert_str_eq(missing[1], "CONFIG_MAGIC_SYSRQ=y");
	ck_assert_str_eq(missing[2], "CONFIG_SERIAL_8250_CONSOLE=y");
	ck_assert_ptr_null(missing[3]);
	strv_free(missing);
	free(text);
	free(t2);
}
END_TEST

START_TEST(module_allowed_only_where_it_works)
{
	char *text = strdup(good);
	char *p = strstr(text, "CONFIG_EXT4_FS=y");
	p[strlen("CONFIG_EXT4_FS=")] = 'm';
	char **missing = check(text);
	ck_assert_ptr_null(missing[0]);
	strv_free(missing);
	free(text);
	missing = check("CONFIG_FOO=y\n");
	size_t n = 0;
	while (missing[n])
		n++;
	ck_assert_int_eq(n, 17);
	ck_assert_str_eq(missing[14], "CONFIG_VIRTIO_PCI=y|m");
	strv_free(missing);
}
END_TEST

START_TEST(reasons_and_values)
{
	ck_assert_ptr_nonnull(strstr(kl_kconfig_reason("CONFIG_PROC_VMCORE"), "/proc/vmcore"));
	ck_assert_ptr_null(kl_kconfig_reason("CONFIG_FOO"));
	_cleanup_free_ char *dir = t_tmpdir();
	_cleanup_free_ char *path = t_write(dir, "config", good);
	struct kl_kconfig *c = NULL;
	ck_assert_int_eq(kl_kconfig_load(path, &c, NULL), 0);
	ck_assert_str_eq(kl_kconfig_get(c, "CONFIG_VIRTIO_BLK"), "m");
	ck_assert_str_eq(kl_kconfig_get(c, "CONFIG_LOCALVERSION"), "\"-test\"");
	ck_assert_ptr_null(kl_kconfig_get(c, "CONFIG_NOPE"));
	kl_kconfig_free(c);
	kl_rm_rf(dir);
}
END_TEST

START_TEST(unreadable_or_not_a_config)
{
	char **missing = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_kconfig_check("/nonexistent/config", &missing, &e), -ENOENT);
	ck_assert_ptr_nonnull(strstr(e->msg, "'/nonexistent/config'"));
	kl_error_free(e);
	e = NULL;
	_cleanup_free_ char *dir = t_tmpdir();
	_cleanup_free_ char *path = t_write(dir, "config", "hello\n");
	ck_assert_int_lt(kl_kconfig_check(path, &missing, &e), 0);
	ck_assert_ptr_nonnull(strstr(e->msg, "not a kernel config"));
	ck_assert_ptr_null(missing);
	kl_error_free(e);
	kl_rm_rf(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kconfig");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, complete_config_passes);
	tcase_add_test(tc, all_missing_listed);
	tcase_add_test(tc, module_allowed_only_where_it_works);
	tcase_add_test(tc, reasons_and_values);
	tcase_add_test(tc, unreadable_or_not_a_config);
	suite_add_tcase(s, tc);
	return kl_check_run(s);
}
