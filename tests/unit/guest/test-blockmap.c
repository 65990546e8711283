/* SPDX-License-Identifier: MIT */
/* The saver's block map as the host parses it: a guest wrote it, so every bound is checked. */
#include "kl-check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/blockmap.h"

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
	/* disk ranges: each disk byte in one run at most, whatever the order of the lines */
	{ "0 0 4096\n4096 0 4096\n", "overlaps disk range 0+4096" },
	{ "0 8192 8192\n8192 4096 8192\n", "overlaps disk range 4096+8192" },
	{ "0 1048576 4096\n8192 0 1052672\n", "overlaps disk range 0+1052672" },
	/* more file than disk: 2 GiB of runs from a 1 GiB file would need more than the disk */
	{ "0 0 1073741824\n1073741824 0 1\n", "inside the 1073741824-byte file" },
};

/* The amplification of issue 6: 8192 runs that all name the same nearly disk-sized range. */
START_TEST(amplifying_map_is_refused)
{
	const uint64_t disk = 1ULL << 30, file = 1ULL << 30, len = disk / 8192;
	size_t cap = 8192 * 48;
	char *text = malloc(cap), *p = text;
	for (uint64_t i = 0; i < 8192; i++)
		p += sprintf(p, "%llu 0 %llu\n", (unsigned long long)(i * len),
			     (unsigned long long)len);
	struct kl_block_run *runs = calloc(KL_BLOCKMAP_MAX, sizeof(*runs));
	struct kl_error *e = NULL;
	ck_assert_int_eq(
		kl_blockmap_parse(text, (size_t)(p - text), file, disk, runs, KL_BLOCKMAP_MAX, &e),
		-EBADMSG);
	ck_assert_msg(strstr(e->msg, "overlaps"), "%s", e->msg);
	kl_error_free(e);
	e = NULL;
	/* The same run lengths, each at its own disk offset, are a valid map of the whole disk. */
	p = text;
	for (uint64_t i = 0; i < 8192; i++)
		p += sprintf(p, "%llu %llu %llu\n", (unsigned long long)(i * len),
			     (unsigned long long)((8191 - i) * len), (unsigned long long)len);
	ck_assert_int_eq(
		kl_blockmap_parse(text, (size_t)(p - text), file, disk, runs, KL_BLOCKMAP_MAX, &e),
		8192);
	/* A file larger than the disk is refused before any line is looked at. */
	ck_assert_int_eq(kl_blockmap_parse(text, (size_t)(p - text), 8ULL << 40, disk, runs,
					   KL_BLOCKMAP_MAX, &e),
			 -EBADMSG);
	ck_assert_msg(strstr(e->msg, "no larger than the 1073741824-byte disk"), "%s", e->msg);
	kl_error_free(e);
	free(runs);
	free(text);
}
END_TEST

/* ---- the extent map ---- */

static int parse_extents(const char *text, uint64_t file, uint64_t disk, struct kl_extent *runs,
			 size_t max, char **msg)
{
	struct kl_error *e = NULL;
	int n = kl_extents_parse(text, strlen(text), file, disk, runs, max, &e);
	*msg = e && e->msg ? strdup(e->msg) : NULL;
	kl_error_free(e);
	return n;
}

START_TEST(valid_extents)
{
	struct kl_extent runs[4];
	char *msg = NULL;
	ck_assert_int_eq(parse_extents("", FILE_SIZE, DISK_SIZE, runs, 4, &msg), 0);
	ck_assert_int_eq(parse_extents("0 4096\n1048576 8192\n1073737728 4096\n", FILE_SIZE,
				       DISK_SIZE, runs, 4, &msg),
			 3);
	ck_assert_uint_eq(runs[1].offset, 1048576);
	ck_assert_uint_eq(runs[1].length, 8192);
	ck_assert_uint_eq(runs[2].offset + runs[2].length, FILE_SIZE);
	/* a file exactly as large as its disk */
	ck_assert_int_eq(parse_extents("0 4096\n", DISK_SIZE, DISK_SIZE, runs, 4, &msg), 1);
}
END_TEST

static const struct {
	const char *text, *says;
	uint64_t file;
} bad_extents[] = {
	{ "0 4096", "no newline", FILE_SIZE },
	{ "0 4096\n4096", "line 2: no newline", FILE_SIZE },
	{ "0\n", "OFFSET LENGTH", FILE_SIZE },
	{ "0 4096 1\n", "OFFSET LENGTH", FILE_SIZE },
	{ " 0 4096\n", "OFFSET LENGTH", FILE_SIZE },
	{ "+0 4096\n", "OFFSET LENGTH", FILE_SIZE },
	{ "0 -4096\n", "OFFSET LENGTH", FILE_SIZE },
	{ "0 99999999999999999999\n", "OFFSET LENGTH", FILE_SIZE },
	{ "0 0\n", "non-empty", FILE_SIZE },
	{ "8192 4096\n0 4096\n", "after 12288", FILE_SIZE },
	{ "0 8192\n4096 4096\n", "after 8192", FILE_SIZE },
	{ "1073737728 8192\n", "inside the 1073741824-byte file", FILE_SIZE },
	{ "18446744073709551615 1\n", "inside the 1073741824-byte file", FILE_SIZE },
	{ "0 4096\n4096 4096\n8192 4096\n", "more than 2 runs", FILE_SIZE },
	/* a vmcore that claims more than its disk holds */
	{ "0 4096\n", "no larger than the 2147483648-byte disk", DISK_SIZE + 1 },
	{ "0 8796093022208\n", "no larger than the 2147483648-byte disk", 8ULL << 40 },
};

START_TEST(bad_extents_name_the_line)
{
	struct kl_extent runs[2];
	char *msg = NULL;
	ck_assert_int_eq(
		parse_extents(bad_extents[_i].text, bad_extents[_i].file, DISK_SIZE, runs, 2, &msg),
		-EBADMSG);
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, bad_extents[_i].says), "\"%s\": message \"%s\" lacks \"%s\"",
		      bad_extents[_i].text, msg, bad_extents[_i].says);
	free(msg);
}
END_TEST

/* 200000 random maps; a tenth under valgrind (KL_VALGRIND, meson's valgrind setup). */
static int random_rounds(void)
{
	return getenv("KL_VALGRIND") ? 20000 : 200000;
}

START_TEST(extents_random_bytes)
{
	struct kl_extent runs[3];
	char text[64];
	unsigned seed = 11;
	for (int i = 0; i < random_rounds(); i++) {
		size_t len = (size_t)(rand_r(&seed) % (int)sizeof(text));
		for (size_t k = 0; k < len; k++)
			text[k] = "0123456789 \n9"[rand_r(&seed) % 13];
		struct kl_error *e = NULL;
		int n = kl_extents_parse(text, len, FILE_SIZE, DISK_SIZE, runs, 3, &e);
		ck_assert(n == -EBADMSG || (n >= 0 && n <= 3));
		for (int k = 1; k < n; k++)
			ck_assert_uint_ge(runs[k].offset, runs[k - 1].offset + runs[k - 1].length);
		kl_error_free(e);
	}
}
END_TEST

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
	for (int i = 0; i < random_rounds(); i++) {
		size_t len = (size_t)(rand_r(&seed) % (int)sizeof(text));
		for (size_t k = 0; k < len; k++)
			text[k] = "0123456789 \n9"[rand_r(&seed) % 13];
		struct kl_error *e = NULL;
		int n = kl_blockmap_parse(text, len, FILE_SIZE, DISK_SIZE, runs, 3, &e);
		ck_assert(n == -EBADMSG || (n >= 0 && n <= 3));
		/* whatever parses copies at most the disk, each disk byte once */
		uint64_t total = 0;
		for (int k = 0; k < n; k++)
			total += runs[k].length;
		ck_assert_uint_le(total, DISK_SIZE);
		kl_error_free(e);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("blockmap");
	TCase *t = tcase_create("all");
	tcase_set_timeout(t, 60); /* 200000 random maps: seconds on a loaded machine */
	tcase_add_test(t, valid_maps);
	tcase_add_loop_test(t, bad_maps_name_the_line, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(t, random_bytes);
	tcase_add_test(t, amplifying_map_is_refused);
	tcase_add_test(t, valid_extents);
	tcase_add_loop_test(t, bad_extents_name_the_line, 0,
			    (int)(sizeof(bad_extents) / sizeof(bad_extents[0])));
	tcase_add_test(t, extents_random_bytes);
	suite_add_tcase(s, t);
	return kl_check_run(s);
}
