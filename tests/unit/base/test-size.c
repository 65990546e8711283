/* SPDX-License-Identifier: MIT */
/* Human sizes (lab/base/size.c): units, bad input named, format round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/size.h"
#include "kl-check.h"

START_TEST(size_parse_units)
{
	static const struct {
		const char *in;
		uint64_t out;
	} ok[] = {
		{ "1G", 1ULL << 30 },	   { "192M", 192ULL << 20 }, { "512MiB", 512ULL << 20 },
		{ "1024", 1024ULL << 20 }, { "4096k", 4ULL << 20 },  { "0", 0 },
		{ "2gb", 2ULL << 30 },	   { "100B", 100 },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t v = 1;
		struct kl_error *e = NULL;
		ck_assert_int_eq(kl_size_parse(ok[i].in, "--memory", &v, &e), 0);
		ck_assert_uint_eq(v, ok[i].out);
		ck_assert_ptr_null(e);
	}
}
END_TEST

START_TEST(size_parse_bad)
{
	const char *bad[] = { "", "G", "-1G", "1Q", "1.5G", "99999999999999999999", "17179869184T" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 7;
		_cleanup_error_ struct kl_error *e = NULL;
		ck_assert_int_lt(kl_size_parse(bad[i], "--memory", &v, &e), 0);
		ck_assert_uint_eq(v, 7); /* untouched on failure */
		ck_assert_ptr_nonnull(e);
		ck_assert_int_eq(e->exit_code, 2);
		ck_assert_ptr_nonnull(strstr(e->msg, "--memory"));
		if (*bad[i])
			ck_assert_msg(strstr(e->msg, bad[i]), "message \"%s\" names the value",
				      e->msg);
	}
}
END_TEST

START_TEST(size_format_roundtrip)
{
	char b[32];
	kl_size_format(192ULL << 20, b, sizeof(b));
	ck_assert_str_eq(b, "192M");
	kl_size_format(1ULL << 30, b, sizeof(b));
	ck_assert_str_eq(b, "1G");
	kl_size_format(1536ULL << 20, b, sizeof(b));
	ck_assert_str_eq(b, "1536M");
	kl_size_format(0, b, sizeof(b));
	ck_assert_str_eq(b, "0B");
}
END_TEST

int main(void)
{
	const TTest *const tests[] = { size_parse_units, size_parse_bad, size_format_roundtrip };
	return kl_check_main("size", 0, tests, KL_CHECK_N(tests));
}
