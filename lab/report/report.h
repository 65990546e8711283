/* SPDX-License-Identifier: MIT */
/*
 * Run reports, rendered from typed cell results (plan/result.h): results.json (one object per
 * cell, result-json.c's) and junit.xml. Formats are a table: a name, the file it is written
 * to in the output directory, and a renderer; kl_report_write writes every one atomically, and
 * the run rebuilds them after every cell, so an interrupted run always leaves consistent
 * reports. Adding a format is one renderer and one row of kl_report_formats[].
 */
#pragma once

#include <stddef.h>

#include "base/error.h"
#include "plan/result.h"

/* What a report shows: the cells finished so far, in plan order. */
struct kl_report {
	const struct kl_cell_result *const *cells;
	size_t n_cells;
	const char *written; /* ISO 8601 UTC; NULL: now (kl_report_write) */
};

struct kl_report_format {
	const char *name; /* "json", "junit" */
	const char *file; /* in the output directory */
	int (*render)(const struct kl_report *rep, char **ret, struct kl_error **err);
};

/* The formats, ending with a row whose name is NULL. */
extern const struct kl_report_format kl_report_formats[];

/* results.json's text (golden-tested). */
int kl_report_render_json(const struct kl_report *rep, char **ret, struct kl_error **err);
/* junit.xml's text (golden-tested). */
int kl_report_render_junit(const struct kl_report *rep, char **ret, struct kl_error **err);
/* Render every format into dir/<file>, each written atomically. */
int kl_report_write(const char *dir, const struct kl_report *rep, struct kl_error **err);
