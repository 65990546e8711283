/* SPDX-License-Identifier: MIT */
/* Guest text made safe (lab/base/text.h): every byte value, broken UTF-8, C1 and escape sequences. */
#include "kl-check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"

/* Valid UTF-8 with no C0 (but TAB), DEL or C1 code point: checked independently of text.c's
 * decoder (by code point value after decoding, not by byte ranges). */
static void assert_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p;
		ck_assert_msg(c != 0x7f && (c >= 0x20 || c == '\t'),
			      "control byte 0x%02x in \"%s\"", c, s);
		if (c < 0x80) {
			p++;
			continue;
		}
		int n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		ck_assert_msg(c >= 0xc2 && c <= 0xf4, "bad lead byte 0x%02x in \"%s\"", c, s);
		unsigned cp = c & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
		for (int i = 1; i < n; i++) {
			ck_assert_msg((p[i] & 0xc0) == 0x80, "truncated sequence in \"%s\"", s);
			cp = cp << 6 | (p[i] & 0x3f);
		}
		static const unsigned min[] = { 0, 0, 0x80, 0x800, 0x10000 };
		ck_assert_msg(cp >= min[n], "overlong U+%04X in \"%s\"", cp, s);
		ck_assert_msg(cp < 0xd800 || cp > 0xdfff, "surrogate U+%04X", cp);
		ck_assert_msg(cp <= 0x10ffff, "past U+10FFFF: U+%X", cp);
		ck_assert_msg(cp >= 0xa0, "C1 control U+%04X in \"%s\"", cp, s);
		p += n;
	}
}

static void expect(const char *in, size_t len, const char *want)
{
	char *got = kl_text_safe(in, len, KL_TEXT_MAX);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	assert_clean(got);
	ck_assert(kl_text_is_safe(got, strlen(got)));
	free(got);
}
#define EXPECT(lit, want) expect(lit, sizeof(lit) - 1, want)

START_TEST(every_single_byte)
{
	unsigned char b = (unsigned char)_i;
	char want[8];
	char *got = kl_text_safe(&b, 1, KL_TEXT_MAX);
	ck_assert_ptr_nonnull(got);
	if (b == '\t' || (b >= 0x20 && b < 0x7f))
		snprintf(want, sizeof(want), "%c", b);
	else /* controls, DEL, and every byte >= 0x80 alone (not UTF-8) */
		snprintf(want, sizeof(want), "\\x%02x", b);
	ck_assert_str_eq(got, want);
	assert_clean(got);
	ck_assert_int_eq(kl_text_is_safe(&b, 1), strlen(want) == 1);
	free(got);
}
END_TEST

START_TEST(all_bytes_in_one_string)
{
	unsigned char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	char *got = kl_text_safe(all, sizeof(all), KL_TEXT_MAX);
	ck_assert_ptr_nonnull(got);
	assert_clean(got);
	/* 95 printable + TAB kept; 160 escaped (4 bytes each). */
	ck_assert_uint_eq(strlen(got), 96 + 160 * 4);
	ck_assert_ptr_nonnull(strstr(got, "\\x00\\x01"));
	ck_assert_ptr_nonnull(strstr(got, "\t\\x0a"));
	ck_assert_ptr_nonnull(strstr(got, " !\"#"));
	ck_assert_ptr_nonnull(strstr(got, "~\\x7f\\x80"));
	ck_assert_ptr_nonnull(strstr(got, "\\xfe\\xff"));
	free(got);
}
END_TEST

START_TEST(valid_multibyte_kept)
{
	EXPECT("plain ascii", "plain ascii");
	EXPECT("caf\xc3\xa9 \xc2\xa0nbsp", "caf\xc3\xa9 \xc2\xa0nbsp");
	EXPECT("\xe2\x82\xac euro, \xe4\xb8\xad\xe6\x96\x87",
	       "\xe2\x82\xac euro, \xe4\xb8\xad\xe6\x96\x87");
	EXPECT("\xf0\x9f\x92\xa5 boom", "\xf0\x9f\x92\xa5 boom");
	EXPECT("\xf4\x8f\xbf\xbf last", "\xf4\x8f\xbf\xbf last");	  /* U+10FFFF */
	EXPECT("\xed\x9f\xbf \xee\x80\x80", "\xed\x9f\xbf \xee\x80\x80"); /* around surrogates */
	EXPECT("a\tb", "a\tb");
	EXPECT("back\\slash \\x41", "back\\slash \\x41");
}
END_TEST

START_TEST(invalid_utf8_escaped)
{
	/* overlong NUL, '/', and a 3- and 4-byte overlong */
	EXPECT("\xc0\x80", "\\xc0\\x80");
	EXPECT("\xc1\xaf", "\\xc1\\xaf");
	EXPECT("\xe0\x80\xaf", "\\xe0\\x80\\xaf");
	EXPECT("\xe0\x9f\xbf", "\\xe0\\x9f\\xbf");
	EXPECT("\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf");
	EXPECT("\xf0\x8f\xbf\xbf", "\\xf0\\x8f\\xbf\\xbf");
	/* surrogates, past U+10FFFF, bytes never in UTF-8 */
	EXPECT("\xed\xa0\x80", "\\xed\\xa0\\x80");
	EXPECT("\xed\xbf\xbf", "\\xed\\xbf\\xbf");
	EXPECT("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	EXPECT("\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80");
	EXPECT("\xff\xfe", "\\xff\\xfe");
	/* truncated sequences: at the end and before ASCII; the ASCII survives */
	EXPECT("\xe2\x82", "\\xe2\\x82");
	EXPECT("\xe2\x82x", "\\xe2\\x82x");
	EXPECT("\xf0\x9f\x92", "\\xf0\\x9f\\x92");
	EXPECT("\xf0\x9f\x92 ok", "\\xf0\\x9f\\x92 ok");
	EXPECT("\xc3", "\\xc3");
	/* a lone continuation byte, then a valid character right after a broken one */
	EXPECT("\x80\xc3\xa9", "\\x80\xc3\xa9");
	EXPECT("\xe2\xc3\xa9", "\\xe2\xc3\xa9");
}
END_TEST

START_TEST(c1_in_both_forms)
{
	char in[2], want[16];
	for (unsigned cp = 0x80; cp <= 0x9f; cp++) {
		in[0] = (char)(0xc0 | cp >> 6);
		in[1] = (char)(0x80 | (cp & 0x3f));
		snprintf(want, sizeof(want), "\\xc2\\x%02x", 0x80 | (cp & 0x3f));
		expect(in, 2, want);
		in[0] = (char)cp; /* the raw 8-bit form */
		snprintf(want, sizeof(want), "\\x%02x", cp);
		expect(in, 1, want);
	}
	EXPECT("\xc2\xa0", "\xc2\xa0"); /* U+00A0, the first code point after C1, is kept */
}
END_TEST

START_TEST(escape_sequences)
{
	/* OSC 52: write "hostile" to the clipboard, BEL- and ST-terminated, and 8-bit OSC */
	EXPECT("\x1b]52;c;aG9zdGlsZQ==\x07", "\\x1b]52;c;aG9zdGlsZQ==\\x07");
	EXPECT("\x1b]52;c;aG9zdGlsZQ==\x1b\\", "\\x1b]52;c;aG9zdGlsZQ==\\x1b\\");
	EXPECT("\x9d"
	       "52;c;eA==\x9c",
	       "\\x9d52;c;eA==\\x9c");
	/* CSI: clear screen, cursor home, colour, 8-bit CSI, and as UTF-8 C1 */
	EXPECT("\x1b[2J\x1b[H\x1b[31mred\x1b[0m", "\\x1b[2J\\x1b[H\\x1b[31mred\\x1b[0m");
	EXPECT("\x9b"
	       "2J",
	       "\\x9b2J");
	EXPECT("\xc2\x9b"
	       "2J",
	       "\\xc2\\x9b2J");
	/* a line that rewrites itself, and a forged second line */
	EXPECT("fail\rpass", "fail\\x0dpass");
	EXPECT("x\nok 1 - forged", "x\\x0aok 1 - forged");
	/* hyperlink OSC 8, window title OSC 0 */
	EXPECT("\x1b]8;;http://x/\x1b\\link", "\\x1b]8;;http://x/\\x1b\\link");
	EXPECT("\x1b]0;title\x07", "\\x1b]0;title\\x07");
	/* bidi override (Trojan Source) and line separators */
	EXPECT("a\xe2\x80\xae"
	       "cba",
	       "a\\xe2\\x80\\xaecba");
	EXPECT("a\xe2\x81\xa6"
	       "b",
	       "a\\xe2\\x81\\xa6b");
	EXPECT("a\xe2\x80\xa8"
	       "b",
	       "a\\xe2\\x80\\xa8b");
	/* NUL inside the given length */
	expect("a\0b", 3, "a\\x00b");
}
END_TEST

START_TEST(length_bound)
{
	char *got = kl_text_safe("0123456789abcdef", 16, 16);
	ck_assert_str_eq(got, "0123456789abcdef"); /* exactly max: not cut */
	free(got);
	got = kl_text_safe("0123456789abcdefg", 17, 16);
	ck_assert_str_eq(got, "0123456789a" KL_TEXT_CUT);
	free(got);
	/* never inside an escape: 3 + 4 + 4 bytes would pass 12 - 5 = 7 */
	got = kl_text_safe("abc\x1b\x1b\x1b\x1b", 7, 12);
	ck_assert_str_eq(got, "abc\\x1b" KL_TEXT_CUT);
	free(got);
	/* nor inside a UTF-8 sequence */
	got = kl_text_safe("a\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
			   "b",
			   11, 10);
	ck_assert_str_eq(got, "a\xe2\x82\xac" KL_TEXT_CUT);
	assert_clean(got);
	free(got);
	/* a bound below the marker is raised to it */
	got = kl_text_safe("0123456789", 10, 0);
	ck_assert_str_eq(got, "0" KL_TEXT_CUT);
	free(got);
	/* 1 MiB of ESC stays within the default bound */
	size_t n = 1 << 20;
	char *big = malloc(n);
	memset(big, 0x1b, n);
	got = kl_text_safe(big, n, KL_TEXT_MAX);
	ck_assert_uint_le(strlen(got), KL_TEXT_MAX);
	assert_clean(got);
	free(got);
	free(big);
}
END_TEST

START_TEST(make_safe_in_place)
{
	char *s = NULL;
	ck_assert_int_eq(kl_text_make_safe(&s, KL_TEXT_MAX), 0);
	ck_assert_ptr_null(s);
	s = strdup("ok text");
	char *before = s;
	ck_assert_int_eq(kl_text_make_safe(&s, KL_TEXT_MAX), 0);
	ck_assert_ptr_eq(s, before); /* already safe: untouched */
	free(s);
	s = strdup("\x1b]52;c;eA==\x07\xff");
	ck_assert_int_eq(kl_text_make_safe(&s, KL_TEXT_MAX), 0);
	ck_assert_str_eq(s, "\\x1b]52;c;eA==\\x07\\xff");
	free(s);
	s = strdup("0123456789abcdefghij");
	ck_assert_int_eq(kl_text_make_safe(&s, 10), 0);
	ck_assert_str_eq(s, "01234" KL_TEXT_CUT);
	free(s);
}
END_TEST

/* Safe text goes through unchanged: a second pass (the CLI over a result) changes nothing. */
START_TEST(idempotent)
{
	static const char tail[] =
		"\x1b]52;c;eA==\x07\xc2\x9b\xe2\x80\xae\xf0\x9f\x92\xa5 caf\xc3\xa9";
	unsigned char all[256 + sizeof(tail)];
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	memcpy(all + 256, tail, sizeof(tail));
	char *once = kl_text_safe(all, sizeof(all) - 1, KL_TEXT_MAX);
	char *twice = kl_text_safe(once, strlen(once), KL_TEXT_MAX);
	ck_assert_str_eq(once, twice);
	ck_assert(kl_text_is_safe(once, strlen(once)));
	free(once);
	free(twice);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("text");
	TCase *t = tcase_create("all");
	tcase_add_loop_test(t, every_single_byte, 0, 256);
	tcase_add_test(t, all_bytes_in_one_string);
	tcase_add_test(t, valid_multibyte_kept);
	tcase_add_test(t, invalid_utf8_escaped);
	tcase_add_test(t, c1_in_both_forms);
	tcase_add_test(t, escape_sequences);
	tcase_add_test(t, length_bound);
	tcase_add_test(t, make_safe_in_place);
	tcase_add_test(t, idempotent);
	suite_add_tcase(s, t);
	return kl_check_run(s);
}
