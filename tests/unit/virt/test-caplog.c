/* SPDX-License-Identifier: MIT */
/* Console logs are capped: a guest that prints without end gets the cap and a note, no more. */
#include "kl-check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virt/caplog.h"

/* A synthetic console stream of total bytes, fed in odd-sized pieces; the log's size back. */
static char *feed(uint64_t max, uint64_t total, size_t *ret_len, struct kl_caplog *ret)
{
	char path[] = "/tmp/kl-caplog-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	struct kl_caplog l = { .f = fdopen(fd, "w"), .max = max };
	static char chunk[65537];
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (char)('a' + i % 26);
	for (uint64_t done = 0; done < total;) {
		size_t n = total - done < sizeof(chunk) ? (size_t)(total - done) : sizeof(chunk);
		kl_caplog_write(&l, chunk, n);
		done += n;
	}
	ck_assert_int_eq(fclose(l.f), 0);
	l.f = NULL;
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	*ret_len = (size_t)st.st_size;
	FILE *f = fopen(path, "re");
	char *data = malloc(*ret_len + 1);
	ck_assert_uint_eq(fread(data, 1, *ret_len, f), *ret_len);
	data[*ret_len] = 0;
	fclose(f);
	unlink(path);
	*ret = l;
	return data;
}

START_TEST(stream_past_the_cap_ends_with_the_note)
{
	/* 70 MiB against the default 64 MiB cap */
	size_t len;
	struct kl_caplog l;
	char *data = feed(0, 70ULL << 20, &len, &l);
	const char note[] = "[kdumplab: console log cut at 67108864 bytes]\n";
	ck_assert_uint_eq(len, KL_CONSOLE_LOG_MAX + strlen(note));
	ck_assert_str_eq(data + KL_CONSOLE_LOG_MAX, note);
	/* byte-exact up to the cut */
	ck_assert_int_eq(data[KL_CONSOLE_LOG_MAX - 1], 'a' + (KL_CONSOLE_LOG_MAX - 1) % 65537 % 26);
	ck_assert(l.cut);
	ck_assert_int_eq(l.error, 0);
	free(data);
}
END_TEST

START_TEST(under_and_at_the_cap_nothing_is_cut)
{
	size_t len;
	struct kl_caplog l;
	char *data = feed(1000, 999, &len, &l);
	ck_assert_uint_eq(len, 999);
	ck_assert(!l.cut);
	free(data);
	data = feed(1000, 1000, &len, &l);
	ck_assert_uint_eq(len, 1000);
	ck_assert(!l.cut);
	free(data);
	data = feed(1000, 1001, &len, &l);
	ck_assert_uint_eq(len, 1000 + strlen("[kdumplab: console log cut at 1000 bytes]\n"));
	ck_assert_ptr_nonnull(strstr(data, "cut at 1000 bytes"));
	free(data);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = { stream_past_the_cap_ends_with_the_note,
				       under_and_at_the_cap_nothing_is_cut };
	return kl_check_main("caplog", 0, tests, KL_CHECK_N(tests));
}
