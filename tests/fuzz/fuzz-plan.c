/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: plan files (lab/plan/plan.c). Plans come from users and from CI jobs that
 * generate them, and their values reach kernel command lines and file names, so no input may
 * crash, hang, leak or allocate without bound, and every cell of a parsed plan must pass
 * kl_cell_spec_check and copy, and its cell.json keys (kl_cell_keys_json, as text and back)
 * must resume it (kl_cell_keys_match). Text goes to kl_plan_parse_string, the parser
 * kl_plan_parse_file calls after its size bound and NUL check; an input holding a NUL byte
 * goes through kl_plan_parse_file itself (a memfd opened by its /proc/self/fd path, as a plan
 * on disk), which must refuse it. (kl_plan_parse_file's 1 MiB read buffer costs ~2 ms per call
 * under ASan: using it for every input would cut the executions tenfold.)
 * Built only with -Dfuzz=true and clang; run by tests/fuzz/run.sh.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "plan/keys.h"
#include "plan/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a run writes for the cell, read back as the journal does, resumes the same cell. */
static void check_json(const struct kl_cell_spec *c)
{
	struct json_object *o = json_object_new_object();
	if (!o)
		abort();
	kl_cell_keys_json(o, c, "6.1.0-fuzz");
	struct json_object *back = json_tokener_parse(json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	if (!back || !kl_cell_keys_match(back, c)) {
		fprintf(stderr, "cell %s does not match its own cell.json\n", c->id);
		abort();
	}
	json_object_put(back);
	json_object_put(o);
}

static void check(const struct kl_plan *p)
{
	if (p->n_cells == 0 || p->n_cells > 4096)
		abort();
	for (size_t i = 0; i < p->n_cells; i++) {
		const struct kl_cell_spec *c = &p->cells[i];
		struct kl_error *err = NULL;
		if (!c->id || !*c->id || !c->kernel || !c->scenario || !c->expect)
			abort();
		if (kl_cell_spec_check(c, &err) < 0) {
			fprintf(stderr, "cell %s parsed but fails its check: %s\n", c->id,
				err ? err->msg : "?");
			abort();
		}
		struct kl_cell_spec copy = { 0 };
		if (kl_cell_spec_copy(&copy, c) < 0 || strcmp(copy.id, c->id) != 0)
			abort();
		kl_cell_spec_clear(&copy);
		check_json(c);
	}
}

static int parse_file(const uint8_t *data, size_t size, struct kl_plan **ret, struct kl_error **err)
{
	int fd = memfd_create("fuzz-plan", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	for (size_t off = 0; off < size;) {
		ssize_t n = write(fd, data + off, size - off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int r = kl_plan_parse_file(path, ret, err);
	close(fd);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kl_plan *p = NULL;
	struct kl_error *err = NULL;
	int r;
	if (memchr(data, '\0', size)) {
		/* only the file reader sees NULs (and must refuse them) */
		r = parse_file(data, size, &p, &err);
		if (r == 0)
			abort();
	} else {
		char *text = malloc(size + 1);
		if (!text)
			abort();
		memcpy(text, data, size);
		text[size] = '\0';
		r = kl_plan_parse_string(text, "fuzz.plan", &p, &err);
		free(text);
	}
	if (r == 0) {
		check(p);
		kl_plan_free(p);
	} else if (!err || !err->msg)
		abort(); /* a failure always says why */
	kl_error_free(err);
	return 0;
}
