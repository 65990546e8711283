/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "conbuf.h"

void kl_conbuf_append(struct kl_conbuf *b, const char *data, size_t n)
{
	size_t max = b->max ? b->max : KL_CONBUF_MAX;
	if (b->start > 0 && b->start == b->end)
		b->start = b->end = 0;
	/* The reader lags: keep what is unread, drop what comes, say so once per gap. */
	size_t room = max - sizeof(KL_CONBUF_NOTE), unread = b->end - b->start;
	if (unread >= room || n > room - unread) {
		b->dropped += n;
		if (b->dropping)
			return;
		b->dropping = true;
		data = KL_CONBUF_NOTE;
		n = sizeof(KL_CONBUF_NOTE) - 1;
	} else {
		b->dropping = false;
	}
	if (b->end + n > b->cap) {
		/* Compact first; grow only when the unread part does not fit. */
		memmove(b->buf, b->buf + b->start, b->end - b->start);
		b->end -= b->start;
		b->start = 0;
		if (b->end + n > b->cap) {
			size_t cap = b->cap ? b->cap : 65536;
			while (cap < b->end + n)
				cap *= 2;
			char *nb = realloc(b->buf, cap);
			if (!nb)
				return; /* drop output rather than crash; the reader sees a gap */
			b->buf = nb;
			b->cap = cap;
		}
	}
	memcpy(b->buf + b->end, data, n);
	b->end += n;
}

size_t kl_conbuf_take(struct kl_conbuf *b, char *out, size_t len)
{
	size_t n = b->end - b->start < len ? b->end - b->start : len;
	memcpy(out, b->buf + b->start, n);
	b->start += n;
	return n;
}

void kl_conbuf_done(struct kl_conbuf *b)
{
	free(b->buf);
	*b = (struct kl_conbuf){ 0 };
}
