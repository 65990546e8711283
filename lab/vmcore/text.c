/* SPDX-License-Identifier: MIT */
/* Dump bytes made safe for messages, JSON and terminals (see text.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "text.h"

static bool keep(unsigned char c, bool keep_newline)
{
	return (c >= 0x20 && c < 0x7f) || (keep_newline && c == '\n');
}

char *kl_text_escape(const char *s, bool keep_newline)
{
	if (!s)
		return NULL;
	size_t n = 1;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += keep(*p, keep_newline) ? 1 : 4;
	char *o = malloc(n), *w = o;
	if (!o)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (keep(*p, keep_newline))
			*w++ = (char)*p;
		else
			w += snprintf(w, 5, "\\x%02x", *p);
	}
	*w = '\0';
	return o;
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
