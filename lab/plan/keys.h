/* SPDX-License-Identifier: MIT */
/*
 * Cell keys: one table row per parameter of a cell (kernel, memory, ..., capture_append).
 *
 * A row says everything about its key: its name in a plan file, its `kdumplab run --OPTION`,
 * the field of struct kl_cell_spec it fills (offsetof), how its value parses and what bounds
 * it must meet, its key in results.json and cell.json, how the journal compares it when a run
 * resumes, and its help text. plan.c (plan files), cmd-run.c (options and --help), the spec
 * copy/clear functions, journal.c and report/json.c all walk the table, so adding a key is a
 * field in struct kl_cell_spec and one row in keys.c.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "plan.h"

/* Arrays indexed by key (a plan section's values, the options given) are this long. */
#define KL_CELL_KEYS_MAX 32

enum kl_key_type {
	KL_KEY_STRING, /* char *, NULL when unset; JSON string or null */
	KL_KEY_SIZE,   /* uint64_t bytes (base/size.h syntax); JSON number and "<json>_h" */
	KL_KEY_UINT,   /* unsigned, decimal, .min to .max; JSON number */
};

/* Where a value comes from: it names the key in messages ("memory" or "--memory"). A plan's
 * numbers are range-checked by kl_cell_spec_check, which names the cell; an option's at once. */
enum kl_key_from {
	KL_KEY_FROM_PLAN,
	KL_KEY_FROM_OPTION,
};

enum kl_key_resume {
	KL_RESUME_EQUAL = 0, /* a stored cell is resumed only if it has the same value */
	KL_RESUME_IGNORE,    /* the value does not change what the cell does */
};

struct kl_cell_key {
	const char *name;    /* plan key: "capture_append" */
	const char *option;  /* kdumplab run --OPTION: "capture-append" */
	const char *json;    /* key in results.json and cell.json */
	const char *metavar; /* --help: "--option METAVAR" */
	const char *help;
	enum kl_key_type type;
	size_t offset; /* offsetof(struct kl_cell_spec, field) */
	/* The value when neither the cell nor [defaults] sets it (NULL: unset); option_dflt, if
	 * set, replaces it for `kdumplab run` without a plan file. */
	const char *dflt, *option_dflt;
	bool required;	   /* a plan cell without it (and without a default) is refused */
	unsigned min, max; /* KL_KEY_UINT */
	/* Bounds that need the whole cell (whole pages, below memory, in the catalogue, ...);
	 * called by kl_cell_spec_check for set values; -EINVAL naming the cell and value. */
	int (*check)(const struct kl_cell_key *k, const struct kl_cell_spec *c,
		     struct kl_error **err);
	enum kl_key_resume resume;
	/* results.json layout: json_resolved (if set) is the key of what this key resolved to at
	 * run time (the kernel's release), written right after it; json_last keys are written
	 * after all others, next to the verdict (expect). */
	const char *json_resolved;
	bool json_last;
};

extern const struct kl_cell_key kl_cell_keys[];
extern const size_t kl_cell_keys_count;

/* The key called name in a plan file, or NULL. */
const struct kl_cell_key *kl_cell_key_find(const char *name);
/* "kernel, memory, ..." (for messages); cut to len. */
const char *kl_cell_key_names(char *buf, size_t len);

/* Parse value into k's field of c (a string is copied); the field is untouched on failure
 * (-EINVAL, usage error naming the key as from says and the value). */
int kl_cell_key_set(const struct kl_cell_key *k, struct kl_cell_spec *c, const char *value,
		    enum kl_key_from from, struct kl_error **err);
/* A string field, or NULL for other types. */
const char *kl_cell_key_string(const struct kl_cell_key *k, const struct kl_cell_spec *c);

/* Add "id" and every key to o, in results.json's order; release (what the kernel resolved to,
 * may be NULL) goes where the kernel row's json_resolved says. */
void kl_cell_keys_json(struct json_object *o, const struct kl_cell_spec *c, const char *release);
/* Whether a stored cell (cell.json) has c's values for every key that decides resuming. */
bool kl_cell_keys_match(struct json_object *o, const struct kl_cell_spec *c);
