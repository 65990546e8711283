/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the facts the lab folds from a guest's console records (lab/guest/facts.c), and
 * the facts.json reader (`kdumplab validate --facts FILE` reads one from anywhere).
 *
 * An input that starts with '{' is a facts.json file: it becomes a memfd that
 * kl_facts_read_json opens by its /proc/self/fd path, as it opens one on disk. Any other input
 * is a console transcript: every record goes through kl_facts_apply as the cell does (errors
 * are reported and folding goes on). Either way the facts that come out must survive
 * facts.json: the text kl_facts_write_json would write, parsed and read back by
 * kl_facts_from_json, gives the same text again, so `validate --facts` later checks exactly
 * what the live run saw. No input may crash, hang, leak or allocate without bound.
 * Built only with -Dfuzz=true and clang; run by tests/fuzz/run.sh.
 */
#include <fcntl.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest/console.h"
#include "guest/facts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_line(const struct kl_console_line *l, void *userdata)
{
	struct kl_facts *f = userdata;
	if (!l->record)
		return 0;
	struct kl_error *err = NULL;
	int r = kl_facts_apply(f, l->record, &err);
	if (r < 0 && (!err || !err->msg))
		abort(); /* a failure always says why */
	kl_error_free(err);
	return 0;
}

static void check_bounds(const struct kl_facts *f)
{
	if (f->loader.n_ram > KL_FACTS_MAX_RANGES || f->loader.n_crash > KL_FACTS_MAX_RANGES ||
	    f->loader.n_modules > KL_FACTS_MAX_MODULES ||
	    f->saver.n_modules > KL_FACTS_MAX_MODULES || f->loader.n_errors > KL_FACTS_MAX_ERRORS ||
	    f->saver.n_errors > KL_FACTS_MAX_ERRORS)
		abort();
	if (f->saver.hash && strlen(f->saver.hash) != 16)
		abort();
}

/* facts -> facts.json text -> facts -> JSON must give the same text (as write_json/read_json). */
static void round_trip(const struct kl_facts *f)
{
	const int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE;
	check_bounds(f);
	struct json_object *j = kl_facts_to_json(f);
	if (!j)
		abort();
	char *text = strdup(json_object_to_json_string_ext(j, flags));
	json_object_put(j);
	enum json_tokener_error jerr;
	struct json_object *parsed = json_tokener_parse_verbose(text, &jerr);
	if (!parsed) {
		fprintf(stderr, "facts JSON does not parse: %s\n%s\n",
			json_tokener_error_desc(jerr), text);
		abort();
	}
	struct kl_facts *back = NULL;
	struct kl_error *err = NULL;
	if (kl_facts_from_json(parsed, &back, &err) < 0) {
		fprintf(stderr, "facts do not read back: %s\n%s\n", err ? err->msg : "?", text);
		abort();
	}
	json_object_put(parsed);
	check_bounds(back);
	struct json_object *j2 = kl_facts_to_json(back);
	if (!j2 || strcmp(text, json_object_to_json_string_ext(j2, flags)) != 0) {
		fprintf(stderr, "facts change through JSON:\n%s\n%s\n", text,
			j2 ? json_object_to_json_string_ext(j2, flags) : "?");
		abort();
	}
	json_object_put(j2);
	kl_facts_free(back);
	free(text);
}

static void from_console(const uint8_t *data, size_t size)
{
	struct kl_console *c = kl_console_new();
	struct kl_facts *f = kl_facts_new();
	if (!c || !f)
		abort();
	if (kl_console_feed(c, data, size, on_line, f) != 0 ||
	    kl_console_finish(c, on_line, f) != 0)
		abort();
	if (f->n_records != kl_console_records(c) || f->n_unknown > f->n_records)
		abort();
	round_trip(f);
	kl_facts_free(f);
	kl_console_free(c);
}

static void from_json_file(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-facts", MFD_CLOEXEC);
	if (fd < 0)
		return;
	for (size_t off = 0; off < size;) {
		ssize_t n = write(fd, data + off, size - off);
		if (n <= 0) {
			close(fd);
			return;
		}
		off += (size_t)n;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct kl_facts *f = NULL;
	struct kl_error *err = NULL;
	if (kl_facts_read_json(path, &f, &err) == 0) {
		round_trip(f);
		kl_facts_free(f);
	} else if (!err || !err->msg)
		abort();
	kl_error_free(err);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 0 && data[0] == '{')
		from_json_file(data, size);
	else
		from_console(data, size);
	return 0;
}
