/* SPDX-License-Identifier: MIT */
/*
 * Streaming parser of a guest's serial console.
 *
 * Feed it byte chunks as they arrive (split anywhere). It cleans each line (drops CR, NUL,
 * other control bytes and ANSI escape sequences; keeps TAB and bytes >= 0x80), bounds its
 * length, counts "Linux version " banners to know which kernel is talking, and parses lines
 * that carry a KDUMPLAB record (common/protocol.h), also after junk from an interleaved
 * kernel message.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest line kept; the rest of a longer line is dropped and the line flagged. */
#define KL_CONSOLE_LINE_MAX 8192

/* Which kernel printed a line: the number of "Linux version " banners seen so far. */
enum kl_kernel {
	KL_KERNEL_FIRMWARE = 0, /* before any banner: firmware, boot loader (keep with system) */
	KL_KERNEL_SYSTEM = 1,	/* the first kernel */
	KL_KERNEL_CAPTURE = 2,	/* the second kernel: kexec'd on crash */
	KL_KERNEL_EXTRA = 3,	/* a third banner or later: an unexpected reboot */
};
const char *kl_kernel_name(enum kl_kernel k);

struct kl_field {
	const char *key;
	const char *value; /* %-decoded, NUL-terminated (a decoded %00 ends the C string) */
	size_t value_len;
};

/* A parsed "KDUMPLAB phase=... k=v ..." line. Valid only during the callback. */
struct kl_record {
	const char *phase;
	const struct kl_field *fields; /* in line order, phase included */
	size_t n_fields;
	const char *raw; /* the whole cleaned console line, junk included */
	unsigned long lineno;
	enum kl_kernel kernel;
	bool truncated; /* the line was cut: its last field was dropped */
};

/* The value of key, or NULL. */
const char *kl_record_get(const struct kl_record *rec, const char *key);
/* Parse key's value as an unsigned number (0x-prefixed hex or decimal).
 * -ENOENT when absent, -EINVAL when malformed, -ERANGE on overflow. */
int kl_record_get_u64(const struct kl_record *rec, const char *key, uint64_t *ret);

struct kl_console_line {
	const char *text; /* cleaned, NUL-terminated, without the line terminator */
	size_t len;
	unsigned long lineno; /* 1-based */
	enum kl_kernel kernel;
	bool truncated;
	bool banner; /* this line is a "Linux version " banner (kernel already advanced) */
	const struct kl_record *record; /* non-NULL when the line holds a valid record */
	const char *record_error;	/* non-NULL when it holds the prefix but is malformed */
};

/* Return < 0 to stop: kl_console_feed()/finish() then return that value. */
typedef int (*kl_console_line_fn)(const struct kl_console_line *line, void *userdata);

struct kl_console;

struct kl_console *kl_console_new(void);
void kl_console_free(struct kl_console *c);
static inline void kl_console_freep(struct kl_console **c)
{
	kl_console_free(*c);
}

/* Feed len bytes; calls cb for every line completed. Returns 0 or cb's negative value. */
int kl_console_feed(struct kl_console *c, const void *buf, size_t len, kl_console_line_fn cb,
		    void *userdata);
/* End of stream: emits a pending unterminated line. */
int kl_console_finish(struct kl_console *c, kl_console_line_fn cb, void *userdata);

/* The kernel the next line belongs to. */
enum kl_kernel kl_console_kernel(const struct kl_console *c);
unsigned kl_console_banners(const struct kl_console *c);
unsigned long kl_console_lines(const struct kl_console *c);
unsigned long kl_console_records(const struct kl_console *c);
unsigned long kl_console_malformed(const struct kl_console *c);

/*
 * Parse one cleaned line on its own (what feed does for each line). Returns 1 and fills
 * *ret (which borrows from scratch, a caller buffer of at least len + 1 bytes, and fields,
 * an array of max_fields) when the line holds a valid record, 0 when it holds none, and
 * -EBADMSG with *ret_error set when it holds the prefix but is malformed.
 */
int kl_record_parse(const char *line, size_t len, char *scratch, struct kl_field *fields,
		    size_t max_fields, struct kl_record *ret, const char **ret_error);
