/* SPDX-License-Identifier: MIT */
/*
 * A guest's console logs, capped: a guest decides how much it prints, and a cell's logs must not
 * grow for as long as its deadlines allow. Up to KL_CONSOLE_LOG_MAX bytes are kept byte-exact,
 * then one line says where the log was cut and the rest is dropped.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define KL_CONSOLE_LOG_MAX (64ULL << 20)
/* The line written where a log was cut (printf format, the cut offset as unsigned long long). */
#define KL_CONSOLE_LOG_CUT "[kdumplab: console log cut at %llu bytes]\n"

struct kl_caplog {
	FILE *f;
	uint64_t max; /* 0: KL_CONSOLE_LOG_MAX */
	uint64_t written;
	bool cut;
	int error; /* first write error (errno), 0 if none */
};

/* Append n bytes of data to l->f, up to the cap; past it, the note once. */
void kl_caplog_write(struct kl_caplog *l, const void *data, size_t n);
