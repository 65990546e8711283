/* SPDX-License-Identifier: MIT */
/* bzImage release parsing on synthetic setup headers. */
#include "bzimage.h"
#include "helpers.h"

static void make_header(unsigned char *b, size_t len, unsigned version, unsigned ptr,
			const char *text)
{
	memset(b, 0, len);
	b[0x1fe] = 0x55;
	b[0x1ff] = 0xaa;
	memcpy(b + 0x202, "HdrS", 4);
	b[0x206] = version & 0xff;
	b[0x207] = version >> 8;
	b[0x20e] = ptr & 0xff;
	b[0x20f] = ptr >> 8;
	if (text)
		memcpy(b + ptr + 0x200, text, strlen(text) + 1);
}

START_TEST(release_from_header)
{
	unsigned char b[0x4000];
	make_header(b, sizeof(b), 0x20f, 0x3a00 - 0x200,
		    "6.1.0-56-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP");
	char *rel = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_msg(kl_bzimage_release_from_buffer(b, sizeof(b), &rel, &e) == 0, "%s",
		      e ? e->msg : "");
	ck_assert_str_eq(rel, "6.1.0-56-cloud-amd64");
	free(rel);
}
END_TEST

START_TEST(bad_headers)
{
	unsigned char b[0x4000];
	char *rel = NULL;
	struct kl_error *e = NULL;
	make_header(b, sizeof(b), 0x20f, 0x100, "6.12.0");
	memcpy(b + 0x202, "Nope", 4);
	ck_assert_int_eq(kl_bzimage_release_from_buffer(b, sizeof(b), &rel, &e), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(e->msg, "HdrS"));
	kl_error_free(e);
	e = NULL;
	make_header(b, sizeof(b), 0x201, 0, NULL);
	ck_assert_int_eq(kl_bzimage_release_from_buffer(b, sizeof(b), &rel, &e), -ENOEXEC);
	kl_error_free(e);
	e = NULL;
	make_header(b, sizeof(b), 0x20f, 0x7000, NULL); /* points past the buffer */
	ck_assert_int_eq(kl_bzimage_release_from_buffer(b, sizeof(b), &rel, &e), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(e->msg, "out of bounds"));
	kl_error_free(e);
	e = NULL;
	/* Unterminated: the string runs to the end of the buffer. */
	make_header(b, sizeof(b), 0x20f, 0x3000, NULL);
	memset(b + 0x3200, 'x', sizeof(b) - 0x3200);
	ck_assert_int_eq(kl_bzimage_release_from_buffer(b, sizeof(b), &rel, &e), -ENOEXEC);
	kl_error_free(e);
	e = NULL;
	ck_assert_int_eq(kl_bzimage_release_from_buffer(b, 100, &rel, &e), -ENOEXEC);
	kl_error_free(e);
	ck_assert_ptr_null(rel);
}
END_TEST

START_TEST(release_from_file)
{
	_cleanup_free_ char *dir = t_tmpdir();
	_cleanup_free_ char *path = kl_path_join(dir, "vmlinuz");
	unsigned char b[0x8000];
	make_header(b, sizeof(b), 0x20f, 0x1000, "6.12.48+deb13-amd64 (x) #1");
	FILE *f = fopen(path, "we");
	ck_assert_uint_eq(fwrite(b, 1, sizeof(b), f), sizeof(b));
	fclose(f);
	char *rel = NULL;
	ck_assert_int_eq(kl_bzimage_release(path, &rel, NULL), 0);
	ck_assert_str_eq(rel, "6.12.48+deb13-amd64");
	free(rel);
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_bzimage_release("/nonexistent/vmlinuz", &rel, &e), -ENOENT);
	ck_assert_ptr_nonnull(strstr(e->msg, "'/nonexistent/vmlinuz'"));
	kl_error_free(e);
	kl_rm_rf(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bzimage");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, release_from_header);
	tcase_add_test(tc, bad_headers);
	tcase_add_test(tc, release_from_file);
	suite_add_tcase(s, tc);
	return kl_check_run(s);
}
