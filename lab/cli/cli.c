/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "base/text.h"
#include "cli.h"

/*
 * The terminal boundary for stderr: messages quote guest values, dump contents and the output
 * of other programs, so each line is made safe text (lab/base/text.h) before it is printed. A
 * multi-line message keeps its lines, the later ones indented, so no line can pass for one
 * of ours.
 */
void cli_note(const char *fmt, ...)
{
	_cleanup_free_ char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fputs("kdumplab: out of memory printing a message\n", stderr);
		return;
	}
	for (const char *p = s;;) {
		size_t len = strcspn(p, "\n");
		_cleanup_free_ char *line = kl_text_safe(p, len, KL_TEXT_MAX);
		fprintf(stderr, "%s%s\n", p == s ? "" : "  ", line ? line : "?");
		if (!p[len] || !p[len + 1])
			break;
		p += len + 1;
	}
}
