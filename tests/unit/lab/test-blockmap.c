/* SPDX-License-Identifier: MIT */
/* The saver's block map as the host parses it: a guest wrote it, so every bound is checked. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "virt/blockmap.h"

#define FILE_SIZE (1ULL << 30)
#define DISK_SIZE (2ULL << 30)

static int parse(const char *text, struct kl_block_run *runs, size_t max, char **msg)
{
	struct kl_error *e = NULL;
	int n = kl_blockmap_parse(text, strlen(text), FILE_SIZE, DISK_SIZE, runs, max, &e);
	*msg = e && e->msg ? strdup(e->msg) : NULL;
	kl_error_free(e);
	return n;
}

START_TEST(valid_maps)
{
	struct kl_block_run runs[4];
	char *msg;
	ck_assert_int_eq(parse("", runs, 4, &msg), 0);
	ck_assert_int_eq(parse("0 4096 8192\n8192 1048576 4096\n1073737728 2147479552 4096\n", runs,
			       4, &msg),
			 3);
	ck_assert_uint_eq(runs[1].logical, 8192);
	ck_assert_uint_eq(runs[1].physical, 1048576);
	ck_assert_uint_eq(runs[1].length, 4096);
	/* the last run ends exactly at the end of the file and of the disk */
	ck_assert_uint_eq(runs[2].logical + runs[2].length, FILE_SIZE);
}
END_TEST

static const struct {
	const char *text, *says;
} bad[] = {
	{ "0 4096 8192", "no newline" },
	{ "0 4096\n", "LOGICAL PHYSICAL LENGTH" },
	{ "0 4096 8192 1\n", "LOGICAL PHYSICAL LENGTH" },
	{ "-1 4096 8192\n", "LOGICAL PHYSICAL LENGTH" },
	{ "0  4096 8192\n", "LOGICAL PHYSICAL LENGTH" },
	{ "0 4096 0x10\n", "LOGICAL PHYSICAL LENGTH" },
	{ "0 4096 99999999999999999999\n", "LOGICAL PHYSICAL LENGTH" },
	{ "0 4096 0\n", "non-empty" },
	{ "8192 4096 4096\n0 0 4096\n", "after 12288" },
	{ "0 4096 8192\n4096 0 4096\n", "after 8192" },
	{ "1073737728 0 8192\n", "inside the 1073741824-byte file" },
	{ "18446744073709551615 0 1\n", "inside the 1073741824-byte file" },
	{ "0 4097 4096\n", "512-byte aligned" },
	{ "0 2147479552 8192\n", "inside the 2147483648-byte disk" },
	{ "0 18446744073709551104 4096\n", "inside the 2147483648-byte disk" },
	{ "0 0 4096\n4096 0 4096\n8192 0 4096\n", "more than 2 runs" },
	{ "0 0 4096\r\n", "LOGICAL PHYSICAL LENGTH" },
};

START_TEST(bad_maps_name_the_line)
{
	struct kl_block_run runs[2];
	char *msg = NULL;
	ck_assert_int_eq(parse(bad[_i].text, runs, 2, &msg), -EBADMSG);
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, bad[_i].says), "\"%s\": message \"%s\" lacks \"%s\"",
		      bad[_i].text, msg, bad[_i].says);
	free(msg);
}
END_TEST

/* Arbitrary bytes never read past the text or write past max runs. */
START_TEST(random_bytes)
{
	struct kl_block_run runs[3];
	char text[64];
	unsigned seed = 7;
	for (int i = 0; i < 200000; i++) {
		size_t len = (size_t)(rand_r(&seed) % (int)sizeof(text));
		for (size_t k = 0; k < len; k++)
			text[k] = "0123456789 \n9"[rand_r(&seed) % 13];
		struct kl_error *e = NULL;
		int n = kl_blockmap_parse(text, len, FILE_SIZE, DISK_SIZE, runs, 3, &e);
		ck_assert(n == -EBADMSG || (n >= 0 && n <= 3));
		kl_error_free(e);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("blockmap");
	TCase *t = tcase_create("all");
	tcase_add_test(t, valid_maps);
	tcase_add_loop_test(t, bad_maps_name_the_line, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(t, random_bytes);
	suite_add_tcase(s, t);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
