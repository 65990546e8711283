/* SPDX-License-Identifier: MIT */
/* The remote console stream's buffer: a reader that lags never makes it grow past its bound. */
#include "kl-check.h"
#include <stdlib.h>
#include <string.h>

#include "virt/conbuf.h"

static size_t count(const char *hay, size_t len, const char *needle)
{
	size_t n = 0, k = strlen(needle);
	for (size_t i = 0; i + k <= len; i++)
		n += memcmp(hay + i, needle, k) == 0;
	return n;
}

START_TEST(lagging_reader_gets_the_bound_and_one_note)
{
	struct kl_conbuf b = { 0 };
	static char chunk[16384], out[KL_CONBUF_MAX];
	memset(chunk, 'g', sizeof(chunk));
	/* 64 MiB arrive while nobody reads: 8 times the bound */
	for (int i = 0; i < (64 << 20) / (int)sizeof(chunk); i++)
		kl_conbuf_append(&b, chunk, sizeof(chunk));
	ck_assert_uint_le(kl_conbuf_unread(&b), KL_CONBUF_MAX);
	ck_assert_uint_le(b.cap, 2 * (size_t)KL_CONBUF_MAX);
	ck_assert_uint_ge(b.dropped, 56ULL << 20);
	size_t n = kl_conbuf_take(&b, out, sizeof(out));
	ck_assert_uint_eq(count(out, n, KL_CONBUF_NOTE), 1);
	/* the note is where the gap starts: the end of what was kept */
	ck_assert_int_eq(
		memcmp(out + n - strlen(KL_CONBUF_NOTE), KL_CONBUF_NOTE, strlen(KL_CONBUF_NOTE)),
		0);
	/* The reader caught up: bytes flow again, and a new gap gets a new note. */
	kl_conbuf_append(&b, "after\n", 6);
	n = kl_conbuf_take(&b, out, sizeof(out));
	ck_assert_uint_eq(n, 6);
	ck_assert_int_eq(memcmp(out, "after\n", 6), 0);
	for (int i = 0; i < (16 << 20) / (int)sizeof(chunk); i++)
		kl_conbuf_append(&b, chunk, sizeof(chunk));
	n = kl_conbuf_take(&b, out, sizeof(out));
	ck_assert_uint_eq(count(out, n, KL_CONBUF_NOTE), 1);
	kl_conbuf_done(&b);
}
END_TEST

START_TEST(a_reader_that_keeps_up_loses_nothing)
{
	struct kl_conbuf b = { .max = 1 << 16 };
	char in[1000], out[1000];
	uint64_t got = 0;
	for (int i = 0; i < 100000; i++) {
		memset(in, 'a' + i % 26, sizeof(in));
		kl_conbuf_append(&b, in, sizeof(in));
		size_t n = kl_conbuf_take(&b, out, sizeof(out));
		ck_assert_uint_eq(n, sizeof(in));
		ck_assert_int_eq(out[999], 'a' + i % 26);
		got += n;
	}
	ck_assert_uint_eq(got, 100000 * sizeof(in));
	ck_assert_uint_eq(b.dropped, 0);
	kl_conbuf_done(&b);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = { lagging_reader_gets_the_bound_and_one_note,
				       a_reader_that_keeps_up_loses_nothing };
	return kl_check_main("conbuf", 0, tests, KL_CHECK_N(tests));
}
