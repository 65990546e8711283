/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/*
 * Length of the well-formed UTF-8 sequence at s (1..4), with its code point in *cp, or 0 when
 * the bytes there do not start one (Unicode 15, table 3-7: no overlongs, no surrogates,
 * nothing past U+10FFFF, no truncated sequence).
 */
static size_t utf8_seq(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0; /* a continuation byte, C0/C1 (overlong lead bytes), F5..FF */
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates D800..DFFF */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* past U+10FFFF */
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	uint32_t v = c & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
	for (size_t i = 1; i < n; i++) {
		if (i > 1 && (s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	*cp = v;
	return n;
}

static bool keep(uint32_t cp)
{
	if (cp == '\t')
		return true;
	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
		return false;
	if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 ||
	    cp == 0x2029)
		return false;
	return true;
}

/* The next unit at s: *n input bytes, written as themselves (returns false) or escaped. */
static bool next_unit(const unsigned char *s, size_t len, size_t *n)
{
	uint32_t cp;
	size_t k = utf8_seq(s, len, &cp);
	if (k == 0) {
		*n = 1;
		return true;
	}
	*n = k;
	return !keep(cp);
}

bool kl_text_is_safe(const void *bytes, size_t len)
{
	const unsigned char *s = bytes;
	for (size_t i = 0, n; i < len; i += n)
		if (next_unit(s + i, len - i, &n))
			return false;
	return true;
}

static size_t safe_len(const unsigned char *s, size_t len)
{
	size_t out = 0;
	for (size_t i = 0, n; i < len; i += n)
		out += next_unit(s + i, len - i, &n) ? 4 * n : n;
	return out;
}

char *kl_text_safe(const void *bytes, size_t len, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = bytes;

	if (max < sizeof(KL_TEXT_CUT))
		max = sizeof(KL_TEXT_CUT);
	size_t full = safe_len(s, len);
	/* Cut: stop where the marker still fits. */
	size_t limit = full <= max ? full : max - (sizeof(KL_TEXT_CUT) - 1);
	char *out = malloc((full <= max ? full : max) + 1);
	if (!out)
		return NULL;

	size_t o = 0, i = 0, n;
	while (i < len) {
		bool esc = next_unit(s + i, len - i, &n);
		if (o + (esc ? 4 * n : n) > limit)
			break;
		for (size_t k = 0; k < n; k++) {
			if (esc) {
				out[o++] = '\\';
				out[o++] = 'x';
				out[o++] = hex[s[i + k] >> 4];
				out[o++] = hex[s[i + k] & 0xf];
			} else {
				out[o++] = (char)s[i + k];
			}
		}
		i += n;
	}
	if (i < len) {
		memcpy(out + o, KL_TEXT_CUT, sizeof(KL_TEXT_CUT) - 1);
		o += sizeof(KL_TEXT_CUT) - 1;
	}
	out[o] = '\0';
	return out;
}

int kl_text_make_safe(char **s, size_t max)
{
	if (!*s)
		return 0;
	size_t len = strlen(*s);
	if (len <= max && kl_text_is_safe(*s, len))
		return 0;
	char *t = kl_text_safe(*s, len, max);
	if (!t) {
		**s = '\0';
		return -ENOMEM;
	}
	free(*s);
	*s = t;
	return 0;
}

char *kl_text_escape(const char *s, bool keep_newline)
{
	if (!s)
		return NULL;
	size_t len = strlen(s);
	if (!keep_newline)
		return kl_text_safe(s, len, SIZE_MAX - 1);
	/* Line by line: each line's escapes are at most 4 bytes per input byte. */
	char *out = malloc(len * 4 + 1), *w = out;
	if (!out)
		return NULL;
	for (const char *p = s;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = kl_text_safe(p, n, SIZE_MAX - 1);
		if (!line) {
			free(out);
			return NULL;
		}
		size_t ln = strlen(line);
		memcpy(w, line, ln);
		w += ln;
		free(line);
		if (!nl)
			break;
		*w++ = '\n';
		p = nl + 1;
	}
	*w = '\0';
	return out;
}

int kl_text_escape_inplace(char **s, bool keep_newline)
{
	if (!*s)
		return 0;
	char *e = kl_text_escape(*s, keep_newline);
	if (!e)
		return -ENOMEM;
	free(*s);
	*s = e;
	return 0;
}
