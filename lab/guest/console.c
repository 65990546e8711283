/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "console.h"
#include "protocol.h"

/* Our programs write at most ~16 fields a record (loader/kernel-facts.c); more is junk. With
 * this bound the duplicate-key check stays a constant cost per field. */
#define MAX_FIELDS 64
/* Prefix occurrences tried per line: each try copies and tokenises the rest of the line, so an
 * unbounded count made a crafted 8 KiB line cost O(n^2) (195 ms instead of microseconds). */
#define MAX_TRIES 4
/* Escape sequences longer than this are junk, not terminal control: stop swallowing. */
#define ESC_MAX 64

enum esc_state { ESC_NONE, ESC_START, ESC_CSI, ESC_OSC };

struct kl_console {
	char line[KL_CONSOLE_LINE_MAX + 1];
	size_t len;
	bool overflow;
	bool pending; /* bytes seen since the last line end (even if all were dropped) */
	enum esc_state esc;
	unsigned esc_len;
	unsigned banners;
	unsigned long lineno, n_records, n_malformed;
	char scratch[KL_CONSOLE_LINE_MAX + 1];
	struct kl_field fields[MAX_FIELDS];
};

const char *kl_kernel_name(enum kl_kernel k)
{
	switch (k) {
	case KL_KERNEL_FIRMWARE:
		return "firmware";
	case KL_KERNEL_SYSTEM:
		return "system";
	case KL_KERNEL_CAPTURE:
		return "capture";
	default:
		return "extra";
	}
}

const char *kl_record_get(const struct kl_record *rec, const char *key)
{
	for (size_t i = 0; i < rec->n_fields; i++)
		if (streq(rec->fields[i].key, key))
			return rec->fields[i].value;
	return NULL;
}

int kl_record_get_u64(const struct kl_record *rec, const char *key, uint64_t *ret)
{
	const char *v = kl_record_get(rec, key);
	if (!v)
		return -ENOENT;
	/* strtoull accepts signs, spaces and octal; the protocol has none of those. */
	int base = 10;
	const char *digits = v;
	if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		base = 16;
		digits = v + 2;
	}
	if (!*digits ||
	    strspn(digits, base == 16 ? "0123456789abcdefABCDEF" : "0123456789") != strlen(digits))
		return -EINVAL;
	errno = 0;
	unsigned long long n = strtoull(digits, NULL, base);
	if (errno == ERANGE)
		return -ERANGE;
	*ret = n;
	return 0;
}

static bool key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static bool is_sep(char c)
{
	return c == ' ' || c == '\t';
}

/* Tokenise the text after one prefix occurrence; scratch holds a copy we can cut. */
static int parse_fields(char *s, struct kl_field *fields, size_t max_fields, size_t *ret_n,
			const char **ret_error)
{
	size_t n = 0;

	for (;;) {
		while (is_sep(*s))
			s++;
		if (!*s)
			break;
		char *tok = s;
		while (*s && !is_sep(*s))
			s++;
		if (*s)
			*s++ = '\0';

		if (n >= max_fields) {
			*ret_error = "too many fields";
			return -EBADMSG;
		}
		char *eq = strchr(tok, '=');
		if (!eq || eq == tok) {
			*ret_error = "field without key=value form";
			return -EBADMSG;
		}
		*eq = '\0';
		for (const char *k = tok; *k; k++)
			if (!key_char(*k)) {
				*ret_error = "key with a character outside [a-z0-9_]";
				return -EBADMSG;
			}
		for (size_t i = 0; i < n; i++)
			if (streq(fields[i].key, tok)) {
				*ret_error = "duplicate key";
				return -EBADMSG;
			}
		char *val = eq + 1;
		for (const unsigned char *v = (const unsigned char *)val; *v; v++)
			if (*v < 0x21 || *v > 0x7e) {
				*ret_error = "value with a byte that should have been %-encoded";
				return -EBADMSG;
			}
		int vlen = kl_value_decode(val);
		if (vlen < 0) {
			*ret_error = "malformed %XX escape in value";
			return -EBADMSG;
		}
		fields[n++] =
			(struct kl_field){ .key = tok, .value = val, .value_len = (size_t)vlen };
	}
	*ret_n = n;
	return 0;
}

int kl_record_parse(const char *line, size_t len, char *scratch, struct kl_field *fields,
		    size_t max_fields, struct kl_record *ret, const char **ret_error)
{
	static const size_t plen = sizeof(KL_PROTO_PREFIX) - 1;
	const char *first_error = NULL;
	unsigned tries = 0;

	/* Junk from an interleaved message may precede the prefix: try the first few occurrences
	 * (a bounded number, so the whole line costs O(len)). */
	for (const char *p = memmem(line, len, KL_PROTO_PREFIX, plen); p && tries < MAX_TRIES;
	     p = memmem(p + 1, len - (size_t)(p + 1 - line), KL_PROTO_PREFIX, plen), tries++) {
		size_t rest = len - (size_t)(p + plen - line);
		const char *error = NULL;
		size_t n = 0;

		memcpy(scratch, p + plen, rest);
		scratch[rest] = '\0';
		if (memchr(scratch, '\0', rest))
			error = "NUL byte in record";
		else if (parse_fields(scratch, fields, max_fields, &n, &error) == 0) {
			const char *phase = NULL;
			for (size_t i = 0; i < n; i++)
				if (streq(fields[i].key, "phase"))
					phase = fields[i].value;
			if (!phase || !*phase)
				error = "no phase= field";
			else if (strspn(phase, "abcdefghijklmnopqrstuvwxyz0123456789_") !=
				 strlen(phase))
				error = "phase with a character outside [a-z0-9_]";
			else {
				*ret = (struct kl_record){ .phase = phase,
							   .fields = fields,
							   .n_fields = n };
				return 1;
			}
		}
		if (!first_error)
			first_error = error;
		if ((size_t)(p + 1 - line) >= len)
			break;
	}
	if (first_error) {
		*ret_error = first_error;
		return -EBADMSG;
	}
	return 0;
}

struct kl_console *kl_console_new(void)
{
	return calloc(1, sizeof(struct kl_console));
}

void kl_console_free(struct kl_console *c)
{
	free(c);
}

enum kl_kernel kl_console_kernel(const struct kl_console *c)
{
	return c->banners >= KL_KERNEL_EXTRA ? KL_KERNEL_EXTRA : (enum kl_kernel)c->banners;
}

unsigned kl_console_banners(const struct kl_console *c)
{
	return c->banners;
}

unsigned long kl_console_lines(const struct kl_console *c)
{
	return c->lineno;
}

unsigned long kl_console_records(const struct kl_console *c)
{
	return c->n_records;
}

unsigned long kl_console_malformed(const struct kl_console *c)
{
	return c->n_malformed;
}

/*
 * The kernel banner, "Linux version <release> ...", is printed once per boot, optionally
 * behind a syslog level "<5>" and a "[    0.000000] " timestamp. Anchoring it there keeps
 * a user-space line that merely mentions the phrase from counting as a boot.
 */
static bool is_banner(const char *s)
{
	if (*s == '<') {
		const char *e = s + 1;
		while (*e >= '0' && *e <= '9')
			e++;
		if (*e == '>' && e > s + 1)
			s = e + 1;
	}
	if (*s == '[') {
		const char *e = s + 1;
		while (*e == ' ' || *e == '.' || (*e >= '0' && *e <= '9'))
			e++;
		if (*e != ']')
			return false;
		s = e + 1;
	}
	while (*s == ' ')
		s++;
	return startswith(s, "Linux version ");
}

static int emit_line(struct kl_console *c, kl_console_line_fn cb, void *userdata)
{
	c->line[c->len] = '\0';
	c->lineno++;

	struct kl_console_line l = {
		.text = c->line,
		.len = c->len,
		.lineno = c->lineno,
		.truncated = c->overflow,
	};
	/* Only the first line of a boot can be its banner; check cheaply before anchoring. */
	if (memmem(c->line, c->len, "Linux version ", 14) && is_banner(c->line)) {
		c->banners++;
		l.banner = true;
	}
	l.kernel = kl_console_kernel(c);

	size_t plen = c->len;
	if (c->overflow) {
		/* The last field may be cut mid-value: never report half a value. */
		while (plen > 0 && !is_sep(c->line[plen - 1]))
			plen--;
	}
	struct kl_record rec;
	const char *error = NULL;
	int r = kl_record_parse(c->line, plen, c->scratch, c->fields, MAX_FIELDS, &rec, &error);
	if (r > 0) {
		rec.raw = c->line;
		rec.lineno = c->lineno;
		rec.kernel = l.kernel;
		rec.truncated = c->overflow;
		l.record = &rec;
		c->n_records++;
	} else if (r < 0) {
		l.record_error = error;
		c->n_malformed++;
	}

	c->len = 0;
	c->overflow = false;
	c->pending = false;
	return cb ? cb(&l, userdata) : 0;
}

static void put_char(struct kl_console *c, char ch)
{
	if (c->len < KL_CONSOLE_LINE_MAX)
		c->line[c->len++] = ch;
	else
		c->overflow = true;
}

int kl_console_feed(struct kl_console *c, const void *buf, size_t len, kl_console_line_fn cb,
		    void *userdata)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = p[i];

		c->pending = true;
		if (ch == '\n') {
			/* A line end always wins: a cut escape sequence must not eat lines. */
			c->esc = ESC_NONE;
			int r = emit_line(c, cb, userdata);
			if (r < 0)
				return r;
			continue;
		}
		switch (c->esc) {
		case ESC_START:
			c->esc = ch == '[' ? ESC_CSI : ch == ']' ? ESC_OSC : ESC_NONE;
			c->esc_len = 0;
			continue;
		case ESC_CSI:
			/* Parameters and intermediates are 0x20-0x3f; a final byte ends it. */
			if ((ch >= 0x40 && ch <= 0x7e) || ++c->esc_len > ESC_MAX)
				c->esc = ESC_NONE;
			continue;
		case ESC_OSC:
			if (ch == 0x07 || ++c->esc_len > ESC_MAX)
				c->esc = ESC_NONE;
			else if (ch == 0x1b)
				c->esc = ESC_START; /* ST is ESC '\\' */
			continue;
		case ESC_NONE:
			break;
		}
		if (ch == 0x1b) {
			c->esc = ESC_START;
			continue;
		}
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			continue; /* CR, NUL, BEL, backspace...: noise on a log line */
		put_char(c, (char)ch);
	}
	return 0;
}

int kl_console_finish(struct kl_console *c, kl_console_line_fn cb, void *userdata)
{
	c->esc = ESC_NONE;
	if (!c->pending || c->len == 0)
		return 0;
	return emit_line(c, cb, userdata);
}
