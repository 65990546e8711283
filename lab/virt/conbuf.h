/* SPDX-License-Identifier: MIT */
/*
 * The buffer between a remote console stream (filled on libvirt's event loop thread) and the
 * cell that reads it: it grows as needed, but never past KL_CONBUF_MAX unread bytes. While the
 * reader lags that far behind, the guest's bytes are dropped and one note marks the gap.
 * Not locked: the caller holds its own lock around every call.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KL_CONBUF_MAX  (8U << 20)
#define KL_CONBUF_NOTE "\n[kdumplab: console stream cut: bytes dropped while the reader lagged]\n"

struct kl_conbuf {
	char *buf;
	size_t start, end, cap;
	size_t max;    /* 0: KL_CONBUF_MAX */
	bool dropping; /* bytes were dropped since the reader last caught up */
	uint64_t dropped;
};

void kl_conbuf_append(struct kl_conbuf *b, const char *data, size_t n);
/* Move up to len unread bytes to out; returns how many. */
size_t kl_conbuf_take(struct kl_conbuf *b, char *out, size_t len);
static inline size_t kl_conbuf_unread(const struct kl_conbuf *b)
{
	return b->end - b->start;
}
void kl_conbuf_done(struct kl_conbuf *b);
