/* SPDX-License-Identifier: MIT */
/* Kernel spec parsing and Debian version ordering. */
#include "debversion.h"
#include "helpers.h"
#include "kernel-spec.h"

static struct kl_kernel_spec *parse_ok(const char *spec)
{
	struct kl_kernel_spec *s = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	int r = kl_kernel_spec_parse(spec, &s, &e);
	ck_assert_msg(r == 0, "'%s': %s", spec, e ? e->msg : "?");
	return s;
}

static struct kl_error *parse_bad(const char *spec)
{
	struct kl_kernel_spec *s = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_lt(kl_kernel_spec_parse(spec, &s, &e), 0);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->exit_code, 2);
	return e;
}

START_TEST(debian_suites)
{
	static const char *const suites[] = { "bookworm", "bookworm-backports", "trixie",
					      "trixie-backports" };
	for (size_t i = 0; i < ELEMENTSOF(suites); i++) {
		char spec[64];
		snprintf(spec, sizeof(spec), "debian:%s", suites[i]);
		struct kl_kernel_spec *s = parse_ok(spec);
		ck_assert_int_eq(s->source, KL_KERNEL_DEBIAN);
		ck_assert_str_eq(s->suite, suites[i]);
		ck_assert_ptr_null(s->package);
		ck_assert_str_eq(s->normalised, spec);
		kl_kernel_spec_free(s);
	}
}
END_TEST

START_TEST(debian_abi_and_package)
{
	struct kl_kernel_spec *s = parse_ok("debian:bookworm:6.1.0-56");
	ck_assert_str_eq(s->package, "linux-image-6.1.0-56-cloud-amd64-unsigned");
	ck_assert_str_eq(s->normalised,
			 "debian:bookworm:linux-image-6.1.0-56-cloud-amd64-unsigned");
	kl_kernel_spec_free(s);
	s = parse_ok("debian:trixie:linux-image-6.12.48+deb13-amd64-unsigned");
	ck_assert_str_eq(s->suite, "trixie");
	ck_assert_str_eq(s->package, "linux-image-6.12.48+deb13-amd64-unsigned");
	kl_kernel_spec_free(s);
}
END_TEST

START_TEST(bad_specs)
{
	struct kl_error *e = parse_bad("debian:sid");
	ck_assert_ptr_nonnull(strstr(e->msg, "'sid'"));
	ck_assert_ptr_nonnull(strstr(e->msg, "bookworm-backports"));
	ck_assert_ptr_nonnull(strstr(e->msg, "local:VMLINUZ"));
	kl_error_free(e);
	e = parse_bad("fedora:40");
	ck_assert_ptr_nonnull(strstr(e->msg, "'fedora:40'"));
	ck_assert_ptr_nonnull(strstr(e->msg, "debian:SUITE"));
	kl_error_free(e);
	kl_error_free(parse_bad(""));
	kl_error_free(parse_bad("debian:"));
	kl_error_free(parse_bad("debian:bookworm:Bad_Name"));
	kl_error_free(parse_bad("debian:bookworm:../x"));
	e = parse_bad("local:/nonexistent/vmlinuz");
	ck_assert_ptr_nonnull(strstr(e->msg, "'/nonexistent/vmlinuz'"));
	kl_error_free(e);
	kl_error_free(parse_bad("local:"));
}
END_TEST

START_TEST(local_specs)
{
	_cleanup_free_ char *dir = t_tmpdir();
	_cleanup_free_ char *vmlinuz = t_write(dir, "boot/vmlinuz-1", "x");
	_cleanup_free_ char *mods = t_write(dir, "mods/modules.dep", "");
	*strrchr(mods, '/') = '\0';
	_cleanup_free_ char *spec = NULL;
	ck_assert_int_ge(asprintf(&spec, "local:%s/boot/../boot/vmlinuz-1,%s", dir, mods), 0);
	struct kl_kernel_spec *s = parse_ok(spec);
	ck_assert_int_eq(s->source, KL_KERNEL_LOCAL);
	ck_assert_str_eq(s->vmlinuz, vmlinuz);
	ck_assert_str_eq(s->modules_dir, mods);
	kl_kernel_spec_free(s);
	free(spec);
	ck_assert_int_ge(asprintf(&spec, "local:%s", vmlinuz), 0);
	s = parse_ok(spec);
	ck_assert_ptr_null(s->modules_dir);
	ck_assert_str_eq(s->normalised, spec);
	kl_kernel_spec_free(s);
	kl_rm_rf(dir);
}
END_TEST

START_TEST(version_order)
{
	/* Pairs (a, b) with a < b, as dpkg --compare-versions lt says. */
	static const char *const lt[][2] = {
		{ "6.1.176-1", "6.1.192-2" },
		{ "6.1.9-1", "6.1.10-1" },
		{ "6.12.95-1~bpo12+1", "6.12.95-1" },
		{ "1.0~rc1", "1.0" },
		{ "1.0", "1.0+b1" },
		{ "1.0-1", "1:0.1-1" },
		{ "6.12.117-1", "6.12.118-1" },
		{ "1.0a", "1.0b" },
		{ "1.0", "1.0a" },
		{ "1.0-2", "1.0-10" },
	};
	for (size_t i = 0; i < ELEMENTSOF(lt); i++) {
		ck_assert_msg(kl_debversion_compare(lt[i][0], lt[i][1]) < 0, "%s < %s", lt[i][0],
			      lt[i][1]);
		ck_assert_msg(kl_debversion_compare(lt[i][1], lt[i][0]) > 0, "%s > %s", lt[i][1],
			      lt[i][0]);
	}
	ck_assert_int_eq(kl_debversion_compare("6.1.192-2", "6.1.192-2"), 0);
	ck_assert_int_eq(kl_debversion_compare("1.0", "1.00"), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kernel-spec");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, debian_suites);
	tcase_add_test(tc, debian_abi_and_package);
	tcase_add_test(tc, bad_specs);
	tcase_add_test(tc, local_specs);
	tcase_add_test(tc, version_order);
	suite_add_tcase(s, tc);
	return kl_check_run(s);
}
