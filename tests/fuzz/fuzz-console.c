/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the serial console parser (lab/guest/console.c). A crashed or hostile guest
 * writes these bytes, so no input may crash, hang, leak or allocate without bound, and the
 * result must not depend on how the stream was cut into reads. The first input byte seeds the
 * chunk sizes; the rest is the stream, fed in those chunks, then in one piece, and the lines
 * of both runs must agree. Each line must be clean (no control bytes but TAB, no NUL, at most
 * KL_CONSOLE_LINE_MAX bytes); each record's fields must be found again by kl_record_get and
 * parsed by kl_record_get_u64. kl_record_parse also runs on the raw input as one line with a
 * field limit taken from the input. Built only with -Dfuzz=true and clang; run by run.sh.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest/console.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct digest {
	uint64_t hash; /* FNV-1a over every line's text, kernel, flags and record */
	unsigned long lines, records, malformed;
};

static void mix(struct digest *d, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		d->hash = (d->hash ^ b[i]) * 0x100000001b3ULL;
}

static void check_record(const struct kl_record *rec)
{
	if (!rec->phase || !*rec->phase || rec->n_fields == 0)
		abort();
	for (size_t i = 0; i < rec->n_fields; i++) {
		const struct kl_field *f = &rec->fields[i];
		/* keys are unique, so get finds this very field */
		if (kl_record_get(rec, f->key) != f->value)
			abort();
		if (strlen(f->value) > f->value_len) /* a decoded %00 may end it early */
			abort();
		uint64_t v;
		int r = kl_record_get_u64(rec, f->key, &v);
		if (r != 0 && r != -EINVAL && r != -ERANGE)
			abort();
	}
	if (kl_record_get(rec, "phase") != rec->phase)
		abort();
	uint64_t v;
	if (kl_record_get_u64(rec, "no such key", &v) != -ENOENT)
		abort();
}

static int on_line(const struct kl_console_line *l, void *userdata)
{
	struct digest *d = userdata;

	if (l->len > KL_CONSOLE_LINE_MAX || strlen(l->text) != l->len)
		abort();
	for (size_t i = 0; i < l->len; i++) {
		unsigned char c = (unsigned char)l->text[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			abort();
	}
	if (l->record && l->record_error)
		abort();
	if (l->record) {
		check_record(l->record);
		if (l->record->lineno != l->lineno || l->record->kernel != l->kernel)
			abort();
	}
	d->lines++;
	d->records += l->record != NULL;
	d->malformed += l->record_error != NULL;
	mix(d, l->text, l->len);
	unsigned char flags[4] = { (unsigned char)l->kernel, l->truncated, l->banner,
				   l->record ? (unsigned char)l->record->n_fields : 0xff };
	mix(d, flags, sizeof(flags));
	if (l->record_error)
		mix(d, l->record_error, strlen(l->record_error));
	return 0;
}

static void run(const uint8_t *data, size_t size, uint32_t seed, struct digest *d)
{
	struct kl_console *c = kl_console_new();
	if (!c)
		abort();
	*d = (struct digest){ .hash = 0xcbf29ce484222325ULL };
	for (size_t off = 0; off < size;) {
		size_t n = size - off;
		if (seed) {
			seed ^= seed << 13; /* xorshift32: chunks of 1..64 bytes, or the rest */
			seed ^= seed >> 17;
			seed ^= seed << 5;
			if (n > (seed & 63) + 1)
				n = (seed & 63) + 1;
		}
		if (kl_console_feed(c, data + off, n, on_line, d) != 0)
			abort();
		off += n;
	}
	if (kl_console_finish(c, on_line, d) != 0)
		abort();
	if (kl_console_lines(c) != d->lines || kl_console_records(c) != d->records ||
	    kl_console_malformed(c) != d->malformed)
		abort();
	if (kl_console_kernel(c) > KL_KERNEL_EXTRA || !kl_kernel_name(kl_console_kernel(c)))
		abort();
	kl_console_free(c);
}

/* The raw input as one line, as a caller with its own buffers would pass it. */
static void parse_one(const uint8_t *data, size_t size, size_t max_fields)
{
	char *line = malloc(size + 1), *scratch = malloc(size + 1);
	struct kl_field *fields = calloc(max_fields, sizeof(*fields));
	if (!line || !scratch || !fields)
		abort();
	memcpy(line, data, size);
	line[size] = '\0';
	struct kl_record rec;
	const char *error = NULL;
	int r = kl_record_parse(line, size, scratch, fields, max_fields, &rec, &error);
	if (r == 1) {
		if (rec.n_fields > max_fields)
			abort();
		rec.raw = line;
		check_record(&rec);
	} else if (r == -EBADMSG) {
		if (!error)
			abort();
	} else if (r != 0)
		abort();
	free(fields);
	free(scratch);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint32_t seed = data[0] * 0x01010101u + 1;
	struct digest split, whole;
	run(data + 1, size - 1, seed, &split);
	run(data + 1, size - 1, 0, &whole);
	if (split.hash != whole.hash || split.lines != whole.lines)
		abort();
	if (size - 1 <= 2 * KL_CONSOLE_LINE_MAX)
		parse_one(data + 1, size - 1, (data[0] & 15) + 1);
	return 0;
}
